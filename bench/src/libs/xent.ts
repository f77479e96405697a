/**
 * @file The workloads written with xent, jitted on the CPU backend (with or without relaxed SIMD) or on
 * WebGPU. Outputs are read without a copy on the CPU (`view()`), read back on WebGPU, and disposed after.
 */
import * as x from 'xent';
import { type Inputs, W4_SHAPES, type Workload } from '../workloads.js';
import type { FloatsAt } from '../data.js';
import { type Library, type LibraryOptions, oneHotRows, type Outputs, type Prepared } from './library.js';

const ce = (z: x.Tensor, y: x.Tensor): x.Tensor =>
  x.mean(x.sub(x.logsumexp(z, { axis: -1 }), x.squeeze(x.gather(z, x.expandDims(y, -1), { axis: -1 }), -1)));

const entropy = (z: x.Tensor): x.Tensor => {
  const lp = x.logSoftmax(z);
  return x.neg(x.mean(x.sum(x.mul(x.exp(lp), lp), { axis: -1 })));
};

/** W4's ~30-op loss: two layers, label-smoothed CE, an entropy bonus and weight decay. */
const smallLoss = (xs: x.Tensor, w1: x.Tensor, w2: x.Tensor, onehot: x.Tensor): x.Tensor => {
  const logits = x.matmul(x.tanh(x.matmul(xs, w1)), w2);
  const lp = x.logSoftmax(logits);
  const nll = x.neg(x.mean(x.sum(x.mul(onehot, lp), { axis: -1 })));
  const smooth = x.neg(x.mean(lp));
  const ent = x.neg(x.mean(x.sum(x.mul(x.exp(lp), lp), { axis: -1 })));
  const decay = x.mul(1e-3, x.add(x.sum(x.square(w1)), x.sum(x.square(w2))));
  return x.add(x.sub(x.add(x.mul(0.9, nll), x.mul(0.1, smooth)), x.mul(0.01, ent)), decay);
};

/** On the GPU, inputs are uploaded once, as a training loop keeps its data there. */
const put = (gpu: x.WebGpuBackend | undefined, t: x.Tensor): x.Tensor => (gpu === undefined ? t : gpu.upload(t));

/** The tensors whose memory the float inputs were made in (`tensorFloats`), by their views. */
const madeIn = new WeakMap<Float32Array, x.Tensor>();

/** Float inputs made in tensors on the CPU backend's memory, as C holds its inputs in its own: read there without a copy. */
export const tensorFloats: FloatsAt = (shape) => {
  const t = x.zeros(shape);
  const values = t.view();
  madeIn.set(values, t);
  return values;
};

/** Float input `i` as a tensor of `shape`: the one it was made in, or a copy of it (a function of its own, so that no closure of `prepare` holds the inputs). */
const tensorOf = (gpu: x.WebGpuBackend | undefined, inputs: Inputs, i: number, shape: readonly number[]): x.Tensor => {
  const values = inputs.floats[i] as Float32Array;
  const made = madeIn.get(values);
  return put(gpu, made !== undefined && made.shape.join() === shape.join() ? made : x.tensor(values, { shape }));
};

/**
 * The workload on xent, the CPU backend taking these options (threads come from the cell). No
 * closure that outlives this call holds the JS inputs: once copied into tensors they can be
 * collected, as a program that loads its data would let them go.
 */
async function prepare(
  w: Workload,
  inputs: Inputs,
  { threads, device }: LibraryOptions,
  cpu: Omit<x.CpuOptions, 'threads'>,
): Promise<Prepared> {
  const gpu = device === 'webgpu' ? await x.webgpu() : undefined;
  /** The outputs' values: views of the CPU backend's memory, or read back from the GPU; disposed on release. */
  const flat = async (outs: readonly x.Tensor[]): Promise<Outputs> => ({
    values: await Promise.all(outs.map(async (t) => (gpu === undefined ? t.view() : await t.dataAsync()))),
    release: () => {
      for (const t of outs) t.dispose();
    },
  });
  x.setDefaultBackend(gpu ?? x.createCpuBackend({ ...cpu, threads }));
  const { dims, labels } = inputs;
  const y = put(gpu, x.tensor(labels, { shape: [labels.length] }));
  let run: () => Promise<Outputs>;
  switch (w.id) {
    case 'W1': {
      const f = x.jit(x.valueAndGrad(ce));
      const z = tensorOf(gpu, inputs, 0, dims);
      run = () => flat(f(z, y));
      break;
    }
    case 'W2': {
      const f = x.jit((z: x.Tensor) => x.logsumexp(z, { axis: -1 }));
      const z = tensorOf(gpu, inputs, 0, dims);
      run = () => flat([f(z)]);
      break;
    }
    case 'W3': {
      const [n, d, v] = dims as [number, number, number];
      const f = x.jit(
        x.valueAndGrad((h: x.Tensor, wc: x.Tensor) => ce(x.matmul(h, x.transpose(wc)), y), { argnums: [0, 1] }),
      );
      const h = tensorOf(gpu, inputs, 0, [n, d]);
      const wc = tensorOf(gpu, inputs, 1, [v, d]);
      run = () => {
        const [loss, [dh, dw]] = f(h, wc) as unknown as [x.Tensor, [x.Tensor, x.Tensor]];
        return flat([loss, dh, dw]);
      };
      break;
    }
    case 'W4': {
      const { batch, features, hidden, classes } = W4_SHAPES;
      const f = x.jit(x.valueAndGrad(smallLoss, { argnums: [1, 2] }));
      const args = [
        tensorOf(gpu, inputs, 0, [batch, features]),
        tensorOf(gpu, inputs, 1, [features, hidden]),
        tensorOf(gpu, inputs, 2, [hidden, classes]),
        put(gpu, x.tensor(oneHotRows(labels, classes), { shape: [batch, classes] })),
      ] as const;
      const steps = w.steps ?? 1;
      run = () => {
        let out: x.Tensor[] = [];
        for (let s = 0; s < steps; s++) {
          for (const o of out) o.dispose();
          const [loss, grads] = f(...args) as unknown as [x.Tensor, x.Tensor[]];
          out = [loss, ...grads];
        }
        return flat(out);
      };
      break;
    }
    case 'W5': {
      const f = x.jit(x.valueAndGrad(entropy));
      const z = tensorOf(gpu, inputs, 0, dims);
      run = () => flat(f(z));
      break;
    }
  }
  return { run };
}

/** xent as shipped: relaxed SIMD where the runtime has it. */
export const xentLibrary: Library = (w, inputs, options) => prepare(w, inputs, options, {});

/** xent with relaxed SIMD off (the plain SIMD kernels), to measure what relaxed_madd brings. */
export const xentNoRelaxLibrary: Library = (w, inputs, options) => prepare(w, inputs, options, { relaxedSimd: false });
