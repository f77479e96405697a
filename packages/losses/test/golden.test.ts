/** @file Golden values from the catalog (§2, computed there in float64), limits and identities between family members. */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import * as x from 'xent';
import { batchArb, expectAllClose, f64, i32, labelsOf, logitsOf, num, toNumbers } from './support.js';

const { losses: L, entropy: H, divergence: Dv } = x;
const row = (v: readonly number[]) => f64(v, [1, v.length]);
const logs = (p: readonly number[]) => row(p.map(Math.log));
const y0 = i32([0]);

test.each<[string, () => number, number]>([
  ['CE z=(1,2,3), y=2', () => num(L.crossEntropy(row([1, 2, 3]), i32([2]))), 0.407606],
  ['CE z=(1,2,3), y=0', () => num(L.crossEntropy(row([1, 2, 3]), y0)), 2.407606],
  ['H(softmax(1,2,3))', () => num(H.shannon(row([1, 2, 3]))), 0.8323956],
  [
    'label smoothing minimum, K=3, ε=0.1',
    () => num(L.crossEntropy(row([Math.log((1 - 0.1 + 0.1 / 3) / (0.1 / 3)), 0, 0]), y0, { labelSmoothing: 0.1 })),
    0.2911398,
  ],
  ['focal p_y=½, γ=2', () => num(L.focalLoss(row([0, 0]), y0, { gamma: 2 })), 0.1732868],
  ['GCE p_y=½, q=0.7', () => num(L.generalizedCrossEntropy(row([0, 0]), y0, { q: 0.7 })), 0.5491826],
  ['squentropy z=(2,0,1), y=0', () => num(L.squentropy(row([2, 0, 1]), y0)), 0.907606],
  [
    'SCE p=(½,¼,¼), α=0.1, β=1, A=−4',
    () => num(L.symmetricCrossEntropy(logs([0.5, 0.25, 0.25]), y0, { alpha: 0.1, beta: 1, logZero: -4 })),
    2.0693147,
  ],
  ['NCE p=(½,¼,¼), y=0', () => num(L.normalizedCrossEntropy(logs([0.5, 0.25, 0.25]), y0)), 0.2],
  ['squared Dice p=(0.8,0.1), y=(1,0)', () => num(L.diceLoss(row([0.8, 0.1]), row([1, 0]))), 0.030303],
  [
    'linear Dice p=(0.8,0.1), y=(1,0)',
    () => num(L.diceLoss(row([0.8, 0.1]), row([1, 0]), { variant: 'linear' })),
    0.1578947,
  ],
  ['W1 (0.2,0.3,0.5) vs δ_0', () => num(L.wassersteinOrdinal(row([0.2, 0.3, 0.5]), row([1, 0, 0]))), 1.3],
  ['Shannon (½,¼,¼)', () => num(H.shannon(logs([0.5, 0.25, 0.25]))), 1.0397208],
  ['Tsallis q=2 (½,¼,¼)', () => num(H.tsallis(logs([0.5, 0.25, 0.25]), 2)), 0.625],
  ['Tsallis q=½ (½,¼,¼)', () => num(H.tsallis(logs([0.5, 0.25, 0.25]), 0.5)), 1.4142136],
  ['Rényi α=2 (½,¼,¼)', () => num(H.renyi(logs([0.5, 0.25, 0.25]), 2)), 0.9808293],
  ['Rényi α=∞ (½,¼,¼)', () => num(H.renyi(logs([0.5, 0.25, 0.25]), Infinity)), Math.LN2],
  ['Rényi α=0 (½,¼,¼)', () => num(H.renyi(logs([0.5, 0.25, 0.25]), 0)), Math.log(3)],
  ['KL((½,½)‖(0.9,0.1))', () => num(Dv.klFromProbs(row([0.5, 0.5]), row([0.9, 0.1]))), 0.5108256],
  ['KL((0.9,0.1)‖(½,½))', () => num(Dv.klFromProbs(row([0.9, 0.1]), row([0.5, 0.5]))), 0.3680642],
  ['JS((½,½),(0.9,0.1))', () => num(Dv.jsFromProbs(row([0.5, 0.5]), row([0.9, 0.1]))), 0.1017492],
  ['KL from logits', () => num(Dv.kl(logs([0.5, 0.5]), logs([0.9, 0.1]))), 0.5108256],
  ['reverse KL from logits', () => num(Dv.reverseKl(logs([0.5, 0.5]), logs([0.9, 0.1]))), 0.3680642],
  ['JS from logits', () => num(Dv.js(logs([0.5, 0.5]), logs([0.9, 0.1]))), 0.1017492],
  ['BCE at s=0 is log 2 (1 bit)', () => num(L.binaryCrossEntropyWithLogits(f64([0], [1]), f64([1], [1]))), Math.LN2],
])('%s', (_name, value, golden) => {
  expect(Math.abs(value() - golden)).toBeLessThan(5e-7);
});

const close = (a: x.Tensor, b: x.Tensor, tol = 1e-9, label = 'values'): void => {
  expectAllClose(toNumbers(a), toNumbers(b), { rtol: tol, atol: tol }, label);
};
const none = { reduction: 'none' } as const;

