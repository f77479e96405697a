/**
 * @file Losses for `xent check` (what `npm start` runs): each export is checked by certify, and the
 * properties it claims must hold. One claim fails on purpose: squentropy is not shift-invariant.
 */
import * as x from 'xent';

/** Softmax cross-entropy: shift-invariant, convex, proper, not bounded (it says so by not claiming it). */
export const crossEntropy = (z: x.Tensor, y: x.Tensor): x.Tensor => x.losses.crossEntropy(z, y);

/**
 * An active–passive mix written by hand: ½·NCE + ½·MAE. Both parts satisfy the symmetric-loss
 * condition, so the mix does (Σ_k L(z, k) = ½ + (K − 1)), and it is bounded.
 */
export function robustMix(z: x.Tensor, y: x.Tensor): x.Tensor {
  const nce = x.losses.normalizedCrossEntropy(z, y, { reduction: 'none' });
  const mae = x.losses.maeLoss(z, y, { reduction: 'none' });
  return x.mean(x.add(x.mul(0.5, nce), x.mul(0.5, mae)));
}

/** Squentropy adds the mean square of the non-target logits to CE. The claim below is wrong on purpose. */
export const squentropy = (z: x.Tensor, y: x.Tensor): x.Tensor => x.losses.squentropy(z, y);

/** Jeffreys divergence KL(p‖q) + KL(q‖p) between softmax distributions. */
export const jeffreys = (p: x.Tensor, q: x.Tensor): x.Tensor =>
  x.add(x.divergence.kl(p, q), x.divergence.reverseKl(p, q));

/** Collision (Rényi order-2) entropy, one value per row: between 0 and log K, log K at uniform. */
export const collisionEntropy = (z: x.Tensor): x.Tensor => x.entropy.renyi(z, 2);

/** What each export is (default 'classification': logits [B, K] and labels [B]). */
export const kind = {
  jeffreys: 'divergence',
  collisionEntropy: 'entropy',
};

/** The properties each loss claims; `xent check` fails a loss whose claim does not hold. */
export const claims = {
  crossEntropy: ['shiftInvariant', 'classPermutationInvariant', 'convex', 'proper', 'nonNegative'],
  robustMix: ['symmetric', 'bounded', 'shiftInvariant'],
  squentropy: ['shiftInvariant'],
  jeffreys: ['nonNegative', 'zeroIffEqual', 'shiftInvariant'],
  collisionEntropy: ['entropyBounds', 'shiftInvariant', 'classPermutationInvariant'],
};
