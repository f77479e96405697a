/** @file Losses on probabilities and squared logits: MAE, Brier, the rescaled square loss and squentropy. */
import * as x from '@xent/core';
import { fail } from '@xent/core/internal';
import type { Tensor } from '@xent/core';
import { finiteOption, positiveOption } from '../validate.js';
import { type HardLabelLoss, hardLabelLoss, type Labelled } from './labelled.js';

/** 2·(1 − p_y) = −2·expm1(log p_y): no cancellation when p_y is close to 1. */
export const maeTerms = (c: Labelled): Tensor => x.mul(-2, x.expm1(c.logpy));

/**
 * ‖softmax(z) − e_y‖₁ = 2·(1 − p_y) ∈ [0, 2) (Ghosh, Kumar & Sastry 2017; catalog L08): bounded and symmetric (Σ_y = 2(K − 1)).
 *
 * @example
 * losses.maeLoss(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' })) // 2·(1 − 0.665241)
 */
export const maeLoss: HardLabelLoss<object> = hardLabelLoss('maeLoss', {}, maeTerms);

/**
 * Brier score ‖softmax(z) − e_y‖² ∈ [0, 2] (Brier 1950; catalog L09): strictly proper.
 *
 * @example
 * losses.brierLoss(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' }))
 */
export const brierLoss: HardLabelLoss<object> = hardLabelLoss('brierLoss', {}, (c) =>
  x.sum(x.square(x.sub(x.exp(c.logp), c.onehot())), { axis: -1 }),
);

/**
 * Σ_{k≠y} z_k² per sample, with z_y replaced by 0 before squaring: a product with (1 − one-hot)
 * would give 0·(−Inf) = NaN in the gradient at a −Inf target logit.
 */
function offTargetSquares(c: Labelled): Tensor {
  const hot = x.greater(c.onehot(), 0);
  return x.sum(x.square(x.where(hot, 0, c.logits)), { axis: -1 });
}

export interface RescaledSquareOptions {
  /** k > 0: weight of the target term (default 1). */
  readonly k?: number;
  /** M: the value the target logit is pulled to (default 1). */
  readonly m?: number;
}

/**
 * Square loss on logits with Hui–Belkin rescaling, k·(z_y − M)² + Σ_{j≠y} z_j² (catalog L09). Not
 * shift-invariant: it pins the logits themselves.
 *
 * @example
 * losses.rescaledSquareLoss(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' }), { k: 1, m: 1 }) // (3 − 1)² + 1² + 2²
 */
export const rescaledSquareLoss: HardLabelLoss<RescaledSquareOptions> = hardLabelLoss(
  'rescaledSquareLoss',
  { k: positiveOption, m: finiteOption },
  (c, options: RescaledSquareOptions) => {
    // z_y picked with where: a product with the one-hot would make 0·(−Inf) = NaN at masked logits.
    const zy = x.sum(x.where(x.greater(c.onehot(), 0), c.logits, 0), { axis: -1 });
    return x.add(x.mul(options.k ?? 1, x.square(x.sub(zy, options.m ?? 1))), offTargetSquares(c));
  },
);

/**
 * Squentropy CE(z, y) + (1/(K − 1))·Σ_{k≠y} z_k² (Hui, Belkin & Wright 2023; catalog L10): the mean
 * square of the non-target logits added to CE. Needs K ≥ 2; not shift-invariant.
 *
 * @example
 * losses.squentropy(x.tensor([[2, 0, 1]], { dtype: 'f64' }), x.tensor([0], { dtype: 'i32' })) // 0.9076060
 */
export const squentropy: HardLabelLoss<object> = hardLabelLoss('squentropy', {}, (c, _options, fn) => {
  if (c.classes < 2) fail(x.ShapeError, fn, 'logits', 'at least 2 classes', `${c.classes}`);
  const square = x.div(offTargetSquares(c), c.classes - 1);
  return x.add(x.neg(c.logpy), square);
});
