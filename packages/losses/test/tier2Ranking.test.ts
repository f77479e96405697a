/**
 * @file The catalog's Tier 2 preference, ranking and regression losses (R09 DPO, R10 H-DPO with
 * sequence log-probabilities, R02 AUC surrogate, R03 circle loss, L35 pinball) against plain-JS f64
 * formulas, f64 finite differences or closed-form gradients, their stated properties, jit and bad input.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import {
  at,
  double,
  expectAllClose,
  expectGradientMatchesFd,
  f64,
  i32,
  lse,
  none,
  num,
  softmaxRow,
  toNumbers,
} from './support.js';

const L = x.losses;
const vec = (n: number, scale = 5) => fc.array(double(-scale, scale), { minLength: n, maxLength: n });
const softplus = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

describe('sequenceLogProbs', () => {
  const seqArb = fc
    .record({ b: fc.integer({ min: 1, max: 3 }), t: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 2, max: 5 }) })
    .chain(({ b, t, k }) =>
      fc.record({
        b: fc.constant(b),
        t: fc.constant(t),
        k: fc.constant(k),
        z: vec(b * t * k),
        y: fc.array(fc.integer({ min: -1, max: k - 1 }), { minLength: b * t, maxLength: b * t }),
        d: vec(b * t * k, 1),
      }),
    );
  test('Σ_t log softmax(z_t)_{y_t} over kept tokens (and its mean), gradient against finite differences, jit', () => {
    fc.assert(
      fc.property(seqArb, ({ b, t, k, z, y, d }) => {
        const logits = f64(z, [b, t, k]);
        const labels = i32(y, [b, t]);
        const want = Array.from({ length: b }, (_, i) => {
          let s = 0;
          let n = 0;
          for (let j = 0; j < t; j++) {
            const yy = y[i * t + j] as number;
            if (yy === -1) continue;
            const row = z.slice((i * t + j) * k, (i * t + j + 1) * k);
            s += (row[yy] as number) - lse(row);
            n++;
          }
          return [s, n === 0 ? 0 : s / n] as const;
        });
        const got = toNumbers(L.sequenceLogProbs(logits, labels, { ignoreIndex: -1 }));
        expectAllClose(
          got,
          want.map((w) => w[0]),
          { rtol: 1e-12, atol: 1e-12 },
          'log π(y)',
        );
        const avg = toNumbers(L.sequenceLogProbs(logits, labels, { ignoreIndex: -1, average: true }));
        expectAllClose(
          avg,
          want.map((w) => w[1]),
          { rtol: 1e-12, atol: 1e-12 },
          'mean log p',
        );
        expectGradientMatchesFd((v) => x.sum(L.sequenceLogProbs(v, labels, { ignoreIndex: -1 })), [logits], [0], [d]);
        const jitted = x.jit((v: x.Tensor, u: x.Tensor) => L.sequenceLogProbs(v, u, { ignoreIndex: -1 }))(
          logits,
          labels,
        );
        expectAllClose(toNumbers(jitted), got, { rtol: 1e-12, atol: 1e-14 });
      }),
    );
  });
  test('bad input names sequenceLogProbs', () => {
    expect(() => L.sequenceLogProbs(f64([0, 0], [1, 2]), i32([0]))).toThrow(/sequenceLogProbs: argument 'logits'/);
    expect(() => L.sequenceLogProbs(f64([0, 0, 0, 0], [1, 2, 2]), i32([0, 2], [1, 2]))).toThrow(
      /sequenceLogProbs: argument 'labels'.*got 2/,
    );
    expect(() => L.sequenceLogProbs(f64([0, 0], [1, 1, 2]), i32([0], [1, 1]), { average: 1 } as never)).toThrow(
      /sequenceLogProbs: argument 'average'/,
    );
  });
});

describe('DPO and H-DPO', () => {
  const host = (w: number, l: number, rw: number, rl: number, beta: number, alpha = 1): number =>
    -Math.log(sigmoid(beta * (alpha * w - rw - alpha * l + rl)));
  const quad = (n: number) => fc.tuple(vec(n, 20), vec(n, 20), vec(n, 20), vec(n, 20));
  const t = (v: number[]) => f64(v, [v.length]);

  test('golden: β = 0.5, margin 2 gives softplus(−1) = 0.3132617; margin 0 gives log 2; H-DPO at α = 1 is DPO', () => {
    const [w, l, r] = [t([-3]), t([-5]), t([-4])];
    expect(num(L.dpoLoss(w, l, r, r, { beta: 0.5 }))).toBeCloseTo(0.3132617, 7);
    expect(num(L.dpoLoss(w, w, r, r))).toBeCloseTo(Math.LN2, 14);
    expect(num(L.hDpoLoss(w, l, r, r, { beta: 0.5, alpha: 1 }))).toBe(num(L.dpoLoss(w, l, r, r, { beta: 0.5 })));
  });

  test('equal the host formula; reference terms get no gradient; policy gradient is −β·σ(−βm)·(±α)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) => quad(n)),
        double(0.01, 3),
        double(0.1, 2),
        ([w, l, rw, rl], beta, alpha) => {
          const args = [t(w), t(l), t(rw), t(rl)] as const;
          const got = toNumbers(L.hDpoLoss(...args, { beta, alpha, reduction: 'none' }));
          expectAllClose(
            got,
            w.map((_, i) => host(at(w, i), at(l, i), at(rw, i), at(rl, i), beta, alpha)),
            { rtol: 1e-12, atol: 1e-12 },
          );
          const dpo = toNumbers(L.dpoLoss(...args, { beta, reduction: 'none' }));
          expectAllClose(
            dpo,
            w.map((_, i) => host(at(w, i), at(l, i), at(rw, i), at(rl, i), beta)),
            { rtol: 1e-12, atol: 1e-12 },
          );
          const grads = x.grad(
            (a: x.Tensor, b: x.Tensor, c: x.Tensor, d: x.Tensor) =>
              L.hDpoLoss(a, b, c, d, { beta, alpha, reduction: 'sum' }),
            {
              argnums: [0, 1, 2, 3],
            },
          )(...args);
          const s = w.map((_, i) => sigmoid(-beta * (alpha * (at(w, i) - at(l, i)) - at(rw, i) + at(rl, i))));
          expectAllClose(
            toNumbers(grads[0]),
            s.map((v) => -beta * alpha * v),
            { rtol: 1e-10, atol: 1e-14 },
            '∂/∂log π(y_w)',
          );
          expectAllClose(
            toNumbers(grads[1]),
            s.map((v) => beta * alpha * v),
            { rtol: 1e-10, atol: 1e-14 },
            '∂/∂log π(y_l)',
          );
          expect(toNumbers(grads[2]).every((v) => v === 0) && toNumbers(grads[3]).every((v) => v === 0)).toBe(true);
          // invariant to adding one constant to both policy log-probabilities
          const shifted = toNumbers(
            L.dpoLoss(t(w.map((v) => v + 7)), t(l.map((v) => v + 7)), args[2], args[3], { beta, reduction: 'none' }),
          );
          expectAllClose(shifted, dpo, { rtol: 1e-9, atol: 1e-12 });
        },
      ),
    );
  });

  test('finite at margins of ±1e4; decreasing in the margin', () => {
    const big = L.dpoLoss(t([1e4, -1e4]), t([-1e4, 1e4]), t([0, 0]), t([0, 0]), { beta: 1, reduction: 'none' });
    expect(toNumbers(big)).toEqual([0, 2e4]);
    const g = toNumbers(
      x.grad((a: x.Tensor) => L.dpoLoss(a, t([-1e4, 1e4]), t([0, 0]), t([0, 0]), { beta: 1 }))(t([1e4, -1e4])),
    );
    expect(g.every(Number.isFinite)).toBe(true);
    const values = [-3, -1, 0, 2, 5].map((m) => num(L.dpoLoss(t([m]), t([0]), t([0]), t([0]), { beta: 0.7 })));
    values.slice(1).forEach((v, i) => {
      expect(v).toBeLessThan(at(values, i));
    });
  });

  test('end to end: DPO of sequenceLogProbs, gradient in the policy logits against finite differences, jit against eager', () => {
    fc.assert(
      fc.property(fc.tuple(vec(2 * 3 * 4), vec(2 * 3 * 4), vec(2 * 3 * 4, 1)), ([zw, zl, d]) => {
        const yw = i32([0, 1, 2, 3, 1, -100], [2, 3]);
        const yl = i32([3, 2, -100, 0, 0, 1], [2, 3]);
        const ref = [t([-4, -6]), t([-5, -5])] as const;
        const loss = (a: x.Tensor, b: x.Tensor) =>
          L.dpoLoss(
            L.sequenceLogProbs(a, yw, { ignoreIndex: -100 }),
            L.sequenceLogProbs(b, yl, { ignoreIndex: -100 }),
            ...ref,
            { beta: 0.3 },
          );
        const [a, b] = [f64(zw, [2, 3, 4]), f64(zl, [2, 3, 4])];
        expectGradientMatchesFd(loss, [a, b], [0], [d]);
        const eager = x.valueAndGrad(loss, { argnums: [0, 1] })(a, b);
        const jitted = x.jit(x.valueAndGrad(loss, { argnums: [0, 1] }))(a, b);
        expectAllClose(toNumbers(jitted[0]), toNumbers(eager[0]), { rtol: 1e-12, atol: 1e-14 });
        expectAllClose(toNumbers(jitted[1][0]), toNumbers(eager[1][0]), { rtol: 1e-11, atol: 1e-14 });
      }),
    );
  });

  test('bad input names the loss and the argument', () => {
    const [a, b] = [t([1, 2]), t([0, 1])];
    expect(() => L.dpoLoss(a, t([1]), a, b)).toThrow(/dpoLoss: argument 'policyRejected' expected shape \[2\]/);
    expect(() => L.dpoLoss(a, b, a, x.tensor([0, 1]))).toThrow(
      /dpoLoss: argument 'referenceRejected' expected dtype f64/,
    );
    expect(() => L.dpoLoss(a, b, a, b, { beta: 0 })).toThrow(/dpoLoss: argument 'beta'/);
    expect(() => L.dpoLoss(a, b, a, b, { alpha: 0.5 } as never)).toThrow(
      /dpoLoss: argument 'options'.*unknown key 'alpha'/,
    );
    expect(() => L.hDpoLoss(a, b, a, b, { alpha: -1 })).toThrow(/hDpoLoss: argument 'alpha'/);
  });
});

describe('aucSurrogateLoss (Mann–Whitney)', () => {
  const arb = fc
    .integer({ min: 2, max: 7 })
    .chain((n) =>
      fc
        .tuple(vec(n), fc.array(fc.boolean(), { minLength: n, maxLength: n }), vec(n, 1))
        .filter(([, p]) => p.includes(true) && p.includes(false)),
    );
  const host = (s: number[], p: boolean[]): number => {
    let sum = 0;
    let pairs = 0;
    s.forEach((si, i) => {
      s.forEach((sj, j) => {
        if (p[i] === true && p[j] === false) {
          sum += softplus(-(si - sj));
          pairs++;
        }
      });
    });
    return sum / pairs;
  };
  test('host formula, shift invariance, AUC ≥ 1 − L/log 2, log 2 at equal scores, FD gradient, jit', () => {
    fc.assert(
      fc.property(arb, double(-50, 50), ([s, p, d], c) => {
        const pos = x.tensor(p);
        const v = num(L.aucSurrogateLoss(f64(s, [s.length]), pos));
        expect(v).toBeCloseTo(host(s, p), 12);
        expect(
          num(
            L.aucSurrogateLoss(
              f64(
                s.map((a) => a + c),
                [s.length],
              ),
              pos,
            ),
          ),
        ).toBeCloseTo(v, 10);
        let correct = 0;
        let pairs = 0;
        s.forEach((si, i) => {
          s.forEach((sj, j) => {
            if (p[i] === true && p[j] === false) {
              pairs++;
              if (si > sj) correct++;
            }
          });
        });
        expect(correct / pairs).toBeGreaterThanOrEqual(1 - v / Math.LN2 - 1e-12);
        expect(
          num(
            L.aucSurrogateLoss(
              f64(
                s.map(() => c),
                [s.length],
              ),
              pos,
            ),
          ),
        ).toBeCloseTo(Math.LN2, 12);
        expectGradientMatchesFd((u) => L.aucSurrogateLoss(u, pos), [f64(s, [s.length])], [0], [d]);
        const jitted = x.jit((u: x.Tensor, q: x.Tensor) => L.aucSurrogateLoss(u, q))(f64(s, [s.length]), pos);
        expect(num(jitted)).toBeCloseTo(v, 13);
      }),
    );
  });
  test('no positive or no negative is refused; NaN (0/0) when traced', () => {
    expect(() => L.aucSurrogateLoss(f64([1, 2], [2]), x.tensor([true, true]))).toThrow(
      /aucSurrogateLoss: argument 'positive' expected at least one positive and one negative/,
    );
    expect(() => L.aucSurrogateLoss(f64([1, 2], [2]), x.tensor([true]))).toThrow(
      /aucSurrogateLoss: argument 'positive' expected shape \[2\]/,
    );
    expect(
      Number.isNaN(
        num(x.jit((u: x.Tensor, q: x.Tensor) => L.aucSurrogateLoss(u, q))(f64([1, 2], [2]), x.tensor([false, false]))),
      ),
    ).toBe(true);
  });
});

describe('circleLoss', () => {
  const arb = fc
    .record({ n: fc.integer({ min: 1, max: 3 }), p: fc.integer({ min: 1, max: 3 }), m: fc.integer({ min: 1, max: 4 }) })
    .chain(({ n, p, m }) =>
      fc.record({ n: fc.constant(n), p: fc.constant(p), m: fc.constant(m), sp: vec(n * p, 1), sn: vec(n * m, 1) }),
    );
  const hostRow = (sp: number[], sn: number[], g: number, m: number) => {
    const ap = sp.map((s) => Math.max(1 + m - s, 0));
    const an = sn.map((s) => Math.max(s + m, 0));
    const pos = sp.map((s, i) => -g * at(ap, i) * (s - (1 - m)));
    const neg = sn.map((s, j) => g * at(an, j) * (s - m));
    const u = lse(pos) + lse(neg);
    return {
      value: Math.log1p(Math.exp(neg.reduce((s, v) => s + Math.exp(v), 0) > 0 ? u : -Infinity)),
      // ∂/∂s_p = σ(u)·softmax(pos)_i·(−γα_p), ∂/∂s_n = σ(u)·softmax(neg)_j·γα_n (weights detached)
      dp: softmaxRow(pos).map((q, i) => sigmoid(u) * q * -g * at(ap, i)),
      dn: softmaxRow(neg).map((q, j) => sigmoid(u) * q * g * at(an, j)),
    };
  };
  test('host formula and the closed-form gradient with the weights detached; ≥ 0; jit', () => {
    fc.assert(
      fc.property(arb, double(1, 64), double(0, 0.5), ({ n, p, m, sp, sn }, g, mg) => {
        const [a, b] = [f64(sp, [n, p]), f64(sn, [n, m])];
        const rowsOf = Array.from({ length: n }, (_, i) =>
          hostRow(sp.slice(i * p, (i + 1) * p), sn.slice(i * m, (i + 1) * m), g, mg),
        );
        const got = toNumbers(L.circleLoss(a, b, { gamma: g, margin: mg, reduction: 'none' }));
        expectAllClose(
          got,
          rowsOf.map((r) => r.value),
          { rtol: 1e-10, atol: 1e-12 },
        );
        got.forEach((v) => {
          expect(v).toBeGreaterThanOrEqual(0);
        });
        const [gp, gn] = x.grad(
          (u: x.Tensor, v: x.Tensor) => L.circleLoss(u, v, { gamma: g, margin: mg, reduction: 'sum' }),
          {
            argnums: [0, 1],
          },
        )(a, b);
        expectAllClose(
          toNumbers(gp),
          rowsOf.flatMap((r) => r.dp),
          { rtol: 1e-9, atol: 1e-12 },
          '∂/∂s_p',
        );
        expectAllClose(
          toNumbers(gn),
          rowsOf.flatMap((r) => r.dn),
          { rtol: 1e-9, atol: 1e-12 },
          '∂/∂s_n',
        );
        toNumbers(gp).forEach((v) => {
          expect(v).toBeLessThanOrEqual(0);
        });
        toNumbers(gn).forEach((v) => {
          expect(v).toBeGreaterThanOrEqual(0);
        });
        const jitted = x.jit((u: x.Tensor, v: x.Tensor) => L.circleLoss(u, v, { gamma: g, margin: mg }))(a, b);
        expect(num(jitted)).toBeCloseTo(got.reduce((s, v) => s + v, 0) / n, 12);
      }),
    );
  });
  test('bad input names circleLoss', () => {
    expect(() => L.circleLoss(f64([0.5, 0.2], [2, 1]), f64([0.1, 0.2, 0.3], [3, 1]))).toThrow(
      /circleLoss: argument 'negativeSimilarities' expected shape \[2, M\]/,
    );
    expect(() => L.circleLoss(f64([0.5], [1, 1]), f64([0.1], [1, 1]), { gamma: 0 })).toThrow(
      /circleLoss: argument 'gamma'/,
    );
    expect(() => L.circleLoss(f64([0.5], [1, 1]), x.tensor([[0.1]]))).toThrow(
      /circleLoss: argument 'negativeSimilarities' expected dtype f64/,
    );
  });
});

describe('pinballLoss', () => {
  const host = (r: number, tau: number) => Math.max(tau * r, (tau - 1) * r);
  test('host formula, ≥ 0 with 0 iff ŷ = y, τ = ½ is ½|r|, gradient ∈ {−τ, 1 − τ}, FD, jit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }).chain((n) => fc.tuple(vec(n), vec(n), vec(n, 1))),
        double(0.01, 0.99),
        ([yh, y, d], tau) => {
          const [a, b] = [f64(yh, [yh.length]), f64(y, [y.length])];
          const got = toNumbers(L.pinballLoss(a, b, { tau, ...none }));
          expectAllClose(
            got,
            yh.map((v, i) => host(at(y, i) - v, tau)),
            { rtol: 1e-14, atol: 0 },
          );
          got.forEach((v, i) => {
            if (yh[i] === y[i]) expect(v).toBe(0);
            else if (Math.abs(at(y, i) - at(yh, i)) > 1e-300) expect(v).toBeGreaterThan(0);
          });
          expectAllClose(
            toNumbers(L.pinballLoss(a, b, { ...none })),
            yh.map((v, i) => 0.5 * Math.abs(at(y, i) - v)),
            { rtol: 1e-15, atol: 0 },
          );
          const g = toNumbers(x.grad((u: x.Tensor) => L.pinballLoss(u, b, { tau, reduction: 'sum' }))(a));
          g.forEach((v, i) => {
            expect(v).toBe(at(y, i) - at(yh, i) >= 0 ? -tau : 1 - tau);
          });
          if (yh.every((v, i) => Math.abs(v - at(y, i)) > 1e-3))
            expectGradientMatchesFd((u) => L.pinballLoss(u, b, { tau }), [a], [0], [d]);
          expect(num(x.jit((u: x.Tensor, v: x.Tensor) => L.pinballLoss(u, v, { tau }))(a, b))).toBeCloseTo(
            got.reduce((s, v) => s + v, 0) / got.length,
            13,
          );
        },
      ),
    );
  });
  test('the constant minimising the mean pinball loss is the τ-quantile', () => {
    fc.assert(
      fc.property(fc.array(double(-10, 10), { minLength: 3, maxLength: 12 }), double(0.05, 0.95), (sample, tau) => {
        const sorted = [...sample].sort((p, q) => p - q);
        const q = at(sorted, Math.max(0, Math.ceil(tau * sorted.length) - 1));
        const meanAt = (c: number) =>
          num(
            L.pinballLoss(
              f64(
                sample.map(() => c),
                [sample.length],
              ),
              f64(sample, [sample.length]),
              { tau },
            ),
          );
        const best = meanAt(q);
        for (const c of [...sorted, q - 0.37, q + 0.41]) expect(best).toBeLessThanOrEqual(meanAt(c) + 1e-12);
      }),
    );
  });
  test('bad input names pinballLoss', () => {
    expect(() => L.pinballLoss(f64([1], [1]), f64([1, 2], [2]))).toThrow(
      /pinballLoss: argument 'targets' expected shape \[1\]/,
    );
    expect(() => L.pinballLoss(f64([1], [1]), f64([1], [1]), { tau: 1 })).toThrow(
      /pinballLoss: argument 'tau'.*\(0, 1\), got 1/,
    );
  });
});
