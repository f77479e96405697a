/**
 * @file The PyTorch-named losses: their laws (non-negativity, zero at a perfect fit, symmetries,
 * convexity), identities with the rest of the library, CTC against brute-force enumeration of every
 * alignment, gradients of the variance clamp and of CTC against f64 finite differences, NaN
 * propagation and the rejection of bad inputs. Values against PyTorch itself: torchGolden.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { expectAllClose, expectGradientMatchesFd, f64, i32, num, toNumbers } from './support.js';

const L = x.losses;
const none = { reduction: 'none' } as const;
const runs = { numRuns: 15 };

/** Fresh generic values (a seeded normal generator, so no ties or edge values that sit on a kink). */
function normals(seed: number, n: number, scale = 1): number[] {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return Array.from(
    { length: n },
    () => scale * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()),
  );
}

/** A seed with a batch shape [n, k]. */
const shapeArb = fc.record({
  seed: fc.integer(),
  n: fc.integer({ min: 1, max: 4 }),
  k: fc.integer({ min: 2, max: 5 }),
});
const tensor = (seed: number, shape: number[], scale = 1): x.Tensor =>
  f64(
    normals(
      seed,
      shape.reduce((a, b) => a * b, 1),
      scale,
    ),
    shape,
  );
const labels = (seed: number, n: number, k: number): x.Tensor =>
  i32(normals(seed, n).map((v) => Math.min(k - 1, Math.floor(Math.abs(v * 7919)) % k)));
const close = (a: x.Tensor, b: x.Tensor, tol = 1e-10, label = 'values'): void => {
  expectAllClose(toNumbers(a), toNumbers(b), { rtol: tol, atol: tol }, label);
};

