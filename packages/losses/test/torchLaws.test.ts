/**
 * @file The torch-named losses certified by the law kit (`x.laws.certify`): each as a function of the
 * operands of one certify kind (logits and labels, logits and soft targets, or two float tensors),
 * with the laws that hold for it claimed, so that a failure fails the test. Targets that PyTorch wants
 * as ±1, one-hot or index rows are built from the drawn labels or signs inside the wrapper.
 */
import { describe, expect, test } from 'vitest';
import * as x from 'xent';

const L = x.losses;
type LawName = x.laws.LawName;
type Kind = 'classification' | 'soft-target' | 'divergence';

interface Case {
  readonly kind: Kind;
  readonly f: (a: x.Tensor, b: x.Tensor) => x.Tensor;
  /** The laws beyond the gradient and VJP checks that hold for it, each claimed. */
  readonly claims: readonly LawName[];
  /** finite values and gradients for inputs up to ±1e4 (false where the true value overflows: e^1e4). */
  readonly finite?: boolean;
  /**
   * The same loss moved off its kink, for the finite-difference laws (gradient, VJP): certify draws
   * exact ties, where a kink has no derivative for differences to find.
   */
  readonly offKink?: (a: x.Tensor, b: x.Tensor) => x.Tensor;
}

const oneHot = (z: x.Tensor, y: x.Tensor): x.Tensor => x.oneHot(y, z.shape[1] as number, { dtype: z.dtype });
/** ±1 from one-hot labels: +1 at the label. */
const signsOfLabels = (z: x.Tensor, y: x.Tensor): x.Tensor => x.sub(x.mul(oneHot(z, y), 2), 1);
/** ±1 from the side of 0.1234 a drawn tensor is on (a constant: no gradient flows to it; certify draws many exact 0s). */
const signsOf = (t: x.Tensor): x.Tensor =>
  x.stopGradient(x.where(x.less(t, 0.1234), x.neg(x.onesLike(t)), x.onesLike(t)));
/** multilabel_margin_loss's target rows: the label first, then −1 (the end of the list). */
const labelRows = (z: x.Tensor, y: x.Tensor): x.Tensor =>
  x.concat([x.expandDims(y, -1), x.full([z.shape[0] as number, (z.shape[1] as number) - 1], -1, { dtype: 'i32' })], -1);

/**
 * Rows moved off the zero vector, where PyTorch's cosine (‖·‖² + 1e-12 under the root) bends on a
 * scale of 1e-6, finer than any difference step (certify draws exact zero rows).
 */
const offZero = (a: x.Tensor, b: x.Tensor): [x.Tensor, x.Tensor] => [x.add(a, 0.7316), x.sub(b, 0.4129)];

const distance: readonly LawName[] = ['nonNegative', 'zeroIffEqual', 'shiftInvariant', 'classPermutationInvariant'];
const margins: readonly LawName[] = [
  'nonNegative',
  'convex',
  'shiftInvariant',
  'classPermutationInvariant',
  'finiteAtExtremes',
];

