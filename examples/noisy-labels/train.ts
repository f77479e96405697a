/** @file Softmax regression and a small MLP trained with xent's Adam under a chosen loss; accuracy on clean labels. */
import * as x from 'xent';
import type { Split } from './data.js';

export type ModelKind = 'softmax' | 'mlp';
export type LossFn = (logits: x.Tensor, labels: x.Tensor) => x.Tensor;

const HIDDEN = 64;

/** A dense layer: h ↦ h·w + b. */
export interface Layer {
  readonly w: x.Tensor;
  readonly b: x.Tensor;
}

/** A model's parameters, a pytree: one layer (softmax regression) or two (the MLP). */
export type Params = readonly Layer[];

/** Initial parameters (Glorot-scaled normals, zero biases). */
function init(kind: ModelKind, key: x.RandomKey): Params {
  const [k1, k2] = x.random.split(key) as [x.RandomKey, x.RandomKey];
  if (kind === 'softmax') return [{ w: x.random.normal(k1, [784, 10], { scale: 0.01 }), b: x.zeros([10]) }];
  return [
    { w: x.random.normal(k1, [784, HIDDEN], { scale: Math.sqrt(2 / (784 + HIDDEN)) }), b: x.zeros([HIDDEN]) },
    { w: x.random.normal(k2, [HIDDEN, 10], { scale: Math.sqrt(2 / (HIDDEN + 10)) }), b: x.zeros([10]) },
  ];
}

/** Logits [B, 10] of images [B, 784]: the layers in turn, with a ReLU between two. */
export function logits(params: Params, images: x.Tensor): x.Tensor {
  return params.reduce<x.Tensor>((h, { w, b }, i) => x.add(x.matmul(i === 0 ? h : x.relu(h), w), b), images);
}

/** Adam's state over a model's parameters. */
export type OptimizerState = x.optim.AdamState<Params>;

/** One training step on a batch; `progress` is the fraction of training done before it, in [0, 1). */
export type Step = (
  params: Params,
  state: OptimizerState,
  images: x.Tensor,
  labels: x.Tensor,
  progress: number,
) => { params: Params; state: OptimizerState };

/** Makes a run's training step from its optimizer and loss. */
export type StepMaker = (optimizer: x.optim.Optimizer<'adam'>, loss: LossFn) => Step;

/** The default step: Adam on the gradient of the batch's loss, in one jitted program. */
export const plainStep: StepMaker = (optimizer, loss) => {
  const objective = (p: Params, xb: x.Tensor, yb: x.Tensor): x.Tensor => loss(logits(p, xb), yb);
  const step = x.jit((p: Params, s: OptimizerState, xb: x.Tensor, yb: x.Tensor) =>
    optimizer.step(p, x.grad(objective)(p, xb, yb), s),
  );
  return (p, s, xb, yb) => step(p, s, xb, yb);
};

export interface TrainOptions {
  readonly kind: ModelKind;
  readonly loss: LossFn;
  readonly epochs: number;
  readonly batch: number;
  readonly lr: number;
  readonly key: x.RandomKey;
  /** The training step (default `plainStep`); another one can, say, train on part of each batch. */
  readonly step?: StepMaker;
  readonly onEpoch?: (epoch: number) => void;
}

/**
 * Trains on (images, noisy labels) and returns the parameters. By default one jitted program does a
 * whole step over the parameter tree: the loss's gradient and xent's Adam update (whose step count is
 * a tensor in the state, so the step is traced once).
 */
export function train(data: Split, noisyLabels: Int32Array, options: TrainOptions): Params {
  const { kind, loss, epochs, batch, lr, key } = options;
  const opt = x.optim.adam({ lr });
  const step = (options.step ?? plainStep)(opt, loss);
  let params = init(kind, key);
  let state = opt.init(params);
  const n = noisyLabels.length;
  const steps = Math.floor(n / batch);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = Array.from(x.random.permutation(x.random.foldIn(key, epoch + 1), n).data());
    for (let s = 0; s < steps; s++) {
      const idx = order.slice(s * batch, (s + 1) * batch);
      const xb = x.take(data.images, x.tensor(Int32Array.from(idx), { shape: [idx.length], dtype: 'i32' }));
      const yb = x.tensor(Int32Array.from(idx.map((i) => noisyLabels[i] as number)), {
        shape: [idx.length],
        dtype: 'i32',
      });
      ({ params, state } = step(params, state, xb, yb, (epoch * steps + s) / (epochs * steps)));
    }
    options.onEpoch?.(epoch + 1);
  }
  return params;
}

/** Accuracy on clean labels. */
export function accuracy(params: Params, data: Split): number {
  const predicted = x.argmax(logits(params, data.images), { axis: -1 }).data();
  let right = 0;
  data.labels.forEach((l, i) => (right += predicted[i] === l ? 1 : 0));
  return right / data.labels.length;
}
