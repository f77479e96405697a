/** @file Cross-entropy with hard labels (class weights, ignoreIndex, label smoothing, temperature) and with soft targets. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import {
  floatTensor,
  logitsSchema,
  nonEmpty,
  positiveOption,
  reductionSchema,
  simplexArg,
  unitOpenOption,
  weightVectorArg,
} from '../validate.js';
import { finish, hardLabelParams, type LabelOptions, labelled, labelOptionFields } from './labelled.js';

export interface CrossEntropyOptions<R extends Reduction = Reduction> extends LabelOptions<R> {
  /** ε ∈ [0, 1): the target becomes (1 − ε)·e_y + ε/K (default 0). */
  readonly labelSmoothing?: number;
  /** T > 0: the loss of softmax(z/T) (default 1). */
  readonly temperature?: number;
}

/**
 * Cross-entropy on behalf of `fn` (crossEntropy itself, or a loss built on it such as
 * sequenceCrossEntropy): the options are already checked by `fn`'s schema.
 */
export function crossEntropyOf(fn: string, logits: Tensor, labels: Tensor, options: CrossEntropyOptions): Tensor {
  const c = labelled(fn, logits, labels, options);
  const eps = options.labelSmoothing ?? 0;
  if (eps === 0) return finish(c, x.neg(c.logpy));
  // Smoothing term Σ_k w_k·(−log p_k)/K (mean_k −log p_k without class weights), not scaled by w_y.
  const smooth =
    c.classWeights === undefined
      ? x.neg(x.mean(c.logp, { axis: -1 }))
      : x.div(x.neg(x.sum(x.mul(c.logp, c.classWeights), { axis: -1 })), c.classes);
  const hard = c.classWeights === undefined ? x.neg(c.logpy) : x.mul(x.neg(c.logpy), c.sampleWeights as Tensor);
  return finish(c, x.add(x.mul(1 - eps, hard), x.mul(eps, smooth)), true);
}

/** The options of crossEntropy, as schemas. */
export const crossEntropyFields = { labelSmoothing: unitOpenOption, temperature: positiveOption } as const;

function crossEntropyImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  labels: Tensor<BatchOf<S>>,
  options: CrossEntropyOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  return crossEntropyOf('crossEntropy', logits, labels, options) as never;
}

/**
 * Softmax cross-entropy with hard labels, CE(z, y) = logsumexp(z) − z_y (catalog L01, L04, L05).
 * With label smoothing ε: (1 − ε)·CE + ε·(logsumexp(z) − mean_k z_k); with class weights w the
 * sample counts w_y times (smoothing term Σ_k w_k/K·(−log p_k), as PyTorch) and 'mean' divides by
 * Σ w_{y_i} over the kept samples. Logits are [..., K] (class axis last), labels i32 [...].
 *
 * @example
 * losses.crossEntropy(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' })) // 0.4076060
 */
export const crossEntropy = publicFn('crossEntropy', hardLabelParams(crossEntropyFields), crossEntropyImpl);

export interface SoftTargetOptions<R extends Reduction = Reduction> {
  /** 'mean' over the samples (default; class weights do not enter the denominator, as PyTorch), 'sum' or 'none'. */
  readonly reduction?: R;
  readonly temperature?: number;
  /** ε ∈ [0, 1): the target becomes (1 − ε)·q + ε/K (default 0). */
  readonly labelSmoothing?: number;
  /** Class weights [K]: the term of class k is scaled by w_k (PyTorch's `weight` with probability targets). */
  readonly weights?: Tensor;
}

function softTargetCrossEntropyImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  targets: Tensor<S, D>,
  options: SoftTargetOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  const fn = 'softTargetCrossEntropy';
  const z = nonEmpty(fn, 'logits', logits);
  const q = simplexArg(fn, 'targets', targets, z, 'logits');
  const classes = z.shape[z.rank - 1] as number;
  const logp = x.logSoftmax(z, { temperature: options.temperature ?? 1 });
  const eps = options.labelSmoothing ?? 0;
  const smoothed = eps === 0 ? q : x.add(x.mul(q, 1 - eps), eps / classes);
  const w = options.weights;
  const weighted =
    w === undefined
      ? smoothed
      : x.mul(smoothed, weightVectorArg(fn, 'weights', w, classes, z.dtype, 'one weight per class'));
  return reduce(x.neg(x.sum(qTimesLog(weighted, logp), { axis: -1 })), options.reduction ?? 'mean') as never;
}

/**
 * H(q, softmax z) = −Σ_k q_k·log p_k = logsumexp(z) − Σ_k q_k z_k for targets q on the simplex
 * (catalog L02); terms with q_k = 0 add exactly 0, even at −Inf logits. ∇_z = softmax(z) − q.
 * With PyTorch's options for probability targets (`F.cross_entropy(z, q, weight, label_smoothing)`):
 * −Σ_k w_k·q'_k·log p_k with q' = (1 − ε)·q + ε/K, averaged over the samples.
 *
 * @example
 * losses.softTargetCrossEntropy(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([[0.2, 0.3, 0.5]], { dtype: 'f64' }))
 */
export const softTargetCrossEntropy = publicFn(
  'softTargetCrossEntropy',
  {
    logits: logitsSchema,
    targets: floatTensor,
    options: s.options({
      reduction: reductionSchema,
      temperature: positiveOption,
      labelSmoothing: unitOpenOption,
      weights: labelOptionFields.weights,
    }),
  },
  softTargetCrossEntropyImpl,
);

/**
 * q·log p with 0·(−Inf) = 0. Its VJP is written out: ∂/∂q = log p (−Inf at a masked logit: the
 * loss grows without bound in q there), and ∂/∂log p = q, exactly 0 where q = 0 (so a masked
 * logit with no target mass gets no NaN).
 */
const qTimesLog = x.customVjp(
  (q: Tensor, logp: Tensor) => {
    const zero = x.equal(q, 0);
    return [x.where(zero, 0, x.mul(q, x.where(zero, 0, logp))), { q, logp }] as const;
  },
  ({ q, logp }, ct) => [x.mul(ct, logp), x.mul(ct, q)],
  { name: 'qTimesLog' },
);
