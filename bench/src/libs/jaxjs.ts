/**
 * @file The workloads written with jax-js on its fastest CPU path (the wasm device, with jit: with
 * `threads` > 1 on its worker threads as in a browser, else on the main thread), or on its WebGPU
 * device under Dawn.
 * jax-js builds its wasm backend when it is imported, deciding then whether it has workers, so it
 * is imported once the Worker shim is installed.
 * jax-js moves ownership of arrays into calls, so inputs are passed with `.ref` to keep them.
 * Its jit cannot differentiate takeAlongAxis (the scatter in the gradient is rejected), so the
 * target logit is taken with a one-hot mask, the usual JAX idiom.
 */
import { W4_SHAPES } from '../workloads.js';
import { installDawnGlobals } from './dawnGlobals.js';
import { copies, type Library, type Outputs, oneHotRows } from './library.js';
import { installWorkerShim, startedWorkers } from './workerShim.js';

type JArray = import('@jax-js/jax').numpy.Array;

const read = async (ts: readonly JArray[]): Promise<Outputs> =>
  copies(await Promise.all(ts.map(async (t) => (await t.data()) as Float32Array)));

export const jaxjsLibrary: Library = async (w, inputs, { device, threads }) => {
  const target = device === 'webgpu' ? 'webgpu' : 'wasm';
  if (device === 'webgpu') await installDawnGlobals();
  else if (threads > 1) installWorkerShim(threads);
  const { init, jit, nn, numpy: np, valueAndGrad, defaultDevice } = await import('@jax-js/jax');
  const devices = await init(target);
  if (!devices.includes(target))
    throw new Error(`jax-js could not start its ${target} device (has ${devices.join(', ')})`);
  defaultDevice(target);
  const { dims, floats, labels } = inputs;
  const arr = (i: number, shape: number[]): JArray => np.array(floats[i] as Float32Array<ArrayBuffer>).reshape(shape);
  const ce = (z: JArray, onehot: JArray): JArray =>
    nn
      .logsumexp(z.ref, -1)
      .sub(np.sum(z.mul(onehot), -1))
      .mean();
  let run: () => Promise<Outputs>;
  switch (w.id) {
    case 'W1': {
      const [n, v] = dims as [number, number];
      const z = arr(0, [...dims]);
      const y = np.array(oneHotRows(labels, v)).reshape([n, v]);
      const f = jit(valueAndGrad(ce));
      run = async () => {
        const [v, g] = f(z.ref, y.ref);
        return read([v, g]);
      };
      break;
    }
    case 'W2': {
      const z = arr(0, [...dims]);
      const f = jit((zz: JArray) => nn.logsumexp(zz, -1));
      run = async () => read([f(z.ref)]);
      break;
    }
    case 'W3': {
      const [n, d, v] = dims as [number, number, number];
      const h = arr(0, [n, d]);
      const wc = arr(1, [v, d]);
      const y = np.array(oneHotRows(labels, v)).reshape([n, v]);
      const f = jit(valueAndGrad((p: { h: JArray; w: JArray }, yy: JArray) => ce(np.matmul(p.h, p.w.transpose()), yy)));
      run = async () => {
        const [loss, g] = f({ h: h.ref, w: wc.ref }, y.ref) as [JArray, { h: JArray; w: JArray }];
        return read([loss, g.h, g.w]);
      };
      break;
    }
    case 'W4': {
      const { batch, features, hidden, classes } = W4_SHAPES;
      const xs = arr(0, [batch, features]);
      const w1 = arr(1, [features, hidden]);
      const w2 = arr(2, [hidden, classes]);
      const onehot = np.array(oneHotRows(labels, classes)).reshape([batch, classes]);
      const loss = (p: { a: JArray; b: JArray }, xx: JArray, oh: JArray): JArray => {
        const lp = nn.logSoftmax(np.matmul(np.tanh(np.matmul(xx, p.a.ref)), p.b.ref));
        const nll = np.sum(oh.mul(lp.ref), -1).mean().neg();
        const smooth = lp.ref.mean().neg();
        const ent = np.sum(np.exp(lp.ref).mul(lp), -1).mean().neg();
        const decay = np
          .sum(np.square(p.a))
          .add(np.sum(np.square(p.b)))
          .mul(1e-3);
        return nll.mul(0.9).add(smooth.mul(0.1)).sub(ent.mul(0.01)).add(decay);
      };
      const f = jit(valueAndGrad(loss));
      const steps = w.steps ?? 1;
      run = async () => {
        let out: JArray[] = [];
        for (let s = 0; s < steps; s++) {
          out.forEach((o) => {
            o.dispose();
          });
          const [v, g] = f({ a: w1.ref, b: w2.ref }, xs.ref, onehot.ref) as [JArray, { a: JArray; b: JArray }];
          out = [v, g.a, g.b];
          await Promise.all(out.map((o) => o.ref.blockUntilReady()));
        }
        return read(out);
      };
      break;
    }
    case 'W5': {
      const z = arr(0, [...dims]);
      const f = jit(
        valueAndGrad((zz: JArray) => {
          const lp = nn.logSoftmax(zz);
          return np.sum(np.exp(lp.ref).mul(lp), -1).mean().neg();
        }),
      );
      run = async () => {
        const [v, g] = f(z.ref);
        return read([v, g]);
      };
      break;
    }
  }
  if (device === 'webgpu' || threads === 1) return { run };
  const onWorkers = run;
  return {
    run: async () => {
      const out = await onWorkers();
      if (startedWorkers() === 0) throw new Error('jax-js ran without starting its worker threads');
      return out;
    },
  };
};