test('family members: comp-sum τ=1 is CE, τ=2 is MAE/2, τ=0 is 1/p_y − 1, 1<τ<2 is GCE with q=τ−1; GCE q=1 is 1 − p_y', () => {
  fc.assert(
    fc.property(batchArb(), fc.double({ min: 1.05, max: 1.95, noNaN: true }), (b, tau) => {
      const [z, y] = [logitsOf(b), labelsOf(b)];
      close(L.compSumLoss(z, y, { ...none, tau: 1 }), L.crossEntropy(z, y, none));
      close(L.compSumLoss(z, y, { ...none, tau: 2 }), x.mul(0.5, L.maeLoss(z, y, none)));
      const py = x.exp(x.neg(L.crossEntropy(z, y, none)));
      close(L.compSumLoss(z, y, { ...none, tau: 0 }), x.sub(x.recip(py), 1));
      close(L.compSumLoss(z, y, { ...none, tau }), L.generalizedCrossEntropy(z, y, { ...none, q: tau - 1 }));
      close(L.generalizedCrossEntropy(z, y, { ...none, q: 1 }), x.sub(1, py));
      close(L.focalLoss(z, y, { ...none, gamma: 0 }), L.crossEntropy(z, y, none));
      close(L.confidencePenalty(z, y, { ...none, beta: 0 }), L.crossEntropy(z, y, none));
      close(L.crossEntropy(z, y, { ...none, labelSmoothing: 0 }), L.crossEntropy(z, y, none));
      close(L.normalized(L.crossEntropy, 'crossEntropy')(z, y, none), L.normalizedCrossEntropy(z, y, none));
    }),
  );
});

test('label smoothing equals (1 − ε)·CE + ε·(logsumexp(z) − mean z)', () => {
  fc.assert(
    fc.property(batchArb(), fc.double({ min: 0, max: 0.99, noNaN: true }), (b, eps) => {
      const [z, y] = [logitsOf(b), labelsOf(b)];
      const uniform = x.sub(x.logsumexp(z, { axis: -1 }), x.mean(z, { axis: -1 }));
      close(
        L.crossEntropy(z, y, { ...none, labelSmoothing: eps }),
        x.add(x.mul(1 - eps, L.crossEntropy(z, y, none)), x.mul(eps, uniform)),
      );
    }),
  );
});

test('limits: GCE q→0 → CE; Tsallis q→1 and Rényi α→1 → Shannon', () => {
  fc.assert(
    fc.property(batchArb(), (b) => {
      const [z, y] = [logitsOf(b), labelsOf(b)];
      close(L.generalizedCrossEntropy(z, y, { ...none, q: 1e-7 }), L.crossEntropy(z, y, none), 1e-5, 'GCE q→0');
      for (const q of [1 - 1e-6, 1 + 1e-6]) close(H.tsallis(z, q), H.shannon(z), 1e-5, `Tsallis q=${q}`);
      for (const a of [1 - 1e-6, 1 + 1e-6]) close(H.renyi(z, a), H.shannon(z), 1e-5, `Rényi α=${a}`);
    }),
  );
});

test('CE bounds: max_k z_k − z_y ≤ CE ≤ max_k z_k − z_y + log K; CE(c·1, y) = log K', () => {
  fc.assert(
    fc.property(batchArb({ scale: 50 }), fc.double({ min: -100, max: 100, noNaN: true }), (b, c) => {
      const ce = toNumbers(L.crossEntropy(logitsOf(b), labelsOf(b), none));
      ce.forEach((v, i) => {
        const zi = b.z.slice(i * b.k, (i + 1) * b.k);
        const gap = Math.max(...zi) - (zi[b.y[i] as number] as number);
        expect(v).toBeGreaterThanOrEqual(gap - 1e-9);
        expect(v).toBeLessThanOrEqual(gap + Math.log(b.k) + 1e-9);
      });
      expect(num(L.crossEntropy(f64(new Array<number>(b.k).fill(c), [1, b.k]), y0))).toBeCloseTo(Math.log(b.k), 10);
    }),
  );
});

/** Finds a midpoint-convexity violation f((a+b)/2) > (f(a)+f(b))/2 among random pairs, if there is one. */
function convexityViolated(loss: (z: x.Tensor, y: x.Tensor) => x.Tensor): boolean {
  const property = fc.property(
    batchArb({ maxN: 1, scale: 8 }),
    fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: 6, maxLength: 6 }),
    (b, other) => {
      const zb = other.slice(0, b.k);
      const f = (v: number[]) => num(loss(f64(v, [1, b.k]), labelsOf(b)));
      const mid = b.z.map((v, i) => (v + (zb[i] as number)) / 2);
      return f(mid) <= (f(b.z) + f(zb)) / 2 + 1e-12;
    },
  );
  return fc.check(property, { numRuns: 300 }).failed;
}

test('convex in the logits: CE, label-smoothed CE, squentropy (no violation in 300 random pairs)', () => {
  expect(convexityViolated((z, y) => L.crossEntropy(z, y))).toBe(false);
  expect(convexityViolated((z, y) => L.crossEntropy(z, y, { labelSmoothing: 0.2 }))).toBe(false);
  expect(convexityViolated((z, y) => L.squentropy(z, y))).toBe(false);
});

test('NOT convex in the logits: focal (γ=2), GCE, NCE, MAE (a violation is found)', () => {
  expect(convexityViolated((z, y) => L.focalLoss(z, y, { gamma: 2 }))).toBe(true);
  expect(convexityViolated((z, y) => L.generalizedCrossEntropy(z, y, { q: 0.7 }))).toBe(true);
  expect(convexityViolated((z, y) => L.normalizedCrossEntropy(z, y))).toBe(true);
  expect(convexityViolated((z, y) => L.maeLoss(z, y))).toBe(true);
});
