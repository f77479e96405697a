/** @file InfoNCE, Barlow Twins, view alignment, the EMA teacher and the Gaussian MI fixtures (catalog §2.6–2.7). */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import * as x from 'xent';
import { directionsArb, expectAllClose, expectGradientMatchesFd, f64, num, toNumbers } from './support.js';

const L = x.losses;
/** Entries of magnitude 0.2–2 with random signs: no zero vectors (where cosine is undefined). */
const embeddings = (n: number, d: number) =>
  fc.array(
    fc.tuple(fc.boolean(), fc.double({ min: 0.2, max: 2, noNaN: true })).map(([s, v]) => (s ? v : -v)),
    { minLength: n * d, maxLength: n * d },
  );
const pairArb = fc
  .record({ n: fc.integer({ min: 2, max: 5 }), d: fc.integer({ min: 2, max: 4 }) })
  .chain(({ n, d }) => fc.record({ n: fc.constant(n), d: fc.constant(d), a: embeddings(n, d), b: embeddings(n, d) }));

test('InfoNCE: ≥ 0, = log N for equal similarities, invariant to a joint batch permutation, log N − L ≤ log N; f64 gradient check', () => {
  fc.assert(
    fc.property(
      pairArb.chain((p) => fc.tuple(fc.constant(p), directionsArb([p.n * p.d, p.n * p.d]))),
      ([{ n, d, a, b }, [da, db]]) => {
        const [A, B] = [f64(a, [n, d]), f64(b, [n, d])];
        for (const similarity of ['cosine', 'dot'] as const) {
          const l = num(L.infoNce(A, B, { similarity, temperature: 0.5 }));
          expect(l).toBeGreaterThanOrEqual(-1e-12);
          const perm = [...Array(n).keys()].reverse();
          const pa = x.take(A, x.tensor(perm, { dtype: 'i32' }));
          const pb = x.take(B, x.tensor(perm, { dtype: 'i32' }));
          expect(num(L.infoNce(pa, pb, { similarity, temperature: 0.5 }))).toBeCloseTo(l, 10);
          const sym = num(L.symmetricInfoNce(A, B, { similarity, temperature: 0.5 }));
          expect(sym).toBeCloseTo((l + num(L.infoNce(B, A, { similarity, temperature: 0.5 }))) / 2, 10);
        }
        expectGradientMatchesFd(
          (p, q) => L.infoNce(p, q, { temperature: 0.7 }),
          [A, B],
          [0, 1],
          [da as number[], db as number[]],
        );
        const same = f64(new Array<number>(n * d).fill(1), [n, d]);
        expect(num(L.infoNce(same, same))).toBeCloseTo(Math.log(n), 12);
      },
    ),
  );
});

