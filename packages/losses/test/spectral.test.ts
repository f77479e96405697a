/** @file eigh beyond 3×3, spectral gradients on degenerate spectra, the von Neumann entropy and the Vendi score (catalog §2.4 E12, E13). */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { eigenvalues3, eigenvector3 } from '../../../test/support/symmetric3.js';
import { directionsArb, expectAllClose, expectGradientMatchesFd, f64, num, toNumbers } from './support.js';

const H = x.entropy;
/** Entries of magnitude 0.2–2 with random signs: rows never vanish (normalisation is defined). */
const matrixArb = (n: number, d: number) =>
  fc.array(
    fc.tuple(fc.boolean(), fc.double({ min: 0.2, max: 2, noNaN: true })).map(([neg, v]) => (neg ? -v : v)),
    { minLength: n * d, maxLength: n * d },
  );
const mat = (v: readonly number[], n: number, d: number) => f64(v, [n, d]);

describe('eigh', () => {
  test('6×6: V·diag(λ)·Vᵀ = ½(A + Aᵀ), VᵀV = I, λ ascending (fused CPU and reference agree)', () => {
    fc.assert(
      fc.property(matrixArb(6, 6), (v) => {
        const a = mat(v, 6, 6);
        const { values, vectors } = x.eigh(a);
        const lambda = toNumbers(values);
        for (let i = 1; i < 6; i++) expect(lambda[i]).toBeGreaterThanOrEqual(lambda[i - 1] as number);
        const rebuilt = x.matmul(x.mul(vectors, x.reshape(values, [1, 6])), x.transpose(vectors));
        const sym = x.mul(0.5, x.add(a, x.transpose(a)));
        expectAllClose(toNumbers(rebuilt), toNumbers(sym), { rtol: 1e-10, atol: 1e-12 }, 'V Λ Vᵀ');
        const eye = Array.from({ length: 36 }, (_, i) => (i % 7 === 0 ? 1 : 0));
        expectAllClose(toNumbers(x.matmul(x.transpose(vectors), vectors)), eye, { rtol: 0, atol: 1e-12 }, 'VᵀV');
        const fused = x.jit((m: x.Tensor) => x.eigvalsh(m), { backend: 'cpu' })(a);
        expectAllClose(toNumbers(fused), lambda, { rtol: 1e-12, atol: 1e-14 }, 'jit');
      }),
      { numRuns: 30 },
    );
  });

  test('spectral gradients are exact on repeated eigenvalues: ∇Σλ² = 2A at I and at diag(1, 1, 2)', () => {
    for (const a of [
      [1, 0, 0, 0, 1, 0, 0, 0, 1],
      [1, 0, 0, 0, 1, 0, 0, 0, 2],
    ]) {
      const g = toNumbers(x.grad((m: x.Tensor) => x.sum(x.square(x.eigvalsh(m))))(mat(a, 3, 3)));
      expectAllClose(
        g,
        a.map((v) => 2 * v),
        { rtol: 1e-12, atol: 1e-12 },
        '∇ Σλ²',
      );
    }
  });

  test('∂S/∂C = −(log C + I) for the von Neumann entropy of a full-rank density matrix (closed-form oracle)', () => {
    fc.assert(
      fc.property(matrixArb(3, 3), (v) => {
        const b = mat(v, 3, 3);
        const c0 = x.add(
          x.matmul(x.transpose(b), b),
          x.mul(
            0.1,
            x.tensor(
              [
                [1, 0, 0],
                [0, 1, 0],
                [0, 0, 1],
              ],
              { dtype: 'f64' },
            ),
          ),
        );
        const c = x.div(
          c0,
          x.sum(
            x.mul(
              c0,
              x.tensor(
                [
                  [1, 0, 0],
                  [0, 1, 0],
                  [0, 0, 1],
                ],
                { dtype: 'f64' },
              ),
            ),
          ),
        );
        const s = (m: x.Tensor) => {
          const l = x.eigvalsh(m);
          return x.neg(x.sum(x.mul(l, x.log(l))));
        };
        const cv = toNumbers(c);
        const rows = [0, 1, 2].map((i) => cv.slice(3 * i, 3 * i + 3));
        const lambda = eigenvalues3(rows);
        fc.pre(lambda.every((l, i) => i === 0 || l - (lambda[i - 1] as number) > 1e-3));
        const vecs = lambda.map((l) => eigenvector3(rows, l));
        const want = [0, 1, 2].flatMap((i) =>
          [0, 1, 2].map(
            (j) =>
              -lambda.reduce(
                (acc, l, k) => acc + Math.log(l) * (vecs[k]?.[i] as number) * (vecs[k]?.[j] as number),
                0,
              ) - (i === j ? 1 : 0),
          ),
        );
        expectAllClose(toNumbers(x.grad(s)(c)), want, { rtol: 1e-8, atol: 1e-9 }, '∂S/∂C');
      }),
      { numRuns: 30 },
    );
  });
});

