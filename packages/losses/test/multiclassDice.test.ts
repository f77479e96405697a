/**
 * @file multiclassDiceLoss (optax `dice_loss`) on fresh random inputs: against a plain-JS reference of
 * optax's formula with α, β, s and class weights, against multiclassGeneralizedDiceLoss (its own code
 * path), its range and zero, f64 finite differences in every float argument, and its bad input.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { caught } from '../../../test/support/caught.js';
import { expectAllClose, expectGradientMatchesFd, f64, rows, softmaxRow, toNumbers } from './support.js';

const L = x.losses;
const tight = { rtol: 1e-10, atol: 1e-12 };
const double = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** Segmentation draws: logits [n, h, k], one-hot targets, weights and the options. */
const segArb = fc
  .record({ n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 4 }) })
  .chain(({ n, h, k }) =>
    fc.record({
      n: fc.constant(n),
      h: fc.constant(h),
      k: fc.constant(k),
      z: fc.array(double(-4, 4), { minLength: n * h * k, maxLength: n * h * k }),
      labels: fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n * h, maxLength: n * h }),
      w: fc.array(double(0, 3), { minLength: k, maxLength: k }),
      alpha: double(0, 2),
      beta: double(0, 2),
      smooth: double(0, 2),
    }),
  );
type Seg = typeof segArb extends fc.Arbitrary<infer T> ? T : never;

const oneHot = (b: Seg): number[] => b.labels.flatMap((l) => Array.from({ length: b.k }, (_, c) => (c === l ? 1 : 0)));
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** optax's per-sample value in plain JS: per class over h, 1 − (I + s)/(I + α(P − I) + β(T − I) + s), weighted, then the class mean. */
function reference(b: Seg, t: readonly number[], weighted: boolean): number[] {
  const p = rows(b.z, b.k).flatMap((r) => (b.k === 1 ? [sigmoid(r[0] as number)] : softmaxRow(r)));
  return Array.from({ length: b.n }, (_, i) => {
    let total = 0;
    for (let c = 0; c < b.k; c++) {
      let [inter, ps, ts] = [0, 0, 0];
      for (let j = 0; j < b.h; j++) {
        const at = (i * b.h + j) * b.k + c;
        inter += (p[at] as number) * (t[at] as number);
        ps += p[at] as number;
        ts += t[at] as number;
      }
      const dice = 1 - (inter + b.smooth) / (inter + b.alpha * (ps - inter) + b.beta * (ts - inter) + b.smooth);
      total += weighted ? dice * (b.w[c] as number) : dice;
    }
    return total / b.k;
  });
}

const tensors = (b: Seg) => {
  const shape = [b.n, b.h, b.k];
  return { z: f64(b.z, shape), t: f64(oneHot(b), shape), w: f64(b.w, [b.k]) };
};

