/**
 * @file HL-Gauss targets and loss (L33) against a host f64 quadrature of the Gaussian density (no
 * erf involved), their limits, finite-difference gradients and refused inputs.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { at, double, expectAllClose, expectGradientMatchesFd, f64, num, rows, toNumbers } from './support.js';

const L = x.losses;

/** ∫_a^b exp(−((t − y)/σ)²/2) dt by composite Simpson (the common factor cancels in the ratios). */
function gaussMass(a: number, b: number, y: number, sigma: number, n = 4000): number {
  const f = (t: number): number => Math.exp(-0.5 * ((t - y) / sigma) ** 2);
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

/** Host HL-Gauss targets of one value. */
function hostTargets(edges: readonly number[], y: number, sigma: number): number[] {
  const mass = edges.slice(1).map((e, i) => gaussMass(at(edges, i), e, y, sigma));
  const total = mass.reduce((p, q) => p + q, 0);
  return mass.map((m) => m / total);
}

const edgesArb = fc
  .array(double(0.2, 2), { minLength: 1, maxLength: 6 })
  .map((gaps) => gaps.reduce<number[]>((c, g) => [...c, (c.at(-1) as number) + g], [-3]));

describe('hlGaussTargets', () => {
  test('match a host quadrature of the Gaussian density; rows sum to 1', () => {
    fc.assert(
      fc.property(
        edgesArb,
        fc.array(double(-6, 8), { minLength: 1, maxLength: 4 }),
        double(0.1, 3),
        (edges, drawn, sigma) => {
          // within 6σ of the range: farther out the host quadrature's mass underflows or loses its digits
          const values = drawn.map((v) =>
            Math.min(Math.max(v, at(edges, 0) - 6 * sigma), (edges.at(-1) as number) + 6 * sigma),
          );
          const q = toNumbers(L.hlGaussTargets(f64(values, [values.length]), { edges, sigma }));
          const k = edges.length - 1;
          rows(q, k).forEach((row, i) => {
            expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
            expectAllClose(row, hostTargets(edges, at(values, i), sigma), { rtol: 1e-9, atol: 1e-13 }, 'targets');
          });
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
  test('values far outside the range keep their relative precision (erfc in the tails)', () => {
    const edges = [0, 1, 2, 3];
    for (const y of [-6, 9, 10.5]) {
      const q = toNumbers(L.hlGaussTargets(f64([y], [1]), { edges, sigma: 1 }));
      // the last bins' shares are tiny for y below the range: compare them relatively
      expectAllClose(q, hostTargets(edges, y, 1), { rtol: 1e-9, atol: 0 }, `y = ${y}`);
    }
    // f32: 6σ outside, where Φ differences by erf would cancel to 0
    const q32 = toNumbers(L.hlGaussTargets(x.tensor([-6]), { edges, sigma: 1 }));
    expectAllClose(q32, hostTargets(edges, -6, 1), { rtol: 1e-4, atol: 0 }, 'f32');
  });
  test('min/max/bins equal the explicit edges; σ → 0 tends to the bin holding y', () => {
    const v = f64([-0.9, 0.1, 0.75, 2], [4]);
    expectAllClose(
      toNumbers(L.hlGaussTargets(v, { min: -1, max: 2, bins: 6, sigma: 0.4 })),
      toNumbers(L.hlGaussTargets(v, { edges: [-1, -0.5, 0, 0.5, 1, 1.5, 2], sigma: 0.4 })),
      { rtol: 1e-14, atol: 1e-15 },
    );
    const q = rows(
      toNumbers(L.hlGaussTargets(f64([-0.9, 0.1, 0.7, 1.99], [4]), { min: -1, max: 2, bins: 6, sigma: 1e-3 })),
      6,
    );
    expect(q.map((row) => row.map((p) => Math.round(p * 1e9) / 1e9))).toEqual([
      [1, 0, 0, 0, 0, 0],
      [0, 0, 1, 0, 0, 0],
      [0, 0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0, 1],
    ]);
    // y on an edge splits its bins' mass in halves as σ → 0
    expectAllClose(toNumbers(L.hlGaussTargets(f64([0.5], [1]), { edges: [0, 0.5, 1], sigma: 1e-4 })), [0.5, 0.5], {
      rtol: 1e-12,
      atol: 1e-15,
    });
  });
  test('NaN values give NaN rows', () => {
    expect(toNumbers(L.hlGaussTargets(f64([NaN], [1]), { edges: [0, 1, 2], sigma: 1 })).every(Number.isNaN)).toBe(true);
  });
});

describe('hlGaussLoss', () => {
  test('is CE to the host targets; FD gradient in the logits; targets detached; jit', () => {
    fc.assert(
      fc.property(
        edgesArb.filter((e) => e.length >= 3),
        double(-4, 6),
        double(0.2, 2),
        fc.integer(),
        (edges, y, sigma, seed) => {
          const k = edges.length - 1;
          const zs = Array.from({ length: 2 * k }, (_, i) => 2 * Math.sin(seed + 1.7 * i));
          const z = f64(zs, [2, k]);
          const v = f64([y, y / 2], [2]);
          const opts = { edges, sigma };
          const want = [y, y / 2].map((yi, i) => {
            const row = zs.slice(i * k, (i + 1) * k);
            const m = Math.max(...row);
            const lse = m + Math.log(row.reduce((a, b) => a + Math.exp(b - m), 0));
            return hostTargets(edges, yi, sigma).reduce((acc, p, j) => acc + p * (lse - at(row, j)), 0);
          });
          expectAllClose(toNumbers(L.hlGaussLoss(z, v, { ...opts, reduction: 'none' })), want, {
            rtol: 1e-9,
            atol: 1e-12,
          });
          expect(num(x.jit((a: x.Tensor, b: x.Tensor) => L.hlGaussLoss(a, b, opts))(z, v))).toBeCloseTo(
            (at(want, 0) + at(want, 1)) / 2,
            10,
          );
          const dir = Array.from({ length: 2 * k }, (_, i) => Math.cos(3 * i + seed));
          expectGradientMatchesFd((a, b) => L.hlGaussLoss(a, b, opts), [z, v], [0], [dir]);
          expect(toNumbers(x.grad((b: x.Tensor) => L.hlGaussLoss(z, b, opts))(v))).toEqual([0, 0]);
        },
      ),
      { numRuns: 25 },
    );
  }, 60_000);
  test('golden log 2 at a centred value and uniform logits', () => {
    expect(num(L.hlGaussLoss(f64([0, 0], [1, 2]), f64([1], [1]), { min: 0, max: 2, bins: 2, sigma: 0.5 }))).toBeCloseTo(
      Math.LN2,
      14,
    );
  });
  test('bad inputs are refused', () => {
    const z = f64([0, 0, 0], [1, 3]);
    const v = f64([0.5], [1]);
    expect(() => L.hlGaussTargets(v, { edges: [0, 0, 2], sigma: 1 })).toThrow(
      /hlGaussTargets: argument 'edges' expected strictly increasing/,
    );
    expect(() => L.hlGaussTargets(v, { edges: [0, 1, 2], min: 0, sigma: 1 })).toThrow(
      /hlGaussTargets: argument 'options' expected either edges or min\/max\/bins/,
    );
    expect(() => L.hlGaussTargets(v, { min: 0, max: 2, sigma: 1 })).toThrow(
      /hlGaussTargets: argument 'options' expected edges, or all of min, max and bins/,
    );
    expect(() => L.hlGaussTargets(v, { min: 2, max: 2, bins: 3, sigma: 1 })).toThrow(
      /hlGaussTargets: argument 'max' expected a number > min/,
    );
    expect(() => L.hlGaussTargets(v, { edges: [0, 1], sigma: 0 })).toThrow(/hlGaussTargets: argument 'sigma'/);
    expect(() => L.hlGaussTargets(v, { edges: [0, 1] } as never)).toThrow(/hlGaussTargets: argument 'sigma'/);
    expect(() => L.hlGaussTargets(v, { edges: [0, 1], sigma: 1, sigmma: 2 } as never)).toThrow(/sigmma/);
    expect(() => L.hlGaussTargets(v, { min: 0, max: 1, bins: 1.5, sigma: 1 })).toThrow(
      /hlGaussTargets: argument 'bins'/,
    );
    expect(() => L.hlGaussTargets(v, { edges: [0, Infinity], sigma: 1 })).toThrow(
      /hlGaussTargets: argument 'edges\[1\]' expected a finite number/,
    );
    expect(() => L.hlGaussLoss(z, v, { edges: [0, 1, 2], sigma: 1 })).toThrow(
      /hlGaussLoss: argument 'logits' expected 2 bins/,
    );
    expect(() => L.hlGaussLoss(z, f64([0.5, 1], [2]), { edges: [0, 1, 2, 3], sigma: 1 })).toThrow(
      /hlGaussLoss: argument 'values' expected shape \[1\]/,
    );
    expect(() => L.hlGaussLoss(z, v, { edges: [0, 1, 2, 3], sigma: 1, reduction: 'avg' } as never)).toThrow(
      /hlGaussLoss: argument 'reduction'/,
    );
  });
});
