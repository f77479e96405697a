/** @file Soft Dice and Tversky losses, per instance or over the whole batch. */
import * as x from '@xent/core';
import { fail } from '@xent/core/internal';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { choiceArg, numberArg, reductionArg, rules, tensorArg, unitIntervalArg } from '../validate.js';
import type { Reduction } from '../types.js';
import { reduce } from '../reduce.js';

export interface OverlapOptions<R extends Reduction = Reduction> {
  /** 'instance' (default): one score per sample (axis 0), then `reduction`; 'batch': one score for the batch. */
  readonly over?: 'instance' | 'batch';
  /** γ ≥ 0 added to numerator and denominator (default 0). */
  readonly smooth?: number;
  readonly reduction?: R;
}

function overlapSetup(fn: string, probs: unknown, targets: unknown, options: OverlapOptions) {
  const p = tensorArg(fn, 'probs', probs);
  if (p.dtype !== 'f32' && p.dtype !== 'f64')
    fail(x.DTypeError, fn, 'probs', 'an f32 or f64 tensor', `dtype ${p.dtype}`);
  if (p.rank < 1 || p.size === 0)
    fail(x.ShapeError, fn, 'probs', 'a non-empty [N, ...] tensor', `[${p.shape.join(', ')}]`);
  const y = unitIntervalArg(fn, 'targets', targets, p, 'probs');
  const over = choiceArg(fn, 'over', options.over, ['instance', 'batch'], 'instance');
  const smooth = numberArg(fn, 'smooth', options.smooth, 0, rules.nonNegative);
  const reduction = reductionArg(fn, options.reduction);
  const axes = over === 'batch' ? p.shape.map((_, i) => i) : p.shape.map((_, i) => i).slice(1);
  const total = (t: Tensor): Tensor => x.sum(t, { axis: axes });
  return { p, y, smooth, reduction, total };
}

/**
 * Soft Dice loss (Milletari et al. 2016; catalog L22). 'squared' (default): 1 − (2Σpy + γ)/(Σp² + Σy² + γ);
 * 'linear': 1 − (2Σpy + γ)/(Σp + Σy + γ). Batch Dice is not the mean of per-sample Dice.
 *
 * @example
 * losses.diceLoss(x.tensor([[0.8, 0.1]], { dtype: 'f64' }), x.tensor([[1, 0]], { dtype: 'f64' })) // 0.0303030
 */
export function diceLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  probs: Tensor<S, D>,
  targets: Tensor<S, D>,
  options: OverlapOptions<R> & { readonly variant?: 'squared' | 'linear' } = {},
): Tensor<ShapeT, D> {
  const fn = 'diceLoss';
  const { p, y, smooth, reduction, total } = overlapSetup(fn, probs, targets, options);
  const variant = choiceArg(fn, 'variant', options.variant, ['squared', 'linear'], 'squared');
  const inter = x.add(x.mul(2, total(x.mul(p, y))), smooth);
  const denom = variant === 'squared' ? x.add(total(x.square(p)), total(x.square(y))) : x.add(total(p), total(y));
  return reduce(x.sub(1, x.safeDiv(inter, x.add(denom, smooth), 1)), reduction) as never;
}

/**
 * Tversky loss 1 − (Σpy + γ)/(Σpy + α·Σp(1−y) + β·Σ(1−p)y + γ) (Salehi et al. 2017; catalog L22):
 * α = β = ½ is linear Dice, α = β = 1 the Jaccard loss.
 *
 * @example
 * losses.tverskyLoss(x.tensor([[0.8, 0.1]]), x.tensor([[1, 0]]), { alpha: 0.3, beta: 0.7 })
 */
export function tverskyLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  probs: Tensor<S, D>,
  targets: Tensor<S, D>,
  options: OverlapOptions<R> & { readonly alpha?: number; readonly beta?: number } = {},
): Tensor<ShapeT, D> {
  const fn = 'tverskyLoss';
  const { p, y, smooth, reduction, total } = overlapSetup(fn, probs, targets, options);
  const alpha = numberArg(fn, 'alpha', options.alpha, 0.5, rules.nonNegative);
  const beta = numberArg(fn, 'beta', options.beta, 0.5, rules.nonNegative);
  const tp = total(x.mul(p, y));
  const fp = total(x.mul(p, x.sub(1, y)));
  const fnn = total(x.mul(x.sub(1, p), y));
  const denom = x.add(x.add(tp, x.add(x.mul(alpha, fp), x.mul(beta, fnn))), smooth);
  return reduce(x.sub(1, x.safeDiv(x.add(tp, smooth), denom, 1)), reduction) as never;
}