const cases: Record<string, Case> = {
  // ---- logits and labels ----
  'nllLoss (−z_y, linear)': {
    kind: 'classification',
    f: (z, y) => L.nllLoss(z, y),
    claims: ['convex', 'classPermutationInvariant', 'finiteAtExtremes'],
  },
  'nllLoss of logSoftmax (cross-entropy)': {
    kind: 'classification',
    f: (z, y) => L.nllLoss(x.logSoftmax(z), y),
    claims: ['nonNegative', 'convex', 'shiftInvariant', 'classPermutationInvariant', 'proper', 'finiteAtExtremes'],
  },
  'multiMarginLoss p=1': { kind: 'classification', f: (z, y) => L.multiMarginLoss(z, y), claims: margins },
  'multiMarginLoss p=2, margin 0.5': {
    kind: 'classification',
    f: (z, y) => L.multiMarginLoss(z, y, { p: 2, margin: 0.5 }),
    claims: margins,
  },
  'multilabelMarginLoss (one label per row)': {
    kind: 'classification',
    f: (z, y) => L.multilabelMarginLoss(z, labelRows(z, y)),
    claims: margins,
  },
  'multilabelSoftMarginLoss (one-hot)': {
    kind: 'classification',
    f: (z, y) => L.multilabelSoftMarginLoss(z, oneHot(z, y)),
    claims: ['nonNegative', 'convex', 'classPermutationInvariant', 'finiteAtExtremes'],
  },
  'softMarginLoss (±1 from the labels)': {
    kind: 'classification',
    f: (z, y) => L.softMarginLoss(z, signsOfLabels(z, y)),
    claims: ['nonNegative', 'convex', 'classPermutationInvariant', 'finiteAtExtremes'],
  },
  // ---- logits and soft targets ----
  'binaryCrossEntropy on σ(z)': {
    kind: 'soft-target',
    f: (z, q) => L.binaryCrossEntropy(x.sigmoid(z), q),
    claims: ['nonNegative', 'convex', 'classPermutationInvariant', 'finiteAtExtremes'],
  },
  'klDiv (log-probabilities, probability targets)': {
    kind: 'soft-target',
    f: (z, q) => L.klDiv(x.logSoftmax(z), q),
    claims: ['nonNegative', 'convex', 'shiftInvariant', 'classPermutationInvariant', 'finiteAtExtremes'],
  },
  // ---- two float tensors ----
  mseLoss: { kind: 'divergence', f: (a, b) => L.mseLoss(a, b), claims: [...distance, 'finiteAtExtremes'] },
  l1Loss: {
    kind: 'divergence',
    f: (a, b) => L.l1Loss(a, b),
    claims: [...distance, 'finiteAtExtremes'],
    offKink: (a, b) => L.l1Loss(a, x.add(b, 0.3183)),
  },
  'huberLoss δ=0.7': {
    kind: 'divergence',
    f: (a, b) => L.huberLoss(a, b, { delta: 0.7 }),
    claims: [...distance, 'finiteAtExtremes'],
  },
  'smoothL1Loss β=0.5': {
    kind: 'divergence',
    f: (a, b) => L.smoothL1Loss(a, b, { beta: 0.5 }),
    claims: [...distance, 'finiteAtExtremes'],
  },
  'klDiv logTarget (log-softmax of both)': {
    kind: 'divergence',
    f: (a, b) => L.klDiv(x.logSoftmax(a), x.logSoftmax(b), { logTarget: true }),
    claims: [...distance, 'finiteAtExtremes'],
  },
  'gaussianNllLoss, variance 1': {
    kind: 'divergence',
    f: (a, b) => L.gaussianNllLoss(a, b, x.onesLike(a)),
    claims: [...distance, 'finiteAtExtremes'],
  },
  'gaussianNllLoss, variance e^b (target 0)': {
    kind: 'divergence',
    f: (a, b) => L.gaussianNllLoss(a, x.zerosLike(a), x.exp(b), { full: true }),
    claims: ['classPermutationInvariant'],
    finite: false,
  },
  'poissonNllLoss (log rate a, rate e^b as target)': {
    kind: 'divergence',
    f: (a, b) => L.poissonNllLoss(a, x.exp(b)),
    claims: ['classPermutationInvariant'],
    finite: false,
  },
  'poissonNllLoss full, rates e^a and 1 + e^b': {
    kind: 'divergence',
    // targets kept above 1: PyTorch adds the Stirling term only where target > 1, a jump at 1
    f: (a, b) => L.poissonNllLoss(x.exp(a), x.add(x.exp(b), 1), { logInput: false, full: true }),
    claims: ['classPermutationInvariant'],
    finite: false,
  },
  'hingeEmbeddingLoss (±1 from the signs of b)': {
    kind: 'divergence',
    f: (a, b) => L.hingeEmbeddingLoss(a, signsOf(b)),
    claims: ['classPermutationInvariant', 'finiteAtExtremes'],
  },
  'marginRankingLoss (target 1, margin 0.3)': {
    kind: 'divergence',
    f: (a, b) => L.marginRankingLoss(a, b, x.onesLike(a), { margin: 0.3 }),
    claims: ['nonNegative', 'shiftInvariant', 'classPermutationInvariant', 'finiteAtExtremes'],
  },
  'cosineEmbeddingLoss (target 1)': {
    kind: 'divergence',
    f: (a, b) => L.cosineEmbeddingLoss(...offZero(a, b), x.ones([a.shape[0] as number], { dtype: a.dtype })),
    claims: ['nonNegative', 'classPermutationInvariant', 'finiteAtExtremes'],
  },
  'cosineEmbeddingLoss (target −1, margin 0.2)': {
    kind: 'divergence',
    f: (a, b) =>
      L.cosineEmbeddingLoss(...offZero(a, b), x.full([a.shape[0] as number], -1, { dtype: a.dtype }), { margin: 0.2 }),
    claims: ['nonNegative', 'classPermutationInvariant', 'finiteAtExtremes'],
  },
  'tripletMarginLoss (negative: b reversed along the features)': {
    kind: 'divergence',
    f: (a, b) => L.tripletMarginLoss(a, b, x.flip(b, -1)),
    claims: ['nonNegative', 'shiftInvariant', 'finiteAtExtremes'],
  },
  'tripletMarginLoss p=1, swap': {
    kind: 'divergence',
    f: (a, b) => L.tripletMarginLoss(a, b, x.flip(b, -1), { p: 1, swap: true }),
    claims: ['nonNegative', 'shiftInvariant', 'finiteAtExtremes'],
    // |·| has a kink at each tied coordinate (differences of exactly eps = 1e-6 at certify's zeros)
    offKink: (a, b) => L.tripletMarginLoss(a, x.add(b, 0.3183), x.sub(x.flip(b, -1), 0.2718), { p: 1, swap: true }),
  },
  'tripletMarginWithDistanceLoss (default distance)': {
    kind: 'divergence',
    f: (a, b) => L.tripletMarginWithDistanceLoss(a, b, x.flip(b, -1)),
    claims: ['nonNegative', 'shiftInvariant', 'finiteAtExtremes'],
  },
};

