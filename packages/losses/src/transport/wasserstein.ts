/** @file Wasserstein-1 between distributions on ordered bins, in the CDF (cumsum) form. */
import * as x from '@xent/core';
import { fail } from '@xent/core/internal';
import type { FloatDType, ShapeT, Tensor, DType } from '@xent/core';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import { describe, labelsArg, logitsArg, reductionArg, simplexArg } from '../validate.js';

export interface OrdinalOptions<R extends Reduction = Reduction> {
  /** Increasing bin centres c_0 < … < c_{K−1} (default 0, 1, …, K − 1). */
  readonly centers?: readonly number[];
  readonly reduction?: R;
}

/** Gaps Δ_k = c_{k+1} − c_k as a [K − 1] tensor. */
function gaps(fn: string, k: number, dtype: FloatDType, centers: readonly number[] | undefined): Tensor {
  const c = centers ?? Array.from({ length: k }, (_, i) => i);
  if (
    !Array.isArray(c) ||
    c.length !== k ||
    !c.every((v, i) => Number.isFinite(v) && (i === 0 || v > (c[i - 1] as number)))
  )
    fail(x.ValueError, fn, 'centers', `${k} finite, strictly increasing bin centres`, describe(centers));
  return x.tensor(
    c.slice(1).map((v, i) => v - (c[i] as number)),
    { dtype },
  );
}

/** Σ_k Δ_k·|F_p(k) − F_q(k)| over the first K − 1 CDF entries. */
function cdfDistance(p: Tensor, q: Tensor, delta: Tensor): Tensor {
  const k = p.shape[p.rank - 1] as number;
  const diff = x.abs(x.cumsum(x.sub(p, q), { axis: -1 }));
  const head = x.slice(
    diff,
    p.shape.map((_, i) => (i === p.rank - 1 ? 0 : null)),
    p.shape.map((d, i) => (i === p.rank - 1 ? k - 1 : d)),
  );
  return x.sum(x.mul(head, delta), { axis: -1 });
}

/**
 * W1(p, q) = Σ_k Δ_k·|F_p(k) − F_q(k)| for probability rows over ordered bins (the earth mover's distance in one dimension; catalog T01): a metric;
 * W1(δ_a, δ_b) = |c_a − c_b|.
 *
 * @example
 * losses.wassersteinOrdinal(x.tensor([[0.2, 0.3, 0.5]]), x.tensor([[1, 0, 0]])) // 1.3
 */
export function wassersteinOrdinal<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  p: Tensor<S, D>,
  q: Tensor<S, D>,
  options: OrdinalOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  const fn = 'wassersteinOrdinal';
  const a = logitsArg(fn, 'p', p);
  const pa = simplexArg(fn, 'p', a, a, 'p');
  const qb = simplexArg(fn, 'q', q, a, 'p');
  const delta = gaps(fn, a.shape[a.rank - 1] as number, a.dtype, options.centers);
  return reduce(cdfDistance(pa, qb, delta), reductionArg(fn, options.reduction)) as never;
}

/**
 * W1(softmax z, δ_y) for hard ordinal labels = Σ_k p_k·|c_k − c_y| (catalog T01), computed in the CDF
 * form. Convex in p, not in z; not class-permutation-invariant (order matters).
 *
 * @example
 * losses.wassersteinOrdinalLoss(x.log(x.tensor([[0.2, 0.3, 0.5]])), x.tensor([0], { dtype: 'i32' })) // 1.3
 */
export function wassersteinOrdinalLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  labels: Tensor<BatchOf<S>>,
  options: OrdinalOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  const fn = 'wassersteinOrdinalLoss';
  const z = logitsArg(fn, 'logits', logits);
  const y = labelsArg(fn, labels, z);
  const k = z.shape[z.rank - 1] as number;
  const delta = gaps(fn, k, z.dtype, options.centers);
  return reduce(
    cdfDistance(x.softmax(z), x.oneHot(y, k, { dtype: z.dtype }), delta),
    reductionArg(fn, options.reduction),
  ) as never;
}
