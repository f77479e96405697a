/** @file Softmax regression and a small MLP trained with xent's Adam under a chosen loss; accuracy on clean labels. */
import * as x from 'xent';
import type { Split } from './data.js';

export type ModelKind = 'softmax' | 'mlp';
export type LossFn = (logits: x.Tensor, labels: x.Tensor) => x.Tensor;

const HIDDEN = 64;

/** Initial parameters (Glorot-scaled normals, zero biases). */
function init(kind: ModelKind, key: x.RandomKey): x.Tensor[] {
  const [k1, k2] = x.random.split(key) as [x.RandomKey, x.RandomKey];
  if (kind === 'softmax') return [x.random.normal(k1, [784, 10], { scale: 0.01 }), x.zeros([10])];
  return [
    x.random.normal(k1, [784, HIDDEN], { scale: Math.sqrt(2 / (784 + HIDDEN)) }),
    x.zeros([HIDDEN]),
    x.random.normal(k2, [HIDDEN, 10], { scale: Math.sqrt(2 / (HIDDEN + 10)) }),
    x.zeros([10]),
  ];
}

/** Logits [B, 10] of images [B, 784]. */
export function logits(kind: ModelKind, params: readonly x.Tensor[], images: x.Tensor): x.Tensor {
  const [w1, b1, w2, b2] = params as [x.Tensor, x.Tensor, x.Tensor?, x.Tensor?];
  const first = x.add(x.matmul(images, w1), b1);
  if (kind === 'softmax' || w2 === undefined || b2 === undefined) return first;
  return x.add(x.matmul(x.relu(first), w2), b2);
}

export interface TrainOptions {
  readonly kind: ModelKind;
  readonly loss: LossFn;
  readonly epochs: number;
  readonly batch: number;
  readonly lr: number;
  readonly key: x.RandomKey;
  readonly onEpoch?: (epoch: number) => void;
}

/**
 * Trains on (images, noisy labels) and returns the parameters. One jitted program does a whole
 * step: the loss's gradient and xent's Adam update (whose step count is a tensor input).
 */
export function train(data: Split, noisyLabels: Int32Array, options: TrainOptions): x.Tensor[] {
  const { kind, loss, epochs, batch, lr, key } = options;
  let params = init(kind, key);
  const opt = x.optim.adam({ lr });
  let state = opt.init(params);
  const k = params.length;
  const n = noisyLabels.length;
  const steps = Math.floor(n / batch);
  const argnums = params.map((_, i) => i);
  const grad = x.grad(
    (...args: x.Tensor[]) => loss(logits(kind, args.slice(0, k), args[k] as x.Tensor), args[k + 1] as x.Tensor),
    { argnums },
  );
  const step = x.jit((...args: x.Tensor[]): x.Tensor[] => {
    const [p, m, v] = [args.slice(0, k), args.slice(k, 2 * k), args.slice(2 * k, 3 * k)];
    const [t, xb, yb] = args.slice(3 * k) as [x.Tensor, x.Tensor, x.Tensor];
    const g = grad(...p, xb, yb) as x.Tensor[];
    const next = opt.step(p, g, { m, v, t });
    return [...next.params, ...next.state.m, ...next.state.v, next.state.t];
  });
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = Array.from(x.random.permutation(x.random.foldIn(key, epoch + 1), n).data());
    for (let s = 0; s < steps; s++) {
      const idx = order.slice(s * batch, (s + 1) * batch);
      const xb = x.take(data.images, x.tensor(Int32Array.from(idx), { shape: [idx.length], dtype: 'i32' }));
      const yb = x.tensor(Int32Array.from(idx.map((i) => noisyLabels[i] as number)), {
        shape: [idx.length],
        dtype: 'i32',
      });
      const out = step(...params, ...state.m, ...state.v, state.t, xb, yb);
      params = out.slice(0, k);
      state = { m: out.slice(k, 2 * k), v: out.slice(2 * k, 3 * k), t: out[3 * k] as x.Tensor };
    }
    options.onEpoch?.(epoch + 1);
  }
  return params;
}

/** Accuracy on clean labels. */
export function accuracy(kind: ModelKind, params: readonly x.Tensor[], data: Split): number {
  const predicted = x.argmax(logits(kind, params, data.images), { axis: -1 }).data();
  let right = 0;
  data.labels.forEach((l, i) => (right += predicted[i] === l ? 1 : 0));
  return right / data.labels.length;
}
