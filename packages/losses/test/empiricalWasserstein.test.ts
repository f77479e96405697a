/**
 * @file Empirical 1-D Wasserstein-p (T03) against host CDF and quantile integrals (no pairing of
 * sorted samples), its invariances, finite-difference gradients and refused inputs.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { expectAllClose, expectGradientMatchesFd, f64, num, toNumbers } from './support.js';

const L = x.losses;
const double = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const samples = (n: number) => fc.array(double(-5, 5), { minLength: n, maxLength: n });
const pairArb = fc.integer({ min: 1, max: 7 }).chain((n) => fc.tuple(samples(n), samples(n)));

/** W_1 = ∫ |F_a(t) − F_b(t)| dt, the empirical CDFs counted at each piece between sample points. */
function hostW1(a: readonly number[], b: readonly number[]): number {
  const cdf = (s: readonly number[], t: number): number => s.filter((v) => v <= t).length / s.length;
  const knots = [...new Set([...a, ...b])].sort((u, v) => u - v);
  let sum = 0;
  for (let i = 0; i + 1 < knots.length; i++) {
    const [lo, hi] = [knots[i] as number, knots[i + 1] as number];
    sum += Math.abs(cdf(a, lo) - cdf(b, lo)) * (hi - lo);
  }
  return sum;
}

/** W_p = (∫_0^1 |F_a⁻¹(u) − F_b⁻¹(u)|^p du)^{1/p}, F⁻¹(u) = min{t : F(t) ≥ u}, by the midpoint rule on a grid that is exact for n | grid. */
function hostWp(a: readonly number[], b: readonly number[], p: number): number {
  const quantile = (s: readonly number[], u: number): number =>
    Math.min(...s.filter((t) => s.filter((v) => v <= t).length / s.length >= u));
  const m = 420 * a.length;
  let sum = 0;
  for (let j = 0; j < m; j++) {
    const u = (j + 0.5) / m;
    sum += Math.abs(quantile(a, u) - quantile(b, u)) ** p;
  }
  return (sum / m) ** (1 / p);
}

const shuffle = (v: readonly number[], seed: number): number[] => {
  const out = [...v];
  let r = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    r = (Math.imul(r, 1664525) + 1013904223) >>> 0;
    const j = r % (i + 1);
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
};

