/** @file Focal loss and the entropy-regularised cross-entropy (confidence penalty). */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';
import { finiteOption, nonNegativeOption, positiveOption } from '../validate.js';
import { type HardLabelLoss, hardLabelLoss } from './labelled.js';

/**
 * (1 − p)^γ from log p: exp(γ·log1mexp(log p)), exactly 0 with a zero gradient at p = 1 (γ > 0), so
 * the product with log p stays finite in every derivative where a pow would give 0·∞.
 */
export function oneMinusPow(logp: Tensor, gamma: number): Tensor {
  if (gamma === 0) return x.onesLike(logp);
  const below = x.less(logp, 0);
  return x.where(below, x.exp(x.mul(gamma, x.log1mexp(x.where(below, logp, -1)))), 0);
}

/**
 * Focal terms −(1 − p)^γ·log p, elementwise in log p: +Inf at p = 0 (a −Inf logit) with the limit
 * derivative −1 in log p (p·log p → 0), where the product rule would give 0·∞ = NaN.
 */
export function focalOf(logp: Tensor, gamma: number): Tensor {
  const dead = x.equal(logp, -Infinity);
  const safe = x.where(dead, -1, logp);
  return x.where(dead, x.neg(logp), x.neg(x.mul(oneMinusPow(safe, gamma), safe)));
}

export interface FocalOptions {
  /** γ ≥ 0 (default 2); γ = 0 is cross-entropy. Class weights (`weights`) play the role of α_y. */
  readonly gamma?: number;
}

/**
 * Focal loss FL = −α_y·(1 − p_y)^γ·log p_y (Lin et al. 2017; catalog L06). ∇_z = w(p_y)·(p − e_y)
 * with w(p) = (1−p)^γ − γ·p·(1−p)^{γ−1}·log p ≥ 0. Not convex in z for γ > 0.
 *
 * @example
 * losses.focalLoss(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([0], { dtype: 'i32' }), { gamma: 2 }) // 0.25·log 2 = 0.1732868
 */
export const focalLoss: HardLabelLoss<FocalOptions> = hardLabelLoss(
  'focalLoss',
  { gamma: nonNegativeOption },
  (c, options: FocalOptions) => focalOf(c.logpy, options.gamma ?? 2),
);

/** −Σ_k p_k·log p_k from log p, with 0·log 0 = 0 at −Inf (masked) logits. */
export function entropyOfLogProbs(logp: Tensor): Tensor {
  const dead = x.equal(logp, -Infinity);
  const safe = x.where(dead, 0, logp);
  return x.neg(x.sum(x.where(dead, 0, x.mul(x.exp(safe), safe)), { axis: -1 }));
}

export interface ConfidencePenaltyOptions {
  /** β (default 0.1): β > 0 penalises confident predictions, β < 0 is entropy minimisation. */
  readonly beta?: number;
  readonly temperature?: number;
}

/**
 * Entropy-regularised cross-entropy CE − β·H(softmax z) (Pereyra et al. 2017; catalog L07).
 * ∇_z = (p − e_y) + β·p⊙(log p + H).
 *
 * @example
 * losses.confidencePenalty(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' }), { beta: 0.1 }) // CE − 0.1·H
 */
export const confidencePenalty: HardLabelLoss<ConfidencePenaltyOptions> = hardLabelLoss(
  'confidencePenalty',
  { beta: finiteOption, temperature: positiveOption },
  (c, options: ConfidencePenaltyOptions) =>
    x.sub(x.neg(c.logpy), x.mul(options.beta ?? 0.1, entropyOfLogProbs(c.logp))),
);
