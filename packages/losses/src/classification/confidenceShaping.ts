/** @file Losses that reshape the reward for confidence on the target: LDR-KL, the encouraging loss, DCO (pass@N). */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';
import { s } from '@xent/core/internal';
import { nonNegativeOption, positiveOption } from '../validate.js';
import { type HardLabelLoss, hardLabelLoss, type Labelled } from './labelled.js';

/**
 * log(1 − p_y) without cancellation: log Σ_{k≠y} p_k where p_y > ½ (1 − p_y tiny: that sum keeps it,
 * and is −Inf when every other class is masked), log1p(−p_y) below (p_y tiny: log p_y keeps it);
 * −1 at ignored targets, so that nothing downstream meets log 0 there (a 0·∞ gradient).
 */
export function logOneMinusPy(c: Labelled): Tensor {
  const others = x.logsumexp(x.where(x.greater(c.onehot(), 0), -Infinity, c.logp), { axis: -1 });
  const likely = x.greater(c.logpy, -Math.LN2);
  const rare = x.log1mexp(x.where(likely, -1, c.logpy));
  const both = x.where(likely, others, rare);
  return c.valid === undefined ? both : x.where(c.valid, both, -1);
}

export interface LdrKlOptions {
  /** λ > 0 (default 1): the KL regulariser's weight; λ → 0 is the Crammer–Singer hinge, λ → ∞ the mean margin. */
  readonly lambda?: number;
  /** The margin c ≥ 0 added to every non-target class (default 0). */
  readonly margin?: number;
}

/**
 * Label-distributionally robust loss (LDR-KL; Zhu et al. 2023, "Label Distributionally Robust Losses
 * for Multi-class Classification"; catalog L18): ψ_λ(z, y) = max_{w∈Δ} Σ_k w_k·(c·1[k≠y] + z_k − z_y)
 * − λ·KL(w ‖ uniform) = λ·log((1/K)·Σ_k exp((c·1[k≠y] + z_k − z_y)/λ)). λ = 1, c = 0 gives CE − log K.
 * Convex, shift-invariant, class-permutation-equivariant; ψ ≥ −λ·log K.
 *
 * @example
 * losses.ldrKlLoss(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' }), { lambda: 1 }) // CE − log 3
 */
export const ldrKlLoss: HardLabelLoss<LdrKlOptions> = hardLabelLoss(
  'ldrKlLoss',
  { lambda: positiveOption, margin: nonNegativeOption },
  (c, options: LdrKlOptions) => {
    const lambda = options.lambda ?? 1;
    const margin = options.margin ?? 0;
    // z_k − z_y = log p_k − log p_y, finite for finite logits whatever their size
    const gaps = x.sub(c.logp, x.expandDims(c.logpy, -1));
    const shifted = margin === 0 ? gaps : x.add(gaps, x.mul(margin, x.sub(1, c.onehot())));
    return x.mul(lambda, x.sub(x.logsumexp(x.div(shifted, lambda), { axis: -1 }), Math.log(c.classes)));
  },
);

export interface EncouragingOptions {
  /**
   * p₀ ∈ (0, 1) for the conservative variant: above p_y = p₀ the bonus log(1 − p_y) is replaced by its
   * tangent at p₀, so the loss stays bounded below. Absent (default): the plain bonus, unbounded below.
   */
  readonly threshold?: number;
}

/**
 * Encouraging loss −log p_y + log(1 − p_y) = LSE_{k≠y}(z) − z_y (Zhao et al. 2022, "Well-classified
 * Examples are Underestimated in Classification with Deep Neural Networks"; catalog L20): a bonus for
 * well-classified examples whose gradient does not vanish as p_y → 1. With `threshold` p₀ the bonus is
 * linear above p₀ (value and slope of log(1 − p) at p₀), the paper's conservative form.
 *
 * @example
 * losses.encouragingLoss(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([0], { dtype: 'i32' })) // log(½) − log(½) = 0
 */
export const encouragingLoss: HardLabelLoss<EncouragingOptions> = hardLabelLoss(
  'encouragingLoss',
  { threshold: s.optional(s.number({ min: 0, max: 1, minOpen: true, maxOpen: true })) },
  (c, options: EncouragingOptions) => {
    const bonus = logOneMinusPy(c);
    const p0 = options.threshold;
    if (p0 === undefined) return x.sub(bonus, c.logpy);
    // log(1 − p₀) − (p − p₀)/(1 − p₀) above p₀: the tangent of log(1 − p) there
    const py = x.exp(c.logpy);
    const tangent = x.sub(Math.log1p(-p0), x.div(x.sub(py, p0), 1 - p0));
    return x.sub(x.where(x.greater(py, p0), tangent, bonus), c.logpy);
  },
);

export interface PassAtNOptions {
  /** N ≥ 1 (default 4): the number of samples whose coverage is optimised; N = 1 is CE. */
  readonly n?: number;
}

/**
 * Pass@N coverage loss ℓ_N = −log(1 − (1 − p_y)^N) (DCO; Chen et al. 2025, "Rethinking Fine-Tuning
 * when Scaling Test-Time Compute: Limiting Confidence Improves Mathematical Reasoning"; catalog L23),
 * computed as −log1mexp(N·log(1 − p_y)). ∇_z ℓ_N = F_N(p_y)·(softmax(z) − e_y) with
 * F_N(p) = N·p·(1 − p)^{N−1}/(1 − (1 − p)^N) ∈ (0, 1]: the gradient fades as p_y → 1. ℓ_N ≤ CE.
 *
 * @example
 * losses.passAtNLoss(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([0], { dtype: 'i32' }), { n: 4 }) // −log(1 − 0.5⁴) = 0.0645385
 */
export const passAtNLoss: HardLabelLoss<PassAtNOptions> = hardLabelLoss(
  'passAtNLoss',
  { n: s.optional(s.finite({ min: 1 })) },
  (c, options: PassAtNOptions) => {
    const n = options.n ?? 4;
    // N·p_y < 1e-7: −log(N·p_y) + (N − 1)·p_y/2 (error O((N·p_y)²), below rounding), where the chain
    // rule through log1mexp would multiply an overflowing 1/(N·p) by an underflowing p in f32
    const small = x.less(c.logpy, Math.log(1e-7 / n));
    const exact = x.neg(x.log1mexp(x.where(small, -1, x.mul(n, logOneMinusPy(c)))));
    const series = x.add(x.sub(-Math.log(n), c.logpy), x.mul((n - 1) / 2, x.exp(c.logpy)));
    return x.where(small, series, exact);
  },
);