describe('laws', () => {
  test('non-negative: every loss that is a distance, a hinge, a cross-entropy or a divergence', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, n, k }) => {
        const [a, b] = [tensor(seed, [n, k], 3), tensor(seed + 1, [n, k], 3)];
        const y = labels(seed + 2, n, k);
        const sgn = x.sign(tensor(seed + 3, [n, k]));
        const rows = x.sign(tensor(seed + 4, [n]));
        const losses = [
          L.mseLoss(a, b, none),
          L.l1Loss(a, b, none),
          L.huberLoss(a, b, { ...none, delta: 0.5 }),
          L.smoothL1Loss(a, b, { ...none, beta: 2 }),
          L.softMarginLoss(a, sgn, none),
          L.multiMarginLoss(a, y, { ...none, p: 2 }),
          L.multilabelSoftMarginLoss(a, x.sigmoid(b), none),
          L.marginRankingLoss(a, b, sgn, { ...none, margin: -0.5 }),
          L.hingeEmbeddingLoss(x.abs(a), sgn, none),
          L.cosineEmbeddingLoss(a, b, rows, { ...none, margin: -0.2 }),
          L.tripletMarginLoss(a, b, x.roll(b, 1, 0), { ...none, p: 3, swap: true }),
          L.nllLoss(x.logSoftmax(a), y, none),
          L.binaryCrossEntropy(x.sigmoid(a), x.sigmoid(b), none),
          L.klDiv(x.logSoftmax(a), x.softmax(b), { reduction: 'batchmean' }),
          L.softTargetCrossEntropy(a, x.softmax(b), { ...none, labelSmoothing: 0.2 }),
        ];
        for (const l of losses) for (const v of toNumbers(l)) expect(v).toBeGreaterThanOrEqual(-1e-12);
      }),
      runs,
    );
  });

  test('zero exactly at a perfect fit and positive elsewhere (regression losses; KL at equal distributions)', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, n, k }) => {
        const [a, b] = [tensor(seed, [n, k]), tensor(seed + 1, [n, k])];
        for (const f of [L.mseLoss, L.l1Loss, L.huberLoss, L.smoothL1Loss] as const) {
          expect(num(f(a, a))).toBe(0);
          expect(num(f(a, b))).toBeGreaterThan(0);
        }
        expect(Math.abs(num(L.klDiv(x.logSoftmax(a), x.softmax(a), { reduction: 'sum' })))).toBeLessThan(1e-12);
        expect(num(L.klDiv(x.logSoftmax(a), x.softmax(b), { reduction: 'sum' }))).toBeGreaterThan(0);
      }),
      runs,
    );
  });

  test('symmetries: the regression losses in their two arguments, ranking under (x₁, x₂, y) ↦ (x₂, x₁, −y), cosine embedding in x₁ ↔ x₂, triplets in p ↔ n with swap', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, n, k }) => {
        const [a, b, c] = [tensor(seed, [n, k], 2), tensor(seed + 1, [n, k], 2), tensor(seed + 5, [n, k], 2)];
        for (const f of [L.mseLoss, L.l1Loss, L.huberLoss, L.smoothL1Loss] as const)
          close(f(a, b, none), f(b, a, none));
        const sgn = x.sign(tensor(seed + 2, [n, k]));
        close(
          L.marginRankingLoss(a, b, sgn, { ...none, margin: 0.3 }),
          L.marginRankingLoss(b, a, x.neg(sgn), { ...none, margin: 0.3 }),
        );
        const rows = x.sign(tensor(seed + 3, [n]));
        close(L.cosineEmbeddingLoss(a, b, rows, none), L.cosineEmbeddingLoss(b, a, rows, none));
        // with eps = 0 the distances are symmetric, so swapping treats (a, p, n) and (a, p, n) alike in d(a,n) vs d(p,n)
        const swapped = L.tripletMarginLoss(a, b, c, { ...none, eps: 0, swap: true });
        const plain = L.tripletMarginLoss(a, b, c, { ...none, eps: 0 });
        for (const [s, p] of toNumbers(swapped).map((v, i) => [v, toNumbers(plain)[i] as number]))
          expect(s).toBeGreaterThanOrEqual((p as number) - 1e-12);
      }),
      runs,
    );
  });

  test('convex in the input (the exact Hessian is PSD): MSE, Huber, smooth L1, soft margin, multi-margin, Poisson NLL, BCE, KL, NLL', () => {
    const ops = (shape: number[], target: (seed: number) => number[]) =>
      fc
        .integer()
        .map((seed) => [
          x.laws.float(normals(seed, 6, 2), shape),
          { ...x.laws.float(target(seed + 1), shape), fixed: true },
        ]);
    const shape = [2, 3];
    const gauss = (seed: number) => normals(seed, 6, 2);
    const probs = (seed: number) => normals(seed, 6).map((v) => 1 / (1 + Math.exp(-v)));
    const signs = (seed: number) => normals(seed, 6).map((v) => (v > 0 ? 1 : -1));
    const cases: [string, (a: x.Tensor, b: x.Tensor) => x.Tensor, (seed: number) => number[]][] = [
      ['mse', (a, b) => L.mseLoss(a, b), gauss],
      ['huber', (a, b) => L.huberLoss(a, b, { delta: 0.6 }), gauss],
      ['smoothL1', (a, b) => L.smoothL1Loss(a, b, { beta: 0.6 }), gauss],
      ['softMargin', (a, b) => L.softMarginLoss(a, b), signs],
      ['poissonNll', (a, b) => L.poissonNllLoss(a, x.abs(b), { full: true }), gauss],
      ['bce', (a, b) => L.binaryCrossEntropy(x.sigmoid(a), b), probs],
      ['klDiv', (a, b) => L.klDiv(a, b, { reduction: 'batchmean' }), probs],
    ];
    for (const [name, f, target] of cases) {
      const r = fc.check(x.laws.convex(f, ops(shape, target)), { numRuns: 8 });
      expect(r.failed, `${name}: ${String(r.errorInstance)}`).toBe(false);
    }
    const marginOps = fc.integer().map((seed) => [x.laws.float(normals(seed, 6, 2), [2, 3]), x.laws.integer([0, 2])]);
    expect(
      fc.check(
        x.laws.convex((a, y) => L.multiMarginLoss(a, y, { p: 2 }), marginOps),
        { numRuns: 8 },
      ).failed,
    ).toBe(false);
    expect(
      fc.check(
        x.laws.convex((a, y) => L.nllLoss(a, y), marginOps),
        { numRuns: 8 },
      ).failed,
    ).toBe(false);
  });
});

