/** @file optax's `dice_loss`: the per-class Tversky-weighted Dice loss on logits, with class weights and a class reduction. */
import * as x from '@xent/core';
import { AxisError, type DType, type ShapeT, type Tensor } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { Reduction, ReductionOptions } from '../types.js';
import {
  floatTensor,
  nonEmpty,
  nonNegativeOption,
  reductionSchema,
  simplexArg,
  unitIntervalArg,
  weightVectorArg,
} from '../validate.js';

export interface MulticlassDiceOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** One weight ≥ 0 per class, multiplying its Dice loss (optax `class_weights`; default all 1). */
  readonly classWeights?: Tensor;
  /** s ≥ 0 added to the overlap and to the denominator (default 1, optax's). */
  readonly smooth?: number;
  /** α ≥ 0, the weight of the false positives P − I (default ½: Dice). */
  readonly alpha?: number;
  /** β ≥ 0, the weight of the false negatives T − I (default ½: Dice). */
  readonly beta?: number;
  /** Softmax over the class axis (σ for one class) first (default true); false: rows of probabilities. */
  readonly applySoftmax?: boolean;
  /** Leave class 0 out (after weighting) when there is more than one class. */
  readonly ignoreBackground?: boolean;
  /** The axes summed over (optax `axis`; default every axis but the first and the class axis). */
  readonly axis?: number | readonly number[];
  /** How the per-class losses combine (optax `reduction`): 'mean' (default), 'sum' or 'none' (one per class). */
  readonly classReduction?: Reduction;
}

const FN = 'multiclassDiceLoss';

/** Combining the per-class losses over the class axis (the last). */
const overClasses: Record<Reduction, (t: Tensor) => Tensor> = {
  mean: (t) => x.mean(t, { axis: -1 }),
  sum: (t) => x.sum(t, { axis: -1 }),
  none: (t) => t,
};

/** The summed axes, normalised: each in [−rank, rank), distinct, and never the class axis. */
function summedAxes(rank: number, axis: number | readonly number[] | undefined): number[] {
  if (axis === undefined) return Array.from({ length: Math.max(0, rank - 2) }, (_, i) => i + 1);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => {
    if (a < -rank || a >= rank) fail(AxisError, FN, 'axis', `axes in [${-rank}, ${rank})`, String(a));
    return a < 0 ? a + rank : a;
  });
  if (out.includes(rank - 1))
    fail(AxisError, FN, 'axis', `axes other than the class axis ${rank - 1}`, `[${list.join(', ')}]`);
  if (new Set(out).size !== out.length) fail(AxisError, FN, 'axis', 'distinct axes', `[${list.join(', ')}]`);
  return out.sort((a, b) => a - b);
}

/**
 * optax `dice_loss` (Milletari et al. 2016; with α, β the Tversky index of Salehi et al. 2017):
 * predictions [N, ..., C] logits, targets of the same shape in [0, 1] (one-hot); per class, summing
 * over `axis`, 1 − (I + s)/(I + α(P − I) + β(T − I) + s) with I = Σpt, P = Σp, T = Σt, times the class
 * weight, then combined over the classes by `classReduction` ([N] by default: optax's result). xent's
 * `reduction` then combines those per-sample values ('none' returns optax's values). An empty class
 * with s = 0 is 0/0: NaN, as optax.
 *
 * @example
 * losses.multiclassDiceLoss(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([[1, 0]], { dtype: 'f64' }), { smooth: 0 }) // (1/3 + 1)/2
 */
export const multiclassDiceLoss = publicFn(
  FN,
  {
    predictions: s.tensor({ dtype: 'float', rank: [2, Infinity] }),
    targets: floatTensor,
    options: s.options({
      classWeights: s.optional(floatTensor),
      smooth: nonNegativeOption,
      alpha: nonNegativeOption,
      beta: nonNegativeOption,
      applySoftmax: s.optional(s.boolean),
      ignoreBackground: s.optional(s.boolean),
      axis: s.optional(s.axes),
      classReduction: reductionSchema,
      reduction: reductionSchema,
    }),
  },
  function multiclassDiceLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    predictions: Tensor<S, D>,
    targets: Tensor<S, D>,
    options: MulticlassDiceOptions<R> = {},
  ): Tensor<ShapeT, D> {
    const z = nonEmpty(FN, 'predictions', predictions, 'a non-empty class axis');
    const t = unitIntervalArg(FN, 'targets', targets, z, 'predictions');
    const classes = z.shape[z.rank - 1] as number;
    const axes = summedAxes(z.rank, options.axis);
    const { smooth = 1, alpha = 0.5, beta = 0.5 } = options;
    const p =
      options.applySoftmax === false
        ? simplexArg(FN, 'predictions', z, z, 'predictions')
        : classes === 1
          ? x.sigmoid(z)
          : x.softmax(z);
    const sum = (v: Tensor): Tensor => (axes.length === 0 ? v : x.sum(v, { axis: axes }));
    const inter = sum(x.mul(p, t));
    // I + α(P − I) + β(T − I) + s
    const denom = x.add(
      x.add(inter, x.add(x.mul(alpha, x.sub(sum(p), inter)), x.mul(beta, x.sub(sum(t), inter)))),
      smooth,
    );
    const dice = x.sub(1, x.div(x.add(inter, smooth), denom));
    const weights =
      options.classWeights === undefined
        ? undefined
        : weightVectorArg(FN, 'classWeights', options.classWeights, classes, z.dtype, 'one weight per class');
    const weighted = weights === undefined ? dice : x.mul(dice, weights);
    const kept =
      options.ignoreBackground === true && classes > 1
        ? x.slice(weighted, [...weighted.shape.map(() => 0).slice(0, -1), 1])
        : weighted;
    return reduce(overClasses[options.classReduction ?? 'mean'](kept), options.reduction ?? 'mean') as never;
  },
);
