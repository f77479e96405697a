/** @file Vectors and point sets: normalize, clipByNorm, cosine similarity, pairwise distances, Gram matrices, double centering. */
import { fail, ShapeError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { formatShape } from '../ir/shape.js';
import { checkValue } from '../trace/apply.js';
import { add, div, maximum, minimum, mul, sub } from '../trace/ops/elementwise.js';
import { matmul } from '../trace/ops/linalg.js';
import { transpose } from '../trace/ops/movement.js';
import { mean, reductionAxes, sum } from '../trace/ops/reduce.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { euclideanDistances } from './euclidean.js';
import { requireSameDType, requireSameShape } from './operands.js';
import { normOf, normOrder } from './scaledNorm.js';

/** The smallest positive f32 (a subnormal): an eps below it would round to 0 in f32 and divide 0 by 0. */
const F32_TINIEST = 2 ** -149;

/** A positive scalar `v` (argument `arg` of `fn`) as a literal of `dtype`: in range, and not rounded to 0. */
function positiveLiteral(fn: string, arg: string, v: number, dtype: DType): number {
  checkValue(fn, arg, v, dtype);
  return dtype === 'f32' ? Math.max(v, F32_TINIEST) : v;
}

/** The one axis of a vector option (default −1), normalised against `t`. */
const vectorAxis = (fn: string, t: Tensor, axis: number | undefined): number =>
  reductionAxes(fn, t, axis ?? -1)[0] as number;

/** x/max(‖x‖, eps) along a checked axis. */
function normalizeOf(fn: string, t: Tensor, axis: number, eps: number, ord: number): Tensor {
  return div(t, maximum(normOf(t, [axis], ord, true), positiveLiteral(fn, 'eps', eps, t.dtype)));
}

/**
 * x/max(‖x‖, eps) along `axis` (default −1, eps 1e-12, ord 2): the zero vector maps to 0 with a finite
 * gradient. The norm is computed without overflow or underflow (x of 1e38 or 1e-40 in f32 included).
 */
export const normalize = publicFn(
  'normalize',
  {
    x: s.tensor({ dtype: 'float' }),
    options: s.options({
      axis: s.optional(s.axis),
      eps: s.optional(s.finite({ min: 0, minOpen: true })),
      ord: s.optional(normOrder),
    }),
  },
  function normalize<S extends ShapeT, D extends DType>(
    x: Tensor<S, D>,
    options: { readonly axis?: number; readonly eps?: number; readonly ord?: number } = {},
  ): Tensor<S, D> {
    const fn = 'normalize';
    return normalizeOf(fn, x, vectorAxis(fn, x, options.axis), options.eps ?? 1e-12, options.ord ?? 2) as never;
  },
);

/** x·min(1, maxNorm/‖x‖) along `axis` (default −1): rescales vectors longer than maxNorm onto that sphere. */
export const clipByNorm = publicFn(
  'clipByNorm',
  {
    x: s.tensor({ dtype: 'float' }),
    maxNorm: s.finite({ min: 0, minOpen: true }),
    options: s.options({ axis: s.optional(s.axis), ord: s.optional(normOrder) }),
  },
  function clipByNorm<S extends ShapeT, D extends DType>(
    x: Tensor<S, D>,
    maxNorm: number,
    options: { readonly axis?: number; readonly ord?: number } = {},
  ): Tensor<S, D> {
    const fn = 'clipByNorm';
    const t: Tensor = x;
    const n = normOf(t, [vectorAxis(fn, t, options.axis)], options.ord ?? 2, true);
    const tau = positiveLiteral(fn, 'maxNorm', maxNorm, t.dtype);
    // min(1, τ/‖x‖) written as τ/max(‖x‖, τ): no division by a zero norm.
    return mul(t, minimum(div(tau, maximum(n, tau)), 1)) as never;
  },
);

/** ⟨a, b⟩/(max(‖a‖, eps)·max(‖b‖, eps)) along `axis` (default −1); the norms neither overflow nor underflow. */
export const cosineSimilarity = publicFn(
  'cosineSimilarity',
  {
    a: s.tensor({ dtype: 'float' }),
    b: s.tensor({ dtype: 'float' }),
    options: s.options({ axis: s.optional(s.axis), eps: s.optional(s.finite({ min: 0, minOpen: true })) }),
  },
  function cosineSimilarity<D extends DType>(
    a: Tensor<ShapeT, D>,
    b: Tensor<ShapeT, D>,
    options: { readonly axis?: number; readonly eps?: number } = {},
  ): Tensor<ShapeT, D> {
    const fn = 'cosineSimilarity';
    requireSameDType(fn, 'b', b, 'a', a);
    requireSameShape(fn, 'b', b, 'a', a);
    const axis = vectorAxis(fn, a, options.axis);
    const eps = options.eps ?? 1e-12;
    return sum(mul(normalizeOf(fn, a, axis, eps, 2), normalizeOf(fn, b, axis, eps, 2)), { axis }) as never;
  },
);

const points = s.tensor({ dtype: 'float', rank: 2 });

/**
 * Euclidean distances between the rows of a [n, d] and b [m, d] (b = a by default). Small problems
 * (n·m·d ≤ 2²⁰) sum the squared differences Σ_k (a_ik − b_jk)² directly: exact to rounding however
 * close the points. Larger ones use ‖a_i‖² + ‖b_j‖² − 2·a_i·b_j (one matrix product, clamped at 0)
 * on points centred at the mean of both sets (a constant for the gradient: distances do not move
 * with a translation), so that points far from the origin do not cancel; pairs much closer than the
 * sets' spread keep a relative error of about ε·spread²/D². `squared: false` (default) takes
 * safeSqrt, whose gradient is 0 at coincident points.
 */
export const pairwiseDistances = publicFn(
  'pairwiseDistances',
  { a: points, b: s.optional(points), options: s.options({ squared: s.optional(s.boolean) }) },
  function pairwiseDistances<D extends DType>(
    a: Tensor<ShapeT, D>,
    b?: Tensor<ShapeT, D>,
    options: { readonly squared?: boolean } = {},
  ): Tensor<ShapeT, D> {
    const fn = 'pairwiseDistances';
    const ta: Tensor = a;
    const tb: Tensor = b ?? a;
    requireSameDType(fn, 'b', tb, 'a', ta);
    if (tb.shape[1] !== ta.shape[1])
      fail(ShapeError, fn, 'b', `points of dimension ${ta.shape[1]} (as in a)`, formatShape(tb.shape));
    return euclideanDistances(ta, tb, options.squared === true) as never;
  },
);

/** The Gram matrix X·Xᵀ of the rows of a [n, d] matrix. */
export const gram = publicFn(
  'gram',
  { x: s.tensor({ dtype: 'numeric', rank: 2 }) },
  <D extends DType>(x: Tensor<ShapeT, D>): Tensor<ShapeT, D> => {
    const t: Tensor = x;
    return matmul(t, transpose(t)) as never;
  },
);

/** H·K·H with H = I − 11ᵀ/n: subtracts row and column means and adds back the grand mean. */
export const doubleCenter = publicFn(
  'doubleCenter',
  { k: s.tensor({ dtype: 'float', rank: 2 }) },
  <D extends DType>(k: Tensor<ShapeT, D>): Tensor<ShapeT, D> => {
    const t: Tensor = k;
    if (t.shape[0] !== t.shape[1])
      fail(ShapeError, 'doubleCenter', 'k', 'a square [n, n] matrix', formatShape(t.shape));
    const rows = mean(t, { axis: 1, keepDims: true });
    const cols = mean(t, { axis: 0, keepDims: true });
    return add(sub(sub(t, rows), cols), mean(t)) as never;
  },
);
