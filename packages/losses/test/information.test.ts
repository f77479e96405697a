/** @file Entropies, divergences, mutual information and W1 against the properties of catalog §2.3–2.5. */
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
  logitsOf,
  num,
  rows,
  softmaxRow,
  toNumbers,
} from './support.js';

const { losses: L, entropy: H, divergence: Dv } = x;
const tol = { rtol: 1e-9, atol: 1e-12 };
const logitPair = batchPairArb();

test('Shannon: 0 ≤ H ≤ log K, log K at uniform, ∇H = −p⊙(log p + H), f64 gradient check', () => {
  fc.assert(
    fc.property(
      batchArb().chain((b) => fc.tuple(fc.constant(b), directionsArb([b.n * b.k]))),
      ([b, [d]]) => {
        const h = toNumbers(H.shannon(logitsOf(b)));
        h.forEach((v) => {
          expect(v).toBeGreaterThanOrEqual(-1e-12);
          expect(v).toBeLessThanOrEqual(Math.log(b.k) + 1e-12);
        });
        const g = toNumbers(x.grad((z: x.Tensor) => x.sum(H.shannon(z)))(logitsOf(b)));
        const want = rows(b.z, b.k).flatMap((z, i) => softmaxRow(z).map((p) => -p * (Math.log(p) + (h[i] as number))));
        expectAllClose(g, want, tol, '∇H');
        expectGradientMatchesFd((z) => x.sum(H.shannon(z)), [logitsOf(b)], [0], [d as number[]]);
        expect(num(H.shannon(f64([3, 3, 3, 3], [1, 4])))).toBeCloseTo(Math.log(4), 12);
      },
    ),
  );
});

test('Shannon, Tsallis, Rényi: (pseudo-)additivity for independent products, monotone in the order', () => {
  fc.assert(
    fc.property(logitPair, ([b, other]) => {
      const p = softmaxRow(b.z.slice(0, b.k));
      const r = softmaxRow(other.slice(0, b.k));
      const joint = f64(
        p.flatMap((a) => r.map((c) => Math.log(a * c))),
        [1, b.k * b.k],
      );
      const [zp, zr] = [f64(p.map(Math.log), [1, b.k]), f64(r.map(Math.log), [1, b.k])];
      expect(num(H.shannon(joint))).toBeCloseTo(num(H.shannon(zp)) + num(H.shannon(zr)), 10);
      expect(num(H.renyi(joint, 2.5))).toBeCloseTo(num(H.renyi(zp, 2.5)) + num(H.renyi(zr, 2.5)), 10);
      const q = 1.7;
      const [sp, sr] = [num(H.tsallis(zp, q)), num(H.tsallis(zr, q))];
      expect(num(H.tsallis(joint, q))).toBeCloseTo(sp + sr + (1 - q) * sp * sr, 10);
      const orders = [0, 0.5, 0.9, 1, 2, 5, Infinity];
      const renyi = orders.map((a) => num(H.renyi(zp, a)));
      const tsallis = orders.slice(1, -1).map((a) => num(H.tsallis(zp, a)));
      for (let i = 1; i < renyi.length; i++) expect(renyi[i]).toBeLessThanOrEqual((renyi[i - 1] as number) + 1e-12);
      for (let i = 1; i < tsallis.length; i++)
        expect(tsallis[i]).toBeLessThanOrEqual((tsallis[i - 1] as number) + 1e-12);
      expect(num(H.tsallis(zp, 0.5))).toBeGreaterThanOrEqual(num(H.shannon(zp)) - 1e-12);
    }),
  );
});

test('binary entropy h(σ(s)) = softplus(s) − s·σ(s): symmetric in s ↦ −s, max log 2 at 0, finite at ±1e4', () => {
  const s = f64([-1e4, -3, 0, 0.5, 1e4], [5]);
  const h = toNumbers(H.binary(s));
  const want = [-1e4, -3, 0, 0.5, 1e4].map((v) => {
    const p = 1 / (1 + Math.exp(-v));
    return p === 0 || p === 1 ? 0 : -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
  });
  expectAllClose(h, want, { rtol: 1e-9, atol: 1e-12 }, 'h');
  expectAllClose(toNumbers(H.binary(x.neg(s))), h, tol, 'symmetry');
  expect(h[2]).toBeCloseTo(Math.LN2, 14);
  expect(toNumbers(x.grad((t: x.Tensor) => x.sum(H.binary(t)))(s)).every(Number.isFinite)).toBe(true);
});