describe('identities with the rest of the library', () => {
  test('nllLoss of logSoftmax is crossEntropy (weights, ignoreIndex); Huber δ is δ·smooth L1 β = δ; soft margin and multilabel soft margin are BCE with logits', () => {
    fc.assert(
      fc.property(shapeArb, fc.double({ min: 0.1, max: 3, noNaN: true }), ({ seed, n, k }, d) => {
        const z = tensor(seed, [n, k], 3);
        const y = x.where(x.equal(labels(seed + 1, n, k), 0), -100, labels(seed + 1, n, k));
        const w = x.abs(tensor(seed + 2, [k]));
        const o = { weights: w, ignoreIndex: -100 };
        close(L.nllLoss(x.logSoftmax(z), y, o), L.crossEntropy(z, y, o));
        const t = tensor(seed + 3, [n, k], 3);
        close(L.huberLoss(z, t, { ...none, delta: d }), x.mul(d, L.smoothL1Loss(z, t, { ...none, beta: d })));
        const sgn = x.sign(t);
        close(L.softMarginLoss(z, sgn, none), L.binaryCrossEntropyWithLogits(x.mul(sgn, z), x.onesLike(z), none));
        const q = x.sigmoid(t);
        close(L.multilabelSoftMarginLoss(z, q, none), x.mean(L.binaryCrossEntropyWithLogits(z, q, none), { axis: -1 }));
        close(L.binaryCrossEntropy(x.sigmoid(z), q, none), L.binaryCrossEntropyWithLogits(z, q, none), 1e-9);
      }),
      runs,
    );
  });

  test('probability targets: one-hot targets with smoothing and class weights give the hard-label loss per sample; mean divides by N', () => {
    fc.assert(
      fc.property(shapeArb, fc.double({ min: 0, max: 0.9, noNaN: true }), ({ seed, n, k }, eps) => {
        const z = tensor(seed, [n, k], 3);
        const y = labels(seed + 1, n, k);
        const w = x.add(x.abs(tensor(seed + 2, [k])), 0.1);
        const hot = x.oneHot(y, k, { dtype: 'f64' });
        const o = { labelSmoothing: eps, weights: w };
        const soft = L.softTargetCrossEntropy(z, hot, { ...o, ...none });
        close(soft, L.crossEntropy(z, y, { ...o, ...none }));
        close(L.softTargetCrossEntropy(z, hot, o), x.mean(soft));
      }),
      runs,
    );
  });

  test('linearCrossEntropy with class weights equals crossEntropy of the logits, value and gradients (bias, softcap, smoothing, ignoreIndex)', () => {
    fc.assert(
      fc.property(shapeArb, fc.boolean(), fc.boolean(), ({ seed, n, k }, capped, smooth) => {
        const [h, w, b] = [tensor(seed, [n, 3]), tensor(seed + 1, [k, 3], 2), tensor(seed + 2, [k])];
        const y = x.where(x.equal(labels(seed + 3, n, k), 1), -100, labels(seed + 3, n, k));
        const cw = x.add(x.abs(tensor(seed + 4, [k])), 0.1);
        const o = {
          weights: cw,
          ignoreIndex: -100,
          bias: b,
          ...(smooth ? { labelSmoothing: 0.2 } : {}),
        };
        const fused = (hh: x.Tensor, ww: x.Tensor) =>
          L.linearCrossEntropy(hh, ww, y, capped ? { ...o, softcap: 2 } : o);
        const plain = (hh: x.Tensor, ww: x.Tensor) => {
          const zz = x.add(x.matmul(hh, x.transpose(ww)), b);
          const { bias: _b, ...rest } = o;
          return L.crossEntropy(capped ? x.mul(2, x.tanh(x.div(zz, 2))) : zz, y, rest);
        };
        close(fused(h, w), plain(h, w));
        const [gf, gp] = [x.grad(fused, { argnums: [0, 1] })(h, w), x.grad(plain, { argnums: [0, 1] })(h, w)];
        close(gf[0], gp[0], 1e-9, 'dh');
        close(gf[1], gp[1], 1e-9, 'dW');
      }),
      { numRuns: 10 },
    );
  });

  test('klDiv with logTarget equals klDiv of the probabilities; the default triplet distance is tripletMarginLoss', () => {
    fc.assert(
      fc.property(shapeArb, ({ seed, n, k }) => {
        const [a, b, c] = [tensor(seed, [n, k]), tensor(seed + 1, [n, k]), tensor(seed + 2, [n, k])];
        close(L.klDiv(x.logSoftmax(a), x.logSoftmax(b), { logTarget: true }), L.klDiv(x.logSoftmax(a), x.softmax(b)));
        close(L.tripletMarginWithDistanceLoss(a, b, c, none), L.tripletMarginLoss(a, b, c, none));
      }),
      runs,
    );
  });
});

