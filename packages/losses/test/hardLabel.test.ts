/**
 * @file Every hard-label loss against the properties the catalog (§2.0–2.1) states for it: f64
 * gradient checks, logit-shift invariance (and its failure where the maths does not promise it),
 * class-permutation invariance, the symmetric-loss condition, bounds, and extreme logits.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import {
  type Batch,
  batchArb,
  directionsArb,
  expectAllClose,
  expectGradientMatchesFd,
  f64,
  i32,
  labelsOf,
  logitsOf,
  none,
  rows,
  softmaxRow,
  toNumbers,
} from './support.js';

const L = x.losses;
type PerSample = (z: x.Tensor, y: x.Tensor) => x.Tensor;

interface Spec {
  readonly loss: PerSample;
  /** Depends on z only through softmax(z) (catalog §2.0). */
  readonly shiftInvariant: boolean;
  /** Σ_y L(z, y) as a function of K, for symmetric losses. */
  readonly symmetricSum?: (k: number) => number;
  /** Bounds of the per-sample value as a function of K. */
  readonly bounds?: (k: number) => readonly [number, number];
  /** Depends on class order (ordinal losses). */
  readonly ordered?: boolean;
  /** Grows like p_y^{τ−1} (τ < 1): at a log p_y of −2e4 the value is e^{1e4}, +Inf in f64. */
  readonly overflows?: boolean;
}

const specs: Record<string, Spec> = {
  crossEntropy: { loss: (z, y) => L.crossEntropy(z, y, none), shiftInvariant: true, bounds: () => [0, Infinity] },
  'crossEntropy ε=0.2': {
    loss: (z, y) => L.crossEntropy(z, y, { ...none, labelSmoothing: 0.2 }),
    shiftInvariant: true,
  },
  'crossEntropy T=2.5': { loss: (z, y) => L.crossEntropy(z, y, { ...none, temperature: 2.5 }), shiftInvariant: true },
  'focalLoss γ=2': {
    loss: (z, y) => L.focalLoss(z, y, { ...none, gamma: 2 }),
    shiftInvariant: true,
    bounds: () => [0, Infinity],
  },
  'focalLoss γ=0.5': { loss: (z, y) => L.focalLoss(z, y, { ...none, gamma: 0.5 }), shiftInvariant: true },
  confidencePenalty: { loss: (z, y) => L.confidencePenalty(z, y, { ...none, beta: 0.3 }), shiftInvariant: true },
  maeLoss: {
    loss: (z, y) => L.maeLoss(z, y, none),
    shiftInvariant: true,
    symmetricSum: (k) => 2 * (k - 1),
    bounds: () => [0, 2],
  },
  brierLoss: { loss: (z, y) => L.brierLoss(z, y, none), shiftInvariant: true, bounds: () => [0, 2] },
  rescaledSquareLoss: { loss: (z, y) => L.rescaledSquareLoss(z, y, { ...none, k: 2, m: 3 }), shiftInvariant: false },
  squentropy: { loss: (z, y) => L.squentropy(z, y, none), shiftInvariant: false },
  'generalizedCrossEntropy q=0.7': {
    loss: (z, y) => L.generalizedCrossEntropy(z, y, { ...none, q: 0.7 }),
    shiftInvariant: true,
    bounds: () => [0, 1 / 0.7],
  },
  'compSumLoss τ=0.5': {
    loss: (z, y) => L.compSumLoss(z, y, { ...none, tau: 0.5 }),
    shiftInvariant: true,
    overflows: true,
  },
  'compSumLoss τ=1.5': {
    loss: (z, y) => L.compSumLoss(z, y, { ...none, tau: 1.5 }),
    shiftInvariant: true,
    bounds: () => [0, 2],
  },
  reverseCrossEntropy: {
    loss: (z, y) => L.reverseCrossEntropy(z, y, { ...none, logZero: -4 }),
    shiftInvariant: true,
    symmetricSum: (k) => 4 * (k - 1),
    bounds: () => [0, 4],
  },
  symmetricCrossEntropy: { loss: (z, y) => L.symmetricCrossEntropy(z, y, none), shiftInvariant: true },
  normalizedCrossEntropy: {
    loss: (z, y) => L.normalizedCrossEntropy(z, y, none),
    shiftInvariant: true,
    symmetricSum: () => 1,
    bounds: () => [0, 1],
  },
  normalizedFocalLoss: {
    loss: (z, y) => L.normalizedFocalLoss(z, y, { ...none, gamma: 1.5 }),
    shiftInvariant: true,
    symmetricSum: () => 1,
    bounds: () => [0, 1],
  },
  'activePassiveLoss nce+rce': {
    loss: (z, y) => L.activePassiveLoss(z, y, { ...none, alpha: 0.7, beta: 0.3 }),
    shiftInvariant: true,
    symmetricSum: (k) => 0.7 + 0.3 * 4 * (k - 1),
  },
  'activePassiveLoss nfl+mae': {
    loss: (z, y) => L.activePassiveLoss(z, y, { ...none, active: 'nfl', passive: 'mae', alpha: 2, beta: 0.5 }),
    shiftInvariant: true,
    symmetricSum: (k) => 2 + 0.5 * 2 * (k - 1),
  },
  'withLogitClip(crossEntropy) τ=1': {
    loss: L.withLogitClip((z: x.Tensor, y: x.Tensor) => L.crossEntropy(z, y, none), 1),
    shiftInvariant: false,
    bounds: (k) => [Math.log(1 + (k - 1) * Math.exp(-2)), Math.log(1 + (k - 1) * Math.exp(2))],
  },
  wassersteinOrdinalLoss: {
    loss: (z, y) =>
      L.wassersteinOrdinalLoss(z, y, { ...none, centers: [...Array(z.shape[1] as number).keys()].map((i) => i * i) }),
    shiftInvariant: true,
    ordered: true,
    bounds: () => [0, Infinity],
  },
};

