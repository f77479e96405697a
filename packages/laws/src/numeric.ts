/** @file The numbers behind the laws: f64 tensors, tolerant comparison, central finite differences, and a CPU backend when none is set. */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import { cpuBackend } from '@xent/cpu';
import { anyNumber } from './schemas.js';

/** Laws evaluate eagerly; without `xent` imported there is no default backend, so the CPU one is used. */
export function ensureBackend(): void {
  try {
    x.getDefaultBackend();
  } catch {
    x.setDefaultBackend(cpuBackend);
  }
}

/** |a − b| ≤ atol + rtol·|b|. */
export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** A tolerance argument: `rtol` and `atol`, each finite and ≥ 0 (both given: see `requireTolerance`). */
export const toleranceSchema = s.options({
  rtol: s.optional(s.finite({ min: 0 })),
  atol: s.optional(s.finite({ min: 0 })),
});

/**
 * Both keys of a tolerance that passed `toleranceSchema` are there (a key left out would make every
 * comparison false); `tol` itself may be left out unless `required`.
 */
export function requireTolerance(fn: string, tol: Partial<Tolerance> | undefined, required = false): void {
  if (tol === undefined && !required) return;
  for (const key of ['rtol', 'atol'] as const)
    if (tol?.[key] === undefined)
      fail(x.ValueError, fn, key, 'a finite number ≥ 0 (a tolerance needs both rtol and atol)', 'undefined');
}

/** `close` without argument checks, for the laws' inner loops. */
export function isClose(a: number, b: number, tol: Tolerance): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= tol.atol + tol.rtol * Math.abs(b);
}

/** NaN matches only NaN, infinities only themselves. */
export const close = publicFn(
  'close',
  { a: anyNumber, b: anyNumber, tol: toleranceSchema },
  (a: number, b: number, tol: Tolerance): boolean => {
    requireTolerance('close', tol, true);
    return isClose(a, b, tol);
  },
);

export const f64 = (values: readonly number[], shape: readonly number[]): Tensor =>
  x.tensor(Float64Array.from(values), { shape, dtype: 'f64' });
export const i32 = (values: readonly number[], shape: readonly number[] = [values.length]): Tensor =>
  x.tensor(Int32Array.from(values), { shape, dtype: 'i32' });

export const numbers = (t: Tensor): number[] => Array.from(t.data() as ArrayLike<number>, Number);

/** The sum of a tensor's entries as a JS number (a loss with per-sample output counts as its sum). */
export const total = (t: Tensor): number => numbers(t).reduce((a, b) => a + b, 0);

export const dot = (a: readonly number[], b: readonly number[]): number =>
  a.reduce((s, v, i) => s + v * (b[i] as number), 0);

/** (f(x + h·d) − f(x − h·d))/2h in f64, with h scaled to the input. */
export function directional(f: (v: number[]) => number, at: readonly number[], d: readonly number[], h = 1e-6): number {
  const scale = Math.max(1, ...at.map(Math.abs));
  const step = h * scale;
  const plus = f(at.map((v, i) => v + step * (d[i] as number)));
  const minus = f(at.map((v, i) => v - step * (d[i] as number)));
  return (plus - minus) / (2 * step);
}

/** A short description of a number array for reports. */
export const brief = (v: readonly number[]): string =>
  `[${v
    .slice(0, 8)
    .map((n) => (Number.isInteger(n) ? String(n) : n.toPrecision(6)))
    .join(', ')}${v.length > 8 ? ', …' : ''}]`;