/** −log p(l | x) by enumerating every path of length T over C classes that collapses to l (plain JS). */
function ctcBruteForce(lp: number[][], label: number[], blank: number): number {
  const [t, c] = [lp.length, (lp[0] as number[]).length];
  let total = 0;
  const path: number[] = [];
  const walk = (i: number): void => {
    if (i === t) {
      const collapsed: number[] = [];
      path.forEach((s, j) => {
        if (s !== blank && (j === 0 || s !== path[j - 1])) collapsed.push(s);
      });
      if (collapsed.length === label.length && collapsed.every((s, j) => s === label[j]))
        total += Math.exp(path.reduce((acc, s, j) => acc + ((lp[j] as number[])[s] as number), 0));
      return;
    }
    for (let s = 0; s < c; s++) {
      path.push(s);
      walk(i + 1);
      path.pop();
    }
  };
  walk(0);
  return -Math.log(total);
}

describe('CTC', () => {
  test('equals the brute-force sum over alignments, per sequence, with input and target lengths and either blank', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(0, 2), (seed, blank) => {
        const [t, n, c] = [5, 3, 3];
        const lp = x.logSoftmax(tensor(seed, [t, n, c], 2));
        const lpv = toNumbers(lp);
        const others = [0, 1, 2].filter((v) => v !== blank);
        const targets = [
          [others[0] as number, others[1] as number, others[0] as number],
          [others[1] as number, others[1] as number, others[0] as number],
          [others[0] as number, others[0] as number, others[0] as number],
        ];
        const inLens = [5, 4, 3];
        const tgtLens = [3, 2, 0];
        const got = toNumbers(
          L.ctcLoss(lp, i32(targets.flat(), [3, 3]), i32(inLens), i32(tgtLens), { blank, reduction: 'none' }),
        );
        for (let b = 0; b < n; b++) {
          const rows = Array.from({ length: inLens[b] as number }, (_, i) =>
            lpv.slice((i * n + b) * c, (i * n + b + 1) * c),
          );
          const want = ctcBruteForce(rows, (targets[b] as number[]).slice(0, tgtLens[b]), blank);
          expect(Math.abs((got[b] as number) - want), `sequence ${b}`).toBeLessThan(
            1e-10 * Math.max(1, Math.abs(want)),
          );
        }
      }),
      { numRuns: 6 },
    );
  });

  test('an impossible sequence is +Inf, or 0 with a zero gradient under zeroInfinity; the gradient matches f64 finite differences', () => {
    const z = tensor(7, [3, 2, 4]);
    const targets = i32([1, 1, 0, 1, 2, 3], [2, 3]);
    const f = (zz: x.Tensor, o = {}) =>
      L.ctcLoss(x.logSoftmax(zz), targets, i32([3, 2]), i32([2, 3]), { reduction: 'none', ...o });
    expect(toNumbers(f(z))).toEqual([expect.any(Number), Infinity]);
    const g = x.grad((zz: x.Tensor) => x.sum(f(zz, { zeroInfinity: true })))(z);
    const gv = toNumbers(g);
    expect(gv.every(Number.isFinite)).toBe(true);
    expect(gv.filter((_, i) => Math.floor(i / 4) % 2 === 1).every((v) => v === 0)).toBe(true);
    const possible = (zz: x.Tensor) => L.ctcLoss(x.logSoftmax(zz), i32([1, 2, 1, 3], [2, 2]), i32([3, 2]), i32([2, 1]));
    expectGradientMatchesFd(possible, [z], [0], [normals(11, 24)]);
  });

  test('ctcLossWithForwardProbs: the loss is ctcLoss per sequence and log α starts at (blank, l₁) of step 0', () => {
    const lp = x.logSoftmax(tensor(3, [4, 2, 3]));
    const targets = i32([1, 2, 2, 0], [2, 2]);
    const [inL, tgL] = [i32([4, 3]), i32([2, 1])];
    const r = L.ctcLossWithForwardProbs(lp, targets, inL, tgL);
    close(r.loss, L.ctcLoss(lp, targets, inL, tgL, none));
    expect(r.logAlpha.shape).toEqual([4, 2, 5]);
    const a0 = toNumbers(r.logAlpha).slice(0, 5);
    const lp0 = toNumbers(lp).slice(0, 3);
    expect(a0.slice(0, 2)).toEqual([lp0[0], lp0[1]]);
    expect(a0.slice(2)).toEqual([-Infinity, -Infinity, -Infinity]);
  });
});

