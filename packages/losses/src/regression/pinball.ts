/** @file The quantile (pinball) loss. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { LossOf, Reduction } from '../types.js';
import { floatTensor, nonEmpty, reductionSchema, sameAs } from '../validate.js';

export interface PinballOptions<R extends Reduction = Reduction> {
  /** The quantile τ ∈ (0, 1) (default 0.5: half the absolute error). */
  readonly tau?: number;
  /** 'mean' over elements (default), 'sum' or 'none'. */
  readonly reduction?: R;
}

function pinballImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  predictions: Tensor<S, D>,
  targets: Tensor<S, D>,
  options: PinballOptions<R> = {},
): LossOf<S, R, D> {
  const fn = 'pinballLoss';
  const yhat = nonEmpty(fn, 'predictions', predictions, 'a non-empty last axis');
  const y = sameAs(fn, 'targets', targets, yhat, 'predictions');
  const tau = options.tau ?? 0.5;
  const r = x.sub(y, yhat);
  // ρ_τ(r) = τ·r for r ≥ 0, (τ − 1)·r below: the subgradient at r = 0 is τ (−τ in ŷ)
  return reduce(x.where(x.greaterEqual(r, 0), x.mul(tau, r), x.mul(tau - 1, r)), options.reduction ?? 'mean') as never;
}

/**
 * Pinball (quantile) loss ρ_τ(y − ŷ) = max(τ·r, (τ − 1)·r) elementwise (Koenker & Bassett 1978,
 * "Regression Quantiles"; catalog L35): ≥ 0, 0 iff ŷ = y, ½·|r| at τ = ½; the constant minimising its
 * mean over a sample is the sample's τ-quantile. ∂/∂ŷ ∈ {−τ, 1 − τ} (−τ at r = 0). Like PyTorch's
 * `l1_loss` in argument order (predictions, targets) and reductions.
 *
 * @example
 * losses.pinballLoss(x.tensor([1, 2], { dtype: 'f64' }), x.tensor([2, 0], { dtype: 'f64' }), { tau: 0.9 }) // ½(0.9·1 + 0.1·2)
 */
export const pinballLoss = publicFn(
  'pinballLoss',
  {
    predictions: floatTensor,
    targets: floatTensor,
    options: s.options({
      tau: s.optional(s.number({ min: 0, max: 1, minOpen: true, maxOpen: true })),
      reduction: reductionSchema,
    }),
  },
  pinballImpl,
);
