/** @file Row-wise log-space helpers for the information measures: plogq sums and log-probabilities. */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';

/** Σ_k p_k·log q_k from log-probabilities, where p_k = 0 adds exactly 0 (also against log q_k = −Inf). */
export function expectedLog(logp: Tensor, logq: Tensor): Tensor {
  const dead = x.equal(logp, -Infinity);
  return x.sum(x.where(dead, 0, x.mul(x.exp(x.where(dead, 0, logp)), x.where(dead, 0, logq))), { axis: -1 });
}

/** log p from probabilities: log p where p > 0, −Inf where p = 0 (with a zero gradient there). */
export function logOfProbs(p: Tensor): Tensor {
  const zero = x.equal(p, 0);
  return x.where(zero, -Infinity, x.log(x.where(zero, 1, p)));
}