test('Barlow Twins: invariant to per-feature positive affine maps, branch swap and batch order; 4d for a negated branch; 0 for identical decorrelated branches', () => {
  fc.assert(
    fc.property(
      pairArb,
      fc.array(fc.double({ min: 0.2, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }),
      ({ n, d, a, b }, scale) => {
        // Features constant up to rounding are blown up to noise at ε = 0 (see the dead-feature case);
        // with the default ε = 1e-5 the invariance holds to ~ε/var (relative).
        const variances = [...Array(2 * d).keys()].map((j) => {
          const col = (j < d ? a : b).filter((_, i) => i % d === j % d);
          const m = col.reduce((p, q) => p + q, 0) / n;
          return col.reduce((p, q) => p + (q - m) ** 2, 0) / n;
        });
        const minVar = Math.min(...variances);
        fc.pre(minVar > 1e-3);
        const [A, B] = [f64(a, [n, d]), f64(b, [n, d])];
        const exact = { eps: 0 };
        const l = num(L.barlowTwins(A, B, exact));
        const affine = x.add(
          x.mul(A, f64(scale.slice(0, d), [1, d])),
          f64(
            scale.slice(0, d).map((s) => 3 * s),
            [1, d],
          ),
        );
        expect(num(L.barlowTwins(affine, B, exact))).toBeCloseTo(l, 8);
        expect(num(L.barlowTwins(B, A, exact))).toBeCloseTo(l, 10);
        const perm = x.tensor([...Array(n).keys()].reverse(), { dtype: 'i32' });
        expect(num(L.barlowTwins(x.take(A, perm), x.take(B, perm), exact))).toBeCloseTo(l, 10);
        if (minVar > 0.01)
          expect(Math.abs(num(L.barlowTwins(affine, B)) - l)).toBeLessThan((100 * 1e-5 * Math.max(1, l)) / minVar);
      },
    ),
  );
  // Orthogonal, centred features: standardised columns are uncorrelated, so C = I.
  const z = f64([1, 1, 1, -1, -1, 1, -1, -1], [4, 2]);
  expect(num(L.barlowTwins(z, z, { eps: 0 }))).toBeCloseTo(0, 12);
  expect(num(L.barlowTwins(z, x.neg(z), { lambda: 0, eps: 0 }))).toBeCloseTo(4 * 2, 12);
  // A dead (constant) feature: after an affine map it is constant only up to rounding; the ε keeps
  // its correlations near 0 instead of ±1 noise, and gradients stay finite.
  const dead = f64([0.7, 2, 0.7, 3, 0.7, 4], [3, 2]);
  const shiftedDead = x.add(x.mul(dead, 3.3), 0.1);
  const c = num(L.barlowTwins(dead, dead));
  expect(Math.abs(num(L.barlowTwins(shiftedDead, dead)) - c)).toBeLessThan(1e-6);
  const g = toNumbers(x.grad((t: x.Tensor) => L.barlowTwins(t, dead))(shiftedDead));
  expect(g.every(Number.isFinite)).toBe(true);
});

test('alignment loss: 0 for identical views, scale-invariant in cosine form, second view detached by default', () => {
  fc.assert(
    fc.property(pairArb, ({ n, d, a, b }) => {
      const [A, B] = [f64(a, [n, d]), f64(b, [n, d])];
      expect(num(L.alignmentLoss(A, A))).toBeCloseTo(0, 10);
      expect(num(L.alignmentLoss(x.mul(A, 3), B))).toBeCloseTo(num(L.alignmentLoss(A, B)), 10);
      const [, gb] = x.grad((p: x.Tensor, q: x.Tensor) => L.alignmentLoss(p, q, { distance: 'l2' }), {
        argnums: [0, 1],
      })(A, B) as x.Tensor[];
      expect(toNumbers(gb as x.Tensor).every((v) => v === 0)).toBe(true);
      const want = a.map((v, i) => (2 * (v - (b[i] as number))) / n);
      const [ga] = x.grad((p: x.Tensor) => L.alignmentLoss(p, B, { distance: 'l2' }), { argnums: [0] })(
        A,
      ) as x.Tensor[];
      expectAllClose(toNumbers(ga as x.Tensor), want, { rtol: 1e-9, atol: 1e-12 }, '∇ l2');
    }),
  );
});

test('EMA teacher: θ ← d·θ + (1 − d)·θ_S, repeated updates converge to a fixed student', () => {
  const teacher = new x.EmaTeacher([f64([0, 0], [2])], 0.9);
  teacher.update([f64([1, -1], [2])]);
  expectAllClose(toNumbers(teacher.params[0] as x.Tensor), [0.1, -0.1], { rtol: 1e-12, atol: 1e-15 }, 'one step');
  for (let i = 0; i < 300; i++) teacher.update([f64([1, -1], [2])]);
  expectAllClose(toNumbers(teacher.params[0] as x.Tensor), [1, -1], { rtol: 1e-9, atol: 1e-9 }, 'limit');
  expect(teacher.updates).toBe(301);
  expect(() => {
    teacher.update([f64([1, 2, 3], [3])]);
  }).toThrow(x.ShapeError);
});

test('Gaussian MI fixtures: −½log(1 − ρ²) agrees with the covariance form and with the discrete MI of a fine quantisation', () => {
  fc.assert(
    fc.property(fc.double({ min: -0.95, max: 0.95, noNaN: true }), (rho) => {
      const closed = x.entropy.gaussianMutualInformation(rho);
      expect(
        x.entropy.gaussianMutualInformationFromCovariance(
          [
            [1, rho],
            [rho, 1],
          ],
          1,
        ),
      ).toBeCloseTo(closed, 12);
      expect(
        x.entropy.gaussianMutualInformationFromCovariance(
          [
            [4, 2 * rho],
            [2 * rho, 1],
          ],
          1,
        ),
      ).toBeCloseTo(closed, 12);
    }),
  );
  // Discretise N(0, [[1, ρ], [ρ, 1]]) on a fine grid: the plug-in MI of the table approaches the closed form.
  const rho = 0.6;
  const m = 80;
  const cells: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      const [u, v] = [-5 + (10 * (i + 0.5)) / m, -5 + (10 * (j + 0.5)) / m];
      cells.push(Math.exp(-(u * u - 2 * rho * u * v + v * v) / (2 * (1 - rho * rho))));
    }
  const total = cells.reduce((a, b) => a + b, 0);
  const mi = num(
    x.entropy.mutualInformation(
      f64(
        cells.map((c) => c / total),
        [m, m],
      ),
    ),
  );
  expect(Math.abs(mi - x.entropy.gaussianMutualInformation(rho))).toBeLessThan(5e-3);
});
