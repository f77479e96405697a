/**
 * @file Reduction semantics, checked against per-sample formulas written in plain JS: class weights,
 * ignoreIndex and label smoothing together under 'none' with non-uniform cotangents (where fused CE
 * kernels elsewhere shipped wrong gradients), weighted means, all-ignored batches, −Inf masks.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import * as x from 'xent';
import {
  batchArb,
  batchPairArb,
  directionsArb,
  expectAllClose,
  expectGradientMatchesFd,
  f64,
  i32,
  num,
  rows,
  softmaxRow,
  toNumbers,
} from './support.js';

const L = x.losses;
const IGNORE = -100;

/** A batch where some labels are IGNORE, with class weights. */
const weightedBatch = batchArb({ maxN: 5 }).chain((b) =>
  fc.record({
    b: fc.constant(b),
    ignored: fc.array(fc.boolean(), { minLength: b.n, maxLength: b.n }),
    w: fc.array(fc.double({ min: 0.1, max: 3, noNaN: true }), { minLength: b.k, maxLength: b.k }),
    ct: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: b.n, maxLength: b.n }),
    eps: fc.double({ min: 0, max: 0.9, noNaN: true }),
  }),
);

test("'none' with class weights, ignoreIndex and label smoothing: values and VJP against the per-sample formula", () => {
  fc.assert(
    fc.property(weightedBatch, ({ b, ignored, w, ct, eps }) => {
      const y = b.y.map((v, i) => (ignored[i] === true ? IGNORE : v));
      const options = { reduction: 'none', weights: f64(w, [b.k]), ignoreIndex: IGNORE, labelSmoothing: eps } as const;
      const z = f64(b.z, [b.n, b.k]);
      const values = toNumbers(L.crossEntropy(z, i32(y), options));
      const [, vjp] = x.vjp((t: x.Tensor) => L.crossEntropy(t, i32(y), options), z);
      const grad = toNumbers(vjp(f64(ct, [b.n]))[0]);
      rows(b.z, b.k).forEach((zi, i) => {
        const p = softmaxRow(zi);
        const yi = y[i] as number;
        if (yi === IGNORE) {
          expect(values[i]).toBe(0);
          for (let k = 0; k < b.k; k++) expect(grad[i * b.k + k]).toBe(0);
          return;
        }
        // loss_i = (1 − ε)·w_y·(−log p_y) + ε·Σ_k (w_k/K)·(−log p_k)
        const target = p.map((_, k) => (1 - eps) * (k === yi ? (w[yi] as number) : 0) + (eps * (w[k] as number)) / b.k);
        const want = -target.reduce((s, t, k) => s + t * Math.log(p[k] as number), 0);
        expectAllClose([values[i] as number], [want], { rtol: 1e-9, atol: 1e-12 }, `row ${i}`);
        // ∂loss_i/∂z = (Σ_k t_k)·p − t
        const mass = target.reduce((s, t) => s + t, 0);
        const g = p.map((pk, k) => (ct[i] as number) * (mass * pk - (target[k] as number)));
        expectAllClose(grad.slice(i * b.k, (i + 1) * b.k), g, { rtol: 1e-9, atol: 1e-12 }, `gradient row ${i}`);
      });
    }),
  );
});

test("'mean' divides by Σ w_y over the kept samples; 'sum' adds", () => {
  fc.assert(
    fc.property(weightedBatch, ({ b, ignored, w }) => {
      const y = b.y.map((v, i) => (ignored[i] === true ? IGNORE : v));
      const z = f64(b.z, [b.n, b.k]);
      const base = { weights: f64(w, [b.k]), ignoreIndex: IGNORE } as const;
      let s = 0;
      let total = 0;
      rows(b.z, b.k).forEach((zi, i) => {
        const yi = y[i] as number;
        if (yi === IGNORE) return;
        s += -(w[yi] as number) * Math.log(softmaxRow(zi)[yi] as number);
        total += w[yi] as number;
      });
      expectAllClose(
        [num(L.crossEntropy(z, i32(y), { ...base, reduction: 'sum' }))],
        [s],
        { rtol: 1e-9, atol: 1e-12 },
        'sum',
      );
      const mean = num(L.crossEntropy(z, i32(y), { ...base, reduction: 'mean' }));
      expectAllClose([mean], [total === 0 ? 0 : s / total], { rtol: 1e-9, atol: 1e-12 }, 'mean');
    }),
  );
});

test('a batch whose targets are all ignored gives 0 and a zero gradient (not 0/0)', () => {
  const z = f64([1, 2, 3, -1, 0, 1], [2, 3]);
  const y = i32([IGNORE, IGNORE]);
  const f = (t: x.Tensor) => L.crossEntropy(t, y, { ignoreIndex: IGNORE });
  expect(num(f(z))).toBe(0);
  expect(toNumbers(x.grad(f)(z))).toEqual([0, 0, 0, 0, 0, 0]);
});

test('−Inf-masked logits: finite CE and gradient, zero gradient at the masked classes', () => {
  const z = f64([2, -Infinity, 0, -Infinity, -Infinity, 1], [2, 3]);
  const y = i32([0, 2]);
  for (const loss of [
    L.crossEntropy,
    L.focalLoss,
    L.generalizedCrossEntropy,
    L.maeLoss,
    L.brierLoss,
    L.reverseCrossEntropy,
    L.confidencePenalty,
  ]) {
    const f = (t: x.Tensor) => loss(t, y);
    const g = toNumbers(x.grad(f)(z));
    expect(Number.isFinite(num(f(z))), loss.name).toBe(true);
    expect(g.every(Number.isFinite), `${loss.name}: ${g.join(', ')}`).toBe(true);
    expect([g[1], g[3], g[4]], loss.name).toEqual([0, 0, 0]);
  }
});

