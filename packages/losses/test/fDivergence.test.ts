/** @file The f-divergence family, TV, Jeffreys and Rényi divergences (catalog D04–D07) against an independent f64 host implementation and their laws. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import {
  batchPairArb,
  expectAllClose,
  expectGradientMatchesFd,
  f64,
  num,
  rows,
  softmaxRow,
  toNumbers,
} from './support.js';

const Dv = x.divergence;
const row = (v: readonly number[]) => f64(v, [1, v.length]);
const logs = (p: readonly number[]) => row(p.map(Math.log));
const pair = batchPairArb({ minK: 2, maxK: 6, maxN: 3 });
const none = { reduction: 'none' } as const;
const names = ['kl', 'reverseKl', 'hellinger', 'chiSquared', 'js', 'tv'] as const;

/** Host references on probability vectors, written from the textbook definitions (0·log 0 = 0). */
const xlogy = (a: number, b: number): number => (a === 0 ? 0 : a * Math.log(b));
const host = {
  kl: (p: number[], q: number[]) => p.reduce((s, a, i) => s + xlogy(a, a) - xlogy(a, q[i] as number), 0),
  reverseKl: (p: number[], q: number[]) => host.kl(q, p),
  hellinger: (p: number[], q: number[]) =>
    p.reduce((s, a, i) => s + (Math.sqrt(a) - Math.sqrt(q[i] as number)) ** 2, 0),
  chiSquared: (p: number[], q: number[]) =>
    p.reduce((s, a, i) => s + (a - (q[i] as number)) ** 2 / (q[i] as number), 0),
  js: (p: number[], q: number[]) => {
    const m = p.map((a, i) => (a + (q[i] as number)) / 2);
    return (host.kl(p, m) + host.kl(q, m)) / 2;
  },
  tv: (p: number[], q: number[]) => p.reduce((s, a, i) => s + Math.abs(a - (q[i] as number)), 0) / 2,
  jeffreys: (p: number[], q: number[]) => host.kl(p, q) + host.kl(q, p),
  renyi: (p: number[], q: number[], a: number) => {
    if (a === 1) return host.kl(p, q);
    if (a === Infinity) return Math.log(Math.max(...p.map((v, i) => (v > 0 ? v / (q[i] as number) : 0))));
    // near 1, log Σ p·(q/p)^{1−α} = log1p(Σ p·expm1((1 − α)·log(q/p))): the plain form cancels there
    if (Math.abs(a - 1) < 0.01)
      return (
        Math.log1p(
          p.reduce((t, v, i) => t + (v > 0 ? v * Math.expm1((1 - a) * Math.log((q[i] as number) / v)) : 0), 0),
        ) /
        (a - 1)
      );
    const s = p.reduce((t, v, i) => t + (v > 0 ? v ** a * (q[i] as number) ** (1 - a) : 0), 0);
    return Math.log(s) / (a - 1);
  },
};

const distributions = ([b, other]: readonly [{ n: number; k: number; z: number[] }, number[]]) => ({
  ps: rows(b.z, b.k).map((r) => softmaxRow(r)),
  qs: rows(other, b.k).map((r) => softmaxRow(r)),
  za: f64(b.z, [b.n, b.k]),
  zb: f64(other, [b.n, b.k]),
});
const tol = { rtol: 1e-9, atol: 1e-12 };

