/** @file optax's regression-style losses: squared error, L2, log-cosh, cosine similarity and cosine distance. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction, ReductionOptions } from '../types.js';
import { floatTensor, nonEmpty, nonNegativeOption, reductionSchema, sameAs } from '../validate.js';

const errorParams = {
  predictions: s.tensor({ dtype: 'float' }),
  targets: s.optional(floatTensor),
  options: s.options({ reduction: reductionSchema }),
};

/** The error p − t, or p itself without targets (optax's `targets=None`). */
function errorOf(fn: string, predictions: Tensor, targets: Tensor | undefined): Tensor {
  const p = nonEmpty(fn, 'predictions', predictions, 'a non-empty tensor');
  return targets === undefined ? p : x.sub(p, sameAs(fn, 'targets', targets, p, 'predictions'));
}

/**
 * (p − t)² elementwise (optax `squared_error`; PyTorch's `mse_loss` per element): ∂/∂p = 2(p − t).
 * Without targets the predictions are the errors.
 *
 * @example
 * losses.squaredError(x.tensor([1, 3], { dtype: 'f64' }), x.tensor([0, 0], { dtype: 'f64' })) // (1 + 9)/2 = 5
 */
export const squaredError = publicFn('squaredError', errorParams, function squaredError<
  S extends ShapeT,
  D extends DType,
  R extends Reduction = 'mean',
>(predictions: Tensor<S, D>, targets?: Tensor<S, D>, options: ReductionOptions<R> = {}): LossOf<S, R, D> {
  return reduce(x.square(errorOf('squaredError', predictions, targets)), options.reduction ?? 'mean') as never;
});

/**
 * ½(p − t)² elementwise (optax `l2_loss`, half the squared error): ∂/∂p = p − t. Without targets the
 * predictions are the errors.
 *
 * @example
 * losses.l2Loss(x.tensor([1, 3], { dtype: 'f64' }), x.tensor([0, 0], { dtype: 'f64' })) // (0.5 + 4.5)/2 = 2.5
 */
export const l2Loss = publicFn('l2Loss', errorParams, function l2Loss<
  S extends ShapeT,
  D extends DType,
  R extends Reduction = 'mean',
>(predictions: Tensor<S, D>, targets?: Tensor<S, D>, options: ReductionOptions<R> = {}): LossOf<S, R, D> {
  return reduce(x.mul(0.5, x.square(errorOf('l2Loss', predictions, targets))), options.reduction ?? 'mean') as never;
});

/**
 * log cosh(p − t) = logaddexp(e, −e) − log 2 elementwise (optax `log_cosh`): ≈ e²/2 near 0 and
 * |e| − log 2 far from it, finite for any finite error; ∂/∂p = tanh(p − t). Without targets the
 * predictions are the errors.
 *
 * @example
 * losses.logCosh(x.tensor([0, 1], { dtype: 'f64' }), x.tensor([0, 0], { dtype: 'f64' })) // log cosh 1 / 2 = 0.2168904
 */
export const logCosh = publicFn('logCosh', errorParams, function logCosh<
  S extends ShapeT,
  D extends DType,
  R extends Reduction = 'mean',
>(predictions: Tensor<S, D>, targets?: Tensor<S, D>, options: ReductionOptions<R> = {}): LossOf<S, R, D> {
  const e = errorOf('logCosh', predictions, targets);
  return reduce(x.sub(x.logaddexp(e, x.neg(e)), Math.LN2), options.reduction ?? 'mean') as never;
});

export interface CosineOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** ε ≥ 0 (default 0): the squared norms are clipped below at ε (optax's rule), so the norms at √ε. */
  readonly epsilon?: number;
}

const cosineParams = {
  predictions: s.tensor({ dtype: 'float', rank: [1, Infinity] }),
  targets: floatTensor,
  options: s.options({ epsilon: nonNegativeOption, reduction: reductionSchema }),
};

/** ⟨a, b⟩/(√max(‖a‖², ε)·√max(‖b‖², ε)) along the last axis. */
function cosineRows(fn: string, a: Tensor, b: Tensor, epsilon: number): Tensor {
  const p = nonEmpty(fn, 'predictions', a, 'vectors along a non-empty last axis');
  const t = sameAs(fn, 'targets', b, p, 'predictions');
  const unit = (v: Tensor): Tensor =>
    x.div(v, x.sqrt(x.maximum(x.sum(x.square(v), { axis: -1, keepDims: true }), epsilon)));
  return x.sum(x.mul(unit(p), unit(t)), { axis: -1 });
}

/**
 * Cosine similarity ⟨a, b⟩/(‖a‖·‖b‖) per row along the last axis (optax `cosine_similarity`). Unlike
 * `x.cosineSimilarity` (norms clipped at `eps`, default 1e-12), the squared norms are clipped at
 * `epsilon` (default 0, so a zero row gives NaN, as optax). Not a loss to minimise: see `cosineDistance`.
 *
 * @example
 * losses.cosineSimilarity(x.tensor([[1, 0]], { dtype: 'f64' }), x.tensor([[1, 1]], { dtype: 'f64' })) // 0.7071068
 */
export const cosineSimilarity = publicFn('cosineSimilarity', cosineParams, function cosineSimilarity<
  S extends ShapeT,
  D extends DType,
  R extends Reduction = 'mean',
>(predictions: Tensor<S, D>, targets: Tensor<S, D>, options: CosineOptions<R> = {}): LossOf<BatchOf<S>, R, D> {
  return reduce(
    cosineRows('cosineSimilarity', predictions, targets, options.epsilon ?? 0),
    options.reduction ?? 'mean',
  ) as never;
});

/**
 * Cosine distance 1 − cos(a, b) per row (optax `cosine_distance`), ∈ [0, 2].
 *
 * @example
 * losses.cosineDistance(x.tensor([[1, 0]], { dtype: 'f64' }), x.tensor([[-1, 0]], { dtype: 'f64' })) // 2
 */
export const cosineDistance = publicFn('cosineDistance', cosineParams, function cosineDistance<
  S extends ShapeT,
  D extends DType,
  R extends Reduction = 'mean',
>(predictions: Tensor<S, D>, targets: Tensor<S, D>, options: CosineOptions<R> = {}): LossOf<BatchOf<S>, R, D> {
  return reduce(
    x.sub(1, cosineRows('cosineDistance', predictions, targets, options.epsilon ?? 0)),
    options.reduction ?? 'mean',
  ) as never;
});
