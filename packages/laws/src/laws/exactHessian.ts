/** @file The exact-Hessian path of the curvature laws: the whole Hessian (x.hessian) of a small argument and its eigenvalues, and a tally of which path each run took. */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';
import { s } from '@xent/core/internal';
import { numbers } from '../numeric.js';
import { count } from '../schemas.js';

/** Up to this many entries (by default) a curvature law forms the whole Hessian and tests its eigenvalues instead of sampling directions. */
export const EXACT_HESSIAN_ENTRIES = 64;

/** The most entries an exact Hessian may be asked for (its n×n matrix and eigendecomposition). */
const MAX_EXACT_HESSIAN_ENTRIES = 1024;

/** The `exactUpTo` option of the curvature laws. */
export const exactUpToSchema = s.optional(
  count(0, MAX_EXACT_HESSIAN_ENTRIES, 'entries', 'an n×n Hessian and its eigendecomposition per run'),
);

/** How many runs of a curvature law took each path. */
export interface HessianPaths {
  exact: number;
  sampled: number;
}

/** A fresh tally. */
export const hessianPaths = (): HessianPaths => ({ exact: 0, sampled: 0 });

/** The tally in words, for a report: which path decided the checks (a failing law's count includes its shrinking). */
export function describePaths(paths: HessianPaths): string {
  if (paths.sampled === 0) return 'by the exact Hessian eigenvalues';
  if (paths.exact === 0) return 'by sampled ⟨v, Hv⟩';
  return `by the exact Hessian in ${paths.exact} of ${paths.exact + paths.sampled} checks, sampled ⟨v, Hv⟩ in the rest`;
}

/** The smallest and largest-magnitude eigenvalues of the Hessian of scalar `g` at `at`, and the eigenvector of the smallest. */
export function hessianSpectrum(
  g: (t: Tensor) => Tensor,
  at: Tensor,
): { readonly smallest: number; readonly scale: number; readonly direction: number[] } {
  const n = at.size;
  const { values, vectors } = x.eigh(x.reshape(x.hessian(g)(at), [n, n]));
  const lambdas = numbers(values);
  const columns = numbers(vectors);
  // eigh sorts ascending: the first value is the smallest, its eigenvector is column 0
  return {
    smallest: lambdas[0] ?? 0,
    scale: Math.max(0, ...lambdas.map(Math.abs)),
    direction: Array.from({ length: n }, (_, i) => columns[i * n] as number),
  };
}