describe('f-divergences (D04)', () => {
  test('golden values: KL 0.5108256, reverse KL 0.3680642, JS 0.1017492, TV 0.4 on (½,½) vs (0.9,0.1)', () => {
    const [a, b] = [logs([0.5, 0.5]), logs([0.9, 0.1])];
    expect(num(Dv.fDivergence(a, b, 'kl'))).toBeCloseTo(0.5108256, 7);
    expect(num(Dv.fDivergence(a, b, 'reverseKl'))).toBeCloseTo(0.3680642, 7);
    expect(num(Dv.fDivergence(a, b, 'js'))).toBeCloseTo(0.1017492, 7);
    expect(num(Dv.fDivergence(a, b, 'tv'))).toBeCloseTo(0.4, 12);
    expect(num(Dv.tvFromProbs(row([0.5, 0.5]), row([0.9, 0.1])))).toBeCloseTo(0.4, 12);
    expect(num(Dv.jeffreys(a, b))).toBeCloseTo(0.5108256 + 0.3680642, 7);
  });

  test('every named generator, its plain f through the generic path, and a user generator equal the host definitions', () => {
    fc.assert(
      fc.property(pair, (draw) => {
        const { ps, qs, za, zb } = distributions(draw);
        for (const name of names) {
          const want = ps.map((p, i) => host[name](p, qs[i] as number[]));
          expectAllClose(toNumbers(Dv.fDivergence(za, zb, name, none)), want, tol, name);
          expectAllClose(toNumbers(Dv.fDivergence(za, zb, Dv.fGenerators[name], none)), want, tol, `${name} as f`);
        }
        const alpha = { f: (t: x.Tensor) => x.mul(4, x.sub(1, x.sqrt(t))), slopeAtInfinity: -Infinity };
        // f(t) = 4(1 − √t) is convex, f(1) = 0: D_f = 4(1 − Σ√(pq)) = 2·Hellinger², the α = ½ member of Amari's family
        const hel = ps.map((p, i) => 2 * host.hellinger(p, qs[i] as number[]));
        expectAllClose(toNumbers(Dv.fDivergence(za, zb, alpha, none)), hel, tol, 'user generator');
        expectAllClose(
          toNumbers(Dv.jeffreys(za, zb, none)),
          ps.map((p, i) => host.jeffreys(p, qs[i] as number[])),
          tol,
          'Jeffreys',
        );
      }),
      { numRuns: 40 },
    );
  });

  const smooth = ['gradient', 'nonNegative', 'zeroIffEqual', 'shiftInvariant'] as const;
  const kinked = ['nonNegative', 'zeroIffEqual', 'shiftInvariant'] as const;

  test('laws: ≥ 0, 0 iff p = q, logit-shift invariance, gradient = f64 finite differences (certify)', async () => {
    const cases: [string, (p: x.Tensor, q: x.Tensor) => x.Tensor][] = [
      ...names.map((n): [string, (p: x.Tensor, q: x.Tensor) => x.Tensor] => [n, (p, q) => Dv.fDivergence(p, q, n)]),
      ['user χ²', (p, q) => Dv.fDivergence(p, q, Dv.fGenerators.chiSquared)],
      ['tv', (p, q) => Dv.tv(p, q)],
      ['jeffreys', (p, q) => Dv.jeffreys(p, q)],
      ['renyi ½', (p, q) => Dv.renyi(p, q, 0.5)],
      ['renyi 2', (p, q) => Dv.renyi(p, q, 2)],
      ['renyi 1.001', (p, q) => Dv.renyi(p, q, 1.001)],
    ];
    for (const [name, d] of cases) {
      // TV has a kink wherever p_k = q_k (certify draws ties): its gradient is checked off the kinks (backends.test.ts)
      const laws = name === 'tv' ? kinked : smooth;
      const r = await x.laws.certify(d, { kind: 'divergence', runs: 15, name, claims: laws, laws });
      expect(r.failedClaims, `${name}: ${x.laws.formatReport(r)}`).toEqual([]);
      expect(r.ok).toBe(true);
    }
  }, 120_000);

  test('symmetry of JS, TV, Jeffreys, Hellinger; D_{f*}(p‖q) = D_f(q‖p) for f*(t) = t·f(1/t); data processing under merging bins', () => {
    fc.assert(
      fc.property(pair, (draw) => {
        const { za, zb } = distributions(draw);
        for (const n of ['js', 'tv', 'hellinger'] as const)
          expectAllClose(
            toNumbers(Dv.fDivergence(zb, za, n, none)),
            toNumbers(Dv.fDivergence(za, zb, n, none)),
            tol,
            n,
          );
        expectAllClose(toNumbers(Dv.jeffreys(zb, za, none)), toNumbers(Dv.jeffreys(za, zb, none)), tol, 'Jeffreys');
        const star = { f: (t: x.Tensor) => x.mul(t, x.square(x.sub(x.div(1, t), 1))), slopeAtInfinity: 1 };
        expectAllClose(
          toNumbers(Dv.fDivergence(za, zb, star, none)),
          toNumbers(Dv.fDivergence(zb, za, 'chiSquared', none)),
          tol,
          'χ²*',
        );
        expectAllClose(
          toNumbers(Dv.fDivergence(za, zb, 'reverseKl', none)),
          toNumbers(Dv.fDivergence(zb, za, 'kl', none)),
          tol,
          'KL*',
        );
        // merging the first two classes is a channel: no divergence can grow
        const k = za.shape[1] as number;
        if (k < 3) return;
        const merge = (z: x.Tensor) => {
          const p = x.softmax(z);
          const head = x.sum(x.slice(p, [0, 0], [null, 2]), { axis: 1, keepDims: true });
          return x.concat([head, x.slice(p, [0, 2], [null, k])], 1);
        };
        const [mp, mq] = [merge(za), merge(zb)];
        for (const n of names) {
          const coarse = toNumbers(Dv.fDivergenceFromProbs(mp, mq, n, none));
          const fine = toNumbers(Dv.fDivergence(za, zb, n, none));
          coarse.forEach((c, i) => {
            expect(c).toBeLessThanOrEqual((fine[i] as number) + 1e-12);
          });
        }
        const rc = toNumbers(Dv.renyiFromProbs(mp, mq, 3, none));
        const rf = toNumbers(Dv.renyi(za, zb, 3, none));
        rc.forEach((c, i) => {
          expect(c).toBeLessThanOrEqual((rf[i] as number) + 1e-12);
        });
      }),
      { numRuns: 30 },
    );
  });

  test('exact zeros in the probability forms: host limits, +Inf where q = 0 < p, NaN propagates', () => {
    const p = row([0.5, 0.5, 0]);
    const q = row([0.25, 0.25, 0.5]);
    for (const n of names)
      expect(num(Dv.fDivergenceFromProbs(p, q, n))).toBeCloseTo(host[n]([0.5, 0.5, 0], [0.25, 0.25, 0.5]), 12);
    expect(num(Dv.fDivergenceFromProbs(q, p, 'kl'))).toBe(Infinity);
    expect(num(Dv.fDivergenceFromProbs(q, p, 'chiSquared'))).toBe(Infinity);
    expect(num(Dv.fDivergenceFromProbs(q, p, 'reverseKl'))).toBeCloseTo(host.kl([0.5, 0.5, 0], [0.25, 0.25, 0.5]), 12);
    expect(num(Dv.fDivergenceFromProbs(q, p, 'hellinger'))).toBeCloseTo(
      host.hellinger([0.25, 0.25, 0.5], [0.5, 0.5, 0]),
      12,
    );
    expect(num(Dv.fDivergenceFromProbs(q, p, 'js'))).toBeCloseTo(host.js([0.25, 0.25, 0.5], [0.5, 0.5, 0]), 12);
    // the generic path: f′(∞)·p where q = 0 (TV: ½ per unit, χ²: ∞), and 0 where both vanish
    expect(num(Dv.fDivergenceFromProbs(q, p, Dv.fGenerators.tv))).toBeCloseTo(0.5, 12);
    expect(num(Dv.fDivergenceFromProbs(q, p, Dv.fGenerators.chiSquared))).toBe(Infinity);
    expect(num(Dv.fDivergenceFromProbs(row([1, 0]), row([1, 0]), Dv.fGenerators.chiSquared))).toBe(0);
    const g = toNumbers(x.grad((t: x.Tensor) => Dv.fDivergenceFromProbs(t, p, Dv.fGenerators.tv))(q));
    expect(g.every(Number.isFinite)).toBe(true);
    const nan = f64([0, Number.NaN, 1], [1, 3]);
    for (const gen of [...names, Dv.fGenerators.hellinger, Dv.fGenerators.chiSquared])
      expect(num(Dv.fDivergence(nan, row([0, 0, 0]), gen))).toBeNaN();
    expect(num(Dv.fDivergence(row([0, 0, 0]), nan, Dv.fGenerators.tv))).toBeNaN();
    expect(num(Dv.renyi(nan, row([0, 0, 0]), 2))).toBeNaN();
    expect(num(Dv.renyi(nan, row([0, 0, 0]), 1.001))).toBeNaN();
  });

  test('bad generators, orders and shapes are XentErrors naming the function and the argument', () => {
    const [a, b] = [row([0, 1]), row([1, 0])];
    expect(() => Dv.fDivergence(a, b, 'kullback' as never)).toThrow(/xent\.fDivergence: argument 'generator'/);
    expect(() => Dv.fDivergence(a, b, { f: (t: x.Tensor) => t } as never)).toThrow(
      /xent\.fDivergence: argument 'generator'/,
    );
    expect(() => Dv.fDivergence(a, b, { f: (t: x.Tensor) => t, slopeAtInfinity: Number.NaN })).toThrow(
      /xent\.fDivergence: argument 'generator'/,
    );
    expect(() => Dv.fDivergenceFromProbs(row([0.5, 0.6]), row([0.5, 0.5]), 'tv')).toThrow(
      /xent\.fDivergenceFromProbs: argument 'p'.*summing to 1/,
    );
    expect(() => Dv.renyi(a, b, -1)).toThrow(/xent\.renyi: argument 'alpha'/);
    expect(() => Dv.renyi(a, row([1, 0, 0]), 2)).toThrow(/xent\.renyi: argument 'qLogits'/);
    expect(() => Dv.tv(a, b, { reduce: 'sum' } as never)).toThrow(/xent\.tv: argument 'options'/);
    expect(() => Dv.jeffreysFromProbs(row([0.5, 0.5]), row([-0.5, 1.5]))).toThrow(
      /xent\.jeffreysFromProbs: argument 'q'/,
    );
  });
});