test('CE = H + KL decomposition; KL ≥ 0 with 0 iff equal; ∇_b KL(softmax a ‖ softmax b) = softmax b − softmax a', () => {
  fc.assert(
    fc.property(logitPair, ([b, other]) => {
      const za = logitsOf(b);
      const zb = f64(other, [b.n, b.k]);
      const q = x.softmax(za);
      const d = H.crossEntropyDecomposition(q, zb);
      expectAllClose(
        toNumbers(d.crossEntropy),
        toNumbers(L.softTargetCrossEntropy(zb, q, { reduction: 'none' })),
        tol,
        'H(q,p)',
      );
      expectAllClose(toNumbers(d.kl), toNumbers(Dv.kl(za, zb, { reduction: 'none' })), tol, 'KL');
      expect(Math.min(...toNumbers(d.kl))).toBeGreaterThanOrEqual(-1e-12);
      expectAllClose(toNumbers(Dv.kl(za, za, { reduction: 'none' })), new Array<number>(b.n).fill(0), tol, 'KL(p‖p)');
      const g = toNumbers(x.grad((t: x.Tensor) => Dv.kl(za, t, { reduction: 'sum' }))(zb));
      expectAllClose(g, toNumbers(x.sub(x.softmax(zb), q)), tol, '∇KL');
      const rev = toNumbers(Dv.reverseKl(za, zb, { reduction: 'none' }));
      expectAllClose(rev, toNumbers(Dv.kl(zb, za, { reduction: 'none' })), tol, 'reverse KL');
    }),
  );
});

test('JS: symmetric, 0 ≤ JS ≤ log 2, = log 2 for disjoint supports, = H(m) − (H(p) + H(q))/2; logits and probability forms agree', () => {
  fc.assert(
    fc.property(logitPair, ([b, other]) => {
      const za = logitsOf(b);
      const zb = f64(other, [b.n, b.k]);
      const js = toNumbers(Dv.js(za, zb, { reduction: 'none' }));
      expectAllClose(toNumbers(Dv.js(zb, za, { reduction: 'none' })), js, tol, 'symmetry');
      js.forEach((v) => {
        expect(v).toBeGreaterThanOrEqual(-1e-12);
        expect(v).toBeLessThanOrEqual(Math.LN2 + 1e-12);
      });
      const [p, q] = [x.softmax(za), x.softmax(zb)];
      const m = x.mul(0.5, x.add(p, q));
      const viaH = x.sub(H.shannonFromProbs(m), x.mul(0.5, x.add(H.shannonFromProbs(p), H.shannonFromProbs(q))));
      expectAllClose(js, toNumbers(viaH), { rtol: 1e-9, atol: 1e-11 }, 'H(m) form');
      expectAllClose(
        toNumbers(Dv.jsFromProbs(p, q, { reduction: 'none' })),
        js,
        { rtol: 1e-9, atol: 1e-11 },
        'probabilities',
      );
    }),
  );
  expect(num(Dv.jsFromProbs(f64([0.5, 0.5, 0, 0], [1, 4]), f64([0, 0, 0.3, 0.7], [1, 4])))).toBeCloseTo(Math.LN2, 14);
  expect(num(Dv.js(f64([0, 0, -Infinity], [1, 3]), f64([-Infinity, -Infinity, 0], [1, 3])))).toBeCloseTo(Math.LN2, 14);
  expect(num(Dv.klFromProbs(f64([0.5, 0.5], [1, 2]), f64([1, 0], [1, 2])))).toBe(Infinity);
});

