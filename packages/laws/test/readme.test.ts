import fc from 'fast-check';
import { expect, test } from 'vitest';
import * as x from 'xent';

// The loss under test: label-smoothed cross-entropy written by hand.
const smoothed = (z: x.Tensor, y: x.Tensor): x.Tensor => {
  const eps = 0.1;
  const logp = x.logSoftmax(z);
  const picked = x.squeeze(x.gather(logp, x.expandDims(y, -1), { axis: -1 }), -1);
  return x.mean(x.sub(x.mul(-(1 - eps), picked), x.mul(eps, x.mean(logp, { axis: -1 }))));
};

test('the gradient matches f64 finite differences', () => {
  fc.assert(x.laws.gradientMatchesFiniteDifferences(smoothed, x.laws.operandsFor('classification')));
});

test('it is shift-invariant, class-permutation-invariant and convex', () => {
  fc.assert(x.laws.shiftInvariant(smoothed));
  fc.assert(x.laws.classPermutationInvariant(smoothed));
  fc.assert(x.laws.convex(smoothed, x.laws.operandsFor('classification')));
});

test('it is not proper: its expected loss is smallest at the smoothed target, not at q', () => {
  expect(fc.check(x.laws.properScoringRule(smoothed)).failed).toBe(true);
});

test('it is not bounded: certify says so, with a counterexample', async () => {
  const report = await x.laws.certify(smoothed, { kind: 'classification', laws: ['bounded'] });
  expect(report.results[0]?.status).toBe('fails');
  console.log(x.laws.formatReport(report));
});
