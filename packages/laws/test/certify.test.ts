/**
 * @file certify is honest: it certifies what holds (CE shift-invariant, the symmetric-loss condition
 * for MAE, NCE, RCE, SCE's parts), refutes what does not (squentropy is not shift-invariant, CE is
 * not bounded) with counterexamples, and catches a wrong custom VJP.
 */
import { describe, expect, test } from 'vitest';
import * as x from 'xent';

const L = x.losses;
const { certify, formatReport } = x.laws;
const resultOf = (r: x.laws.Report, law: x.laws.LawName): x.laws.LawResult => {
  const found = r.results.find((l) => l.law === law);
  if (found === undefined) throw new Error(`no result for ${law}`);
  return found;
};

describe('certify on classification losses', () => {
  test('cross-entropy: gradient right, shift-invariant, convex, proper, class-permutation-invariant; NOT bounded, with a counterexample', async () => {
    const r = await certify((z, y) => L.crossEntropy(z, y), {
      kind: 'classification',
      runs: 30,
      claims: ['shiftInvariant', 'convex', 'proper'],
    });
    for (const law of [
      'gradient',
      'finite',
      'vjpDotProduct',
      'jvpMatchesVjp',
      'hessianSymmetric',
      'convex',
      'batchedGradient',
      'shiftInvariant',
      'classPermutationInvariant',
      'proper',
      'nonNegative',
      'finiteAtExtremes',
    ] as const)
      expect(resultOf(r, law).status, law).toBe('holds');
    const bounded = resultOf(r, 'bounded');
    expect(bounded.status).toBe('fails');
    expect(bounded.message).toMatch(/L = \d+(\.\d+)? > 1000/);
    expect(bounded.counterexample).toMatch(/10000/);
    expect(resultOf(r, 'zeroIffEqual').status).toBe('not applicable');
    // the curvature laws say how they decided: small logits, so the exact Hessian every run
    expect(resultOf(r, 'convex').method).toBe('by the exact Hessian eigenvalues');
    expect(resultOf(r, 'proper').method).toBe('by the exact Hessian eigenvalues');
    expect(resultOf(r, 'gradient').method).toBeUndefined();
    expect(formatReport(r)).toMatch(
      /convex in the logits \(Hessian PSD\) +holds +30 +\d+ ms \(by the exact Hessian eigenvalues\)/,
    );
    expect(r.ok).toBe(true);
    expect(formatReport(r)).toMatch(/bounded fails/);
  });

  test.each([
    ['MAE', (z: x.Tensor, y: x.Tensor) => L.maeLoss(z, y)],
    ['NCE', (z: x.Tensor, y: x.Tensor) => L.normalizedCrossEntropy(z, y)],
    ['RCE', (z: x.Tensor, y: x.Tensor) => L.reverseCrossEntropy(z, y)],
    ['NCE+RCE', (z: x.Tensor, y: x.Tensor) => L.activePassiveLoss(z, y)],
  ])('%s satisfies the symmetric-loss condition (claimed and certified)', async (_name, loss) => {
    const r = await certify(loss, {
      kind: 'classification',
      runs: 25,
      claims: ['symmetric'],
      laws: ['gradient', 'symmetric'],
    });
    expect(resultOf(r, 'symmetric').status).toBe('holds');
    expect(r.ok).toBe(true);
  });

  test('squentropy: claimed shift invariance fails with a counterexample; the report is NOT ok', async () => {
    const r = await certify((z, y) => L.squentropy(z, y), {
      kind: 'classification',
      runs: 30,
      claims: ['shiftInvariant'],
      laws: ['gradient', 'shiftInvariant'],
    });
    const shift = resultOf(r, 'shiftInvariant');
    expect(shift.status).toBe('fails');
    expect(shift.message).toMatch(/f\(g·x\) = .* but f\(x\) = .* row shifts/);
    expect(shift.counterexample).toBeDefined();
    expect(r.failedClaims).toEqual(['shiftInvariant']);
    expect(r.ok).toBe(false);
    expect(formatReport(r)).toMatch(/claimed shiftInvariant fails/);
  });

  test('a deliberately wrong custom VJP is caught by the gradient law', async () => {
    // softplus with the derivative of the sigmoid's complement: wrong by construction.
    const wrong = x.customVjp(
      (t: x.Tensor) => [x.softplus(t), t] as const,
      (t, ct) => [x.mul(ct, x.sigmoid(x.neg(t)))],
      { name: 'wrongSoftplus' },
    );
    const loss = (z: x.Tensor, y: x.Tensor): x.Tensor => x.add(L.crossEntropy(z, y), x.mean(wrong(z)));
    const r = await certify(loss, { kind: 'classification', runs: 20, laws: ['gradient', 'vjpDotProduct'] });
    expect(resultOf(r, 'gradient').status).toBe('fails');
    expect(resultOf(r, 'gradient').message).toMatch(/by autodiff but .* by finite differences/);
    expect(resultOf(r, 'vjpDotProduct').status).toBe('fails');
    expect(r.gradientWrong).toBe(true);
    expect(r.ok).toBe(false);
  });

  test('unknown claims are reported, not ignored', async () => {
    const r = await certify((z, y) => L.crossEntropy(z, y), {
      kind: 'classification',
      runs: 5,
      laws: ['gradient'],
      claims: ['shiftInvarient' as x.laws.LawName],
    });
    expect(r.unknownClaims).toEqual(['shiftInvarient']);
    expect(r.ok).toBe(false);
  });

  test('reports are reproducible for a seed and serialise to JSON', async () => {
    const run = () =>
      certify((z, y) => L.squentropy(z, y), { kind: 'classification', runs: 20, seed: 42, laws: ['shiftInvariant'] });
    const [a, b] = [await run(), await run()];
    expect(resultOf(a, 'shiftInvariant').counterexample).toBe(resultOf(b, 'shiftInvariant').counterexample);
    const parsed = JSON.parse(x.laws.reportJson(a)) as { results: { law: string; status: string }[] };
    expect(parsed.results[0]).toMatchObject({ law: 'shiftInvariant', status: 'fails' });
  });
});