describe('torch-named losses: certify with the laws that hold', () => {
  test.each(Object.entries(cases))(
    '%s',
    async (name, c) => {
      const common = { kind: c.kind, name, runs: 5, seed: 21, inputs: { maxBatch: 3, maxClasses: 4 } } as const;
      const fd: LawName[] = ['gradient', 'vjpDotProduct'];
      const reports = [
        await x.laws.certify(c.f, {
          ...common,
          claims: [...c.claims],
          laws: [
            ...(c.offKink === undefined ? fd : []),
            ...(c.finite === false ? [] : ['finite' as const]),
            ...c.claims,
          ],
        }),
        ...(c.offKink === undefined ? [] : [await x.laws.certify(c.offKink, { ...common, claims: fd, laws: fd })]),
      ];
      for (const r of reports) {
        for (const res of r.results)
          expect(res.status, `${res.law}: ${res.message ?? ''} ${res.counterexample ?? ''}`).toBe('holds');
        expect(r.ok).toBe(true);
      }
    },
    60_000,
  );
});

describe('found by certify: −Inf logits on the zero side of a target gave NaN (0·∞)', () => {
  const f64 = (v: number[], shape: number[]): x.Tensor => x.tensor(Float64Array.from(v), { shape, dtype: 'f64' });

  test('multilabelSoftMarginLoss at a −Inf logit with target 0: 0, gradient 0; NaN still propagates', () => {
    const t = f64([1, 0], [1, 2]);
    const [v, g] = x.valueAndGrad((z: x.Tensor) => L.multilabelSoftMarginLoss(z, t))(f64([1e4, -Infinity], [1, 2]));
    expect(x.item(v)).toBe(0);
    expect((g.toArray() as number[][]).flat().map(Math.abs)).toEqual([0, 0]);
    expect(x.item(L.multilabelSoftMarginLoss(f64([NaN, -Infinity], [1, 2]), t))).toBeNaN();
    // a −Inf logit on the target's side is an infinite loss, as PyTorch
    expect(x.item(L.multilabelSoftMarginLoss(f64([-Infinity, 0], [1, 2]), t))).toBe(Infinity);
  });

  test('multilabelMarginLoss with a −Inf non-label logit and padded targets: PyTorch’s value, finite gradient', () => {
    const target = x.tensor(Int32Array.from([0, -1, -1, 1, -1, -1]), { shape: [2, 3], dtype: 'i32' });
    const z = f64([0, 1e4, 0, -Infinity, 1e4, 0], [2, 3]);
    const [v, g] = x.valueAndGrad((s: x.Tensor) => L.multilabelMarginLoss(s, target))(z);
    // row 0: (max(0, 1 + 1e4) + max(0, 1))/3; row 1: 0
    expect(x.item(v)).toBeCloseTo(10002 / 6, 9);
    const grad = (g.toArray() as number[][]).flat();
    [-1 / 3, 1 / 6, 1 / 6, 0, 0, 0].forEach((want, i) => {
      expect(grad[i]).toBeCloseTo(want, 12);
    });
    expect(x.item(L.multilabelMarginLoss(f64([0, NaN, 0, 0, 0, 0], [2, 3]), target))).toBeNaN();
  });
});
