/** @file Vectors and point sets: normalize, clipByNorm, cosine similarity, pairwise distances, Gram matrices, double centering. */
import { fail, ShapeError, ValueError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { formatShape } from '../ir/shape.js';
import { describe, requireTensor } from '../trace/apply.js';
import { add, div, maximum, minimum, mul, sub } from '../trace/ops/elementwise.js';
import { matmul } from '../trace/ops/linalg.js';
import { transpose } from '../trace/ops/movement.js';
import { mean, sum } from '../trace/ops/reduce.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { safeSqrt } from './safe.js';
import { norm } from './statistics.js';

function positive(fn: string, arg: string, v: number): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
    fail(ValueError, fn, arg, 'a finite number > 0', describe(v));
  return v;
}

/** x/max(‖x‖, eps) along `axis` (default −1, eps 1e-12): the zero vector maps to 0 with a finite gradient. */
export function normalize<S extends ShapeT, D extends DType>(
  x: Tensor<S, D>,
  options: { readonly axis?: number; readonly eps?: number; readonly ord?: number } = {},
): Tensor<S, D> {
  const t = requireTensor('normalize', 'x', x);
  const eps = positive('normalize', 'eps', options.eps ?? 1e-12);
  const n = norm(t, { axis: options.axis ?? -1, keepDims: true, ord: options.ord ?? 2 });
  return div(t, maximum(n, eps)) as never;
}

/** x·min(1, maxNorm/‖x‖) along `axis` (default −1): rescales vectors longer than maxNorm onto that sphere. */
export function clipByNorm<S extends ShapeT, D extends DType>(
  x: Tensor<S, D>,
  maxNorm: number,
  options: { readonly axis?: number; readonly ord?: number } = {},
): Tensor<S, D> {
  const t = requireTensor('clipByNorm', 'x', x);
  positive('clipByNorm', 'maxNorm', maxNorm);
  const n = norm(t, { axis: options.axis ?? -1, keepDims: true, ord: options.ord ?? 2 });
  // min(1, τ/‖x‖) written as τ/max(‖x‖, τ): no division by a zero norm.
  return mul(t, minimum(div(maxNorm, maximum(n, maxNorm)), 1)) as never;
}

/** ⟨a, b⟩/(max(‖a‖, eps)·max(‖b‖, eps)) along `axis` (default −1). */
export function cosineSimilarity<D extends DType>(
  a: Tensor<ShapeT, D>,
  b: Tensor<ShapeT, D>,
  options: { readonly axis?: number; readonly eps?: number } = {},
): Tensor<ShapeT, D> {
  const fn = 'cosineSimilarity';
  const ta = requireTensor(fn, 'a', a);
  const tb = requireTensor(fn, 'b', b);
  if (ta.rank !== tb.rank || ta.shape.some((d, i) => d !== tb.shape[i]))
    fail(ShapeError, fn, 'b', `shape ${formatShape(ta.shape)} (the shape of a)`, formatShape(tb.shape));
  const axis = options.axis ?? -1;
  const eps = options.eps ?? 1e-12;
  return sum(mul(normalize(ta, { axis, eps }), normalize(tb, { axis, eps })), { axis }) as never;
}

function requirePoints(fn: string, arg: string, x: unknown): Tensor {
  const t = requireTensor(fn, arg, x);
  if (t.rank !== 2) fail(ShapeError, fn, arg, 'a [n, d] matrix of points', formatShape(t.shape));
  return t;
}

/**
 * Euclidean distances between the rows of a [n, d] and b [m, d] (b = a by default):
 * D²_ij = ‖a_i‖² + ‖b_j‖² − 2·a_i·b_j clamped at 0; `squared: false` (default) takes safeSqrt, whose
 * gradient is 0 at coincident points.
 */
export function pairwiseDistances<D extends DType>(
  a: Tensor<ShapeT, D>,
  b?: Tensor<ShapeT, D>,
  options: { readonly squared?: boolean } = {},
): Tensor<ShapeT, D> {
  const fn = 'pairwiseDistances';
  const ta = requirePoints(fn, 'a', a);
  const tb = b === undefined ? ta : requirePoints(fn, 'b', b);
  if (tb.shape[1] !== ta.shape[1])
    fail(ShapeError, fn, 'b', `points of dimension ${ta.shape[1]} (as in a)`, formatShape(tb.shape));
  const na = sum(mul(ta, ta), { axis: 1, keepDims: true });
  const nb = transpose(sum(mul(tb, tb), { axis: 1, keepDims: true }));
  const d2 = maximum(sub(add(na, nb), mul(2, matmul(ta, transpose(tb)))), 0);
  return (options.squared === true ? d2 : safeSqrt(d2)) as never;
}

/** The Gram matrix X·Xᵀ of the rows of a [n, d] matrix. */
export function gram<D extends DType>(x: Tensor<ShapeT, D>): Tensor<ShapeT, D> {
  const t = requirePoints('gram', 'x', x);
  return matmul(t, transpose(t)) as never;
}

/** H·K·H with H = I − 11ᵀ/n: subtracts row and column means and adds back the grand mean. */
export function doubleCenter<D extends DType>(k: Tensor<ShapeT, D>): Tensor<ShapeT, D> {
  const fn = 'doubleCenter';
  const t = requireTensor(fn, 'k', k);
  if (t.rank !== 2 || t.shape[0] !== t.shape[1])
    fail(ShapeError, fn, 'k', 'a square [n, n] matrix', formatShape(t.shape));
  const rows = mean(t, { axis: 1, keepDims: true });
  const cols = mean(t, { axis: 0, keepDims: true });
  return add(sub(sub(t, rows), cols), mean(t)) as never;
}