describe('empiricalWasserstein', () => {
  test('W1 equals the CDF integral; W_p the quantile integral; permutation-invariant in each sample', () => {
    fc.assert(
      fc.property(pairArb, fc.constantFrom(1, 1.5, 2, 3), fc.integer(), ([a, b], p, seed) => {
        const n = a.length;
        const w = num(L.empiricalWasserstein(f64(a, [n]), f64(b, [n]), { p }));
        expect(w).toBeCloseTo(p === 1 ? hostW1(a, b) : hostWp(a, b, p), 10);
        if (p === 1) expect(w).toBeCloseTo(hostWp(a, b, 1), 10);
        const shuffled = num(L.empiricalWasserstein(f64(shuffle(a, seed), [n]), f64(shuffle(b, seed + 1), [n]), { p }));
        expect(shuffled).toBe(w);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
  test('golden scipy.stats.wasserstein_distance values; translation W(a + c, a) = |c|; symmetric', () => {
    // scipy.stats.wasserstein_distance([0, 1, 3], [5, 6, 8]) = 5 (its documentation's example); by hand,
    // sorted gaps 2.0, 0.6, 2.9, 1.2 give 6.7 / 4
    expect(num(L.empiricalWasserstein(f64([0, 1, 3], [3]), f64([5, 6, 8], [3])))).toBeCloseTo(5, 14);
    expect(num(L.empiricalWasserstein(f64([3.4, 3.9, 7.5, 7.8], [4]), f64([4.5, 1.4, 4.6, 9.0], [4])))).toBeCloseTo(
      1.675,
      14,
    );
    fc.assert(
      fc.property(samples(5), samples(5), double(-3, 3), fc.constantFrom(1, 2, 4), (a, b, c, p) => {
        const shifted = a.map((v) => v + c);
        expect(num(L.empiricalWasserstein(f64(shifted, [5]), f64(a, [5]), { p }))).toBeCloseTo(Math.abs(c), 12);
        expect(num(L.empiricalWasserstein(f64(a, [5]), f64(b, [5]), { p }))).toBeCloseTo(
          num(L.empiricalWasserstein(f64(b, [5]), f64(a, [5]), { p })),
          14,
        );
      }),
    );
  });
  test('axis picks the sample axis; reduction none keeps the batch', () => {
    const a = [0, 4, 1, 5, 3, 9]; // [3, 2]: column samples [0, 1, 3] and [4, 5, 9]
    const b = [5, 0, 6, 0, 8, 0];
    const got = toNumbers(L.empiricalWasserstein(f64(a, [3, 2]), f64(b, [3, 2]), { axis: 0, reduction: 'none' }));
    expectAllClose(got, [hostW1([0, 1, 3], [5, 6, 8]), hostW1([4, 5, 9], [0, 0, 0])], { rtol: 1e-14, atol: 0 });
    expect(num(L.empiricalWasserstein(f64(a, [3, 2]), f64(b, [3, 2]), { axis: -2, reduction: 'sum' }))).toBeCloseTo(
      got.reduce((s, v) => s + v, 0),
      14,
    );
  });
  test('FD gradient at distinct values, in both samples; subgradient 0 at W_p = 0; jit', () => {
    // a from even and b from odd sevenths: distinct within each row and no zero gap between rows (|·| has a kink at 0)
    const row = (n: number, odd: number) =>
      fc
        .uniqueArray(fc.integer({ min: -20, max: 20 }), { minLength: n, maxLength: n })
        .map((k) => k.map((v) => (2 * v + odd) / 7));
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((n) => fc.tuple(row(n, 0), row(n, 0), row(n, 1), row(n, 1), samples(2 * n))),
        fc.constantFrom(1, 1.5, 2, 3),
        ([a0, a1, b0, b1, d], p) => {
          const n = a0.length;
          const f = (u: x.Tensor, v: x.Tensor): x.Tensor => L.empiricalWasserstein(u, v, { p });
          const args: [x.Tensor, x.Tensor] = [f64([...a0, ...a1], [2, n]), f64([...b0, ...b1], [2, n])];
          expectGradientMatchesFd(f, args, [0, 1], [d, d.map((v) => -0.5 * v)], { rtol: 1e-6, atol: 1e-9 });
          expect(num(x.jit(f)(...args))).toBeCloseTo(num(f(...args)), 12);
        },
      ),
      { numRuns: 40 },
    );
    const same = f64([0, 1, 3], [3]);
    expect(toNumbers(x.grad((u: x.Tensor) => L.empiricalWasserstein(u, same, { p: 2 }))(same))).toEqual([0, 0, 0]);
  }, 60_000);
  test('NaN propagates; bad inputs are refused', () => {
    expect(num(L.empiricalWasserstein(f64([0, NaN], [2]), f64([0, 1], [2]), { p: 2 }))).toBeNaN();
    const a = f64([0, 1], [2]);
    expect(() => L.empiricalWasserstein(a, f64([0, 1, 2], [3]))).toThrow(
      /empiricalWasserstein: argument 'b' expected shape \[2\]/,
    );
    expect(() => L.empiricalWasserstein(a, x.tensor([0, 1]))).toThrow(
      /empiricalWasserstein: argument 'b' expected dtype f64/,
    );
    expect(() => L.empiricalWasserstein(a, a, { p: 0.5 })).toThrow(/empiricalWasserstein: argument 'p'/);
    expect(() => L.empiricalWasserstein(a, a, { axis: 1 })).toThrow(
      /empiricalWasserstein: argument 'axis' expected an axis in \[-1, 1\)/,
    );
    expect(() => L.empiricalWasserstein(f64([], [2, 0]), f64([], [2, 0]))).toThrow(
      /empiricalWasserstein: argument 'a' expected at least one sample on axis 1/,
    );
    expect(() => L.empiricalWasserstein(a, a, { q: 2 } as never)).toThrow(/empiricalWasserstein: argument 'options'/);
    expect(() => L.empiricalWasserstein(x.tensor(1, { dtype: 'f64' }), x.tensor(1, { dtype: 'f64' }))).toThrow(
      /empiricalWasserstein: argument 'a'/,
    );
  });
});
