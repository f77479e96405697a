/** @file The laws used directly with fast-check in a test suite, and the arbitraries they draw from. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';

const L = x.losses;
const { arbitraries: A } = x.laws;

describe('laws as fast-check properties', () => {
  test('hold for cross-entropy', () => {
    const ce = (z: x.Tensor, y: x.Tensor) => L.crossEntropy(z, y);
    fc.assert(x.laws.shiftInvariant(ce), { numRuns: 20 });
    fc.assert(x.laws.classPermutationInvariant(ce), { numRuns: 20 });
    fc.assert(x.laws.properScoringRule(ce), { numRuns: 20 });
    fc.assert(x.laws.nonNegative(ce), { numRuns: 20 });
    fc.assert(x.laws.finiteAtExtremes(ce), { numRuns: 20 });
    fc.assert(
      x.laws.boundedAbove((z, y) => L.maeLoss(z, y), 2),
      { numRuns: 20 },
    );
  });

  test('are refuted where the maths says so (fast-check finds counterexamples; no shrinking needed here)', () => {
    expect(
      fc.check(
        x.laws.shiftInvariant((z, y) => L.squentropy(z, y)),
        { numRuns: 50, endOnFailure: true },
      ).failed,
    ).toBe(true);
    expect(
      fc.check(
        x.laws.symmetricLoss((z, y) => L.crossEntropy(z, y)),
        { numRuns: 50, endOnFailure: true },
      ).failed,
    ).toBe(true);
    expect(
      fc.check(
        x.laws.boundedAbove((z, y) => L.crossEntropy(z, y)),
        { numRuns: 50, endOnFailure: true },
      ).failed,
    ).toBe(true);
    const focalOps = x.laws.operandsFor('classification');
    expect(
      fc.check(
        x.laws.convex((z, y) => L.focalLoss(z, y, { gamma: 2 }), focalOps),
        { numRuns: 100, endOnFailure: true },
      ).failed,
    ).toBe(true);
  });

  test('familyLimit: Tsallis q → 1 is Shannon and GCE q → 0 is CE; a wrong limit is refuted', () => {
    const entropyOps = x.laws.operandsFor('entropy');
    fc.assert(
      x.laws.familyLimit(
        (q) => (z) => x.entropy.tsallis(z, q),
        1,
        (z) => x.entropy.shannon(z),
        entropyOps,
      ),
      { numRuns: 20 },
    );
    const clsOps = x.laws.operandsFor('classification');
    fc.assert(
      x.laws.familyLimit(
        (q) => (z, y) => L.generalizedCrossEntropy(z, y, { q }),
        0,
        (z, y) => L.crossEntropy(z, y),
        clsOps,
        { side: 'above', eps: 1e-7 },
      ),
      { numRuns: 20 },
    );
    const wrong = x.laws.familyLimit(
      (q) => (z) => x.entropy.renyi(z, q),
      1,
      (z) => x.entropy.tsallis(z, 2),
      entropyOps,
    );
    expect(fc.check(wrong, { numRuns: 30 }).failed).toBe(true);
  });

  test('gradient laws on a user-written loss with two float arguments', () => {
    const ops = fc.tuple(A.values(6), A.values(6)).map(([a, b]) => [x.laws.float(a, [2, 3]), x.laws.float(b, [2, 3])]);
    const f = (a: x.Tensor, b: x.Tensor) => x.sum(x.mul(x.tanh(a), x.exp(x.mul(0.3, b))));
    fc.assert(x.laws.gradientMatchesFiniteDifferences(f, ops), { numRuns: 20 });
    fc.assert(x.laws.vjpDotProduct(f, ops), { numRuns: 20 });
    fc.assert(x.laws.jvpMatchesVjp(f, ops), { numRuns: 20 });
    fc.assert(x.laws.hessianSymmetric(f, ops), { numRuns: 20 });
  });
});

describe('vmap and exact-Hessian laws', () => {
  const ce = (z: x.Tensor, y: x.Tensor) => L.crossEntropy(z, y);
  const clsOps = x.laws.operandsFor('classification');

  test('batchedGradient holds for library losses of every kind, and reports a function whose batched trace differs', () => {
    fc.assert(x.laws.batchedGradient(ce, clsOps), { numRuns: 15 });
    fc.assert(
      x.laws.batchedGradient((z, q) => L.softTargetCrossEntropy(z, q), x.laws.operandsFor('soft-target')),
      { numRuns: 10 },
    );
    fc.assert(
      x.laws.batchedGradient((z) => x.entropy.shannon(z), x.laws.operandsFor('entropy')),
      { numRuns: 10 },
    );
    // a function that is not a function of its inputs: its first call (vmap's trace) doubles the loss
    let calls = 0;
    const impure = (z: x.Tensor, y: x.Tensor): x.Tensor => x.mul(ce(z, y), ++calls === 1 ? 2 : 1);
    const r = fc.check(x.laws.batchedGradient(impure, clsOps), { numRuns: 1 });
    expect(r.failed).toBe(true);
    expect(String(r.errorInstance)).toMatch(/example 0, operand 0: vmap\(grad\) gives .* the loop/);
  });

  test('convex decides by the exact Hessian where it is small: CE holds; focal loss fails with an eigenvalue and its direction', () => {
    fc.assert(x.laws.convex(ce, clsOps), { numRuns: 15 });
    const focal = (z: x.Tensor, y: x.Tensor) => L.focalLoss(z, y, { gamma: 2 });
    const exact = fc.check(x.laws.convex(focal, clsOps), { numRuns: 100 });
    expect(exact.failed).toBe(true);
    expect(String(exact.errorInstance)).toMatch(/the exact Hessian has eigenvalue -\d.* < 0, along v = /);
    const sampled = fc.check(x.laws.convex(focal, clsOps, undefined, { exactUpTo: 0 }), { numRuns: 100 });
    expect(sampled.failed).toBe(true);
    expect(String(sampled.errorInstance)).toMatch(/⟨v, H v⟩ = .* < 0/);
  });

  test('properScoringRule checks the exact Hessian at softmax(z) = q: −CE has a zero gradient there but is a maximum', () => {
    fc.assert(x.laws.properScoringRule(ce), { numRuns: 15 });
    const r = fc.check(
      x.laws.properScoringRule((z, y) => x.neg(ce(z, y))),
      { numRuns: 5 },
    );
    expect(r.failed).toBe(true);
    expect(String(r.errorInstance)).toMatch(/E_q L has negative curvature -\d.* not a minimum/);
  });
});

describe('arbitraries', () => {
  test('tensors in a domain have the shape and the values asked for', () => {
    fc.assert(
      fc.property(A.tensor([2, 3], 'positive'), A.tensor([4], 'awayFromZero', { scale: 2 }), (p, q) => {
        expect(p.shape).toEqual([2, 3]);
        expect(Array.from(p.data() as Float64Array).every((v) => v > 0)).toBe(true);
        expect(Array.from(q.data() as Float64Array).every((v) => Math.abs(v) >= 0.08 && Math.abs(v) <= 2)).toBe(true);
      }),
    );
  });

  test('simplex points are distributions (dense, sparse, one-hot, near-degenerate)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((k) => A.simplexPoint(k)),
        (p) => {
          expect(p.every((v) => v >= 0)).toBe(true);
          expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
        },
      ),
    );
  });

  test('rotations and orthogonal matrices: QᵀQ = I; SO(2) and SO(3) have determinant 1', () => {
    const gram = (q: number[], n: number) =>
      Array.from({ length: n * n }, (_, k) => {
        const [i, j] = [Math.floor(k / n), k % n];
        return Array.from({ length: n }, (_, r) => (q[r * n + i] as number) * (q[r * n + j] as number)).reduce(
          (a, b) => a + b,
          0,
        );
      });
    const eye = (n: number) => Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
    const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - (b[i] as number)) < 1e-9);
    fc.assert(
      fc.property(A.rotation3d(), (q) => {
        expect(near(gram(q, 3), eye(3))).toBe(true);
        const [a, b, c, d, e, f, g, h, i] = q as [
          number,
          number,
          number,
          number,
          number,
          number,
          number,
          number,
          number,
        ];
        expect(a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)).toBeCloseTo(1, 9);
      }),
    );
    fc.assert(
      fc.property(A.rotation2d(), (q) => {
        expect(near(gram(q, 2), eye(2))).toBe(true);
      }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(fc.constant(n), A.orthogonal(n))),
        ([n, q]) => {
          expect(near(gram(q, n), eye(n))).toBe(true);
        },
      ),
    );
  });

  test('permutations, shifts and flips are permutations; broadcast pairs broadcast', () => {
    const isPerm = (p: number[]) => [...p].sort((a, b) => a - b).every((v, i) => v === i);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }).chain((n) => fc.tuple(A.permutation(n), A.cyclicShift(n), A.flip(n))),
        ([p, s, f]) => {
          expect(isPerm(p) && isPerm(s) && isPerm(f)).toBe(true);
        },
      ),
    );
    fc.assert(
      fc.property(A.broadcastPair(), ([a, b]) => {
        const out = x.add(x.zeros(a), x.zeros(b));
        expect(out.shape).toEqual(a);
      }),
    );
  });

  test('logits with extremes and masks keep every label logit finite; labels are in range', () => {
    fc.assert(
      fc.property(A.classification({ extreme: true, masked: true }), (c) => {
        c.labels.forEach((y, r) => {
          expect(y).toBeGreaterThanOrEqual(0);
          expect(y).toBeLessThan(c.classes);
          expect(Number.isFinite(c.logits[r * c.classes + y] as number)).toBe(true);
        });
      }),
    );
  });
});
