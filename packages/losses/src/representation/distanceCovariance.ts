/** @file Distance covariance and distance correlation (V-statistics) of two samples, from double-centred distance matrices. */
import * as x from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { formatShape, matrixSchema } from '../validate.js';

/** Options of dCov and dCor. */
export interface DistanceDependenceOptions {
  /** Return dCov² (or dCor²): smooth everywhere, the form used as a regulariser (default false: the square root). */
  readonly squared?: boolean;
}

const params = { x: matrixSchema, y: matrixSchema, options: s.options({ squared: s.optional(s.boolean) }) };

/** A_ij = a_ij − ā_i· − ā_·j + ā_·· for a_ij = ‖x_i − x_j‖ (the diagonal's zero distances carry a zero gradient). */
const centred = (t: Tensor): Tensor => x.doubleCenter(x.pairwiseDistances(t));

/** The checked samples [n, p] and [n, q]: the same n ≥ 1 and dtype. */
function samples(fn: string, a: Tensor, b: Tensor): readonly [Tensor, Tensor] {
  if (a.shape[0] === 0 || a.shape[1] === 0)
    fail(x.ShapeError, fn, 'x', 'a non-empty sample [n, p]', formatShape(a.shape));
  if (b.shape[0] !== a.shape[0] || b.shape[1] === 0)
    fail(x.ShapeError, fn, 'y', `a sample [${a.shape[0]}, q] (as many rows as x), q ≥ 1`, formatShape(b.shape));
  if (b.dtype !== a.dtype) fail(x.DTypeError, fn, 'y', `dtype ${a.dtype} (as x)`, `dtype ${b.dtype}`);
  return [a, b];
}

/** (1/n²)·Σ A_ij·B_ij. */
const vStatistic = (a: Tensor, b: Tensor): Tensor => x.mean(x.mul(a, b));

function distanceCovarianceImpl<D extends DType>(
  xs: Tensor<ShapeT, D>,
  ys: Tensor<ShapeT, D>,
  options: DistanceDependenceOptions = {},
): Tensor<[], D> {
  const [a, b] = samples('distanceCovariance', xs, ys);
  const v = vStatistic(centred(a), centred(b));
  return (options.squared === true ? v : x.safeSqrt(v)) as never;
}

/**
 * Distance covariance dCov²(X, Y) = (1/n²)·Σ A_ij·B_ij of samples x [n, p] and y [n, q] (Székely, Rizzo &
 * Bakirov 2007; FairDCov; catalog D10), A, B the double-centred Euclidean distance matrices: ≥ 0,
 * invariant to translations and orthogonal maps of either side, dCov²(aX, bY) = |a||b|·dCov²(X, Y);
 * the population value is 0 iff X and Y are independent. `squared: true` returns dCov² (smooth: the
 * fairness regulariser L + λ·dCov²(ŷ, S)); the default returns dCov = √dCov².
 *
 * @example
 * losses.distanceCovariance(x.tensor([[0], [1]]), x.tensor([[0], [1]]), { squared: true }) // 0.25
 */
export const distanceCovariance = publicFn('distanceCovariance', params, distanceCovarianceImpl);

function distanceCorrelationImpl<D extends DType>(
  xs: Tensor<ShapeT, D>,
  ys: Tensor<ShapeT, D>,
  options: DistanceDependenceOptions = {},
): Tensor<[], D> {
  const [a, b] = samples('distanceCorrelation', xs, ys);
  const [ca, cb] = [centred(a), centred(b)];
  const denominator = x.safeSqrt(x.mul(vStatistic(ca, ca), vStatistic(cb, cb)));
  // dCor² = dCov²/√(dVar²(X)·dVar²(Y)), defined as 0 when either sample is constant (Székely et al.)
  const r2 = x.safeDiv(vStatistic(ca, cb), denominator);
  return (options.squared === true ? r2 : x.safeSqrt(r2)) as never;
}

/**
 * Distance correlation dCor = √(dCov²/√(dVar²(X)·dVar²(Y))) ∈ [0, 1] (Székely, Rizzo & Bakirov 2007;
 * catalog D10); 1 when y = a·R·x + b (a ≠ 0, R orthogonal); 0 when either sample is constant.
 * `squared: true` returns dCor².
 *
 * @example
 * losses.distanceCorrelation(x.tensor([[0], [1], [3]]), x.tensor([[2], [4], [8]])) // 1
 */
export const distanceCorrelation = publicFn('distanceCorrelation', params, distanceCorrelationImpl);