describe('multiclassDiceLoss (optax dice_loss)', () => {
  test('equals a plain-JS reference of optax’s formula (α, β, s, class weights; one class is σ)', () => {
    fc.assert(
      fc.property(segArb, fc.boolean(), (b, weighted) => {
        const { z, t, w } = tensors(b);
        const opts = { alpha: b.alpha, beta: b.beta, smooth: b.smooth, reduction: 'none' as const };
        const got = toNumbers(L.multiclassDiceLoss(z, t, weighted ? { ...opts, classWeights: w } : opts));
        const want = reference(b, oneHot(b), weighted);
        // 0/0 (an empty class, s = 0, α or β zero) is NaN in both
        expect(got.map(Number.isNaN)).toEqual(want.map(Number.isNaN));
        expectAllClose(
          got.map((v) => (Number.isNaN(v) ? 0 : v)),
          want.map((v) => (Number.isNaN(v) ? 0 : v)),
          { rtol: 1e-9, atol: 1e-12 },
          'reference',
        );
      }),
      { numRuns: 60 },
    );
  });

  test('with α = β = ½ and the inverse-squared-frequency weights, the mean is multiclassGeneralizedDiceLoss', () => {
    fc.assert(
      fc.property(segArb, (b) => {
        const { z, t } = tensors(b);
        const freq = Array.from({ length: b.k }, (_, c) => oneHot(b).filter((v, i) => v === 1 && i % b.k === c).length);
        const inv = freq.map((f) => 1 / (f * f + 1e-7));
        const norm = inv.reduce((a, v) => a + v, 0);
        const classWeights = f64(
          inv.map((v) => (v / norm) * b.k),
          [b.k],
        );
        for (const ignoreBackground of [false, true]) {
          const a = x.item(
            L.multiclassDiceLoss(z, t, { smooth: b.smooth, classWeights, ignoreBackground, classReduction: 'none' }),
          );
          const g = x.item(L.multiclassGeneralizedDiceLoss(z, t, { smooth: b.smooth, ignoreBackground }));
          expect(a).toBeCloseTo(g, 10);
        }
      }),
      { numRuns: 30 },
    );
  });

  test('without weights each class loss lies in [0, 1]; a prediction equal to its one-hot target gives 0', () => {
    fc.assert(
      fc.property(segArb, (b) => {
        fc.pre(b.alpha > 0 && b.beta > 0 && b.smooth > 0);
        const { z, t } = tensors(b);
        const opts = {
          alpha: b.alpha,
          beta: b.beta,
          smooth: b.smooth,
          classReduction: 'none',
          reduction: 'none',
        } as const;
        for (const v of toNumbers(L.multiclassDiceLoss(z, t, opts))) {
          expect(v).toBeGreaterThanOrEqual(-1e-15);
          expect(v).toBeLessThanOrEqual(1 + 1e-15);
        }
        fc.pre(b.k > 1);
        const exact = toNumbers(L.multiclassDiceLoss(t, t, { ...opts, applySoftmax: false }));
        expectAllClose(
          exact,
          exact.map(() => 0),
          tight,
          'zero at p = t',
        );
      }),
      { numRuns: 30 },
    );
  });

  test('gradients in the logits, the targets and the class weights match f64 central differences', () => {
    fc.assert(
      fc.property(segArb, fc.integer({ min: 0, max: 2 ** 30 }), (b, seed) => {
        fc.pre(b.smooth > 0.05);
        const { z } = tensors(b);
        // weights away from 0, where the difference steps could make them negative (rejected)
        const w = f64(
          b.w.map((v) => v + 0.5),
          [b.k],
        );
        // soft targets so that every argument is differentiated where the loss is smooth
        const t = x.sigmoid(
          f64(
            b.z.map((v, i) => v * 0.5 + Math.sin(i + seed)),
            [b.n, b.h, b.k],
          ),
        );
        const f = (zz: x.Tensor, tt: x.Tensor, ww: x.Tensor): x.Tensor =>
          L.multiclassDiceLoss(zz, tt, { alpha: b.alpha, beta: b.beta, smooth: b.smooth, classWeights: ww });
        const dir = (len: number, k: number) => Array.from({ length: len }, (_, i) => Math.cos(seed + 3 * k + i * 1.7));
        expectGradientMatchesFd(f, [z, t, w], [0, 1, 2], [dir(z.size, 0), dir(z.size, 1), dir(b.k, 2)]);
      }),
      { numRuns: 20 },
    );
  });

  test('bad input names the function and the argument', () => {
    const z = f64([0, 1, 2, 3, 4, 5], [1, 2, 3]);
    const t = f64([1, 0, 0, 0, 1, 0], [1, 2, 3]);
    const cases: [() => unknown, RegExp][] = [
      [
        () => L.multiclassDiceLoss(z, t, { axis: 2 }),
        /^xent\.multiclassDiceLoss: argument 'axis' expected axes other than the class axis/,
      ],
      [
        () => L.multiclassDiceLoss(z, t, { axis: [1, -2] }),
        /^xent\.multiclassDiceLoss: argument 'axis' expected distinct axes/,
      ],
      [
        () => L.multiclassDiceLoss(z, t, { axis: 3 }),
        /^xent\.multiclassDiceLoss: argument 'axis' expected axes in \[-3, 3\)/,
      ],
      [
        () => L.multiclassDiceLoss(z, t, { classWeights: f64([1, 1], [2]) }),
        /argument 'classWeights' expected shape \[3\]/,
      ],
      [
        () => L.multiclassDiceLoss(z, t, { classWeights: f64([1, -1, 1], [3]) }),
        /argument 'classWeights' expected finite weights ≥ 0/,
      ],
      [
        () => L.multiclassDiceLoss(z, f64([2, 0, 0, 0, 1, 0], [1, 2, 3])),
        /argument 'targets' expected values in \[0, 1\]/,
      ],
      [() => L.multiclassDiceLoss(z, t, { applySoftmax: false }), /argument 'predictions' expected rows summing to 1/],
      [() => L.multiclassDiceLoss(z, f64([1, 0, 0], [1, 3])), /argument 'targets' expected shape \[1, 2, 3\]/],
    ];
    for (const [f, message] of cases) expect(caught(f, x.XentError).message).toMatch(message);
  });
});
