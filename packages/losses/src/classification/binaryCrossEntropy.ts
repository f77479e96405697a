/** @file Binary cross-entropy on logits (multi-label), with a positive-class weight and element weights. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { LossOf, Reduction } from '../types.js';
import { floatTensor, nonEmpty, reductionSchema, sameAs, unitIntervalArg, weightVectorArg } from '../validate.js';

export interface BinaryCrossEntropyOptions<R extends Reduction = Reduction> {
  /** 'mean' over every element (default), 'sum' or 'none'. */
  readonly reduction?: R;
  /** Weight of the positive term per class [C] (the last axis), or one number: pw·y·softplus(−s) + (1 − y)·softplus(s). */
  readonly posWeight?: Tensor | number;
  /** Per-element weights of the logits' shape. */
  readonly weights?: Tensor;
}

function binaryCrossEntropyWithLogitsImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  targets: Tensor<S, D>,
  options: BinaryCrossEntropyOptions<R> = {},
): LossOf<S, R, D> {
  const fn = 'binaryCrossEntropyWithLogits';
  const z = nonEmpty(fn, 'logits', logits);
  const y = unitIntervalArg(fn, 'targets', targets, z, 'logits');
  const pw = options.posWeight;
  const last = z.rank === 0 ? 1 : (z.shape[z.rank - 1] as number);
  const positive =
    pw === undefined
      ? y
      : x.mul(
          y,
          typeof pw === 'number' ? pw : weightVectorArg(fn, 'posWeight', pw, last, z.dtype, 'one weight per class'),
        );
  // pw·y·softplus(−z) + (1 − y)·softplus(z); with pw = 1 this is softplus(z) − y·z.
  const perElement = x.add(x.mul(positive, x.softplus(x.neg(z))), x.mul(x.sub(1, y), x.softplus(z)));
  const weighted =
    options.weights === undefined ? perElement : x.mul(perElement, sameAs(fn, 'weights', options.weights, z, 'logits'));
  return reduce(weighted, options.reduction ?? 'mean') as never;
}

/**
 * BCE(s, y) = softplus(s) − y·s = −[y·log σ(s) + (1 − y)·log(1 − σ(s))] (logistic regression; catalog L03), in logit
 * space: finite for s = ±1e4. Targets y ∈ [0, 1] (soft labels allowed). ∂/∂s = σ(s) − y.
 *
 * @example
 * losses.binaryCrossEntropyWithLogits(x.tensor([0, 3]), x.tensor([1, 0])) // mean of log 2 and softplus(3)
 */
export const binaryCrossEntropyWithLogits = publicFn(
  'binaryCrossEntropyWithLogits',
  {
    logits: floatTensor,
    targets: floatTensor,
    options: s.options({
      reduction: reductionSchema,
      posWeight: s.optional(s.either(s.finite({ min: 0 }), s.tensor({ dtype: 'float', rank: 1 }))),
      weights: s.optional(floatTensor),
    }),
  },
  binaryCrossEntropyWithLogitsImpl,
);
