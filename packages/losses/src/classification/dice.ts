/** @file Soft Dice and Tversky losses, per instance or over the whole batch. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { type Params, publicFn, s } from '@xent/core/internal';
import { floatTensor, nonEmpty, nonNegativeOption, reductionSchema, unitIntervalArg } from '../validate.js';
import type { Reduction } from '../types.js';
import { reduce } from '../reduce.js';

export interface OverlapOptions<R extends Reduction = Reduction> {
  /** 'instance' (default): one score per sample (axis 0), then `reduction`; 'batch': one score for the batch. */
  readonly over?: 'instance' | 'batch';
  /** γ ≥ 0 added to numerator and denominator (default 0). */
  readonly smooth?: number;
  readonly reduction?: R;
}

/** The signature of an overlap loss with its own option schemas `fields`. */
const overlapParams = (fields: Params): Params => ({
  probs: s.tensor({ dtype: 'float', rank: [1, Infinity] }),
  targets: floatTensor,
  options: s.options({
    over: s.optional(s.oneOf(['instance', 'batch'])),
    smooth: nonNegativeOption,
    reduction: reductionSchema,
    ...fields,
  }),
});

function overlapSetup(fn: string, probs: Tensor, targets: Tensor, options: OverlapOptions) {
  const p = nonEmpty(fn, 'probs', probs, 'a non-empty [N, ...] tensor');
  const y = unitIntervalArg(fn, 'targets', targets, p, 'probs');
  const smooth = options.smooth ?? 0;
  const axes = options.over === 'batch' ? p.shape.map((_, i) => i) : p.shape.map((_, i) => i).slice(1);
  const total = (t: Tensor): Tensor => x.sum(t, { axis: axes });
  return { p, y, smooth, reduction: options.reduction ?? 'mean', total };
}

function diceLossImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  probs: Tensor<S, D>,
  targets: Tensor<S, D>,
  options: OverlapOptions<R> & { readonly variant?: 'squared' | 'linear' } = {},
): Tensor<ShapeT, D> {
  const { p, y, smooth, reduction, total } = overlapSetup('diceLoss', probs, targets, options);
  const inter = x.add(x.mul(2, total(x.mul(p, y))), smooth);
  const denom =
    options.variant === 'linear' ? x.add(total(p), total(y)) : x.add(total(x.square(p)), total(x.square(y)));
  return reduce(x.sub(1, x.safeDiv(inter, x.add(denom, smooth), 1)), reduction) as never;
}

/**
 * Soft Dice loss (Milletari et al. 2016; catalog L22). 'squared' (default): 1 − (2Σpy + γ)/(Σp² + Σy² + γ);
 * 'linear': 1 − (2Σpy + γ)/(Σp + Σy + γ). Batch Dice is not the mean of per-sample Dice.
 *
 * @example
 * losses.diceLoss(x.tensor([[0.8, 0.1]], { dtype: 'f64' }), x.tensor([[1, 0]], { dtype: 'f64' })) // 0.0303030
 */
export const diceLoss = publicFn(
  'diceLoss',
  overlapParams({ variant: s.optional(s.oneOf(['squared', 'linear'])) }),
  diceLossImpl,
);

function tverskyLossImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  probs: Tensor<S, D>,
  targets: Tensor<S, D>,
  options: OverlapOptions<R> & { readonly alpha?: number; readonly beta?: number } = {},
): Tensor<ShapeT, D> {
  const { p, y, smooth, reduction, total } = overlapSetup('tverskyLoss', probs, targets, options);
  const tp = total(x.mul(p, y));
  const fp = total(x.mul(p, x.sub(1, y)));
  const fnn = total(x.mul(x.sub(1, p), y));
  const denom = x.add(x.add(tp, x.add(x.mul(options.alpha ?? 0.5, fp), x.mul(options.beta ?? 0.5, fnn))), smooth);
  return reduce(x.sub(1, x.safeDiv(x.add(tp, smooth), denom, 1)), reduction) as never;
}

/**
 * Tversky loss 1 − (Σpy + γ)/(Σpy + α·Σp(1−y) + β·Σ(1−p)y + γ) (Salehi et al. 2017; catalog L22):
 * α = β = ½ is linear Dice, α = β = 1 the Jaccard loss.
 *
 * @example
 * losses.tverskyLoss(x.tensor([[0.8, 0.1]]), x.tensor([[1, 0]]), { alpha: 0.3, beta: 0.7 })
 */
export const tverskyLoss = publicFn(
  'tverskyLoss',
  overlapParams({ alpha: nonNegativeOption, beta: nonNegativeOption }),
  tverskyLossImpl,
);