test('KD: ∇ = τ·(p_S^τ − p_T^τ), 0 iff z_S − z_T ∈ span(1), teacher detached; reverse-KL distillation gradient p⊙(log p − log t − KL)', () => {
  fc.assert(
    fc.property(logitPair, fc.double({ min: 0.5, max: 8, noNaN: true }), ([b, other], tau) => {
      const zs = logitsOf(b);
      const zt = f64(other, [b.n, b.k]);
      const [gs, gt] = x.grad(
        (s: x.Tensor, t: x.Tensor) => L.distillationLoss(s, t, { temperature: tau, reduction: 'sum' }),
        { argnums: [0, 1] },
      )(zs, zt) as x.Tensor[];
      const want = x.mul(tau, x.sub(x.softmax(zs, { temperature: tau }), x.softmax(zt, { temperature: tau })));
      expectAllClose(toNumbers(gs as x.Tensor), toNumbers(want), tol, '∇_S');
      expect(toNumbers(gt as x.Tensor).every((v) => v === 0)).toBe(true);
      expect(num(L.distillationLoss(zs, x.add(zs, 3.5), { temperature: tau }))).toBeCloseTo(0, 12);
      const gr = toNumbers(x.grad((s: x.Tensor) => L.reverseKlDistillationLoss(s, zt, { reduction: 'sum' }))(zs));
      const wantR = rows(b.z, b.k).flatMap((z, i) => {
        const p = softmaxRow(z);
        const t = softmaxRow(other.slice(i * b.k, (i + 1) * b.k));
        const kl = p.reduce((s, pk, k) => s + pk * (Math.log(pk) - Math.log(t[k] as number)), 0);
        return p.map((pk, k) => pk * (Math.log(pk) - Math.log(t[k] as number) - kl));
      });
      expectAllClose(gr, wantR, tol, '∇ reverse KL');
    }),
  );
});

test('mutual information: ≥ 0, symmetric, 0 for product tables, I(X;X) = H(X), ≤ min(H(X), H(Y)); H(Y∣X) ≥ 0', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }), (w) => {
      const s = w.reduce((a, b) => a + b, 0);
      const joint = f64(
        w.map((v) => v / s),
        [3, 4],
      );
      const mi = num(H.mutualInformation(joint));
      expect(mi).toBeGreaterThanOrEqual(-1e-12);
      expect(num(H.mutualInformation(x.transpose(joint)))).toBeCloseTo(mi, 12);
      const hx = num(H.shannonFromProbs(x.reshape(x.sum(joint, { axis: 1 }), [1, 3])));
      const hy = num(H.shannonFromProbs(x.reshape(x.sum(joint, { axis: 0 }), [1, 4])));
      expect(mi).toBeLessThanOrEqual(Math.min(hx, hy) + 1e-12);
      expect(num(H.conditionalEntropy(joint))).toBeGreaterThanOrEqual(-1e-12);
      const px = w.slice(0, 3).map((v) => v / w.slice(0, 3).reduce((a, b) => a + b, 0));
      const py = w.slice(3, 7).map((v) => v / w.slice(3, 7).reduce((a, b) => a + b, 0));
      expect(
        num(
          H.mutualInformation(
            f64(
              px.flatMap((a) => py.map((c) => a * c)),
              [3, 4],
            ),
          ),
        ),
      ).toBeCloseTo(0, 12);
      const diag = f64([px[0] as number, 0, 0, 0, px[1] as number, 0, 0, 0, px[2] as number], [3, 3]);
      expect(num(H.mutualInformation(diag))).toBeCloseTo(num(H.shannonFromProbs(f64(px, [1, 3]))), 12);
    }),
  );
});

test('information maximisation: ≤ 0, equals −I(index; prediction), invariant to batch order; Tent selection drops confident-enough samples', () => {
  fc.assert(
    fc.property(batchArb({ maxN: 5 }), (b) => {
      const z = logitsOf(b);
      const im = num(H.informationMaximization(z));
      expect(im).toBeLessThanOrEqual(1e-12);
      const joint = x.div(x.softmax(z), b.n);
      expect(-im).toBeCloseTo(num(H.mutualInformation(joint)), 10);
      const reversed = f64(rows(b.z, b.k).reverse().flat(), [b.n, b.k]);
      expect(num(H.informationMaximization(reversed))).toBeCloseTo(im, 12);
      const h = toNumbers(H.shannon(z));
      const e0 = (Math.min(...h) + Math.max(...h)) / 2;
      const kept = h.filter((v) => v < e0);
      const want = kept.length === 0 ? 0 : kept.reduce((a, c) => a + c, 0) / kept.length;
      expect(num(H.entropyMinimization(z, { threshold: e0 }))).toBeCloseTo(want, 12);
    }),
  );
});

