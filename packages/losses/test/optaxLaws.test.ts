/**
 * @file Laws of the optax-named losses on fresh random inputs: sparsemax and 1.5-entmax against
 * sort-based and bisection references in plain JS, their Jacobian, the Fenchel–Young identities, the
 * classification laws, identities with xent's own losses, edge cases and the value checks.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { entmax15Tau, sparsemaxTau } from '../../../test/support/optaxCases.js';
import { batchArb, batchPairArb, expectAllClose, f64, i32, rows, toNumbers } from './support.js';

const L = x.losses;
const none = { reduction: 'none' } as const;
const tight = { rtol: 1e-10, atol: 1e-12 };

/** Rows on a half-integer grid, so that ties are common. */
const tiedRows = fc.record({ n: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 7 }) }).chain(({ n, k }) =>
  fc.record({
    n: fc.constant(n),
    k: fc.constant(k),
    z: fc.array(
      fc.integer({ min: -6, max: 6 }).map((v) => v / 2),
      { minLength: n * k, maxLength: n * k },
    ),
  }),
);
/** Entries pushed 0.1 away from 0 (rows that cosine similarities normalise are never zero). */
const away = (v: number): number => (v < 0 ? v - 0.1 : v + 0.1);
const anyRows = batchArb({ minK: 1, maxK: 8, maxN: 4, scale: 4 });

