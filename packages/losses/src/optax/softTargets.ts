/** @file optax's losses on probability targets and relevance labels: poly-1 cross-entropy, ranking softmax loss, label smoothing. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction, ReductionOptions } from '../types.js';
import { finiteOption, floatTensor, logitsSchema, nonEmpty, reductionSchema, simplexArg } from '../validate.js';
import { nonNegativeArg, sameShapeArg } from './args.js';

/** −Σ_k q_k·log p_k per row, 0·log 0 = 0 at −Inf logits (the gradient in q there is 0: log p is −Inf). */
function softCrossEntropy(q: Tensor, logp: Tensor): Tensor {
  const dead = x.equal(logp, -Infinity);
  return x.neg(x.sum(x.mul(q, x.where(dead, x.where(x.equal(q, 0), 0, logp), logp)), { axis: -1 }));
}

export interface PolyLossOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** ε (default 2, the paper's ImageNet value; −1 for detection): the weight of the first polynomial term. */
  readonly epsilon?: number;
}

/**
 * Poly-1 loss −Σ q·log p + ε·Σ q·(1 − p) with p = softmax(z) and probability targets q (optax
 * `poly_loss_cross_entropy`; Leng et al. 2022). 1 − p is −expm1(log p) (no cancellation near p = 1).
 * ∇_z = p − q + ε·(p·⟨q, p⟩ − q⊙p).
 *
 * @example
 * losses.polyLossCrossEntropy(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([[1, 0]], { dtype: 'f64' }), { epsilon: 2 }) // log 2 + 1
 */
export const polyLossCrossEntropy = publicFn(
  'polyLossCrossEntropy',
  {
    logits: logitsSchema,
    labels: floatTensor,
    options: s.options({ epsilon: finiteOption, reduction: reductionSchema }),
  },
  function polyLossCrossEntropy<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    logits: Tensor<S, D>,
    labels: Tensor<S, D>,
    options: PolyLossOptions<R> = {},
  ): LossOf<BatchOf<S>, R, D> {
    const fn = 'polyLossCrossEntropy';
    const z = nonEmpty(fn, 'logits', logits);
    const q = simplexArg(fn, 'labels', labels, z, 'logits');
    const logp = x.logSoftmax(z);
    const oneMinusP = x.neg(x.expm1(logp));
    const poly = x.sum(x.mul(q, oneMinusP), { axis: -1 });
    return reduce(
      x.add(softCrossEntropy(q, logp), x.mul(options.epsilon ?? 2, poly)),
      options.reduction ?? 'mean',
    ) as never;
  },
);

export interface RankingOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** Valid items (bool, the logits' shape): the others are left out; a list with none is left out of the mean. */
  readonly where?: Tensor;
  /** Item weights (the logits' shape), multiplying the labels. */
  readonly weights?: Tensor;
}

/**
 * Ranking softmax loss −Σ_i y_i·log softmax(s)_i over the items of each list, with relevance labels
 * y ≥ 0 that need not sum to 1 (optax `ranking_softmax_loss`, ListNet-style; Cao et al. 2007).
 * `'mean'` averages over the lists with at least one valid item (0 when there is none).
 * ∇_s = (Σy)·softmax(s) − y.
 *
 * @example
 * losses.rankingSoftmaxLoss(x.tensor([[2, 1, 3]], { dtype: 'f64' }), x.tensor([[1, 0, 0]], { dtype: 'f64' })) // 1.4076060
 */
export const rankingSoftmaxLoss = publicFn(
  'rankingSoftmaxLoss',
  {
    logits: logitsSchema,
    labels: floatTensor,
    options: s.options({
      where: s.optional(s.tensor({ dtype: ['bool'] })),
      weights: s.optional(floatTensor),
      reduction: reductionSchema,
    }),
  },
  function rankingSoftmaxLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    logits: Tensor<S, D>,
    labels: Tensor<S, D>,
    options: RankingOptions<R> = {},
  ): LossOf<BatchOf<S>, R, D> {
    const fn = 'rankingSoftmaxLoss';
    const z = nonEmpty(fn, 'logits', logits, 'lists along a non-empty last axis');
    let y = nonNegativeArg(fn, 'labels', labels, z, 'logits');
    if (options.weights !== undefined) y = x.mul(y, nonNegativeArg(fn, 'weights', options.weights, z, 'logits'));
    const mask = options.where === undefined ? undefined : sameShapeArg(fn, 'where', options.where, z, 'logits');
    if (mask === undefined) return reduce(softCrossEntropy(y, x.logSoftmax(z)), options.reduction ?? 'mean') as never;
    const logp = x.logSoftmax(x.where(mask, z, -Infinity));
    const perList = softCrossEntropy(x.where(mask, y, 0), x.where(mask, logp, 0));
    const anyValid = x.greater(x.sum(x.cast(mask, z.dtype), { axis: -1 }), 0);
    const kept = x.where(anyValid, perList, 0);
    return reduce(kept, options.reduction ?? 'mean', x.cast(anyValid, z.dtype)) as never;
  },
);

/**
 * Label smoothing (1 − α)·y + α/K along the last axis (optax `smooth_labels`; Szegedy et al. 2016),
 * for one-hot or probability targets y; α ∈ [0, 1].
 *
 * @example
 * losses.smoothLabels(x.tensor([[0, 1]], { dtype: 'f64' }), 0.2) // [[0.1, 0.9]]
 */
export const smoothLabels = publicFn(
  'smoothLabels',
  { labels: logitsSchema, alpha: s.finite({ min: 0, max: 1 }) },
  function smoothLabels<S extends ShapeT, D extends DType>(labels: Tensor<S, D>, alpha: number): Tensor<S, D> {
    const fn = 'smoothLabels';
    const y = nonEmpty(fn, 'labels', labels);
    simplexArg(fn, 'labels', y, y, 'labels');
    const k = y.shape[y.rank - 1] as number;
    return x.add(x.mul(1 - alpha, y), alpha / k) as never;
  },
);