const total = (loss: PerSample) => (z: x.Tensor, y: x.Tensor) => x.sum(loss(z, y));
const shifted = (b: Batch, c: number[]): x.Tensor =>
  f64(
    b.z.map((v, i) => v + (c[Math.floor(i / b.k)] as number)),
    [b.n, b.k],
  );

describe.each(Object.entries(specs))('%s', (_name, spec) => {
  test('gradient matches f64 finite differences (non-uniform cotangents)', () => {
    fc.assert(
      fc.property(
        batchArb().chain((b) => fc.tuple(fc.constant(b), directionsArb([b.n * b.k, b.n]))),
        ([b, [d, ct]]) => {
          const weights = f64(ct as number[], [b.n]);
          const f = (z: x.Tensor) => x.sum(x.mul(spec.loss(z, labelsOf(b)), weights));
          expectGradientMatchesFd(f, [logitsOf(b)], [0], [d as number[]]);
        },
      ),
    );
  });

  test(
    spec.shiftInvariant
      ? 'invariant to adding a constant to a row of logits; gradient rows sum to 0'
      : 'NOT shift-invariant (a counterexample exists)',
    () => {
      const property = fc.property(
        batchArb(),
        fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (b, c) => {
          const a = toNumbers(spec.loss(logitsOf(b), labelsOf(b)));
          const s = toNumbers(spec.loss(shifted(b, c), labelsOf(b)));
          expectAllClose(s, a, { rtol: 1e-9, atol: 1e-9 }, 'L(z + c·1)');
          const g = toNumbers(x.grad(total(spec.loss))(logitsOf(b), labelsOf(b)));
          for (const r of rows(g, b.k)) expect(Math.abs(r.reduce((p, q) => p + q, 0))).toBeLessThan(1e-9);
        },
      );
      if (spec.shiftInvariant) fc.assert(property);
      else expect(fc.check(property).failed).toBe(true);
    },
  );

  test(spec.ordered === true ? 'depends on class order' : 'invariant to permuting the classes with the labels', () => {
    const property = fc.property(batchArb({ minK: 3 }), fc.nat(), (b, seed) => {
      const perm = toNumbers(x.random.permutation(x.random.key(seed), b.k));
      const z2 = rows(b.z, b.k).flatMap((r) => perm.map((j) => r[j] as number));
      const y2 = b.y.map((y) => perm.indexOf(y));
      const a = toNumbers(spec.loss(logitsOf(b), labelsOf(b)));
      const p = toNumbers(spec.loss(f64(z2, [b.n, b.k]), i32(y2)));
      expectAllClose(p, a, { rtol: 1e-9, atol: 1e-12 }, 'L(Pz, Py)');
    });
    if (spec.ordered === true) expect(fc.check(property).failed).toBe(true);
    else fc.assert(property);
  });

  if (spec.symmetricSum !== undefined) {
    const sum = spec.symmetricSum;
    test('symmetric: Σ_y L(z, y) is the same constant for every z', () => {
      fc.assert(
        fc.property(batchArb(), (b) => {
          const perClass = Array.from({ length: b.k }, (_, j) =>
            toNumbers(spec.loss(logitsOf(b), i32(b.y.map(() => j)))),
          );
          const totals = Array.from({ length: b.n }, (_, i) => perClass.reduce((s, v) => s + (v[i] as number), 0));
          expectAllClose(
            totals,
            totals.map(() => sum(b.k)),
            { rtol: 1e-9, atol: 1e-9 },
            'Σ_y L(z, y)',
          );
        }),
      );
    });
  }

  if (spec.bounds !== undefined) {
    const bounds = spec.bounds;
    test('stays within its bounds', () => {
      fc.assert(
        fc.property(batchArb({ scale: 30 }), (b) => {
          const [lo, hi] = bounds(b.k);
          for (const v of toNumbers(spec.loss(logitsOf(b), labelsOf(b)))) {
            expect(v).toBeGreaterThanOrEqual(lo - 1e-12);
            expect(v).toBeLessThanOrEqual(hi + 1e-12);
          }
        }),
      );
    });
  }

  test(
    spec.overflows === true
      ? 'overflows to +Inf (never NaN) at logits of ±1e4'
      : 'finite value and gradient at logits of ±1e4',
    () => {
      const z = f64([1e4, -1e4, 0, -1e4, 1e4, 3, 0, 0, -1e4], [3, 3]);
      for (const y of [
        [0, 0, 2],
        [1, 2, 0],
      ]) {
        const v = toNumbers(spec.loss(z, i32(y)));
        if (spec.overflows === true) {
          expect(
            v.every((a) => a === Infinity || Number.isFinite(a)) && v.includes(Infinity),
            `value ${v.join(', ')}`,
          ).toBe(true);
          continue;
        }
        const g = toNumbers(x.grad(total(spec.loss))(z, i32(y)));
        expect([...v, ...g].every(Number.isFinite), `value ${v.join(', ')}, gradient ${g.join(', ')}`).toBe(true);
      }
    },
  );
});

