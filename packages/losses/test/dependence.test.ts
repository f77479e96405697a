/** @file dCov/dCor (D10), RankMe (E14), and the DV/MINE and NWJ bounds (M02, M03) against f64 host implementations and their laws. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { directionsArb, expectAllClose, expectGradientMatchesFd, f64, num, toNumbers } from './support.js';

const L = x.losses;
const H = x.entropy;
const vec = (v: readonly number[]) => f64(v, [v.length]);
const entries = (k: number) => fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: k, maxLength: k });

/** dCov² from the definition: double loops over Euclidean distances, then double centring. */
function hostDcov2(a: number[][], b: number[][]): number {
  const n = a.length;
  const centred = (s: number[][]) => {
    const d = s.map((u) => s.map((v) => Math.sqrt(u.reduce((t, ui, k) => t + (ui - (v[k] as number)) ** 2, 0))));
    const row = d.map((r) => r.reduce((t, v) => t + v, 0) / n);
    const all = row.reduce((t, v) => t + v, 0) / n;
    return d.map((r, i) => r.map((v, j) => v - (row[i] as number) - (row[j] as number) + all));
  };
  const [A, B] = [centred(a), centred(b)];
  return A.reduce((t, r, i) => t + r.reduce((u, v, j) => u + v * ((B[i] as number[])[j] as number), 0), 0) / (n * n);
}
const rowsOf = (v: number[], d: number) => Array.from({ length: v.length / d }, (_, i) => v.slice(i * d, (i + 1) * d));
/** A rotation of the plane by θ applied to the rows of [n, 2]. */
const rotate = (v: number[], t: number) =>
  rowsOf(v, 2).flatMap(([p, q]) => [
    Math.cos(t) * (p as number) - Math.sin(t) * (q as number),
    Math.sin(t) * (p as number) + Math.cos(t) * (q as number),
  ]);

