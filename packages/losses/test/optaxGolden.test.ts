/**
 * @file The optax-named losses against PyTorch: values and gradients computed by
 * scripts/golden/optaxLosses.py in f64 from optax's formulas (sparsemax and 1.5-entmax by sorting),
 * stored in test/golden/optaxLosses.json; xent in f64 (eager and jitted) and in f32.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { expectAllClose, toNumbers } from './support.js';

interface Leaf {
  readonly shape: number[];
  readonly data: number[];
}
interface GoldenCase {
  readonly name: string;
  readonly fn: string;
  readonly call: 'binary' | 'labels' | 'projection' | 'classWeights';
  readonly floats: Leaf[];
  readonly ints: Leaf[];
  readonly options: Record<string, unknown>;
  readonly values: number[];
  readonly grads: (number[] | null)[];
}

const golden = JSON.parse(readFileSync(new URL('../../../test/golden/optaxLosses.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: GoldenCase[];
};

/** Losses that return one number (no reduction option). */
const batchLosses = new Set(['ntxent', 'multiclassGeneralizedDiceLoss']);

type Call = (reduction: 'none' | 'mean', floats: x.Tensor[]) => x.Tensor;

/** The xent call of a golden case, on its float arguments, with `reduction` where the loss takes one. */
function callOf(c: GoldenCase): Call {
  const f = (x.losses as unknown as Record<string, (...args: unknown[]) => x.Tensor>)[c.fn];
  if (f === undefined) throw new Error(`no losses.${c.fn}`);
  const ints = c.ints.map((l) => x.tensor(Int32Array.from(l.data), { shape: l.shape, dtype: 'i32' }));
  const opts = (reduction: 'none' | 'mean') => (batchLosses.has(c.fn) ? c.options : { ...c.options, reduction });
  switch (c.call) {
    case 'binary':
      return (reduction, [a, b]) => f(a, b, opts(reduction));
    case 'labels':
      return (reduction, [a]) => f(a, ints[0], opts(reduction));
    case 'classWeights':
      // the third float is the `classWeights` option
      return (reduction, [a, b, w]) => f(a, b, { ...opts(reduction), classWeights: w });
    case 'projection':
      // PyTorch's values are p ⊙ w and its gradient that of their mean
      return (reduction, [z, w]) => {
        const pw = x.mul(f(z), x.stopGradient(w as x.Tensor));
        return reduction === 'none' ? pw : x.mean(pw);
      };
  }
}

describe(`optax-named losses against PyTorch ${golden.torch} (f64 formulas)`, () => {
  test('every optax-named loss has a golden case', () => {
    const names = new Set(golden.cases.map((c) => c.fn));
    for (const fn of [
      'hingeLoss',
      'perceptronLoss',
      'multiclassHingeLoss',
      'multiclassPerceptronLoss',
      'squaredError',
      'l2Loss',
      'logCosh',
      'cosineSimilarity',
      'cosineDistance',
      'klDivergence',
      'generalizedKlDivergence',
      'convexKlDivergence',
      'klDivergenceWithLogTargets',
      'polyLossCrossEntropy',
      'rankingSoftmaxLoss',
      'sigmoidFocalLoss',
      'sparsemax',
      'entmax15',
      'sparsemaxLoss',
      'multiclassSparsemaxLoss',
      'fenchelYoungLoss',
      'ntxent',
      'binaryDiceLoss',
      'multiclassGeneralizedDiceLoss',
      'multiclassDiceLoss',
    ])
      expect(names.has(fn), fn).toBe(true);
  });

  test.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const call = callOf(c);
    for (const dtype of ['f64', 'f32'] as const) {
      const floats = c.floats.map((l) => x.tensor(Float64Array.from(l.data), { shape: l.shape, dtype: 'f64' }));
      const args = dtype === 'f64' ? floats : floats.map((t) => x.cast(t, 'f32'));
      const tol = dtype === 'f64' ? { rtol: 1e-10, atol: 1e-12 } : { rtol: 2e-4, atol: 2e-5 };
      expectAllClose(toNumbers(call('none', args)), c.values, tol, `${dtype} values`);
      const argnums = c.grads.flatMap((g, i) => (g === null ? [] : [i]));
      const scalar = (...xs: x.Tensor[]): x.Tensor => call('mean', xs);
      const eager = x.grad(scalar, { argnums })(...args);
      const jitted = x.jit(x.grad(scalar, { argnums }))(...args);
      argnums.forEach((a, i) => {
        const want = c.grads[a] as number[];
        const scale = Math.max(1, ...want.map(Math.abs));
        const gtol = dtype === 'f64' ? { rtol: 1e-9, atol: 1e-12 * scale } : { rtol: 1e-3, atol: 1e-4 * scale };
        expectAllClose(toNumbers(eager[i] as x.Tensor), want, gtol, `${dtype} eager gradient ${a}`);
        expectAllClose(toNumbers(jitted[i] as x.Tensor), want, gtol, `${dtype} jitted gradient ${a}`);
      });
    }
  });
});