test('soft-target CE: gradient softmax − q, zero targets at −Inf logits add 0, f64 gradient check in both arguments', () => {
  fc.assert(
    fc.property(
      batchPairArb({ scale: 3 }).chain(([b, tz]) =>
        fc.tuple(fc.constant(b), fc.constant(tz), directionsArb([b.n * b.k, b.n * b.k])),
      ),
      ([b, tz, [d1, d2]]) => {
        const q = rows(tz, b.k).flatMap((r) => softmaxRow(r));
        const g = toNumbers(
          x.grad((z: x.Tensor) => L.softTargetCrossEntropy(z, f64(q, [b.n, b.k]), { reduction: 'sum' }))(
            f64(b.z, [b.n, b.k]),
          ),
        );
        const want = rows(b.z, b.k).flatMap((zi, i) => softmaxRow(zi).map((p, k) => p - (q[i * b.k + k] as number)));
        expectAllClose(g, want, { rtol: 1e-9, atol: 1e-12 }, '∇');
        // Move the targets along the simplex: each row of the direction sums to 0.
        const tangent = rows(d2 as number[], b.k).flatMap((r) => r.map((v) => v - r.reduce((a, c) => a + c, 0) / b.k));
        expectGradientMatchesFd(
          (z, t) => L.softTargetCrossEntropy(z, t),
          [f64(b.z, [b.n, b.k]), f64(q, [b.n, b.k])],
          [0, 1],
          [d1 as number[], tangent],
        );
      },
    ),
  );
  const masked = L.softTargetCrossEntropy(f64([0, -Infinity, 1], [1, 3]), f64([0.5, 0, 0.5], [1, 3]));
  expect(Number.isFinite(num(masked))).toBe(true);
});

test('BCE with logits: softplus(s) − y·s, ∂/∂s = σ(s) − y, posWeight and element weights, symmetric under (s, y) ↦ (−s, 1 − y)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: 6, maxLength: 6 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
      fc.array(fc.double({ min: 0.1, max: 4, noNaN: true }), { minLength: 3, maxLength: 3 }),
      (s, y, pw) => {
        const S = f64(s, [2, 3]);
        const Y = f64(y, [2, 3]);
        const sp = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
        const sig = (v: number) => 1 / (1 + Math.exp(-v));
        const none = toNumbers(L.binaryCrossEntropyWithLogits(S, Y, { reduction: 'none' }));
        expectAllClose(
          none,
          s.map((v, i) => sp(v) - (y[i] as number) * v),
          { rtol: 1e-9, atol: 1e-12 },
          'value',
        );
        const flipped = toNumbers(L.binaryCrossEntropyWithLogits(x.neg(S), x.sub(1, Y), { reduction: 'none' }));
        expectAllClose(flipped, none, { rtol: 1e-9, atol: 1e-12 }, 'symmetry');
        const g = toNumbers(x.grad((t: x.Tensor) => L.binaryCrossEntropyWithLogits(t, Y, { reduction: 'sum' }))(S));
        expectAllClose(
          g,
          s.map((v, i) => sig(v) - (y[i] as number)),
          { rtol: 1e-9, atol: 1e-12 },
          '∇',
        );
        const weighted = toNumbers(
          L.binaryCrossEntropyWithLogits(S, Y, { reduction: 'none', posWeight: f64(pw, [3]), weights: f64(y, [2, 3]) }),
        );
        const want = s.map(
          (v, i) =>
            (y[i] as number) * ((pw[i % 3] as number) * (y[i] as number) * sp(-v) + (1 - (y[i] as number)) * sp(v)),
        );
        expectAllClose(weighted, want, { rtol: 1e-9, atol: 1e-12 }, 'posWeight');
      },
    ),
  );
  expect(num(L.binaryCrossEntropyWithLogits(f64([0], [1]), f64([0.3], [1])))).toBeCloseTo(Math.LN2, 14);
});

test('sequence CE is the mean over kept tokens; perplexity of uniform logits is K', () => {
  const z = f64([1, 2, 0, 0, 3, 1, 2, 2, 2, 0, 1, 0], [2, 2, 3]);
  const y = i32([0, IGNORE, 2, 1], [2, 2]);
  const ce = (row: number[], k: number) => -Math.log(softmaxRow(row)[k] as number);
  const [k0, k1, k2] = [ce([1, 2, 0], 0), ce([2, 2, 2], 2), ce([0, 1, 0], 1)];
  expect(num(L.sequenceCrossEntropy(z, y, { ignoreIndex: IGNORE }))).toBeCloseTo((k0 + k1 + k2) / 3, 12);
  expectAllClose(
    toNumbers(L.sequenceCrossEntropy(z, y, { ignoreIndex: IGNORE, reduction: 'none' })),
    [k0, (k1 + k2) / 2],
    { rtol: 1e-12, atol: 0 },
    'per sequence',
  );
  expect(num(L.perplexity(x.zeros([2, 4, 5], { dtype: 'f64' }), i32([0, 1, 2, 3, 4, 0, 1, 2], [2, 4])))).toBeCloseTo(
    5,
    12,
  );
});