describe('sparsemax and 1.5-entmax', () => {
  test.each([
    ['sparsemax', L.sparsemax, (row: number[]) => row.map((v) => Math.max(v - sparsemaxTau(row), 0))],
    ['entmax15', L.entmax15, (row: number[]) => row.map((v) => Math.max(v / 2 - entmax15Tau(row), 0) ** 2)],
  ] as const)(
    '%s equals its JS reference, lies on the simplex and is shift-invariant (ties included)',
    (_n, f, ref) => {
      fc.assert(
        fc.property(fc.oneof(tiedRows, anyRows), fc.double({ min: -50, max: 50, noNaN: true }), (b, c) => {
          const z = f64(b.z, [b.n, b.k]);
          const p = toNumbers(f(z));
          expectAllClose(p, rows(b.z, b.k).flatMap(ref), { rtol: 1e-9, atol: 1e-12 }, 'reference');
          for (const row of rows(p, b.k)) {
            expect(row.every((v) => v >= 0)).toBe(true);
            expect(Math.abs(row.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-12);
          }
          expectAllClose(toNumbers(f(x.add(z, c))), p, { rtol: 1e-9, atol: 1e-9 }, 'shift');
        }),
        { numRuns: 40 },
      );
    },
  );

  test('sparsemax Jacobian is diag(s) − ssᵀ/|S| with s the support (JS) indicator', () => {
    fc.assert(
      fc.property(batchArb({ minN: 1, maxN: 1, minK: 2, maxK: 7, scale: 2 }), (b) => {
        const tau = sparsemaxTau(b.z);
        fc.pre(b.z.every((v) => Math.abs(v - tau) > 1e-6));
        const s = b.z.map((v): number => (v > tau ? 1 : 0));
        const size = s.reduce((a, v) => a + v, 0);
        const jac = toNumbers(x.jacrev((z: x.Tensor) => L.sparsemax(z))(f64(b.z, [b.k])));
        const want = s.flatMap((si, i) => s.map((sj, j) => (i === j ? si : 0) - (si * sj) / size));
        expectAllClose(jac, want, tight, 'Jacobian');
      }),
      { numRuns: 30 },
    );
  });

  test('NaN or +Inf in a row, or a row of −Inf only, gives a NaN row; −Inf entries get 0 and a finite gradient', () => {
    for (const f of [L.sparsemax, L.entmax15]) {
      const out = toNumbers(
        f(f64([NaN, 1, 2, Infinity, 0, 1, -Infinity, -Infinity, -Infinity, 3, -Infinity, 1, 0.5, 0.25, 0], [5, 3])),
      );
      expect(out.slice(0, 9).every(Number.isNaN)).toBe(true);
      expect(out[10]).toBe(0);
      expect(out.slice(9).every(Number.isFinite)).toBe(true);
      const g = toNumbers(
        x.grad((z: x.Tensor) => x.sum(x.mul(f(z), f64([1, 2, 3], [1, 3]))))(f64([3, -Infinity, 2.5], [1, 3])),
      );
      expect(g.every(Number.isFinite)).toBe(true);
      expect(g[1]).toBe(0);
    }
  });
});

describe('Fenchel–Young losses', () => {
  const regs = ['softmax', 'sparsemax', 'entmax15'] as const;
  const predict = { softmax: x.softmax, sparsemax: L.sparsemax, entmax15: L.entmax15 };
  test.each(regs)('%s: ≥ 0, 0 at y = ŷ(z), ∇_z = ŷ(z) − y', (reg) => {
    fc.assert(
      fc.property(batchPairArb({ minK: 2, maxK: 6, scale: 3 }), ([b, o]) => {
        const z = f64(b.z, [b.n, b.k]);
        const y = predict[reg](f64(o, [b.n, b.k]));
        const loss = (t: x.Tensor) => L.fenchelYoungLoss(t, y, { regularizer: reg, reduction: 'sum' });
        expect(toNumbers(L.fenchelYoungLoss(z, y, { regularizer: reg, ...none })).every((v) => v >= -1e-12)).toBe(true);
        const yhat = predict[reg](z);
        expectAllClose(
          toNumbers(L.fenchelYoungLoss(z, yhat, { regularizer: reg, ...none })),
          new Array<number>(b.n).fill(0),
          { rtol: 0, atol: 1e-12 },
          'zero at ŷ',
        );
        expectAllClose(toNumbers(x.grad(loss)(z)), toNumbers(x.sub(yhat, y)), tight, '∇ = ŷ − y');
      }),
      { numRuns: 25 },
    );
  });

  test('one-hot targets: the softmax form is cross-entropy, the sparsemax form the multiclass sparsemax loss', () => {
    fc.assert(
      fc.property(batchArb({ minK: 2, maxK: 6 }), (b) => {
        const z = f64(b.z, [b.n, b.k]);
        const y = i32(b.y);
        const hot = x.oneHot(y, b.k, { dtype: 'f64' });
        expectAllClose(toNumbers(L.fenchelYoungLoss(z, hot, none)), toNumbers(L.crossEntropy(z, y, none)), tight, 'CE');
        expectAllClose(
          toNumbers(L.fenchelYoungLoss(z, hot, { regularizer: 'sparsemax', ...none })),
          toNumbers(L.multiclassSparsemaxLoss(z, y, none)),
          tight,
          'sparsemax',
        );
      }),
      { numRuns: 25 },
    );
  });
});

describe('classification laws of the multiclass losses', () => {
  const multiclass = [
    ['multiclassHingeLoss', (z: x.Tensor, y: x.Tensor) => L.multiclassHingeLoss(z, y)],
    ['multiclassPerceptronLoss', (z: x.Tensor, y: x.Tensor) => L.multiclassPerceptronLoss(z, y)],
    ['multiclassSparsemaxLoss', (z: x.Tensor, y: x.Tensor) => L.multiclassSparsemaxLoss(z, y)],
  ] as const;
  test.each(multiclass)('%s: shift and class-permutation invariant, ≥ 0, finite at extremes, convex', (_n, loss) => {
    fc.assert(x.laws.shiftInvariant(loss), { numRuns: 20 });
    fc.assert(x.laws.classPermutationInvariant(loss), { numRuns: 20 });
    fc.assert(x.laws.nonNegative(loss), { numRuns: 20 });
    fc.assert(x.laws.finiteAtExtremes(loss), { numRuns: 20 });
    fc.assert(x.laws.convex(loss, x.laws.operandsFor('classification')), { numRuns: 20 });
  });

  test('multiclass hinge is 0 once z_y leads every other score by more than 1', () => {
    expect(x.item(L.multiclassHingeLoss(f64([3, 1.9, -1], [1, 3]), i32([0])))).toBe(0);
    expect(x.item(L.multiclassHingeLoss(f64([3, 2.5, -1], [1, 3]), i32([0])))).toBeCloseTo(0.5, 12);
  });
});

describe('identities and bounds', () => {
  const pair = batchPairArb({ minK: 2, maxK: 6, scale: 3 });
  test('logCosh is even, between max(0, |e| − log 2) and min(e²/2, |e|), finite at ±1e4', () => {
    fc.assert(
      fc.property(pair, ([b, o]) => {
        const [p, t] = [f64(b.z, [b.n, b.k]), f64(o, [b.n, b.k])];
        const v = toNumbers(L.logCosh(p, t, none));
        expectAllClose(toNumbers(L.logCosh(t, p, none)), v, tight, 'even');
        v.forEach((lc, i) => {
          const e = Math.abs((b.z[i] as number) - (o[i] as number));
          expect(lc).toBeGreaterThanOrEqual(Math.max(0, e - Math.LN2) - 1e-12);
          expect(lc).toBeLessThanOrEqual(Math.min((e * e) / 2, e) + 1e-12);
        });
      }),
      { numRuns: 25 },
    );
    const big = f64([1e4, -1e4], [2]);
    expect(toNumbers(L.logCosh(big, undefined, none))).toEqual([1e4 - Math.LN2, 1e4 - Math.LN2]);
    expect(toNumbers(x.grad((e: x.Tensor) => L.logCosh(e, undefined, { reduction: 'sum' }))(big))).toEqual([1, -1]);
  });

  test('klDivergence: 0·log 0 = 0 at a zero target, also next to a −Inf log-prediction; equals the log-target form', () => {
    const lq = f64([Math.log(0.25), Math.log(0.75), -Infinity, 0], [2, 2]);
    const t = f64([0, 1, 0, 1], [2, 2]);
    expect(toNumbers(L.klDivergence(lq, t, none))).toEqual([-Math.log(0.75), 0]);
    const [a, b] = [f64([0.2, -1, 3], [1, 3]), f64([1, 0.5, -2], [1, 3])];
    expect(x.item(L.klDivergence(x.logSoftmax(a), x.softmax(b)))).toBeCloseTo(
      x.item(L.klDivergenceWithLogTargets(x.logSoftmax(a), x.logSoftmax(b))),
      14,
    );
  });

  test('squaredError and l2Loss: the errors themselves without targets, l2Loss half of squaredError', () => {
    const [e, t] = [f64([3, -0.5, 0, 1e4], [4]), f64([1, 0.5, 0, -1e4], [4])];
    expect(toNumbers(L.squaredError(e, undefined, none))).toEqual([9, 0.25, 0, 1e8]);
    expect(toNumbers(L.l2Loss(e, t, none))).toEqual([2, 0.5, 0, 2e8]);
    expect(toNumbers(x.grad((v: x.Tensor) => L.l2Loss(v, t, { reduction: 'sum' }))(e))).toEqual([2, -1, 0, 2e4]);
    expect(x.item(L.squaredError(e, t))).toBe((4 + 1 + 0 + 4e8) / 4);
  });

  test('cosine similarity ∈ [−1, 1], invariant to positive scales; distance = 1 − similarity', () => {
    fc.assert(
      fc.property(pair, fc.double({ min: 0.1, max: 100, noNaN: true }), ([b, o], c) => {
        const [a, t] = [f64(b.z.map(away), [b.n, b.k]), f64(o.map(away), [b.n, b.k])];
        const sim = toNumbers(L.cosineSimilarity(a, t, none));
        expect(sim.every((v) => Math.abs(v) <= 1 + 1e-12)).toBe(true);
        expectAllClose(toNumbers(L.cosineSimilarity(x.mul(a, c), t, none)), sim, { rtol: 1e-9, atol: 1e-12 }, 'scale');
        expectAllClose(
          toNumbers(L.cosineDistance(a, t, none)),
          sim.map((v) => 1 - v),
          tight,
          'distance',
        );
      }),
      { numRuns: 25 },
    );
  });

  test('generalized KL: ≥ 0, 0 iff equal, KL on distributions, a zero target adds q', () => {
    fc.assert(
      fc.property(pair, ([b, o]) => {
        const [za, zb] = [f64(b.z, [b.n, b.k]), f64(o, [b.n, b.k])];
        const [p, q] = [x.softmax(za), x.softmax(zb)];
        expectAllClose(
          toNumbers(L.generalizedKlDivergence(x.log(q), p, none)),
          toNumbers(x.divergence.klFromProbs(p, q, none)),
          { rtol: 1e-9, atol: 1e-12 },
          'KL',
        );
        const t = x.exp(za);
        const g = toNumbers(L.generalizedKlDivergence(zb, t, none));
        expect(g.every((v) => v >= -1e-12)).toBe(true);
        expectAllClose(
          toNumbers(L.generalizedKlDivergence(za, t, none)),
          new Array<number>(b.n).fill(0),
          { rtol: 0, atol: 1e-10 },
          '0',
        );
      }),
      { numRuns: 25 },
    );
    expect(x.item(L.convexKlDivergence(f64([0, 0], [1, 2]), f64([0, 1], [1, 2])))).toBeCloseTo(1, 12);
  });

  test('poly-1 with ε = 0 is soft-target cross-entropy; sigmoid focal with γ = 0 is BCE, finite at ±1e4', () => {
    fc.assert(
      fc.property(pair, ([b, o]) => {
        const [z, zo] = [f64(b.z, [b.n, b.k]), f64(o, [b.n, b.k])];
        expectAllClose(
          toNumbers(L.polyLossCrossEntropy(z, x.softmax(zo), { epsilon: 0, ...none })),
          toNumbers(L.softTargetCrossEntropy(z, x.softmax(zo), none)),
          tight,
          'poly',
        );
        expectAllClose(
          toNumbers(L.sigmoidFocalLoss(z, x.sigmoid(zo), { gamma: 0, ...none })),
          toNumbers(L.binaryCrossEntropyWithLogits(z, x.sigmoid(zo), none)),
          tight,
          'focal',
        );
      }),
      { numRuns: 25 },
    );
    const z = f64([1e4, -1e4, 1e4, -1e4], [4]);
    const y = f64([1, 1, 0, 0], [4]);
    const [v, g] = x.valueAndGrad((t: x.Tensor) => L.sigmoidFocalLoss(t, y, { reduction: 'sum', gamma: 0.5 }))(z);
    expect(Number.isFinite(x.item(v))).toBe(true);
    expect(toNumbers(g).every(Number.isFinite)).toBe(true);
  });

  test('ranking softmax: `where` equals leaving the masked items out; a list with none is left out of the mean', () => {
    const s = f64([2, 1, 0, 1, 0.5, 1.5], [2, 3]);
    const y = f64([1, 0, 0, 0, 0, 1], [2, 3]);
    const mask = x.tensor([
      [true, true, false],
      [true, true, true],
    ]);
    const kept = x.item(L.rankingSoftmaxLoss(f64([2, 1], [1, 2]), f64([1, 0], [1, 2]), none));
    const full = x.item(L.rankingSoftmaxLoss(f64([1, 0.5, 1.5], [1, 3]), f64([0, 0, 1], [1, 3]), none));
    expect(x.item(L.rankingSoftmaxLoss(s, y, { where: mask }))).toBeCloseTo((kept + full) / 2, 12);
    const noneValid = x.tensor([
      [false, false, false],
      [true, true, true],
    ]);
    expect(x.item(L.rankingSoftmaxLoss(s, y, { where: noneValid }))).toBeCloseTo(full, 12);
  });

  test('smoothLabels keeps rows on the simplex; binaryDiceLoss is diceLoss (linear, smooth 2s) on σ(z)', () => {
    fc.assert(
      fc.property(pair, fc.double({ min: 0, max: 1, noNaN: true }), ([b, o], alpha) => {
        const sm = toNumbers(L.smoothLabels(x.softmax(f64(o, [b.n, b.k])), alpha));
        for (const row of rows(sm, b.k)) expect(Math.abs(row.reduce((a, v) => a + v, 0) - 1)).toBeLessThan(1e-12);
        const [z, t] = [f64(b.z, [b.n, b.k]), x.sigmoid(f64(o, [b.n, b.k]))];
        expectAllClose(
          toNumbers(L.binaryDiceLoss(z, t, { smooth: 0.5, ...none })),
          toNumbers(L.diceLoss(x.sigmoid(z), t, { variant: 'linear', smooth: 1, ...none })),
          tight,
          'dice',
        );
      }),
      { numRuns: 25 },
    );
  });

  test('ntxent is invariant to positive row scales and to the batch order', () => {
    fc.assert(
      fc.property(
        batchArb({ minN: 3, maxN: 6, minK: 2, maxK: 4 }),
        fc.double({ min: 0.5, max: 10, noNaN: true }),
        (b, c) => {
          const e = f64(b.z.map(away), [b.n, b.k]);
          const y = i32(b.y.map((v) => v % 2));
          const v = x.item(L.ntxent(e, y, { temperature: 0.3 }));
          expect(x.item(L.ntxent(x.mul(e, c), y, { temperature: 0.3 }))).toBeCloseTo(v, 9);
          const order = [...Array(b.n).keys()].reverse();
          const rev = f64(
            order.flatMap((i) => b.z.slice(i * b.k, (i + 1) * b.k).map(away)),
            [b.n, b.k],
          );
          expect(
            x.item(L.ntxent(rev, i32(order.map((i) => (b.y[i] as number) % 2)), { temperature: 0.3 })),
          ).toBeCloseTo(v, 9);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('bad values and NaN', () => {
  const z = f64([0.5, -1], [2]);
  test.each([
    [
      'hingeLoss targets',
      () => L.hingeLoss(z, f64([1, 0.5], [2])),
      /hingeLoss: argument 'targets' expected targets in \{−1, 1\}, got 0.5/,
    ],
    [
      'perceptronLoss shape',
      () => L.perceptronLoss(z, f64([1], [1])),
      /perceptronLoss: argument 'targets' expected shape \[2\]/,
    ],
    [
      'sparsemaxLoss labels',
      () => L.sparsemaxLoss(z, f64([2, 0], [2])),
      /sparsemaxLoss: argument 'labels' expected labels in \{0, 1\}/,
    ],
    [
      'generalizedKlDivergence targets',
      () => L.generalizedKlDivergence(z, f64([1, -1], [2])),
      /generalizedKlDivergence: argument 'targets' expected finite values ≥ 0/,
    ],
    [
      'klDivergence rows',
      () => L.klDivergence(f64([0, 0], [1, 2]), f64([0.5, 0.5], [1, 2])),
      /klDivergence: argument 'logPredictions' expected rows whose exponentials sum to 1/,
    ],
    [
      'klDivergence targets',
      () => L.klDivergence(f64([Math.log(0.5), Math.log(0.5)], [1, 2]), f64([1.5, -0.5], [1, 2])),
      /klDivergence: argument 'targets' expected finite values ≥ 0/,
    ],
    [
      'klDivergenceWithLogTargets rows',
      () => L.klDivergenceWithLogTargets(f64([0, 0], [1, 2]), f64([0, 0], [1, 2])),
      /klDivergenceWithLogTargets: argument 'logPredictions' expected rows whose exponentials sum to 1/,
    ],
    [
      'polyLossCrossEntropy labels',
      () => L.polyLossCrossEntropy(f64([0, 0], [1, 2]), f64([0.5, 0.6], [1, 2])),
      /polyLossCrossEntropy: argument 'labels' expected rows summing to 1/,
    ],
    [
      'rankingSoftmaxLoss where',
      () => L.rankingSoftmaxLoss(f64([0, 0], [1, 2]), f64([1, 0], [1, 2]), { where: x.tensor([true]) }),
      /rankingSoftmaxLoss: argument 'where' expected shape \[1, 2\]/,
    ],
    [
      'ntxent labels',
      () => L.ntxent(f64([1, 0, 0, 1], [2, 2]), i32([0, 0, 1])),
      /ntxent: argument 'labels' expected shape \[2\]/,
    ],
    ['smoothLabels alpha', () => L.smoothLabels(f64([0, 1], [1, 2]), 1.5), /smoothLabels: argument 'alpha'/],
    [
      'fenchelYoungLoss regularizer',
      () => L.fenchelYoungLoss(f64([0, 1], [1, 2]), f64([0, 1], [1, 2]), { regularizer: 'entmax' as never }),
      /fenchelYoungLoss: argument 'regularizer'/,
    ],
    [
      'sigmoidFocalLoss labels',
      () => L.sigmoidFocalLoss(z, f64([1.5, 0], [2])),
      /sigmoidFocalLoss: argument 'labels' expected values in \[0, 1\]/,
    ],
    [
      'multiclassGeneralizedDiceLoss predictions',
      () => L.multiclassGeneralizedDiceLoss(f64([0.5, 0.6], [1, 2]), f64([1, 0], [1, 2]), { applySoftmax: false }),
      /multiclassGeneralizedDiceLoss: argument 'predictions' expected rows summing to 1/,
    ],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(x.XentError);
    expect(call).toThrow(message);
  });

  test('NaN propagates through every loss', () => {
    const zn = f64([NaN, 1, 0.5, 2], [2, 2]);
    const q = f64([0.5, 0.5, 0.5, 0.5], [2, 2]);
    const y = i32([0, 1]);
    const results = [
      L.hingeLoss(zn, f64([1, 1, 1, 1], [2, 2]), none),
      L.perceptronLoss(zn, f64([1, 1, 1, 1], [2, 2]), none),
      L.multiclassHingeLoss(zn, y, none),
      L.multiclassPerceptronLoss(zn, y, none),
      L.logCosh(zn, undefined, none),
      L.squaredError(zn, undefined, none),
      L.l2Loss(zn, q, none),
      L.cosineSimilarity(zn, q, none),
      L.generalizedKlDivergence(zn, q, none),
      L.polyLossCrossEntropy(zn, q, none),
      L.rankingSoftmaxLoss(zn, q, none),
      L.sigmoidFocalLoss(zn, q, none),
      L.sparsemaxLoss(zn, f64([1, 0, 1, 0], [2, 2]), none),
      L.multiclassSparsemaxLoss(zn, y, none),
      L.fenchelYoungLoss(zn, q, { regularizer: 'sparsemax', ...none }),
      L.fenchelYoungLoss(zn, q, { regularizer: 'entmax15', ...none }),
      L.binaryDiceLoss(zn, q, none),
    ];
    for (const r of results) expect(Number.isNaN(toNumbers(r)[0])).toBe(true);
    expect(Number.isNaN(x.item(L.ntxent(zn, i32([0, 0]))))).toBe(true);
  });
});