describe('von Neumann entropy', () => {
  test('0 ≤ S ≤ log min(N, d); the two Gram sides agree; f64 gradient check', () => {
    fc.assert(
      fc.property(
        fc
          .record({ n: fc.integer({ min: 2, max: 5 }), d: fc.integer({ min: 2, max: 5 }) })
          .chain(({ n, d }) => fc.tuple(fc.constant(n), fc.constant(d), matrixArb(n, d), directionsArb([n * d]))),
        ([n, d, v, [dir]]) => {
          const h = mat(v, n, d);
          const s = num(H.vonNeumann(h));
          expect(s).toBeGreaterThanOrEqual(-1e-12);
          expect(s).toBeLessThanOrEqual(Math.log(Math.min(n, d)) + 1e-12);
          const u = x.normalize(h);
          const side = (m: x.Tensor) => {
            const l = x.eigvalsh(x.div(m, n));
            return -toNumbers(l)
              .filter((t) => t > 1e-15)
              .reduce((acc, t) => acc + t * Math.log(t), 0);
          };
          expect(side(x.matmul(x.transpose(u), u))).toBeCloseTo(side(x.matmul(u, x.transpose(u))), 10);
          expect(s).toBeCloseTo(side(x.matmul(x.transpose(u), u)), 10);
          expectGradientMatchesFd((t) => H.vonNeumann(t), [h], [0], [dir as number[]], { rtol: 1e-5, atol: 1e-7 });
        },
      ),
      { numRuns: 40 },
    );
  });

  test('invariant to H ↦ HQ (Q orthogonal), row order, positive row scales and row sign flips; 0 for parallel rows; log d for orthonormal rows', () => {
    fc.assert(
      fc.property(
        matrixArb(4, 3),
        fc.double({ min: 0, max: 6.28, noNaN: true }),
        fc.array(fc.double({ min: 0.2, max: 5, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (v, angle, scales) => {
          const h = mat(v, 4, 3);
          const s = num(H.vonNeumann(h));
          const [c, sn] = [Math.cos(angle), Math.sin(angle)];
          const q = f64([c, -sn, 0, sn, c, 0, 0, 0, -1], [3, 3]);
          expect(num(H.vonNeumann(x.matmul(h, q)))).toBeCloseTo(s, 10);
          expect(num(H.vonNeumann(x.take(h, x.tensor([3, 1, 0, 2], { dtype: 'i32' }))))).toBeCloseTo(s, 10);
          const signed = scales.map((k, i) => (i % 2 === 0 ? k : -k));
          expect(num(H.vonNeumann(x.mul(h, f64(signed, [4, 1]))))).toBeCloseTo(s, 10);
        },
      ),
      { numRuns: 40 },
    );
    expect(num(H.vonNeumann(f64([1, 2, 0, -2, -4, 0, 0.5, 1, 0], [3, 3])))).toBeCloseTo(0, 12);
    expect(num(H.vonNeumann(f64([0, 2, 0, 0, 0, -3, 1, 0, 0], [3, 3])))).toBeCloseTo(Math.log(3), 12);
    expect(num(x.losses.vneRegularizer(f64([0, 2, 0, 0, 0, -3, 1, 0, 0], [3, 3]), { alpha: 0.5 }))).toBeCloseTo(
      -0.5 * Math.log(3),
      12,
    );
  });
});

describe('Vendi score', () => {
  const k3 = (v: readonly number[]) => f64(v, [3, 3]);
  test('golden value and closed cases: K=[[1,1,0],[1,1,0],[0,0,1]] → 1.8898816; I → n; 11ᵀ → 1; m equal blocks → m; VS_∞ = 1/λ_max', () => {
    expect(num(H.vendiScoreFromKernel(k3([1, 1, 0, 1, 1, 0, 0, 0, 1])))).toBeCloseTo(1.8898816, 6);
    expect(
      num(
        H.vendiScoreFromKernel(
          x.tensor(
            [
              [1, 0, 0, 0],
              [0, 1, 0, 0],
              [0, 0, 1, 0],
              [0, 0, 0, 1],
            ],
            { dtype: 'f64' },
          ),
        ),
      ),
    ).toBeCloseTo(4, 10);
    expect(num(H.vendiScoreFromKernel(k3([1, 1, 1, 1, 1, 1, 1, 1, 1])))).toBeCloseTo(1, 10);
    const blocks = f64([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1], [4, 4]);
    expect(num(H.vendiScoreFromKernel(blocks))).toBeCloseTo(2, 10);
    expect(num(H.vendiScoreFromKernel(k3([1, 1, 0, 1, 1, 0, 0, 0, 1]), { q: Infinity }))).toBeCloseTo(1.5, 10);
  });

  test('1 ≤ VS ≤ n, non-increasing in q, permutation-invariant, embeddings form = cosine-kernel form; f64 gradient check', () => {
    fc.assert(
      fc.property(matrixArb(4, 3), directionsArb([12]), (v, [dir]) => {
        const h = mat(v, 4, 3);
        const orders = [0.5, 1, 2, 5, Infinity].map((q) => num(H.vendiScore(h, { q })));
        orders.forEach((s, i) => {
          expect(s).toBeGreaterThanOrEqual(1 - 1e-9);
          expect(s).toBeLessThanOrEqual(4 + 1e-9);
          if (i > 0) expect(s).toBeLessThanOrEqual((orders[i - 1] as number) + 1e-9);
        });
        const u = x.normalize(h);
        expect(num(H.vendiScoreFromKernel(x.matmul(u, x.transpose(u))))).toBeCloseTo(orders[1] as number, 9);
        expect(num(H.vendiScore(x.take(h, x.tensor([2, 0, 3, 1], { dtype: 'i32' }))))).toBeCloseTo(
          orders[1] as number,
          10,
        );
        expectGradientMatchesFd((t) => H.vendiScore(t, { q: 2 }), [h], [0], [dir as number[]], {
          rtol: 1e-5,
          atol: 1e-7,
        });
      }),
      { numRuns: 40 },
    );
  });

  test('a kernel without a unit diagonal is rejected; eigh is refused by name on a GPU-less path only through the backend', () => {
    expect(() => H.vendiScoreFromKernel(k3([2, 0, 0, 0, 1, 0, 0, 0, 1]))).toThrow(/unit diagonal/);
    expect(() => x.eigvalsh(f64([1, 2, 3, 4, 5, 6], [2, 3]))).toThrow(x.ShapeError);
  });
});
