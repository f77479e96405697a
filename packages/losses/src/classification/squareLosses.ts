/** @file Losses on probabilities and squared logits: MAE, Brier, the rescaled square loss and squentropy. */
import * as x from '@xent/core';
import type { ShapeT, Tensor, DType } from '@xent/core';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import { numberArg, rules } from '../validate.js';
import { finish, type LabelOptions, type Labelled, labelled } from './labelled.js';

/** 2·(1 − p_y) = −2·expm1(log p_y): no cancellation when p_y is close to 1. */
export const maeTerms = (c: Labelled): Tensor => x.mul(-2, x.expm1(c.logpy));

/**
 * ‖softmax(z) − e_y‖₁ = 2·(1 − p_y) ∈ [0, 2) (catalog L08): bounded and symmetric (Σ_y = 2(K − 1)).
 *
 * @example
 * losses.maeLoss(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' })) // 2·(1 − 0.665241)
 */
export function maeLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  labels: Tensor<BatchOf<S>>,
  options: LabelOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  const c = labelled('maeLoss', logits, labels, options);
  return finish(c, maeTerms(c)) as never;
}

/**
 * Brier score ‖softmax(z) − e_y‖² ∈ [0, 2] (catalog L09): strictly proper.
 *
 * @example
 * losses.brierLoss(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' }))
 */
export function brierLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  labels: Tensor<BatchOf<S>>,
  options: LabelOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  const c = labelled('brierLoss', logits, labels, options);
  return finish(c, x.sum(x.square(x.sub(x.exp(c.logp), c.onehot)), { axis: -1 })) as never;
}

export interface RescaledSquareOptions<R extends Reduction = Reduction> extends LabelOptions<R> {
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
export function rescaledSquareLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  labels: Tensor<BatchOf<S>>,
  options: RescaledSquareOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  const fn = 'rescaledSquareLoss';
  const k = numberArg(fn, 'k', options.k, 1, rules.positive);
  const m = numberArg(fn, 'm', options.m, 1, rules.finite);
  const c = labelled(fn, logits, labels, options);
  const z = c.logits;
  const zy = x.sum(x.mul(z, c.onehot), { axis: -1 });
  const others = x.sum(x.mul(x.square(z), x.sub(1, c.onehot)), { axis: -1 });
  return finish(c, x.add(x.mul(k, x.square(x.sub(zy, m))), others)) as never;
}

/**
 * Squentropy CE(z, y) + (1/(K − 1))·Σ_{k≠y} z_k² (Hui, Belkin & Wright 2023; catalog L10): the mean
 * square of the non-target logits added to CE. Needs K ≥ 2; not shift-invariant.
 *
 * @example
 * losses.squentropy(x.tensor([[2, 0, 1]], { dtype: 'f64' }), x.tensor([0], { dtype: 'i32' })) // 0.9076060
 */
export function squentropy<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  labels: Tensor<BatchOf<S>>,
  options: LabelOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  const fn = 'squentropy';
  const c = labelled(fn, logits, labels, options);
  if (c.classes < 2) x.fail(x.ShapeError, fn, 'logits', 'at least 2 classes', `${c.classes}`);
  const square = x.div(x.sum(x.mul(x.square(c.logits), x.sub(1, c.onehot)), { axis: -1 }), c.classes - 1);
  return finish(c, x.add(x.neg(c.logpy), square)) as never;
}
