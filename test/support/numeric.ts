/** @file Test numerics: tolerant comparison that tells NaN, +Inf and −Inf apart, and f64 finite differences. */
import * as x from 'xent';

export type Tolerance = x.laws.Tolerance;

/** |a − b| ≤ atol + rtol·|b|, with NaN matching only NaN and infinities matching only themselves (the law kit's rule). */
export const close = (a: number, b: number, tol: Tolerance): boolean => x.laws.close(a, b, tol);

/** Throws a message naming the first element out of tolerance. */
export function expectAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  label = 'values',
): void {
  if (actual.length !== expected.length)
    throw new Error(`${label}: length ${actual.length} != expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const b = expected[i] as number;
    if (!close(a, b, tol)) {
      throw new Error(`${label}: element ${i}: got ${a}, expected ${b} (rtol ${tol.rtol}, atol ${tol.atol})`);
    }
  }
}

export const toNumbers = (t: x.Tensor): number[] => Array.from(t.data() as ArrayLike<number>, Number);

export const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

/** f64 tensor of `t`'s shape holding `values`. */
export const like = (t: x.Tensor, values: ArrayLike<number>): x.Tensor =>
  x.tensor(Float64Array.from(values), { shape: t.shape, dtype: t.dtype === 'f32' ? 'f32' : 'f64' });

/** t + h·d elementwise, as a new tensor of t's dtype. */
export const step = (t: x.Tensor, d: ArrayLike<number>, h: number): x.Tensor =>
  like(
    t,
    toNumbers(t).map((v, i) => v + h * (d[i] as number)),
  );

/**
 * Central difference of scalar `f` along directions `ds` (one per argument):
 * (f(x + h·d) − f(x − h·d)) / 2h, in f64.
 */
export function directionalFd(
  f: (...xs: x.Tensor[]) => number,
  xs: readonly x.Tensor[],
  ds: readonly ArrayLike<number>[],
  h = 1e-5,
): number {
  const plus = f(...xs.map((t, i) => step(t, ds[i] ?? [], h)));
  const minus = f(...xs.map((t, i) => step(t, ds[i] ?? [], -h)));
  return (plus - minus) / (2 * h);
}

export const scalarOf = (t: x.Tensor): number => x.item(t);