describe('gradients and NaN', () => {
  test('gaussianNllLoss: the variance clamp is the identity in the gradient (PyTorch), ∂/∂v = ½(1/v_c − d²/v_c²) with v_c = max(v, eps)', () => {
    const [mu, y] = [f64([0.5, -1], [2]), f64([1, 1], [2])];
    const v = f64([1e-9, 2], [2]);
    const g = toNumbers(x.grad((vv: x.Tensor) => L.gaussianNllLoss(mu, y, vv, { reduction: 'sum', eps: 1e-3 }))(v));
    const want = [
      [1e-3, 0.25],
      [2, 4],
    ].map(([vc, d2]) => 0.5 * (1 / (vc as number) - (d2 as number) / (vc as number) ** 2));
    expectAllClose(g, want, { rtol: 1e-12, atol: 0 }, 'dv');
    expectGradientMatchesFd(
      (a, b, vv) => L.gaussianNllLoss(a, b, vv, { full: true }),
      [tensor(1, [3, 2]), tensor(2, [3, 2]), x.abs(tensor(3, [3, 1]))],
      [0, 1, 2],
      [normals(4, 6), normals(5, 6), normals(6, 3)],
    );
  });

  test('NaN propagates: BCE of a NaN probability, CTC of a NaN log-probability, the regression losses', () => {
    expect(Number.isNaN(num(L.binaryCrossEntropy(f64([NaN, 0.5], [2]), f64([1, 0], [2]))))).toBe(true);
    const lp = x.where(x.equal(x.iota([2, 1, 3], 2), 1), NaN, x.logSoftmax(x.zeros([2, 1, 3], { dtype: 'f64' })));
    expect(Number.isNaN(num(L.ctcLoss(lp, i32([1], [1, 1]), i32([2]), i32([1]))))).toBe(true);
    for (const f of [L.mseLoss, L.l1Loss, L.huberLoss, L.smoothL1Loss, L.poissonNllLoss] as const)
      expect(Number.isNaN(num(f(f64([NaN, 1], [2]), f64([0, 1], [2]))))).toBe(true);
    // PyTorch's −100 clamp: log 0 costs 100, not Inf
    expect(toNumbers(L.binaryCrossEntropy(f64([0, 1], [2]), f64([1, 0], [2]), none))).toEqual([100, 100]);
  });
});

