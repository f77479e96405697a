/** @file Closed-form mutual information of Gaussians: fixtures for testing MI estimators (catalog M06). */
import * as x from '@xent/core';
import { fail } from '@xent/core/internal';
import { describe } from '../validate.js';

/**
 * I(X; Y) = −½·log(1 − ρ²) nats for a bivariate Gaussian with correlation ρ ∈ (−1, 1).
 *
 * @example
 * entropy.gaussianMutualInformation(0.5) // 0.1438410
 */
export function gaussianMutualInformation(rho: number): number {
  if (typeof rho !== 'number' || !(rho > -1 && rho < 1))
    fail(x.ValueError, 'gaussianMutualInformation', 'rho', 'a correlation in (−1, 1)', describe(rho));
  return -0.5 * Math.log1p(-rho * rho);
}

/** log det of a symmetric positive-definite matrix by Cholesky; undefined if it is not positive definite. */
function logDetSpd(a: readonly (readonly number[])[]): number | undefined {
  const n = a.length;
  const l = new Float64Array(n * n);
  const at = (i: number, j: number): number => l[i * n + j] as number;
  let logDet = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = (a[i] as readonly number[])[j] as number;
      for (let k = 0; k < j; k++) s -= at(i, k) * at(j, k);
      if (i === j) {
        if (!(s > 0)) return undefined;
        l[i * n + i] = Math.sqrt(s);
        logDet += Math.log(s);
      } else l[i * n + j] = s / at(j, j);
    }
  }
  return logDet;
}

/**
 * I(X; Y) = ½·log(det Σ_X·det Σ_Y / det Σ) for a jointly Gaussian (X, Y) whose covariance Σ lists
 * X's `xDims` coordinates first.
 *
 * @example
 * entropy.gaussianMutualInformationFromCovariance([[1, 0.5], [0.5, 1]], 1) // 0.1438410
 */
export function gaussianMutualInformationFromCovariance(cov: readonly (readonly number[])[], xDims: number): number {
  const fn = 'gaussianMutualInformationFromCovariance';
  const n = cov.length;
  if (!cov.every((r) => r.length === n && r.every(Number.isFinite)))
    fail(x.ShapeError, fn, 'cov', 'a square matrix of finite numbers', describe(cov));
  if (!Number.isInteger(xDims) || xDims < 1 || xDims >= n)
    fail(x.ValueError, fn, 'xDims', `an integer in [1, ${n - 1}]`, describe(xDims));
  const block = (lo: number, hi: number) => cov.slice(lo, hi).map((r) => r.slice(lo, hi));
  const full = logDetSpd(cov);
  const dx = logDetSpd(block(0, xDims));
  const dy = logDetSpd(block(xDims, n));
  if (full === undefined || dx === undefined || dy === undefined)
    fail(x.ValueError, fn, 'cov', 'a symmetric positive-definite covariance', 'a matrix that is not');
  return 0.5 * (dx + dy - full);
}
