/**
 * @file The `finite` law: certify fails a loss whose value or gradient is NaN or ±Inf for finite inputs
 * of its kind (large logits included, f64 and f32), says which and shows the counterexample; the
 * library's losses of every kind hold it, and the inputs it draws reach ±1e4.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';

const L = x.losses;
const { certify, formatReport } = x.laws;

/** Cross-entropy the textbook way, log Σ exp z − z_y: exp overflows at logits past 88.7 in f32 (709.8 in f64). */
const naiveCe = (z: x.Tensor, y: x.Tensor): x.Tensor =>
  x.mean(x.sub(x.log(x.sum(x.exp(z), { axis: -1 })), x.squeeze(x.gather(z, x.expandDims(y, -1), { axis: -1 }), -1)));

const finiteResult = async (
  f: x.laws.Fn,
  kind: x.laws.Kind = 'classification',
  runs = 40,
): Promise<x.laws.LawResult> => {
  const r = await certify(f, { kind, laws: ['finite'], runs });
  const [result] = r.results;
  if (result === undefined) throw new Error('no result for finite');
  return result;
};

describe('the finite law', () => {
  test('fails a naive cross-entropy at large logits, unclaimed, with the non-finite value and the counterexample', async () => {
    const r = await certify(naiveCe, { kind: 'classification', laws: ['gradient', 'finite'], runs: 40 });
    const finite = r.results.find((l) => l.law === 'finite');
    expect(finite?.status).toBe('fails');
    expect(finite?.claimed).toBe(false);
    // Finite in f64 there, overflowing in f32: the shrunk logit is just past log(f32 max) ≈ 88.72.
    expect(finite?.message).toMatch(
      /^value not finite in f32: Infinity at entry \d+ of \[.*\] \(\[.*\] in f64\) for inputs \[/,
    );
    const [logits] = JSON.parse(finite?.counterexample ?? '[]') as [[{ values: number[] }]];
    const largest = Math.max(...logits[0].values);
    expect(largest).toBeGreaterThan(88.72);
    expect(largest).toBeLessThan(89);
    expect(r.notFinite).toBe(true);
    expect(r.gradientWrong).toBe(false);
    expect(r.ok).toBe(false);
    const printed = formatReport(r);
    expect(printed).toMatch(/finite fails: value not finite in f32/);
    expect(printed).toMatch(/counterexample: \[\[\{"shape":/);
    expect(printed).toMatch(/NOT ok: a value or gradient is not finite/);
  });

  test('holds for the library cross-entropy, and the report says so', async () => {
    const r = await certify((z, y) => L.crossEntropy(z, y), { kind: 'classification', laws: ['gradient', 'finite'] });
    expect(r.results.map((l) => l.status)).toEqual(['holds', 'holds']);
    expect(r.ok).toBe(true);
    expect(formatReport(r)).toMatch(/ok: the gradient is right and no value or gradient is NaN or ±Inf/);
  });

  test('catches a gradient that is not finite where the value is: √(z²) at z = 0', async () => {
    const result = await finiteResult((z, y) => x.add(L.crossEntropy(z, y), x.mean(x.sqrt(x.square(z)))));
    expect(result.status).toBe('fails');
    expect(result.message).toMatch(
      /^gradient w\.r\.t\. argument 0 not finite in f64: NaN at entry \d+ of .*; the value \[[\d.]+\] is finite for inputs/,
    );
  });

  test('catches a custom VJP that returns Inf', async () => {
    const brokenSoftplus = x.customVjp(
      (t: x.Tensor) => [x.softplus(t), t] as const,
      (t, ct) => [x.div(ct, x.zerosLike(t))],
    );
    const result = await finiteResult((z, y) => x.add(L.crossEntropy(z, y), x.mean(brokenSoftplus(z))));
    expect(result.status).toBe('fails');
    expect(result.message).toMatch(/^gradient w\.r\.t\. argument 0 not finite in f64: Infinity/);
  });

  test('checks a function that takes only f64 (it mixes in an f64 tensor) in f64', async () => {
    const weights = x.tensor([0.5], { dtype: 'f64' });
    const result = await finiteResult((z, y) => x.mul(weights, L.crossEntropy(z, y)));
    expect(result.status, result.message).toBe('holds');
  });

  test.each([
    ['focal loss', 'classification', (z: x.Tensor, y: x.Tensor) => L.focalLoss(z, y, { gamma: 2 })],
    ['NCE+RCE', 'classification', (z: x.Tensor, y: x.Tensor) => L.activePassiveLoss(z, y)],
    ['squentropy', 'classification', (z: x.Tensor, y: x.Tensor) => L.squentropy(z, y)],
    ['soft-target CE', 'soft-target', (z: x.Tensor, q: x.Tensor) => L.softTargetCrossEntropy(z, q)],
    ['Jensen–Shannon', 'divergence', (p: x.Tensor, q: x.Tensor) => x.divergence.js(p, q)],
    ['distillation', 'divergence', (s: x.Tensor, t: x.Tensor) => L.distillationLoss(s, t)],
    ['Tsallis q = 0.5', 'entropy', (z: x.Tensor) => x.entropy.tsallis(z, 0.5)],
    ['Rényi α = 2', 'entropy', (z: x.Tensor) => x.entropy.renyi(z, 2)],
    ['VNE regulariser', 'regularizer', (h: x.Tensor) => L.vneRegularizer(h)],
    ['Vendi score', 'regularizer', (h: x.Tensor) => x.entropy.vendiScore(h)],
  ] as const)('holds for the library: %s (%s)', async (_name, kind, f) => {
    const result = await finiteResult(f, kind, 25);
    expect(result.status, result.message).toBe('holds');
  });

  test("its inputs are finite, of every kind, and reach ±1e4 among ordinary values (InputOptions' large)", () => {
    for (const kind of x.laws.kinds) {
      const drawn = fc
        .sample(x.laws.operandsFor(kind, { large: true }), { numRuns: 200, seed: 5 })
        .flatMap((ops) => ops.flatMap((o) => (o.int === true || o.fixed === true ? [] : o.values)));
      expect(drawn.every(Number.isFinite), kind).toBe(true);
      const magnitudes = drawn.map(Math.abs);
      expect(Math.max(...magnitudes), kind).toBe(1e4);
      expect(magnitudes.filter((m) => m > 100 && m < 1e4).length, kind).toBeGreaterThan(10);
      expect(magnitudes.filter((m) => m <= 5).length, kind).toBeGreaterThan(drawn.length / 3);
    }
  });
});