describe('bad inputs are XentErrors naming the loss and the argument', () => {
  const a = f64([1, 2, 3, 4], [2, 2]);
  const y = i32([0, 1]);
  test.each<[string, () => unknown, RegExp]>([
    ['shape mismatch', () => L.mseLoss(a, f64([1, 2], [2])), /mseLoss: argument 'target'.*shape \[2, 2\]/],
    ['dtype mismatch', () => L.l1Loss(a, x.cast(a, 'f32')), /l1Loss: argument 'target'.*dtype f64/],
    ['negative delta', () => L.huberLoss(a, a, { delta: 0 }), /huberLoss: argument 'delta'/],
    ['unknown option', () => L.smoothL1Loss(a, a, { betta: 1 } as never), /smoothL1Loss: argument 'options'.*betta/],
    ['label out of range', () => L.nllLoss(a, i32([0, 2])), /nllLoss: argument 'labels'.*\[0, 2\)/],
    ['±1 targets', () => L.softMarginLoss(a, a), /softMarginLoss: argument 'target'.*−1 or 1/],
    ['p not 1 or 2', () => L.multiMarginLoss(a, y, { p: 3 as never }), /multiMarginLoss: argument 'p'/],
    [
      'multilabel index',
      () => L.multilabelMarginLoss(a, i32([0, 2, 1, -1], [2, 2])),
      /multilabelMarginLoss: argument 'target'/,
    ],
    [
      'negative variance',
      () => L.gaussianNllLoss(a, a, f64([1, -1], [2])),
      /gaussianNllLoss: argument 'variance'.*≥ 0/,
    ],
    [
      'variance shape',
      () => L.gaussianNllLoss(a, a, f64([1, 1, 1], [3])),
      /gaussianNllLoss: argument 'variance'.*shape/,
    ],
    [
      'probability > 1',
      () => L.binaryCrossEntropy(f64([1.5], [1]), f64([1], [1])),
      /binaryCrossEntropy: argument 'input'/,
    ],
    ['klDiv reduction', () => L.klDiv(a, a, { reduction: 'batchMean' as never }), /klDiv: argument 'reduction'/],
    [
      'weights length',
      () => L.softTargetCrossEntropy(a, f64([0.5, 0.5, 1, 0], [2, 2]), { weights: f64([1], [1]) }),
      /softTargetCrossEntropy: argument 'weights'.*shape \[2\]/,
    ],
    [
      'linear CE weights',
      () => L.linearCrossEntropy(a, a, y, { weights: f64([1, -1], [2]) }),
      /linearCrossEntropy: argument 'weights'.*≥ 0/,
    ],
    [
      'distance result shape',
      () => L.tripletMarginWithDistanceLoss(a, a, a, { distanceFunction: (u) => u }),
      /tripletMarginWithDistanceLoss: argument 'distanceFunction'.*shape \[2\]/,
    ],
    ['triplet margin ≤ 0', () => L.tripletMarginWithDistanceLoss(a, a, a, { margin: 0 }), /argument 'margin'/],
    [
      'ctc target length',
      () => L.ctcLoss(x.zeros([2, 1, 3], { dtype: 'f64' }), i32([1], [1, 1]), i32([2]), i32([2])),
      /ctcLoss: argument 'targetLengths'/,
    ],
    [
      'ctc input length',
      () => L.ctcLoss(x.zeros([2, 1, 3], { dtype: 'f64' }), i32([1], [1, 1]), i32([3]), i32([1])),
      /ctcLoss: argument 'inputLengths'/,
    ],
    [
      'ctc blank label',
      () => L.ctcLoss(x.zeros([2, 1, 3], { dtype: 'f64' }), i32([0], [1, 1]), i32([2]), i32([1])),
      /ctcLoss: argument 'targets'.*blank/,
    ],
    [
      'ctc blank range',
      () => L.ctcLoss(x.zeros([2, 1, 3], { dtype: 'f64' }), i32([1], [1, 1]), i32([2]), i32([1]), { blank: 3 }),
      /ctcLoss: argument 'blank'/,
    ],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(x.XentError);
    expect(call).toThrow(message);
  });
});