test('W1 on ordered bins: a metric (symmetric, triangle inequality, 0 iff equal), |c_a − c_b| between point masses, hard-label form Σ p_k·|c_k − c_y|', () => {
  const simplex = (k: number) =>
    fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: k, maxLength: k }).map((w) => {
      const s = w.reduce((a, b) => a + b, 0);
      return w.map((v) => v / s);
    });
  fc.assert(
    fc.property(
      fc.tuple(simplex(5), simplex(5), simplex(5)),
      fc.array(fc.double({ min: 0.1, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }),
      ([p, q, r], gaps) => {
        const centers = gaps.reduce<number[]>((c, g) => [...c, (c[c.length - 1] as number) + g], [0]);
        const w = (a: number[], b: number[]) => num(L.wassersteinOrdinal(f64(a, [1, 5]), f64(b, [1, 5]), { centers }));
        expect(w(p, q)).toBeCloseTo(w(q, p), 12);
        expect(w(p, r)).toBeLessThanOrEqual(w(p, q) + w(q, r) + 1e-12);
        expect(w(p, p)).toBe(0);
        expect(w([0, 1, 0, 0, 0], [0, 0, 0, 0, 1])).toBeCloseTo((centers[4] as number) - (centers[1] as number), 12);
        const logits = f64(p.map(Math.log), [1, 5]);
        for (let y = 0; y < 5; y++) {
          const want = p.reduce((s, pk, k) => s + pk * Math.abs((centers[k] as number) - (centers[y] as number)), 0);
          expect(num(L.wassersteinOrdinalLoss(logits, x.tensor([y], { dtype: 'i32' }), { centers }))).toBeCloseTo(
            want,
            12,
          );
        }
      },
    ),
  );
});

test('Dice/Tversky: Dice ∈ [0, 1], 0 at p = y; Tversky ½,½ = linear Dice, 1,1 = Jaccard; batch Dice ≠ mean of per-sample Dice', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
      fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
      (p, yb) => {
        const y = yb.map((v) => (v ? 1 : 0));
        const [P, Y] = [f64(p, [2, 3]), f64(y, [2, 3])];
        toNumbers(L.diceLoss(P, Y, { reduction: 'none' })).forEach((v) => {
          expect(v).toBeGreaterThanOrEqual(-1e-12);
          expect(v).toBeLessThanOrEqual(1 + 1e-12);
        });
        expect(num(L.diceLoss(Y, Y, { smooth: 1e-9 }))).toBeCloseTo(0, 8);
        const tv = toNumbers(L.tverskyLoss(P, Y, { reduction: 'none', alpha: 0.5, beta: 0.5 }));
        expectAllClose(
          tv,
          toNumbers(L.diceLoss(P, Y, { reduction: 'none', variant: 'linear' })),
          { rtol: 1e-9, atol: 1e-9 },
          'Tversky ½ = Dice',
        );
        const inter = (i: number) => p.slice(i * 3, i * 3 + 3).reduce((s, v, k) => s + v * (y[i * 3 + k] as number), 0);
        const union = (i: number) =>
          p
            .slice(i * 3, i * 3 + 3)
            .reduce((s, v, k) => s + v + (y[i * 3 + k] as number) - v * (y[i * 3 + k] as number), 0);
        const jac = [0, 1].map((i) => 1 - (inter(i) + 1e-6) / (union(i) + 1e-6));
        expectAllClose(
          toNumbers(L.tverskyLoss(P, Y, { reduction: 'none', alpha: 1, beta: 1, smooth: 1e-6 })),
          jac,
          { rtol: 1e-9, atol: 1e-9 },
          'Jaccard',
        );
      },
    ),
  );
  const P = f64([0.9, 0.8, 0.1, 0.1, 0.2, 0.3], [2, 3]);
  const Y = f64([1, 1, 0, 0, 0, 1], [2, 3]);
  expect(Math.abs(num(L.diceLoss(P, Y, { over: 'batch' })) - num(L.diceLoss(P, Y)))).toBeGreaterThan(0.05);
});

test('JS gradient is 0 at p = q even when f32 rounding makes log p and log q tie exactly (no max/min kink)', () => {
  const z = x.zeros([2, 3]);
  const o = x.tensor(Float32Array.from([0, 0, 0, 0, 0, -1.1102230907996058e-16]), { shape: [2, 3] });
  const [gz, go] = x.grad((p: x.Tensor, q: x.Tensor) => Dv.js(p, q), { argnums: [0, 1] })(z, o) as x.Tensor[];
  expect(Math.max(...toNumbers(gz as x.Tensor).map(Math.abs), ...toNumbers(go as x.Tensor).map(Math.abs))).toBeLessThan(
    1e-7,
  );
});
