/** @file The comp-sum family Φ^τ (sum-exponential, CE, GCE, MAE as members) and generalised cross-entropy. */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';
import { s } from '@xent/core/internal';
import { nonNegativeOption } from '../validate.js';
import { type HardLabelLoss, hardLabelLoss } from './labelled.js';

/** (1 − p_y^a)/a = −expm1(a·log p_y)/a, and −log p_y at a = 0 (the a → 0 limit). */
const qLogLoss = (logpy: Tensor, a: number): Tensor => (a === 0 ? x.neg(logpy) : x.div(x.expm1(x.mul(a, logpy)), -a));

export interface GceOptions {
  /** q ∈ (0, 1] (default 0.7): q → 0 is CE, q = 1 is 1 − p_y. */
  readonly q?: number;
}

/**
 * Generalised cross-entropy (1 − p_y^q)/q (Zhang & Sabuncu 2018; catalog L11), bounded by 1/q;
 * ∇_z = p_y^q·(softmax z − e_y). Not convex.
 *
 * @example
 * losses.generalizedCrossEntropy(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([0], { dtype: 'i32' }), { q: 0.7 }) // 0.5491826
 */
export const generalizedCrossEntropy: HardLabelLoss<GceOptions> = hardLabelLoss(
  'generalizedCrossEntropy',
  { q: s.optional(s.number({ min: 0, max: 1, minOpen: true })) },
  (c, options: GceOptions) => qLogLoss(c.logpy, options.q ?? 0.7),
);

export interface CompSumOptions {
  /** τ ≥ 0 (default 1): 0 sum-exponential, 1 CE, 1 < τ < 2 GCE with q = τ − 1, 2 is 1 − p_y. */
  readonly tau?: number;
}

/**
 * Comp-sum losses Φ^τ(u), u = Σ_{k≠y} e^{z_k − z_y} = 1/p_y − 1 (Mao, Mohri & Zhong 2023; catalog
 * L12): ((1 + u)^{1−τ} − 1)/(1 − τ) = (1 − p_y^{τ−1})/(τ − 1), and log(1 + u) = CE at τ = 1.
 * Bounded iff τ > 1 (by 1/(τ − 1)); for τ < 1 it grows like p_y^{τ−1} and overflows to +Inf once
 * log p_y < −709/(1 − τ) in f64.
 *
 * @example
 * losses.compSumLoss(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' }), { tau: 1 }) // = crossEntropy
 */
export const compSumLoss: HardLabelLoss<CompSumOptions> = hardLabelLoss(
  'compSumLoss',
  { tau: nonNegativeOption },
  (c, options: CompSumOptions) => qLogLoss(c.logpy, (options.tau ?? 1) - 1),
);
