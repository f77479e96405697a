/**
 * @file Taylor cross-entropy (Feng et al. 2020), the loss researched in docs/guide-new-objective.md:
 * the order-t Taylor series of −log p_y around p_y = 1, from MAE (t = 1) towards CE (t → ∞).
 */
import * as x from 'xent';

/** Σ_{k=1..order} (1 − p_y)^k / k, averaged over the batch, from logits [B, K] and labels [B]. */
export function taylorCrossEntropy(order: number): (logits: x.Tensor, labels: x.Tensor) => x.Tensor {
  if (!Number.isInteger(order) || order < 1)
    throw new Error(`taylorCrossEntropy: order must be an integer ≥ 1, got ${order}`);
  return (logits, labels) => {
    const logpY = x.squeeze(x.gather(x.logSoftmax(logits), x.expandDims(labels, -1), { axis: -1 }), -1);
    const miss = x.neg(x.expm1(logpY)); // 1 − p_y, accurate as p_y → 1
    let series = miss;
    for (let k = 2; k <= order; k++) series = x.add(series, x.div(x.pow(miss, k), k));
    return x.mean(series);
  };
}

/** The second-order loss, the one `xent check` certifies. */
export const taylorCe2 = taylorCrossEntropy(2);

/** What it promises: bounded by 1 + 1/2, non-negative, and invariant like every softmax loss. */
export const claims = ['bounded', 'nonNegative', 'shiftInvariant', 'classPermutationInvariant'];