describe('Rényi divergence (D05)', () => {
  test('equals the host definition for α ∈ {0, ¼, ½, 0.999, 1, 1.0001, 2, 5, ∞}; non-decreasing in α; α = ½ is −2·log BC', () => {
    const orders = [0, 0.25, 0.5, 0.999, 1, 1.0001, 2, 5, Infinity];
    fc.assert(
      fc.property(pair, (draw) => {
        const { ps, qs, za, zb } = distributions(draw);
        const values = orders.map((a) => toNumbers(Dv.renyi(za, zb, a, none)));
        orders.forEach((a, j) => {
          const want = ps.map((p, i) => host.renyi(p, qs[i] as number[], a));
          expectAllClose(values[j] as number[], want, { rtol: 1e-8, atol: 1e-12 }, `α = ${a}`);
        });
        for (let j = 1; j < orders.length; j++)
          (values[j] as number[]).forEach((v, i) => {
            expect(v).toBeGreaterThanOrEqual(((values[j - 1] as number[])[i] as number) - 1e-12);
          });
        const bc = ps.map(
          (p, i) => -2 * Math.log(p.reduce((s, v, k) => s + Math.sqrt(v * ((qs[i] as number[])[k] as number)), 0)),
        );
        expectAllClose(values[2] as number[], bc, tol, 'Bhattacharyya');
      }),
      { numRuns: 40 },
    );
  });

  test('α → 1: no cancellation near 1 (relative error ≤ 1e-9 against KL + (α−1)·½Var), gradients match f64 finite differences', () => {
    const [a, b] = [row([0.3, -1, 2, 0.5]), row([1, 0.2, -0.4, 0])];
    const p = softmaxRow([0.3, -1, 2, 0.5]);
    const q = softmaxRow([1, 0.2, -0.4, 0]);
    // D_α = KL + (α − 1)·½·Var_p(log p/q) + O((α − 1)²)
    const r = p.map((v, i) => Math.log(v / (q[i] as number)));
    const kl = p.reduce((s, v, i) => s + v * (r[i] as number), 0);
    const variance = p.reduce((s, v, i) => s + v * ((r[i] as number) - kl) ** 2, 0);
    for (const eps of [1e-12, 1e-9, -1e-9, 1e-6]) {
      const got = num(Dv.renyi(a, b, 1 + eps));
      expect(Math.abs(got - (kl + (eps * variance) / 2))).toBeLessThanOrEqual(1e-9 * kl);
    }
    for (const alpha of [0.3, 0.995, 1, 1.003, 3]) {
      expectGradientMatchesFd(
        (s, t) => Dv.renyi(s, t, alpha),
        [a, b],
        [0, 1],
        [
          [0.3, -0.2, 0.5, 0.1],
          [-0.4, 0.1, 0.2, 0.6],
        ],
      );
    }
  });

  test('zeros: α < 1 ignores q = 0 off the support of p; α ≥ 1 gives +Inf where q = 0 < p; α = 0 is −log q(supp p)', () => {
    const p = row([0.5, 0.5, 0]);
    const q = row([0.25, 0, 0.75]);
    expect(num(Dv.renyiFromProbs(p, q, 0))).toBeCloseTo(-Math.log(0.25), 12);
    expect(num(Dv.renyiFromProbs(p, q, 0.5))).toBeCloseTo(host.renyi([0.5, 0.5, 0], [0.25, 0, 0.75], 0.5), 12);
    expect(num(Dv.renyiFromProbs(p, q, 2))).toBe(Infinity);
    expect(num(Dv.renyiFromProbs(p, q, 1.001))).toBe(Infinity);
    expect(num(Dv.renyiFromProbs(p, q, Infinity))).toBe(Infinity);
    expect(num(Dv.renyiFromProbs(row([1, 0]), row([0, 1]), 0.5))).toBe(Infinity);
    expect(num(Dv.renyiFromProbs(q, q, 0.7))).toBeCloseTo(0, 14);
  });

  test('jit agrees with eager (f64), α and the generator are static', () => {
    const [a, b] = [f64([0.1, 2, -1, 0.5, 0.5, 3], [2, 3]), f64([1, 1, -2, 0, 0.5, -1], [2, 3])];
    const f = (s: x.Tensor, t: x.Tensor) =>
      x.add(x.add(Dv.renyi(s, t, 0.7), Dv.fDivergence(s, t, 'hellinger')), Dv.fDivergence(s, t, Dv.fGenerators.js));
    const eager = x.valueAndGrad(f, { argnums: [0, 1] })(a, b);
    const jitted = x.jit(x.valueAndGrad(f, { argnums: [0, 1] }))(a, b);
    expect(num(jitted[0])).toBeCloseTo(num(eager[0]), 12);
    jitted[1].forEach((g, i) => {
      expectAllClose(toNumbers(g), toNumbers(eager[1][i] as x.Tensor), tol, `∇${i}`);
    });
  });
});
