/** @file Closed-form mutual information of Gaussians: fixtures for testing MI estimators (catalog M06). */
import * as x from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';

/**
 * I(X; Y) = −½·log(1 − ρ²) nats for a bivariate Gaussian with correlation ρ ∈ (−1, 1).
 *
 * @example
 * entropy.gaussianMutualInformation(0.5) // 0.1438410
 */
export const gaussianMutualInformation = publicFn(
  'gaussianMutualInformation',
  { rho: s.number({ min: -1, max: 1, minOpen: true, maxOpen: true }) },
  (rho: number): number => -0.5 * Math.log1p(-rho * rho),
);

/** log det of a symmetric positive-definite matrix by Cholesky; undefined if it is not positive definite. */
function logDetSpd(a: readonly (readonly number[])[]): number | undefined {
  const n = a.length;
  const l = new Float64Array(n * n);
  const at = (i: number, j: number): number => l[i * n + j] as number;
  let logDet = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let acc = (a[i] as readonly number[])[j] as number;
      for (let k = 0; k < j; k++) acc -= at(i, k) * at(j, k);
      if (i === j) {
        if (!(acc > 0)) return undefined;
        l[i * n + i] = Math.sqrt(acc);
        logDet += Math.log(acc);
      } else l[i * n + j] = acc / at(j, j);
    }
  }
  return logDet;
}

function gaussianMutualInformationFromCovarianceImpl(cov: readonly (readonly number[])[], xDims: number): number {
  const fn = 'gaussianMutualInformationFromCovariance';
  const n = cov.length;
  if (n < 2 || !cov.every((r) => r.length === n))
    fail(
      x.ShapeError,
      fn,
      'cov',
      'a square matrix of at least 2 coordinates',
      `rows of lengths [${cov.map((r) => r.length).join(', ')}]`,
    );
  if (xDims >= n) fail(x.ValueError, fn, 'xDims', `an integer in [1, ${n - 1}]`, String(xDims));
  const block = (lo: number, hi: number) => cov.slice(lo, hi).map((r) => r.slice(lo, hi));
  const full = logDetSpd(cov);
  const dx = logDetSpd(block(0, xDims));
  const dy = logDetSpd(block(xDims, n));
  if (full === undefined || dx === undefined || dy === undefined)
    fail(x.ValueError, fn, 'cov', 'a symmetric positive-definite covariance', 'a matrix that is not');
  return 0.5 * (dx + dy - full);
}

/**
 * I(X; Y) = ½·log(det Σ_X·det Σ_Y / det Σ) for a jointly Gaussian (X, Y) whose covariance Σ lists
 * X's `xDims` coordinates first.
 *
 * @example
 * entropy.gaussianMutualInformationFromCovariance([[1, 0.5], [0.5, 1]], 1) // 0.1438410
 */
export const gaussianMutualInformationFromCovariance = publicFn(
  'gaussianMutualInformationFromCovariance',
  { cov: s.array(s.array(s.finite())), xDims: s.number({ min: 1, integer: true }) },
  gaussianMutualInformationFromCovarianceImpl,
);
