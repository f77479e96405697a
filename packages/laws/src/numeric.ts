/** @file The numbers behind the laws: f64 tensors, tolerant comparison, central finite differences, and a CPU backend when none is set. */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';
import { cpuBackend } from '@xent/cpu';

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

/** NaN matches only NaN, infinities only themselves. */
export function close(a: number, b: number, tol: Tolerance): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= tol.atol + tol.rtol * Math.abs(b);
}

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
