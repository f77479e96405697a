/** @file The workloads written idiomatically with TensorFlow.js on its CPU backend, or its WebGPU backend under Dawn. */
import * as tf from '@tensorflow/tfjs';
import { W4_SHAPES } from '../workloads.js';
import { installDawnGlobals } from './dawnGlobals.js';
import { copies, type Library, type Outputs, oneHotRows } from './library.js';

const read = async (ts: readonly tf.Tensor[]): Promise<Outputs> => {
  const out = await Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
  ts.forEach((t) => {
    t.dispose();
  });
  return copies(out);
};

export const tfjsLibrary: Library = async (w, inputs, { device }) => {
  if (device === 'webgpu') {
    await installDawnGlobals();
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  if (!(await tf.setBackend(device))) throw new Error(`TensorFlow.js could not start its ${device} backend`);
  await tf.ready();
  const { dims, floats, labels } = inputs;
  const t = (i: number, shape: number[]): tf.Tensor2D =>
    tf.tensor2d(floats[i] as Float32Array, shape as [number, number]);
  let run: () => Promise<Outputs>;
  switch (w.id) {
    case 'W1': {
      const [n, v] = dims as [number, number];
      const z = t(0, [n, v]);
      const onehot = tf.tensor2d(oneHotRows(labels, v), [n, v]);
      const vg = tf.valueAndGrad((zz: tf.Tensor) => tf.losses.softmaxCrossEntropy(onehot, zz));
      run = () => {
        const { value, grad } = vg(z);
        return read([value, grad]);
      };
      break;
    }
    case 'W2': {
      const z = t(0, [...dims]);
      run = () => read([tf.logSumExp(z, -1)]);
      break;
    }
    case 'W3': {
      const [n, d, v] = dims as [number, number, number];
      const h = t(0, [n, d]);
      const wc = t(1, [v, d]);
      const onehot = tf.tensor2d(oneHotRows(labels, v), [n, v]);
      const vg = tf.valueAndGrads((hh: tf.Tensor, ww: tf.Tensor) =>
        tf.losses.softmaxCrossEntropy(onehot, tf.matMul(hh, ww, false, true)),
      );
      run = () => {
        const { value, grads } = vg([h, wc]);
        return read([value, ...grads]);
      };
      break;
    }
    case 'W4': {
      const { batch, features, hidden, classes } = W4_SHAPES;
      const xs = t(0, [batch, features]);
      const w1 = t(1, [features, hidden]);
      const w2 = t(2, [hidden, classes]);
      const onehot = tf.tensor2d(oneHotRows(labels, classes), [batch, classes]);
      const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
        tf.tidy(() => {
          const lp = tf.logSoftmax(tf.matMul(tf.tanh(tf.matMul(xs, a)), b));
          const nll = tf.neg(tf.mean(tf.sum(tf.mul(onehot, lp), -1)));
          const smooth = tf.neg(tf.mean(lp));
          const ent = tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(lp), lp), -1)));
          const decay = tf.mul(1e-3, tf.add(tf.sum(tf.square(a)), tf.sum(tf.square(b))));
          return tf.add<tf.Scalar>(tf.sub(tf.add(tf.mul(0.9, nll), tf.mul(0.1, smooth)), tf.mul(0.01, ent)), decay);
        });
      const vg = tf.valueAndGrads(loss);
      const steps = w.steps ?? 1;
      run = () => {
        let out: tf.Tensor[] = [];
        for (let s = 0; s < steps; s++) {
          out.forEach((o) => {
            o.dispose();
          });
          const { value, grads } = vg([w1, w2]);
          out = [value, ...grads];
        }
        return read(out);
      };
      break;
    }
    case 'W5': {
      const z = t(0, [...dims]);
      const vg = tf.valueAndGrad((zz: tf.Tensor) => {
        const lp = tf.logSoftmax(zz);
        return tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(lp), lp), -1)));
      });
      run = () => {
        const { value, grad } = vg(z);
        return read([value, grad]);
      };
      break;
    }
  }
  return { run };
};