describe('gradient identities (catalog §2.1), against softmax computed in plain JS', () => {
  const identity = (name: string, loss: PerSample, expected: (p: number[], y: number, z: number[]) => number[]) => {
    test(name, () => {
      fc.assert(
        fc.property(batchArb(), (b) => {
          const g = toNumbers(x.grad(total(loss))(logitsOf(b), labelsOf(b)));
          const want = rows(b.z, b.k).flatMap((z, i) => expected(softmaxRow(z), b.y[i] as number, z));
          expectAllClose(g, want, { rtol: 1e-9, atol: 1e-12 }, name);
        }),
      );
    });
  };
  const minusOneHot = (p: number[], y: number, scale = 1) => p.map((v, k) => scale * (v - (k === y ? 1 : 0)));
  identity(
    '∇CE = softmax − e_y',
    (z, y) => L.crossEntropy(z, y, none),
    (p, y) => minusOneHot(p, y),
  );
  identity(
    '∇CE(z/T) = (softmax(z/T) − e_y)/T',
    (z, y) => L.crossEntropy(z, y, { ...none, temperature: 3 }),
    (_p, y, z) => minusOneHot(softmaxRow(z.map((v) => v / 3)), y, 1 / 3),
  );
  identity(
    '∇LS = softmax − q',
    (z, y) => L.crossEntropy(z, y, { ...none, labelSmoothing: 0.3 }),
    (p, y) => p.map((v, k) => v - ((k === y ? 0.7 : 0) + 0.3 / p.length)),
  );
  identity(
    '∇GCE = p_y^q·(softmax − e_y)',
    (z, y) => L.generalizedCrossEntropy(z, y, { ...none, q: 0.4 }),
    (p, y) => minusOneHot(p, y, (p[y] as number) ** 0.4),
  );
  identity(
    '∇MAE = 2p_y·(softmax − e_y)',
    (z, y) => L.maeLoss(z, y, none),
    (p, y) => minusOneHot(p, y, 2 * (p[y] as number)),
  );
  identity(
    '∇RCE = −A·p_y·(softmax − e_y)',
    (z, y) => L.reverseCrossEntropy(z, y, { ...none, logZero: -3 }),
    (p, y) => minusOneHot(p, y, 3 * (p[y] as number)),
  );
  identity(
    '∇SCE = (α − A·β·p_y)·(softmax − e_y)',
    (z, y) => L.symmetricCrossEntropy(z, y, { ...none, alpha: 0.2, beta: 0.5, logZero: -4 }),
    (p, y) => minusOneHot(p, y, 0.2 + 4 * 0.5 * (p[y] as number)),
  );
  identity(
    '∇focal = w(p_y)·(softmax − e_y), w(p) = (1−p)^γ − γp(1−p)^{γ−1}log p',
    (z, y) => L.focalLoss(z, y, { ...none, gamma: 2 }),
    (p, y) => {
      const q = p[y] as number;
      return minusOneHot(p, y, (1 - q) ** 2 - 2 * q * (1 - q) * Math.log(q));
    },
  );
  identity(
    '∇squentropy = softmax − e_y + (2/(K−1))·z⊙(1 − e_y)',
    (z, y) => L.squentropy(z, y, none),
    (p, y, z) => p.map((v, k) => v - (k === y ? 1 : 0) + (k === y ? 0 : (2 / (p.length - 1)) * (z[k] as number))),
  );
  identity(
    '∇(CE − βH) = (p − e_y) + β·p⊙(log p + H)',
    (z, y) => L.confidencePenalty(z, y, { ...none, beta: 0.4 }),
    (p, y) => {
      const h = -p.reduce((s, v) => s + v * Math.log(v), 0);
      return p.map((v, k) => v - (k === y ? 1 : 0) + 0.4 * v * (Math.log(v) + h));
    },
  );

  test('Hessian of CE is diag(p) − ppᵀ (hvp against the closed form)', () => {
    fc.assert(
      fc.property(
        batchArb({ maxN: 1 }).chain((b) => fc.tuple(fc.constant(b), directionsArb([b.k]))),
        ([b, [v]]) => {
          const hv = toNumbers(
            x.hvp((z: x.Tensor) => x.sum(L.crossEntropy(z, labelsOf(b), none)))(
              logitsOf(b),
              f64(v as number[], [1, b.k]),
            ),
          );
          const p = softmaxRow(b.z);
          const pv = p.reduce((s, pk, k) => s + pk * ((v as number[])[k] as number), 0);
          expectAllClose(
            hv,
            p.map((pk, k) => pk * (((v as number[])[k] as number) - pv)),
            { rtol: 1e-9, atol: 1e-12 },
            'H·v',
          );
        },
      ),
    );
  });
});
