/** @file Row-wise log-space helpers for the information measures: plogq sums and logaddexp. */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';

/** Σ_k p_k·log q_k from log-probabilities, where p_k = 0 adds exactly 0 (also against log q_k = −Inf). */
export function expectedLog(logp: Tensor, logq: Tensor): Tensor {
  const dead = x.equal(logp, -Infinity);
  return x.sum(x.where(dead, 0, x.mul(x.exp(x.where(dead, 0, logp)), x.where(dead, 0, logq))), { axis: -1 });
}

/**
 * log(eᵃ + eᵇ) = m + log1p(s) with m = max(a, b) held constant for the gradient and s = e^{min−m}
 * written as expm1 of the larger shift (exactly 0) plus exp of the smaller: the gradient is
 * e^{a−m}/(e^{a−m} + e^{b−m}) whichever way a tie is decided (a max/min split would only be right
 * if every kernel rounded the tie the same way). −Inf when both are −Inf.
 */
export function logAddExp(a: Tensor, b: Tensor): Tensor {
  const peak = x.stopGradient(x.maximum(a, b));
  const dead = x.equal(peak, -Infinity);
  const m = x.where(dead, 0, peak);
  const [u, v] = [x.sub(x.where(dead, 0, a), m), x.sub(x.where(dead, 0, b), m)];
  const s = x.where(x.greaterEqual(a, b), x.add(x.expm1(u), x.exp(v)), x.add(x.exp(u), x.expm1(v)));
  return x.where(dead, -Infinity, x.add(m, x.log1p(s)));
}

/** log p from probabilities: log p where p > 0, −Inf where p = 0 (with a zero gradient there). */
export function logOfProbs(p: Tensor): Tensor {
  const zero = x.equal(p, 0);
  return x.where(zero, -Infinity, x.log(x.where(zero, 1, p)));
}
