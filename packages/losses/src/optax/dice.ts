/** @file optax's Dice losses on logits: binary Dice per sample, and the class-frequency-weighted multiclass Dice. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { Reduction, ReductionOptions } from '../types.js';
import { floatTensor, nonEmpty, nonNegativeOption, reductionSchema, simplexArg, unitIntervalArg } from '../validate.js';

/** Σ over `axes` (none: the tensor itself). */
const sumOver = (t: Tensor, axes: readonly number[]): Tensor => (axes.length === 0 ? t : x.sum(t, { axis: axes }));

/** 1 − (I + s)/(I + ½(P − I) + ½(T − I) + s) = 1 − (2I + 2s)/(P + T + 2s), sums over `axes` (optax's Dice with α = β = ½). */
function diceTerms(p: Tensor, t: Tensor, axes: readonly number[], smooth: number): Tensor {
  const inter = sumOver(x.mul(p, t), axes);
  const denom = x.add(x.mul(0.5, x.add(sumOver(p, axes), sumOver(t, axes))), smooth);
  return x.sub(1, x.div(x.add(inter, smooth), denom));
}

export interface BinaryDiceOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** s ≥ 0 (default 1, optax's) added to the overlap and to the half-sum of the sizes. */
  readonly smooth?: number;
  /** Apply σ to `predictions` first (default true); false: they are probabilities in [0, 1]. */
  readonly applySigmoid?: boolean;
}

/**
 * Binary Dice loss per sample (axis 0), summing over every other axis (optax `binary_dice_loss`;
 * Milletari et al. 2016): 1 − (2Σpt + 2s)/(Σp + Σt + 2s) with p = σ(predictions). This is
 * `diceLoss(p, t, { variant: 'linear', smooth: 2s })` on logits, with optax's smoothing default s = 1.
 *
 * @example
 * losses.binaryDiceLoss(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([[1, 0]], { dtype: 'f64' }), { smooth: 0 }) // 0.5
 */
export const binaryDiceLoss = publicFn(
  'binaryDiceLoss',
  {
    predictions: s.tensor({ dtype: 'float', rank: [1, Infinity] }),
    targets: floatTensor,
    options: s.options({ smooth: nonNegativeOption, applySigmoid: s.optional(s.boolean), reduction: reductionSchema }),
  },
  function binaryDiceLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    predictions: Tensor<S, D>,
    targets: Tensor<S, D>,
    options: BinaryDiceOptions<R> = {},
  ): Tensor<ShapeT, D> {
    const fn = 'binaryDiceLoss';
    const z = nonEmpty(fn, 'predictions', predictions, 'a non-empty [N, ...] tensor');
    const t = unitIntervalArg(fn, 'targets', targets, z, 'predictions');
    const p = options.applySigmoid === false ? unitIntervalArg(fn, 'predictions', z, z, 'predictions') : x.sigmoid(z);
    const axes = z.shape.map((_, i) => i).slice(1);
    return reduce(diceTerms(p, t, axes, options.smooth ?? 1), options.reduction ?? 'mean') as never;
  },
);

export interface GeneralizedDiceOptions {
  /** s ≥ 0 (default 1). */
  readonly smooth?: number;
  /** Apply softmax over the class axis (σ for one class) first (default true); false: rows of probabilities. */
  readonly applySoftmax?: boolean;
  /** Leave class 0 out of the mean (its weight still counts in the normalisation, as optax). */
  readonly ignoreBackground?: boolean;
}

/**
 * Multiclass generalized Dice (optax `multiclass_generalized_dice_loss`; after Sudre et al. 2017):
 * predictions [N, ..., C], one-hot targets; per sample and class, the Dice loss summed over the
 * spatial axes (1 … rank − 2; none for [N, C]), weighted by w_c ∝ 1/(f_c² + 1e-7) with f_c the
 * class's target count over the batch, normalised to mean 1, then averaged: one number. This is
 * optax's weighted mean of per-class Dice losses, not Sudre's ratio of weighted sums.
 *
 * @example
 * losses.multiclassGeneralizedDiceLoss(x.tensor([[[2, 0], [0, 2]]], { dtype: 'f64' }), x.tensor([[[1, 0], [0, 1]]], { dtype: 'f64' }))
 */
export const multiclassGeneralizedDiceLoss = publicFn(
  'multiclassGeneralizedDiceLoss',
  {
    predictions: s.tensor({ dtype: 'float', rank: [2, Infinity] }),
    targets: floatTensor,
    options: s.options({
      smooth: nonNegativeOption,
      applySoftmax: s.optional(s.boolean),
      ignoreBackground: s.optional(s.boolean),
    }),
  },
  function multiclassGeneralizedDiceLoss<S extends ShapeT, D extends DType>(
    predictions: Tensor<S, D>,
    targets: Tensor<S, D>,
    options: GeneralizedDiceOptions = {},
  ): Tensor<[], D> {
    const fn = 'multiclassGeneralizedDiceLoss';
    const z = nonEmpty(fn, 'predictions', predictions, 'a non-empty class axis');
    const t = unitIntervalArg(fn, 'targets', targets, z, 'predictions');
    const classes = z.shape[z.rank - 1] as number;
    const p =
      options.applySoftmax === false
        ? simplexArg(fn, 'predictions', z, z, 'predictions')
        : classes === 1
          ? x.sigmoid(z)
          : x.softmax(z);
    const spatial = z.shape.map((_, i) => i).slice(1, -1);
    const dice = diceTerms(p, t, spatial, options.smooth ?? 1);
    const freq = x.sum(t, { axis: z.shape.map((_, i) => i).slice(0, -1) });
    const inverse = x.div(1, x.add(x.square(freq), 1e-7));
    const weights = x.mul(x.div(inverse, x.sum(inverse)), classes);
    const weighted = x.mul(dice, weights);
    const kept =
      options.ignoreBackground === true && classes > 1
        ? x.slice(weighted, [...weighted.shape.map(() => 0).slice(0, -1), 1])
        : weighted;
    return x.mean(kept) as never;
  },
);
