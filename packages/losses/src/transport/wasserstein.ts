/** @file Wasserstein-1 between distributions on ordered bins, in the CDF (cumsum) form. */
import * as x from '@xent/core';
import { fail, primitive, publicFn, s } from '@xent/core/internal';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import {
  floatTensor,
  labelsArg,
  labelsSchema,
  logitsSchema,
  nonEmpty,
  reductionSchema,
  simplexArg,
} from '../validate.js';

export interface OrdinalOptions<R extends Reduction = Reduction> {
  /** Increasing bin centres c_0 < … < c_{K−1} (default 0, 1, …, K − 1). */
  readonly centers?: readonly number[];
  readonly reduction?: R;
}

export const ordinalOptions = s.options({ centers: s.optional(s.array(s.finite())), reduction: reductionSchema });

/** Gaps Δ_k = c_{k+1} − c_k as a [K − 1] tensor (the centres' count and order checked against K). */
function gaps(fn: string, like: Tensor, centers: readonly number[] | undefined): Tensor {
  const k = like.shape[like.rank - 1] as number;
  const c = centers ?? Array.from({ length: k }, (_, i) => i);
  if (c.length !== k || !c.every((v, i) => i === 0 || v > (c[i - 1] as number)))
    fail(x.ValueError, fn, 'centers', `${k} finite, strictly increasing bin centres`, `[${c.join(', ')}]`);
  return x.tensor(
    c.slice(1).map((v, i) => v - (c[i] as number)),
    { dtype: like.dtype },
  );
}

/** Σ_k Δ_k·g(F_p(k) − F_q(k)) over the first K − 1 CDF entries (g = |·| for W1, (·)² for Cramér). */
function cdfDistance(p: Tensor, q: Tensor, delta: Tensor, g: (d: Tensor) => Tensor): Tensor {
  const k = p.shape[p.rank - 1] as number;
  const diff = g(x.cumsum(x.sub(p, q), { axis: -1 }));
  const head = x.slice(
    diff,
    p.shape.map((_, i) => (i === p.rank - 1 ? 0 : null)),
    p.shape.map((d, i) => (i === p.rank - 1 ? k - 1 : d)),
  );
  return x.sum(x.mul(head, delta), { axis: -1 });
}

/** The reduced Σ_k Δ_k·g(F_p(k) − F_q(k)) between checked probability rows p and q (W1, Cramér), blaming `fn`. */
export function ordinalPairLoss(
  fn: string,
  p: Tensor,
  q: Tensor,
  options: OrdinalOptions,
  g: (d: Tensor) => Tensor,
): Tensor {
  const a = nonEmpty(fn, 'p', p);
  const pa = simplexArg(fn, 'p', a, a, 'p');
  const qb = simplexArg(fn, 'q', q, a, 'p');
  return reduce(cdfDistance(pa, qb, gaps(fn, a, options.centers), g), options.reduction ?? 'mean');
}

/** The reduced Σ_k Δ_k·g(F_p(k) − F_δy(k)) between softmax(logits) and checked labels' point masses (W1, Cramér), blaming `fn`. */
export function ordinalLabelLoss(
  fn: string,
  logits: Tensor,
  labels: Tensor,
  options: OrdinalOptions,
  g: (d: Tensor) => Tensor,
): Tensor {
  const z = nonEmpty(fn, 'logits', logits);
  const hot = oneHotLabels(fn, z, labels);
  return reduce(cdfDistance(x.softmax(z), hot, gaps(fn, z, options.centers), g), options.reduction ?? 'mean');
}

function wassersteinOrdinalImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  p: Tensor<S, D>,
  q: Tensor<S, D>,
  options: OrdinalOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  return ordinalPairLoss('wassersteinOrdinal', p, q, options, x.abs) as never;
}

/**
 * W1(p, q) = Σ_k Δ_k·|F_p(k) − F_q(k)| for probability rows over ordered bins (the earth mover's distance in one dimension; catalog T01): a metric;
 * W1(δ_a, δ_b) = |c_a − c_b|.
 *
 * @example
 * losses.wassersteinOrdinal(x.tensor([[0.2, 0.3, 0.5]]), x.tensor([[1, 0, 0]])) // 1.3
 */
export const wassersteinOrdinal = publicFn(
  'wassersteinOrdinal',
  { p: logitsSchema, q: floatTensor, options: ordinalOptions },
  wassersteinOrdinalImpl,
);

function wassersteinOrdinalLossImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  labels: Tensor<BatchOf<S>>,
  options: OrdinalOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  return ordinalLabelLoss('wassersteinOrdinalLoss', logits, labels, options, x.abs) as never;
}

/** The one-hot rows of checked class labels for logits z (traced labels are checked as the program runs, blaming `fn`). */
export function oneHotLabels(fn: string, z: Tensor, labels: Tensor): Tensor {
  const y = labelsArg(fn, labels, z);
  const k = z.shape[z.rank - 1] as number;
  const checked = y.isTraced ? primitive('checkIndex', { bound: k, fn, arg: 'labels' }, y) : y;
  return x.oneHot(checked, k, { dtype: z.dtype });
}

/**
 * W1(softmax z, δ_y) for hard ordinal labels = Σ_k p_k·|c_k − c_y| (catalog T01), computed in the CDF
 * form. Convex in p, not in z; not class-permutation-invariant (order matters).
 *
 * @example
 * losses.wassersteinOrdinalLoss(x.log(x.tensor([[0.2, 0.3, 0.5]])), x.tensor([0], { dtype: 'i32' })) // 1.3
 */
export const wassersteinOrdinalLoss = publicFn(
  'wassersteinOrdinalLoss',
  { logits: logitsSchema, labels: labelsSchema, options: ordinalOptions },
  wassersteinOrdinalLossImpl,
);
