/** @file Pairwise ranking losses: the Mann–Whitney (AUC) logistic surrogate and the circle loss. */
import * as x from '@xent/core';
import { DTypeError, ShapeError, ValueError, type DType, type ShapeT, type Tensor } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { LossOf, Reduction } from '../types.js';
import { formatShape, nonEmpty, nonNegativeOption, positiveOption, reductionSchema } from '../validate.js';

function aucSurrogateImpl<D extends DType>(scores: Tensor<ShapeT, D>, positive: Tensor): Tensor<[], D> {
  const fn = 'aucSurrogateLoss';
  const sc = nonEmpty(fn, 'scores', scores, 'at least one score');
  if (positive.dtype !== 'bool') fail(DTypeError, fn, 'positive', 'a bool Tensor', `dtype ${positive.dtype}`);
  if (positive.rank !== 1 || positive.shape[0] !== sc.shape[0])
    fail(
      ShapeError,
      fn,
      'positive',
      `shape ${formatShape(sc.shape)} (the shape of scores)`,
      formatShape(positive.shape),
    );
  if (!positive.isTraced) {
    const flags = Array.from(positive.data() as ArrayLike<number | boolean>, Boolean);
    if (!flags.includes(true) || !flags.includes(false))
      fail(
        ValueError,
        fn,
        'positive',
        'at least one positive and one negative',
        `${flags.filter(Boolean).length} positive of ${flags.length}`,
      );
  }
  const p = x.cast(positive, sc.dtype);
  // pair (i, j) counts when i is positive and j negative: P_i·(1 − P_j)
  const pairs = x.mul(x.expandDims(p, 1), x.expandDims(x.sub(1, p), 0));
  const gaps = x.sub(x.expandDims(sc, 1), x.expandDims(sc, 0));
  return x.div(x.sum(x.mul(pairs, x.softplus(x.neg(gaps)))), x.sum(pairs)) as never;
}

/**
 * The Mann–Whitney / AUC logistic surrogate (1/(#P·#N))·Σ_{i∈P, j∈N} softplus(−(s_i − s_j)) for scores
 * [N] and a bool `positive` [N] (catalog R02; "MWLoss"): a batch-level loss, convex in the scores,
 * invariant to a common shift, log 2 when all scores are equal, and AUC ≥ 1 − L/log 2. Without a
 * positive or a negative the pairs are 0/0: a ValueError for concrete flags, NaN when traced.
 *
 * @example
 * losses.aucSurrogateLoss(x.tensor([2, 0, 1], { dtype: 'f64' }), x.tensor([true, false, false])) // ½(softplus(−2) + softplus(−1))
 */
export const aucSurrogateLoss = publicFn(
  'aucSurrogateLoss',
  { scores: s.tensor({ dtype: 'float', rank: 1 }), positive: s.tensor({ dtype: ['bool'], rank: 1 }) },
  aucSurrogateImpl,
);

export interface CircleOptions<R extends Reduction = Reduction> {
  /** The scale γ > 0 (default 80). */
  readonly gamma?: number;
  /** The relaxation margin m ≥ 0 (default 0.25): optima O_p = 1 + m, O_n = −m, decision margins Δ_p = 1 − m, Δ_n = m. */
  readonly margin?: number;
  /** 'mean' over rows (default), 'sum' or 'none'. */
  readonly reduction?: R;
}

function circleImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  positiveSimilarities: Tensor<S, D>,
  negativeSimilarities: Tensor,
  options: CircleOptions<R> = {},
): LossOf<ShapeT, R, D> {
  const fn = 'circleLoss';
  const sp = nonEmpty(fn, 'positiveSimilarities', positiveSimilarities, 'at least one positive per row');
  const sn = nonEmpty(fn, 'negativeSimilarities', negativeSimilarities, 'at least one negative per row');
  if (sn.dtype !== sp.dtype)
    fail(DTypeError, fn, 'negativeSimilarities', `dtype ${sp.dtype} (as positiveSimilarities)`, `dtype ${sn.dtype}`);
  if (sn.rank !== sp.rank || sn.shape.slice(0, -1).some((d, i) => d !== sp.shape[i]))
    fail(
      ShapeError,
      fn,
      'negativeSimilarities',
      `shape [${sp.shape.slice(0, -1).join(', ')}${sp.rank > 1 ? ', ' : ''}M] (the rows of positiveSimilarities)`,
      formatShape(sn.shape),
    );
  const gamma = options.gamma ?? 80;
  const m = options.margin ?? 0.25;
  // the weights α_p = [1 + m − s_p]₊, α_n = [s_n + m]₊ are detached (the paper's self-paced weighting)
  const ap = x.stopGradient(x.relu(x.sub(1 + m, sp)));
  const an = x.stopGradient(x.relu(x.add(sn, m)));
  const pos = x.logsumexp(x.mul(x.mul(-gamma, ap), x.sub(sp, 1 - m)), { axis: -1 });
  const neg = x.logsumexp(x.mul(x.mul(gamma, an), x.sub(sn, m)), { axis: -1 });
  return reduce(x.softplus(x.add(pos, neg)), options.reduction ?? 'mean') as never;
}

/**
 * Circle loss log[1 + Σ_j exp(γ·α_n^j·(s_n^j − Δ_n))·Σ_i exp(−γ·α_p^i·(s_p^i − Δ_p))] (Sun et al. 2020,
 * "Circle Loss: A Unified Perspective of Pair Similarity Optimization"; catalog R03), for the
 * similarities of each row's positives [..., P] and negatives [..., M], computed as
 * softplus(LSE_j(·) + LSE_i(·)). ≥ 0; with the α detached each pair's gradient magnitude is γ·α;
 * raising a positive similarity or lowering a negative one never raises the loss.
 *
 * @example
 * losses.circleLoss(x.tensor([[0.8, 0.6]], { dtype: 'f64' }), x.tensor([[0.1, -0.2, 0.3]], { dtype: 'f64' }), { gamma: 32 })
 */
export const circleLoss = publicFn(
  'circleLoss',
  {
    positiveSimilarities: s.tensor({ dtype: 'float', rank: [1, Infinity] }),
    negativeSimilarities: s.tensor({ dtype: 'float', rank: [1, Infinity] }),
    options: s.options({ gamma: positiveOption, margin: nonNegativeOption, reduction: reductionSchema }),
  },
  circleImpl,
);
