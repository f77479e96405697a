/** @file PyTorch's triplet margin losses, with the p-norm distance or a distance function. */
import * as x from '@xent/core';
import { DTypeError, type DType, ShapeError, type ShapeT, type Tensor } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction, ReductionOptions } from '../types.js';
import { finiteOption, formatShape, nonNegativeOption, positiveOption, reductionSchema, sameAs } from '../validate.js';
import { pairOf } from './args.js';

/** Embeddings [D] or [N, D]. */
const embeddingSchema = s.tensor({ dtype: 'float', rank: [1, 2] });

/** The schemas of the anchor, positive and negative embeddings. */
const tripletSchemas = { anchor: embeddingSchema, positive: embeddingSchema, negative: embeddingSchema };

/**
 * PyTorch's `F.pairwise_distance`: ‖a − b + eps‖_p over the last axis (eps added to every
 * coordinate). The norms 1, 2 and ∞ have a zero gradient at a zero difference.
 */
export function pairwiseDistanceOf(a: Tensor, b: Tensor, p: number, eps: number): Tensor {
  const d = x.add(x.sub(a, b), eps);
  if (p === 1 || p === 2 || p === Infinity) return x.norm(d, { ord: p, axis: -1 });
  return x.pow(x.sum(x.pow(x.abs(d), p), { axis: -1 }), 1 / p);
}

/** The three embeddings checked: non-empty, one shape and dtype. */
function tripletOf(fn: string, anchor: Tensor, positive: Tensor, negative: Tensor): [Tensor, Tensor, Tensor] {
  const [a, p] = pairOf(fn, anchor, positive, 'positive');
  return [a, p, sameAs(fn, 'negative', negative, a, 'anchor')];
}

/** max(0, margin + d(a, p) − d(a, n)), d(a, n) replaced by min(d(a, n), d(p, n)) with `swap`. */
function tripletTerms(
  a: Tensor,
  p: Tensor,
  n: Tensor,
  distance: (u: Tensor, v: Tensor) => Tensor,
  margin: number,
  swap: boolean,
): Tensor {
  const dan = distance(a, n);
  const dneg = swap ? x.minimum(dan, distance(p, n)) : dan;
  return x.relu(x.add(x.sub(distance(a, p), dneg), margin));
}

export interface TripletMarginOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** The margin (default 1). */
  readonly margin?: number;
  /** The norm's order p > 0 (default 2). */
  readonly p?: number;
  /** Added to every coordinate of the difference before the norm (default 1e-6, as PyTorch). */
  readonly eps?: number;
  /** Use min(d(a, n), d(p, n)) as the negative distance (Balntas et al. 2016; default false). */
  readonly swap?: boolean;
}

/**
 * Triplet margin loss max(0, margin + ‖a − p + eps‖_p − ‖a − n + eps‖_p) (Schroff et al. 2015;
 * PyTorch `F.triplet_margin_loss`) for embeddings [D] or [N, D].
 *
 * @example
 * losses.tripletMarginLoss(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([[1, 0]], { dtype: 'f64' }), x.tensor([[3, 0]], { dtype: 'f64' }), { eps: 0 }) // 0.0
 */
export const tripletMarginLoss = publicFn(
  'tripletMarginLoss',
  {
    ...tripletSchemas,
    options: s.options({
      reduction: reductionSchema,
      margin: finiteOption,
      p: positiveOption,
      eps: nonNegativeOption,
      swap: s.optional(s.boolean),
    }),
  },
  function tripletMarginLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    anchor: Tensor<S, D>,
    positive: Tensor<S, D>,
    negative: Tensor<S, D>,
    options: TripletMarginOptions<R> = {},
  ): LossOf<BatchOf<S>, R, D> {
    const [a, p, n] = tripletOf('tripletMarginLoss', anchor, positive, negative);
    const [ord, eps] = [options.p ?? 2, options.eps ?? 1e-6];
    const terms = tripletTerms(
      a,
      p,
      n,
      (u, v) => pairwiseDistanceOf(u, v, ord, eps),
      options.margin ?? 1,
      options.swap ?? false,
    );
    return reduce(terms, options.reduction ?? 'mean') as never;
  },
);

export interface TripletDistanceOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** d(u, v) for embeddings [..., D], one distance per row [...] (default PyTorch's pairwise distance, p = 2, eps = 1e-6). */
  readonly distanceFunction?: (u: Tensor, v: Tensor) => Tensor;
  /** The margin > 0 (default 1). */
  readonly margin?: number;
  /** Use min(d(a, n), d(p, n)) as the negative distance (default false). */
  readonly swap?: boolean;
}

/**
 * Triplet margin loss max(0, margin + d(a, p) − d(a, n)) with a distance function d (PyTorch
 * `F.triplet_margin_with_distance_loss`); d's result must have the embeddings' shape without the last axis.
 *
 * @example
 * losses.tripletMarginWithDistanceLoss(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([[1, 0]], { dtype: 'f64' }), x.tensor([[1, 1]], { dtype: 'f64' }), { distanceFunction: (u, v) => x.sum(x.square(x.sub(u, v)), { axis: -1 }) }) // 0.0
 */
export const tripletMarginWithDistanceLoss = publicFn(
  'tripletMarginWithDistanceLoss',
  {
    ...tripletSchemas,
    options: s.options({
      reduction: reductionSchema,
      distanceFunction: s.optional(s.fn),
      margin: positiveOption,
      swap: s.optional(s.boolean),
    }),
  },
  function tripletMarginWithDistanceLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    anchor: Tensor<S, D>,
    positive: Tensor<S, D>,
    negative: Tensor<S, D>,
    options: TripletDistanceOptions<R> = {},
  ): LossOf<BatchOf<S>, R, D> {
    const fn = 'tripletMarginWithDistanceLoss';
    const [a, p, n] = tripletOf(fn, anchor, positive, negative);
    const user = options.distanceFunction;
    const rows = a.shape.slice(0, -1);
    const distance =
      user === undefined
        ? (u: Tensor, v: Tensor) => pairwiseDistanceOf(u, v, 2, 1e-6)
        : (u: Tensor, v: Tensor): Tensor => {
            const out: unknown = user(u, v);
            const d: Tensor | undefined = out instanceof x.Tensor ? (out as Tensor) : undefined;
            if (d === undefined || d.rank !== rows.length || d.shape.some((k, i) => k !== rows[i]))
              fail(
                ShapeError,
                fn,
                'distanceFunction',
                `a function returning one distance per row, shape ${formatShape(rows)}`,
                d === undefined ? `a ${typeof out}` : `shape ${formatShape(d.shape)}`,
              );
            if (d.dtype !== a.dtype) fail(DTypeError, fn, 'distanceFunction', `a ${a.dtype} result`, d.dtype);
            return d;
          };
    const terms = tripletTerms(a, p, n, distance, options.margin ?? 1, options.swap ?? false);
    return reduce(terms, options.reduction ?? 'mean') as never;
  },
);
