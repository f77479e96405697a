/** @file Rényi divergence D_α(p‖q) = log(Σ p^α q^{1−α})/(α − 1) for every α ≥ 0, in log space, with the α → 1 (KL) limit. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import { floatTensor, logitsSchema, reductionSchema } from '../validate.js';
import { type DivergenceOptions, fromLogits, fromProbs, type Inputs, klRows, type Pair } from './divergence.js';

/** Within this distance of 1, log Σ p·e^{(1−α)(lq − lp)} is taken as log1p(Σ p·expm1(…)/Σp): no cancellation as α → 1. */
const NEAR_ONE = 1e-2;

/** D_α per row from log-probabilities; p = 0 terms drop out (0^α = 0 for α ≥ 0, and 0⁰ = 0 off the support). */
function renyiRows([lp, lq]: Pair, alpha: number): Tensor {
  if (alpha === 1) return klRows([lp, lq]);
  const pDead = x.equal(lp, -Infinity);
  const safeLp = x.where(pDead, 0, lp);
  // D_∞ = log max_{p>0} p/q
  if (alpha === Infinity) return x.max(x.where(pDead, -Infinity, x.sub(safeLp, lq)), { axis: -1 });
  // e = (1 − α)(lq − lp) on the support of p: Σ p^α q^{1−α} = Σ p·e^e
  const e = x.mul(1 - alpha, x.sub(lq, safeLp));
  if (Math.abs(alpha - 1) < NEAR_ONE) {
    const mass = x.sum(x.where(pDead, 0, x.exp(safeLp)), { axis: -1 });
    const excess = x.sum(x.where(pDead, 0, x.mul(x.exp(safeLp), x.expm1(e))), { axis: -1 });
    return x.div(x.log1p(x.div(excess, mass)), alpha - 1);
  }
  return x.div(x.logsumexp(x.where(pDead, -Infinity, x.add(safeLp, e)), { axis: -1 }), alpha - 1);
}

/** A Rényi divergence between distributions of order α. */
export type RenyiDivergence = <S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  p: Tensor<S, D>,
  q: Tensor<S, D>,
  alpha: number,
  options?: DivergenceOptions<R>,
) => LossOf<BatchOf<S>, R, D>;

function renyiOf(fn: string, inputs: Inputs): RenyiDivergence {
  const impl: RenyiDivergence = (p, q, alpha, options = {}) =>
    reduce(renyiRows(inputs.pair(fn, p, q), alpha), options.reduction ?? 'mean') as never;
  const [first, second] = inputs.names;
  return publicFn(
    fn,
    {
      [first]: logitsSchema,
      [second]: floatTensor,
      alpha: s.number({ min: 0 }),
      options: s.options({ reduction: reductionSchema }),
    },
    impl,
  );
}

/**
 * Rényi divergence D_α(softmax a ‖ softmax b) = log(Σ p^α q^{1−α})/(α − 1) (Rényi 1961; van Erven &
 * Harremoës 2014; catalog D05), α ≥ 0: α = 1 is KL (and α near 1 has no cancellation), α = ½ is
 * −2·log Σ√(pq) (Bhattacharyya), α = 0 is −log Σ_{p>0} q, α = Infinity is log max p/q. Non-decreasing in α.
 *
 * @example
 * divergence.renyi(x.log(x.tensor([[0.5, 0.5]])), x.log(x.tensor([[0.9, 0.1]])), 2) // log(1.3888889)
 */
export const renyiDivergence: RenyiDivergence = renyiOf('renyi', fromLogits);

/**
 * Rényi divergence of probability rows (+Inf where q = 0 < p and α ≥ 1).
 *
 * @example
 * divergence.renyiFromProbs(x.tensor([[0.5, 0.5]]), x.tensor([[0.9, 0.1]]), 0.5) // −2·log(BC)
 */
export const renyiDivergenceFromProbs: RenyiDivergence = renyiOf('renyiFromProbs', fromProbs);
