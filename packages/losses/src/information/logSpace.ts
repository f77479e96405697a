/** @file Row-wise log-space helpers for the information measures: plogq sums and logaddexp. */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';

/** Σ_k p_k·log q_k from log-probabilities, where p_k = 0 adds exactly 0 (also against log q_k = −Inf). */
export function expectedLog(logp: Tensor, logq: Tensor): Tensor {
  const dead = x.equal(logp, -Infinity);
  return x.sum(x.where(dead, 0, x.mul(x.exp(x.where(dead, 0, logp)), x.where(dead, 0, logq))), { axis: -1 });
}

/** log(eᵃ + eᵇ) = max + log1p(e^{−|a−b|}); −Inf when both are −Inf. */
export function logAddExp(a: Tensor, b: Tensor): Tensor {
  const m = x.maximum(a, b);
  const dead = x.equal(m, -Infinity);
  const safeM = x.where(dead, 0, m);
  const rest = x.exp(x.sub(x.minimum(x.where(dead, 0, a), x.where(dead, 0, b)), safeM));
  return x.where(dead, -Infinity, x.add(safeM, x.log1p(rest)));
}

/** log p from probabilities: log p where p > 0, −Inf where p = 0 (with a zero gradient there). */
export function logOfProbs(p: Tensor): Tensor {
  const zero = x.equal(p, 0);
  return x.where(zero, -Infinity, x.log(x.where(zero, 1, p)));
}