describe('distance covariance and correlation (D10)', () => {
  test('golden dVar²((0, 1)) = 0.25; equals the host definition; ≥ 0; invariant to translations and rotations; dCov²(aX, bY) = |ab|·dCov²', () => {
    const t = f64([0, 1], [2, 1]);
    expect(num(L.distanceCovariance(t, t, { squared: true }))).toBeCloseTo(0.25, 15);
    expect(num(L.distanceCovariance(t, t))).toBeCloseTo(0.5, 15);
    fc.assert(
      fc.property(
        entries(10),
        entries(15),
        fc.double({ min: 0, max: 6, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (u, v, theta, a) => {
          const [X, Y] = [f64(u, [5, 2]), f64(v, [5, 3])];
          const d2 = num(L.distanceCovariance(X, Y, { squared: true }));
          expect(d2).toBeCloseTo(hostDcov2(rowsOf(u, 2), rowsOf(v, 3)), 12);
          expect(d2).toBeGreaterThanOrEqual(-1e-15);
          const moved = f64(
            rotate(u, theta).map((w, i) => w + (i % 2 === 0 ? 7 : -2)),
            [5, 2],
          );
          expect(num(L.distanceCovariance(moved, Y, { squared: true }))).toBeCloseTo(d2, 11);
          expect(num(L.distanceCovariance(x.mul(X, a), x.mul(Y, -2), { squared: true }))).toBeCloseTo(
            Math.abs(2 * a) * d2,
            11,
          );
          const r = num(L.distanceCorrelation(X, Y));
          expect(r).toBeGreaterThanOrEqual(0);
          expect(r).toBeLessThanOrEqual(1 + 1e-12);
          const dvx = hostDcov2(rowsOf(u, 2), rowsOf(u, 2));
          const dvy = hostDcov2(rowsOf(v, 3), rowsOf(v, 3));
          expect(num(L.distanceCorrelation(X, Y, { squared: true }))).toBeCloseTo(
            dvx * dvy === 0 ? 0 : d2 / Math.sqrt(dvx * dvy),
            11,
          );
          if (Math.abs(a) > 1e-3 && dvx > 1e-9) {
            const image = f64(
              rotate(u, theta).map((w, i) => a * w + (i % 2 === 0 ? 1 : 3)),
              [5, 2],
            );
            expect(num(L.distanceCorrelation(X, image))).toBeCloseTo(1, 10);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  test('gradients match f64 finite differences and stay finite at zero distances (diagonal, duplicated points); constant samples and NaN', () => {
    fc.assert(
      fc.property(entries(8), entries(8), directionsArb([8, 8]), (u, v, [du, dv]) => {
        // rows kept apart (distances are not differentiable where points meet)
        const apart = (w: number[]) => w.map((t, i) => t + 7 * Math.floor(i / 2));
        const [X, Y] = [f64(apart(u), [4, 2]), f64(apart(v), [4, 2])];
        expectGradientMatchesFd(
          (a, b) => L.distanceCovariance(a, b, { squared: true }),
          [X, Y],
          [0, 1],
          [du as number[], dv as number[]],
        );
        expectGradientMatchesFd(
          (a, b) => L.distanceCorrelation(a, b),
          [X, Y],
          [0, 1],
          [du as number[], dv as number[]],
        );
      }),
      { numRuns: 15 },
    );
    const dup = f64([1, 2, 1, 2, 0, 5, 3, 3], [4, 2]);
    const other = f64([0.5, -1, 2, 0.3, 1, 1, -2, 0], [4, 2]);
    for (const f of [
      (a: x.Tensor) => L.distanceCovariance(a, other, { squared: true }),
      (a: x.Tensor) => L.distanceCovariance(a, other),
      (a: x.Tensor) => L.distanceCorrelation(a, other),
    ])
      expect(toNumbers(x.grad(f)(dup)).every(Number.isFinite)).toBe(true);
    const constant = f64([1, 1, 1, 1, 1, 1, 1, 1], [4, 2]);
    expect(num(L.distanceCorrelation(constant, other))).toBe(0);
    expect(
      toNumbers(x.grad((a: x.Tensor) => L.distanceCorrelation(a, other, { squared: true }))(constant)).every(
        Number.isFinite,
      ),
    ).toBe(true);
    const nan = f64([Number.NaN, 0, 1, 1, 2, 2, 3, 3], [4, 2]);
    expect(num(L.distanceCovariance(nan, other))).toBeNaN();
    expect(num(L.distanceCorrelation(nan, other))).toBeNaN();
    expect(() => L.distanceCovariance(other, f64([1, 2, 3], [3, 1]))).toThrow(/xent\.distanceCovariance: argument 'y'/);
    expect(() => L.distanceCorrelation(other, x.tensor([[1], [2], [3], [4]]))).toThrow(
      /xent\.distanceCorrelation: argument 'y'/,
    );
  });

  test('jit agrees with eager', () => {
    const [X, Y] = [f64([0, 1, 2, 0.5, -1, 3], [3, 2]), f64([2, -1, 0.3], [3, 1])];
    const f = (a: x.Tensor, b: x.Tensor) =>
      x.add(L.distanceCovariance(a, b, { squared: true }), L.distanceCorrelation(a, b));
    const eager = x.valueAndGrad(f, { argnums: [0, 1] })(X, Y);
    const jitted = x.jit(x.valueAndGrad(f, { argnums: [0, 1] }))(X, Y);
    expect(num(jitted[0])).toBeCloseTo(num(eager[0]), 12);
    jitted[1].forEach((g, i) => {
      expectAllClose(toNumbers(g), toNumbers(eager[1][i] as x.Tensor), { rtol: 1e-10, atol: 1e-12 }, `∇${i}`);
    });
  });
});

describe('RankMe (E14)', () => {
  /** Z = R(θ)·diag(s)·R(φ)ᵀ padded with zero rows: singular values s by construction. */
  const withSpectrum = (s: [number, number], theta: number, phi: number, extra: number) => {
    const r = (t: number) => [
      [Math.cos(t), -Math.sin(t)],
      [Math.sin(t), Math.cos(t)],
    ];
    const [U, V] = [r(theta), r(phi)];
    const z = [0, 1].map((i) =>
      [0, 1].map((j) =>
        [0, 1].reduce((t, k) => t + (U[i]?.[k] as number) * (s[k] as number) * (V[j]?.[k] as number), 0),
      ),
    );
    return f64([...z.flat(), ...new Array<number>(extra * 2).fill(0)], [2 + extra, 2]);
  };
  const hostErank = (s: number[], eps: number) => {
    const total = s.reduce((a, b) => a + b, 0);
    const p = s.map((v) => v / total + eps);
    return Math.exp(-p.reduce((a, v) => a + v * Math.log(v), 0));
  };

  test('equals exp H(σ/Σσ) for known spectra; 1 ≤ erank ≤ min(n, d); invariant to rotations and scale; d for orthogonal columns', () => {
    expect(num(H.rankMe(f64([1, 0, 0, 1], [2, 2]), { eps: 0 }))).toBeCloseTo(2, 12);
    expect(num(H.rankMe(f64([3, 0, 0, 0, 3, 0], [2, 3]), { eps: 0 }))).toBeCloseTo(2, 12);
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        fc.double({ min: 0, max: 6, noNaN: true }),
        fc.double({ min: 0, max: 6, noNaN: true }),
        fc.integer({ min: 0, max: 2 }),
        (s0, s1, t, p, extra) => {
          const z = withSpectrum([s0, s1], t, p, extra);
          const e = num(H.rankMe(z, { eps: 0 }));
          expect(e).toBeCloseTo(hostErank([s0, s1], 0), 10);
          expect(e).toBeGreaterThanOrEqual(1 - 1e-12);
          expect(e).toBeLessThanOrEqual(2 + 1e-12);
          expect(num(H.rankMe(x.mul(z, 3.7), { eps: 0 }))).toBeCloseTo(e, 10);
          expect(num(H.rankMe(withSpectrum([s0, s1], t + 1, p - 2, extra), { eps: 0 }))).toBeCloseTo(e, 10);
          expect(num(H.rankMe(z))).toBeCloseTo(hostErank([s0, s1], 1e-7), 10);
        },
      ),
      { numRuns: 40 },
    );
  });

  test('gradient matches f64 finite differences on separated spectra; bad options are XentErrors', () => {
    fc.assert(
      fc.property(entries(12), directionsArb([12]), (v, [d]) => {
        const z = f64(
          v.map((w, i) => w + (i % 5 === 0 ? 4 * (1 + i / 5) : 0)),
          [3, 4],
        );
        expectGradientMatchesFd((t) => H.rankMe(t), [z], [0], [d as number[]], { rtol: 1e-5, atol: 1e-7 });
      }),
      { numRuns: 10 },
    );
    expect(() => H.rankMe(f64([1, 0], [1, 2]), { eps: -1 })).toThrow(/xent\.rankMe: argument 'eps'/);
    expect(() => H.rankMe(f64([1, 0], [2]) as never)).toThrow(/xent\.rankMe: argument 'embeddings'/);
  });
});

describe('DV / MINE and NWJ bounds (M02, M03)', () => {
  /** Seeded standard normals (Box–Muller on a 32-bit LCG), so the estimate is reproducible. */
  function normals(n: number, seed: number): number[] {
    let s = seed >>> 0;
    const u = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s + 0.5) / 2 ** 32;
    };
    return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
  }
  const hostDv = (j: number[], m: number[]) =>
    j.reduce((a, b) => a + b, 0) / j.length - Math.log(m.reduce((a, b) => a + Math.exp(b), 0) / m.length);
  const hostNwj = (j: number[], m: number[]) =>
    j.reduce((a, b) => a + b, 0) / j.length - m.reduce((a, b) => a + Math.exp(b - 1), 0) / m.length;

  test('equal the host formulas; DV invariant to T + c, NWJ not; DV ≥ NWJ for every critic; finite at scores ±1e4', () => {
    fc.assert(
      fc.property(entries(6), entries(5), fc.double({ min: -20, max: 20, noNaN: true }), (j, m, c) => {
        const dv = num(L.dvBound(vec(j), vec(m)));
        expect(dv).toBeCloseTo(hostDv(j, m), 12);
        expect(num(L.nwjBound(vec(j), vec(m)))).toBeCloseTo(hostNwj(j, m), 12);
        const shift = (v: number[]) => vec(v.map((t) => t + c));
        expect(num(L.dvBound(shift(j), shift(m)))).toBeCloseTo(dv, 10);
        expect(dv).toBeGreaterThanOrEqual(num(L.nwjBound(vec(j), vec(m))) - 1e-12);
        expect(num(L.mineBound(vec(j), vec(m), x.tensor(0.3, { dtype: 'f64' })))).toBeCloseTo(dv, 12);
      }),
      { numRuns: 60 },
    );
    expect(num(L.nwjBound(vec([1, 2]), vec([1, 3])))).not.toBeCloseTo(num(L.nwjBound(vec([6, 7]), vec([6, 8]))), 3);
    const big = vec([1e4, -1e4, 3]);
    expect(Number.isFinite(num(L.dvBound(big, big)))).toBe(true);
    expect(toNumbers(x.grad((t: x.Tensor) => L.dvBound(t, t))(big)).every(Number.isFinite)).toBe(true);
  });

  test('at the optimal critic T* = μx − μ²/2 both bounds estimate KL(N(μ,1) ‖ N(0,1)) = μ²/2; a constant critic gives 0 for P = Q', () => {
    const mu = 0.8;
    const critic = (v: number) => mu * v - (mu * mu) / 2;
    const fromP = normals(20_000, 7).map((v) => critic(v + mu));
    const fromQ = normals(20_000, 11).map(critic);
    expect(num(L.dvBound(vec(fromP), vec(fromQ)))).toBeCloseTo((mu * mu) / 2, 1);
    // NWJ's optimal critic is 1 + log dP/dQ
    expect(num(L.nwjBound(vec(fromP.map((t) => t + 1)), vec(fromQ.map((t) => t + 1))))).toBeCloseTo((mu * mu) / 2, 1);
    expect(num(L.dvBound(vec([0.4, 0.4]), vec([0.4, 0.4, 0.4])))).toBeCloseTo(0, 15);
  });

  test("MINE's gradient: ∂/∂T_marginal = −e^{T_k}/(m·EMA), ∂/∂T_joint = 1/n; with EMA = the batch mean it is DV's; jit takes each new average", () => {
    fc.assert(
      fc.property(entries(4), entries(5), fc.double({ min: -2, max: 2, noNaN: true }), (j, m, logEma) => {
        const [gj, gm] = x.grad((a: x.Tensor, b: x.Tensor) => L.mineBound(a, b, x.tensor(logEma, { dtype: 'f64' })), {
          argnums: [0, 1],
        })(vec(j), vec(m)) as x.Tensor[];
        expectAllClose(toNumbers(gj as x.Tensor), [0.25, 0.25, 0.25, 0.25], { rtol: 1e-12, atol: 0 }, '∂/∂T_joint');
        expectAllClose(
          toNumbers(gm as x.Tensor),
          m.map((t) => -Math.exp(t - logEma) / 5),
          { rtol: 1e-11, atol: 1e-15 },
          '∂/∂T_marginal',
        );
        const batch = Math.log(m.reduce((a, t) => a + Math.exp(t), 0) / 5);
        const mine = x.grad((b: x.Tensor) => L.mineBound(vec(j), b, x.tensor(batch, { dtype: 'f64' })))(vec(m));
        const dv = x.grad((b: x.Tensor) => L.dvBound(vec(j), b))(vec(m));
        expectAllClose(toNumbers(mine), toNumbers(dv), { rtol: 1e-11, atol: 1e-15 }, 'EMA = batch mean');
      }),
      { numRuns: 30 },
    );
    const step = x.jit(x.grad((b: x.Tensor, e: x.Tensor) => L.mineBound(vec([1, 2]), b, e)));
    const m = vec([0.5, -0.5]);
    const g1 = toNumbers(step(m, x.tensor(0, { dtype: 'f64' })));
    const g2 = toNumbers(step(m, x.tensor(Math.log(2), { dtype: 'f64' })));
    expectAllClose(
      g2,
      g1.map((v) => v / 2),
      { rtol: 1e-12, atol: 0 },
      'a new average reaches the jitted step',
    );
  });

  test('MineAverage: the first update takes the batch mean, then log((1 − α)·EMA + α·mean e^T); concrete scores only; bad inputs', () => {
    const avg = new L.MineAverage(0.1);
    expect(() => avg.logValue).toThrow(/xent\.MineAverage\.logValue/);
    avg.update(vec([0, Math.log(3)]));
    expect(num(avg.logValue)).toBeCloseTo(Math.log(2), 14);
    avg.update(vec([Math.log(5), Math.log(7)]));
    expect(num(avg.logValue)).toBeCloseTo(Math.log(0.9 * 2 + 0.1 * 6), 14);
    expect(avg.logValue.dtype).toBe('f64');
    const big = new L.MineAverage(1);
    big.update(vec([1e4, 1e4]));
    big.update(vec([800]));
    expect(num(big.logValue)).toBeCloseTo(800, 10);
    expect(() => new L.MineAverage(0)).toThrow(/xent\.MineAverage: argument 'rate'/);
    expect(() => new L.MineAverage(1.5)).toThrow(/xent\.MineAverage: argument 'rate'/);
    expect(() =>
      x.grad((t: x.Tensor) => {
        avg.update(t);
        return x.sum(t);
      })(vec([1])),
    ).toThrow(/xent\.MineAverage\.update: argument 'tMarginal'/);
    expect(() => L.dvBound(vec([1]), x.tensor([1]))).toThrow(/xent\.dvBound: argument 'tMarginal'/);
    expect(() => L.nwjBound(vec([]), vec([1]))).toThrow(/xent\.nwjBound: argument 'tJoint'/);
    expect(() => L.mineBound(vec([1]), vec([1]), vec([0, 0]))).toThrow(/xent\.mineBound: argument 'logMovingAverage'/);
  });
});
