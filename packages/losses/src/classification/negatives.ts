/** @file Losses that push probability away from listed wrong classes: negative learning, unlikelihood, the contrastive token loss. */
import * as x from '@xent/core';
import { DTypeError, ShapeError, type DType, type ShapeT, type Tensor } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import { formatShape, labelsSchema, logitsSchema, nonEmpty, reductionSchema } from '../validate.js';
import { logOneMinusPy } from './confidenceShaping.js';
import {
  finish,
  type HardLabelLoss,
  hardLabelLoss,
  type LabelOptions,
  labelled,
  labelOptionFields,
} from './labelled.js';

/** A boolean mask of the logits' shape (the classes it selects per sample). */
function classMaskArg(fn: string, arg: string, mask: Tensor, logits: Tensor): Tensor {
  if (mask.dtype !== 'bool') fail(DTypeError, fn, arg, 'a bool mask', `dtype ${mask.dtype}`);
  if (mask.rank !== logits.rank || mask.shape.some((d, i) => d !== logits.shape[i]))
    fail(ShapeError, fn, arg, `shape ${formatShape(logits.shape)} (the shape of logits)`, formatShape(mask.shape));
  return mask;
}

const maskSchema = s.tensor({ dtype: ['bool'], rank: [1, Infinity] });

/**
 * Negative learning with complementary labels, −log(1 − p_ȳ) per sample (Kim et al. 2019, "NLNL:
 * Negative Learning for Noisy Labels"; catalog L29): ȳ is a class the sample is known NOT to belong to.
 * ≥ 0, and 0 only as p_ȳ → 0; log(1 − p_ȳ) = LSE_{k≠ȳ}(z) − LSE(z), finite for finite logits.
 *
 * @example
 * losses.negativeLearningLoss(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([1], { dtype: 'i32' })) // −log ½
 */
export const negativeLearningLoss: HardLabelLoss<object> = hardLabelLoss('negativeLearningLoss', {}, (c) =>
  x.neg(logOneMinusPy(c)),
);

function unlikelihoodImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  candidates: Tensor,
  options: { readonly reduction?: R } = {},
): LossOf<BatchOf<S>, R, D> {
  const fn = 'unlikelihoodLoss';
  const z = nonEmpty(fn, 'logits', logits);
  const m = classMaskArg(fn, 'candidates', candidates, z);
  const terms = x.where(m, x.neg(x.logOneMinusSoftmax(z)), 0);
  return reduce(x.sum(terms, { axis: -1 }), options.reduction ?? 'mean') as never;
}

/**
 * Unlikelihood loss −Σ_{c∈C} log(1 − p_c) over a candidate set C of negative classes per sample, given
 * as a bool mask of the logits' shape (Welleck et al. 2020, "Neural Text Generation with Unlikelihood
 * Training"; catalog L30). ≥ 0, = 0 iff every candidate has p_c = 0; log(1 − p_c) is computed without
 * cancellation (`logOneMinusSoftmax`), also at the arg-max.
 *
 * @example
 * losses.unlikelihoodLoss(x.tensor([[0, 0, 0]], { dtype: 'f64' }), x.tensor([[false, true, true]])) // 2·log 1.5
 */
export const unlikelihoodLoss = publicFn(
  'unlikelihoodLoss',
  { logits: logitsSchema, candidates: maskSchema, options: s.options({ reduction: reductionSchema }) },
  unlikelihoodImpl,
);

function contrastiveTokenImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  labels: Tensor<BatchOf<S>>,
  negatives: Tensor,
  options: LabelOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  const fn = 'contrastiveTokenLoss';
  const c = labelled(fn, logits, labels, options);
  const m = classMaskArg(fn, 'negatives', negatives, c.logits);
  const target = x.greater(c.onehot(), 0);
  const withTarget = x.where(m, m, target);
  // ignored samples select every class (LSE = 0): no empty logsumexp behind the zero they get
  const kept = c.valid === undefined ? withTarget : x.where(x.expandDims(c.valid, -1), withTarget, true);
  const lse = x.logsumexp(x.where(kept, c.logp, -Infinity), { axis: -1 });
  return finish(c, x.sub(lse, c.logpy)) as never;
}

/**
 * Contrastive token loss log(1 + Σ_{n∈N} e^{z_n − z_y}) = LSE_{{y}∪N}(z) − z_y (Jiang et al. 2022, "A
 * Simple Contrastive Learning Objective for Alleviating Neural Text Degeneration"; catalog L31), with
 * the negatives N a bool mask of the logits' shape (a negative equal to the label counts once). A
 * softmax over the subset {y} ∪ N: 0 ≤ L ≤ CE, convex, and = CE when N holds every other class.
 * Class weights, ignoreIndex and the reduction as for crossEntropy; the paper adds it to CE.
 *
 * @example
 * losses.contrastiveTokenLoss(x.tensor([[0, 0, 0]], { dtype: 'f64' }), x.tensor([0], { dtype: 'i32' }), x.tensor([[false, true, false]])) // log 2
 */
export const contrastiveTokenLoss = publicFn(
  'contrastiveTokenLoss',
  { logits: logitsSchema, labels: labelsSchema, negatives: maskSchema, options: s.options(labelOptionFields) },
  contrastiveTokenImpl,
);