describe('certify on the other kinds', () => {
  test('divergence: KL is non-negative, zero iff equal, shift-invariant', async () => {
    const r = await certify((p, q) => x.divergence.kl(p, q), {
      kind: 'divergence',
      runs: 25,
      claims: ['nonNegative', 'zeroIffEqual', 'shiftInvariant'],
    });
    expect(r.ok).toBe(true);
    expect(resultOf(r, 'symmetric').status).toBe('not applicable');
  });

  test('entropy: Shannon entropy within [0, log K]; a wrongly scaled entropy is refuted', async () => {
    const good = await certify((z) => x.entropy.shannon(z), {
      kind: 'entropy',
      runs: 25,
      claims: ['entropyBounds'],
      laws: ['gradient', 'entropyBounds'],
    });
    expect(good.ok).toBe(true);
    const bits = await certify((z) => x.mul(2, x.entropy.shannon(z)), {
      kind: 'entropy',
      runs: 25,
      claims: ['entropyBounds'],
      laws: ['entropyBounds'],
    });
    expect(resultOf(bits, 'entropyBounds').status).toBe('fails');
  });

  test('regularizer: the VNE regulariser is scale- and batch-order-invariant; an unnormalised sum of squares is not scale-invariant', async () => {
    const vne = await certify((h) => L.vneRegularizer(h), {
      kind: 'regularizer',
      runs: 15,
      claims: ['scaleInvariant', 'rowPermutationInvariant'],
      laws: ['gradient', 'scaleInvariant', 'rowPermutationInvariant'],
    });
    expect(vne.ok).toBe(true);
    const energy = await certify((h) => x.sum(x.square(h)), {
      kind: 'regularizer',
      runs: 15,
      laws: ['scaleInvariant'],
    });
    expect(resultOf(energy, 'scaleInvariant').status).toBe('fails');
  });

  test('soft-target: soft CE is shift-invariant and convex in the logits', async () => {
    const r = await certify((z, q) => L.softTargetCrossEntropy(z, q), {
      kind: 'soft-target',
      runs: 20,
      claims: ['shiftInvariant', 'convex'],
      laws: ['gradient', 'shiftInvariant', 'convex'],
    });
    expect(r.ok).toBe(true);
  });
});
