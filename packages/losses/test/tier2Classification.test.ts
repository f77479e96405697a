/**
 * @file The catalog's Tier 2 hard-label losses (L18 LDR-KL, L20 encouraging, L23 pass@N, L29/L30
 * negative learning and unlikelihood, L31 contrastive token) against plain-JS f64 formulas, f64
 * finite differences, the laws certify proves, the catalog's golden values, jit and bad input.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import {
  type Batch,
  batchArb,
  directionsArb,
  expectAllClose,
  expectGradientMatchesFd,
  f64,
  i32,
  labelsOf,
  logitsOf,
  lse,
  none,
  num,
  rows,
  softmaxRow,
  toNumbers,
} from './support.js';

const L = x.losses;

/** Per-sample host formulas, straight from the catalog. */
const host = {
  ldr: (z: number[], y: number, lambda: number, c: number): number =>
    lambda * (lse(z.map((v, k) => (c * (k === y ? 0 : 1) + v - (z[y] as number)) / lambda)) - Math.log(z.length)),
  encouraging: (z: number[], y: number, p0?: number): number => {
    const p = softmaxRow(z)[y] as number;
    const bonus =
      p0 !== undefined && p > p0 ? Math.log1p(-p0) - (p - p0) / (1 - p0) : lse(z.filter((_, k) => k !== y)) - lse(z);
    return bonus - Math.log(p);
  },
  passAtN: (z: number[], y: number, n: number): number => -Math.log(1 - Math.pow(1 - (softmaxRow(z)[y] as number), n)),
  negative: (z: number[], y: number): number => -Math.log(1 - (softmaxRow(z)[y] as number)),
  unlikelihood: (z: number[], m: boolean[]): number =>
    softmaxRow(z).reduce((s, p, k) => s - (m[k] === true ? Math.log(1 - p) : 0), 0),
  contrastive: (z: number[], y: number, m: boolean[]): number =>
    Math.log(1 + z.reduce((s, v, k) => s + (m[k] === true && k !== y ? Math.exp(v - (z[y] as number)) : 0), 0)),
  ce: (z: number[], y: number): number => lse(z) - (z[y] as number),
};

/** A batch with a bool mask per class (negatives, candidates). */
const maskedArb = (opts: Parameters<typeof batchArb>[0] = {}): fc.Arbitrary<readonly [Batch, boolean[]]> =>
  batchArb(opts).chain((b) =>
    fc.tuple(fc.constant(b), fc.array(fc.boolean(), { minLength: b.n * b.k, maxLength: b.n * b.k })),
  );
const maskOf = (b: Batch, m: boolean[]): x.Tensor => x.reshape(x.tensor(m), [b.n, b.k]);

type Named = 'ldrKlLoss' | 'encouragingLoss' | 'passAtNLoss' | 'negativeLearningLoss';

interface Case {
  readonly fn: Named;
  readonly options: object;
  readonly host: (z: number[], y: number) => number;
  /** certify laws that hold (and are claimed). */
  readonly claims: readonly x.laws.LawName[];
  /** Unbounded: at a −Inf-masked row the exact value is ±Inf (so `finiteAtExtremes` does not apply). */
  readonly unbounded?: boolean;
}

const call = (c: Case, z: x.Tensor, y: x.Tensor, options: object = {}): x.Tensor =>
  (L[c.fn] as (z: x.Tensor, y: x.Tensor, o: object) => x.Tensor)(z, y, { ...c.options, ...options });

const cases: Record<string, Case> = {
  'ldrKlLoss λ=0.7 c=0.5': {
    fn: 'ldrKlLoss',
    options: { lambda: 0.7, margin: 0.5 },
    host: (z, y) => host.ldr(z, y, 0.7, 0.5),
    claims: ['shiftInvariant', 'convex', 'classPermutationInvariant'],
  },
  'ldrKlLoss defaults': {
    fn: 'ldrKlLoss',
    options: {},
    host: (z, y) => host.ldr(z, y, 1, 0),
    claims: ['shiftInvariant', 'convex', 'classPermutationInvariant'],
  },
  encouragingLoss: {
    fn: 'encouragingLoss',
    options: {},
    host: (z, y) => host.encouraging(z, y),
    claims: ['shiftInvariant', 'convex', 'classPermutationInvariant'],
    unbounded: true,
  },
  'encouragingLoss p₀=0.6': {
    fn: 'encouragingLoss',
    options: { threshold: 0.6 },
    host: (z, y) => host.encouraging(z, y, 0.6),
    claims: ['shiftInvariant', 'classPermutationInvariant'],
  },
  'passAtNLoss N=4': {
    fn: 'passAtNLoss',
    options: { n: 4 },
    host: (z, y) => host.passAtN(z, y, 4),
    claims: ['shiftInvariant', 'classPermutationInvariant', 'nonNegative'],
  },
  'passAtNLoss N=2.5': {
    fn: 'passAtNLoss',
    options: { n: 2.5 },
    host: (z, y) => host.passAtN(z, y, 2.5),
    claims: ['shiftInvariant', 'classPermutationInvariant', 'nonNegative'],
  },
  negativeLearningLoss: {
    fn: 'negativeLearningLoss',
    options: {},
    host: (z, y) => host.negative(z, y),
    claims: ['shiftInvariant', 'classPermutationInvariant', 'nonNegative'],
    unbounded: true,
  },
};

const total =
  (loss: (z: x.Tensor, y: x.Tensor) => x.Tensor) =>
  (z: x.Tensor, y: x.Tensor): x.Tensor =>
    x.sum(loss(z, y));

describe.each(Object.entries(cases))('%s', (_name, c) => {
  const loss = (z: x.Tensor, y: x.Tensor): x.Tensor => call(c, z, y, none);
  test('equals the f64 host formula per sample', () => {
    fc.assert(
      fc.property(batchArb({ scale: 8 }), (b) => {
        const want = rows(b.z, b.k).map((z, i) => c.host(z, b.y[i] as number));
        expectAllClose(toNumbers(loss(logitsOf(b), labelsOf(b))), want, { rtol: 1e-10, atol: 1e-12 }, 'loss');
      }),
    );
  });

  test('gradient matches f64 finite differences', () => {
    fc.assert(
      fc.property(
        batchArb().chain((b) => fc.tuple(fc.constant(b), directionsArb([b.n * b.k, b.n]))),
        ([b, [d, ct]]) => {
          const w = f64(ct as number[], [b.n]);
          expectGradientMatchesFd((z) => x.sum(x.mul(loss(z, labelsOf(b)), w)), [logitsOf(b)], [0], [d as number[]]);
        },
      ),
    );
  });

  test('certify: gradient, finite at extremes and the claimed laws hold', async () => {
    const r = await x.laws.certify(loss, {
      kind: 'classification',
      runs: 15,
      seed: 7,
      claims: [...c.claims],
      laws: [
        'gradient',
        'finite',
        'vjpDotProduct',
        ...(c.unbounded === true ? [] : ['finiteAtExtremes' as const]),
        ...c.claims,
      ],
    });
    for (const res of r.results) expect(res.status, `${res.law}: ${res.message ?? ''}`).toBe('holds');
    expect(r.ok).toBe(true);
  }, 60_000);

  test('jit agrees with eager, with class weights, ignoreIndex and the mean', () => {
    const b: Batch = { n: 3, k: 4, z: [1, -2, 0.5, 3, 0, 0, 1e3, -1e3, 2, 2, -1, 0.25], y: [2, -100, 0] };
    const weights = f64([0.5, 1, 2, 3], [4]);
    const mean = (z: x.Tensor) => call(c, z, labelsOf(b), { weights, ignoreIndex: -100 });
    const eager = x.valueAndGrad(mean)(logitsOf(b));
    const jitted = x.jit(x.valueAndGrad(mean))(logitsOf(b));
    expectAllClose(toNumbers(jitted[0]), toNumbers(eager[0]), { rtol: 1e-12, atol: 1e-14 }, 'value');
    expectAllClose(toNumbers(jitted[1]), toNumbers(eager[1]), { rtol: 1e-12, atol: 1e-14 }, 'gradient');
    // the ignored row gets a zero gradient; the weighted mean divides by w_2 + w_0
    expect(toNumbers(eager[1]).slice(4, 8)).toEqual([0, 0, 0, 0]);
    const per = toNumbers(loss(logitsOf(b), i32([2, 0, 0])));
    expect(num(eager[0])).toBeCloseTo((2 * (per[0] as number) + 0.5 * (per[2] as number)) / 2.5, 12);
  });
});

describe('catalog properties and golden values', () => {
  const z123 = f64([1, 2, 3], [1, 3]);
  test('LDR-KL: λ = 1, c = 0 is CE − log K; λ → 0 the Crammer–Singer hinge; λ → ∞ the mean margin', () => {
    fc.assert(
      fc.property(batchArb(), (b) => {
        const z = logitsOf(b);
        const y = labelsOf(b);
        const ce = toNumbers(L.crossEntropy(z, y, none));
        expectAllClose(
          toNumbers(L.ldrKlLoss(z, y, none)),
          ce.map((v) => v - Math.log(b.k)),
          { rtol: 1e-12, atol: 1e-12 },
          'CE − log K',
        );
        const hinge = rows(b.z, b.k).map((r, i) => {
          const yi = b.y[i] as number;
          return Math.max(...r.map((v, k) => (k === yi ? 0 : 1) + v - (r[yi] as number)));
        });
        expectAllClose(toNumbers(L.ldrKlLoss(z, y, { ...none, lambda: 1e-4, margin: 1 })), hinge, {
          rtol: 0,
          atol: 1e-4 * Math.log(b.k) + 1e-12,
        });
        const meanMargin = rows(b.z, b.k).map((r, i) => {
          const yi = b.y[i] as number;
          return r.reduce((s, v, k) => s + (k === yi ? 0 : 1) + v - (r[yi] as number), 0) / b.k;
        });
        expectAllClose(toNumbers(L.ldrKlLoss(z, y, { ...none, lambda: 1e6, margin: 1 })), meanMargin, {
          rtol: 0,
          atol: 1e-4,
        });
      }),
    );
  });

  test('encouraging loss = LSE_{k≠y}(z) − z_y; gradient = softmax over the others − e_y; the conservative form is bounded below', () => {
    expect(num(L.encouragingLoss(z123, i32([2])))).toBeCloseTo(Math.log(Math.E + Math.E ** 2) - 3, 12);
    fc.assert(
      fc.property(batchArb(), (b) => {
        const g = toNumbers(x.grad(total((z, y) => L.encouragingLoss(z, y, none)))(logitsOf(b), labelsOf(b)));
        const want = rows(b.z, b.k).flatMap((r, i) => {
          const yi = b.y[i] as number;
          const others = softmaxRow(r.map((v, k) => (k === yi ? -Infinity : v)));
          return others.map((q, k) => (k === yi ? -1 : q));
        });
        expectAllClose(g, want, { rtol: 1e-9, atol: 1e-12 }, '∇');
      }),
    );
    // p_y → 1: the plain bonus runs to −∞, the conservative one stays above its linear floor
    const sure = f64([40, 0, 0], [1, 3]);
    expect(num(L.encouragingLoss(sure, i32([0])))).toBeLessThan(-39);
    const capped = num(L.encouragingLoss(sure, i32([0]), { threshold: 0.5 }));
    expect(capped).toBeCloseTo(Math.log(0.5) - 1, 9);
  });

  test('pass@N: golden N = 4, p = ½ (ℓ = 0.0645385, F_N = 0.2666667); N = 1 is CE; ℓ_N ≤ CE; ∇ = F_N(p_y)·(p − e_y)', () => {
    const half = f64([0, 0], [1, 2]);
    expect(num(L.passAtNLoss(half, i32([0]), { n: 4 }))).toBeCloseTo(0.0645385, 7);
    expect(toNumbers(x.grad((z: x.Tensor) => L.passAtNLoss(z, i32([0]), { n: 4 }))(half))[0]).toBeCloseTo(
      -0.5 * 0.2666667,
      7,
    );
    fc.assert(
      fc.property(batchArb(), fc.double({ min: 1, max: 16, noNaN: true }), (b, n) => {
        const z = logitsOf(b);
        const y = labelsOf(b);
        const ce = toNumbers(L.crossEntropy(z, y, none));
        expectAllClose(toNumbers(L.passAtNLoss(z, y, { ...none, n: 1 })), ce, { rtol: 1e-12, atol: 1e-12 });
        const ln = toNumbers(L.passAtNLoss(z, y, { ...none, n }));
        ln.forEach((v, i) => {
          expect(v).toBeLessThanOrEqual((ce[i] as number) * (1 + 1e-12) + 1e-15);
        });
        const g = toNumbers(x.grad(total((t, u) => L.passAtNLoss(t, u, { ...none, n })))(z, y));
        const want = rows(b.z, b.k).flatMap((r, i) => {
          const p = softmaxRow(r);
          const q = p[b.y[i] as number] as number;
          const f = (n * q * Math.pow(1 - q, n - 1)) / (1 - Math.pow(1 - q, n));
          return p.map((pk, k) => f * (pk - (k === b.y[i] ? 1 : 0)));
        });
        expectAllClose(g, want, { rtol: 1e-7, atol: 1e-10 }, '∇ℓ_N');
      }),
    );
  });

  test('pass@N stays finite where 1 − p_y underflows and where every other class is masked', () => {
    const v = toNumbers(L.passAtNLoss(f64([60, 0, -1e4, 0, -Infinity, -Infinity], [2, 3]), i32([0, 0]), none));
    expect(v[0]).toBeGreaterThan(0);
    expect(v[0]).toBeLessThan(1e-80);
    expect(v[1]).toBe(0);
    const g = toNumbers(
      x.grad(total((t, u) => L.passAtNLoss(t, u, none)))(
        f64([60, 0, -1e4, 0, -Infinity, -Infinity], [2, 3]),
        i32([0, 0]),
      ),
    );
    expect(g.every(Number.isFinite), g.join()).toBe(true);
  });

  test('unlikelihood = Σ of negative learning over the candidates; ≥ 0, = 0 with no candidates; golden 2·log 1.5', () => {
    expect(num(L.unlikelihoodLoss(f64([0, 0, 0], [1, 3]), x.tensor([[false, true, true]])))).toBeCloseTo(
      2 * Math.log(1.5),
      14,
    );
    fc.assert(
      fc.property(maskedArb({ scale: 8 }), ([b, m]) => {
        const got = toNumbers(L.unlikelihoodLoss(logitsOf(b), maskOf(b, m), none));
        const want = rows(b.z, b.k).map((r, i) => host.unlikelihood(r, m.slice(i * b.k, (i + 1) * b.k)));
        expectAllClose(got, want, { rtol: 1e-10, atol: 1e-12 }, 'unlikelihood');
        got.forEach((v) => {
          expect(v).toBeGreaterThanOrEqual(0);
        });
        const perClass = Array.from({ length: b.k }, (_, j) =>
          toNumbers(L.negativeLearningLoss(logitsOf(b), i32(b.y.map(() => j)), none)),
        );
        const sums = got.map((_, i) =>
          perClass.reduce((s, v, j) => s + (m[i * b.k + j] === true ? (v[i] as number) : 0), 0),
        );
        expectAllClose(got, sums, { rtol: 1e-12, atol: 1e-12 }, 'Σ negative learning');
      }),
    );
  });

  test('unlikelihood: gradient against finite differences, jit against eager, finite at the arg-max of ±1e4 logits', () => {
    fc.assert(
      fc.property(
        maskedArb().chain(([b, m]) => fc.tuple(fc.constant(b), fc.constant(m), directionsArb([b.n * b.k]))),
        ([b, m, [d]]) => {
          expectGradientMatchesFd(
            (z) => L.unlikelihoodLoss(z, maskOf(b, m), { reduction: 'sum' }),
            [logitsOf(b)],
            [0],
            [d as number[]],
          );
          const f = (z: x.Tensor, mm: x.Tensor) => x.valueAndGrad((t: x.Tensor) => L.unlikelihoodLoss(t, mm))(z);
          const [ve, ge] = f(logitsOf(b), maskOf(b, m));
          const [vj, gj] = x.jit(f)(logitsOf(b), maskOf(b, m));
          expectAllClose(toNumbers(vj), toNumbers(ve), { rtol: 1e-12, atol: 1e-14 });
          expectAllClose(toNumbers(gj), toNumbers(ge), { rtol: 1e-12, atol: 1e-14 });
        },
      ),
    );
    const big = f64([1e4, -1e4, 0], [1, 3]);
    const g = toNumbers(x.grad((z: x.Tensor) => L.unlikelihoodLoss(z, x.tensor([[true, true, false]])))(big));
    expect(num(L.unlikelihoodLoss(big, x.tensor([[true, true, false]])))).toBeCloseTo(1e4, 9);
    expect(g.every(Number.isFinite)).toBe(true);
  });

  test('contrastive token: host formula, 0 ≤ L ≤ CE, = CE when N is every other class, FD gradient, jit', () => {
    expect(num(L.contrastiveTokenLoss(f64([0, 0, 0], [1, 3]), i32([0]), x.tensor([[false, true, false]])))).toBeCloseTo(
      Math.log(2),
      14,
    );
    fc.assert(
      fc.property(
        maskedArb().chain(([b, m]) => fc.tuple(fc.constant(b), fc.constant(m), directionsArb([b.n * b.k]))),
        ([b, m, [d]]) => {
          const z = logitsOf(b);
          const y = labelsOf(b);
          const got = toNumbers(L.contrastiveTokenLoss(z, y, maskOf(b, m), none));
          const want = rows(b.z, b.k).map((r, i) =>
            host.contrastive(r, b.y[i] as number, m.slice(i * b.k, (i + 1) * b.k)),
          );
          expectAllClose(got, want, { rtol: 1e-10, atol: 1e-12 }, 'L_CT');
          const ce = toNumbers(L.crossEntropy(z, y, none));
          got.forEach((v, i) => {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual((ce[i] as number) + 1e-12);
          });
          const all = x.reshape(x.tensor(new Array<boolean>(b.n * b.k).fill(true)), [b.n, b.k]);
          expectAllClose(toNumbers(L.contrastiveTokenLoss(z, y, all, none)), ce, { rtol: 1e-12, atol: 1e-12 });
          expectGradientMatchesFd(
            (t) => L.contrastiveTokenLoss(t, y, maskOf(b, m), { reduction: 'sum' }),
            [z],
            [0],
            [d as number[]],
          );
          const f = (t: x.Tensor, u: x.Tensor, mm: x.Tensor) =>
            x.valueAndGrad((v: x.Tensor) => L.contrastiveTokenLoss(v, u, mm))(t);
          const [ve, ge] = f(z, y, maskOf(b, m));
          const [vj, gj] = x.jit(f)(z, y, maskOf(b, m));
          expectAllClose(toNumbers(vj), toNumbers(ve), { rtol: 1e-12, atol: 1e-14 });
          expectAllClose(toNumbers(gj), toNumbers(ge), { rtol: 1e-12, atol: 1e-14 });
        },
      ),
    );
  });

  test('contrastive token: ignored targets add nothing and get a zero gradient', () => {
    const z = f64([1, 2, 3, 0, 5, -1], [2, 3]);
    const m = x.tensor([
      [false, true, false],
      [false, false, false],
    ]);
    const g = toNumbers(x.grad((t: x.Tensor) => L.contrastiveTokenLoss(t, i32([0, -1]), m, { ignoreIndex: -1 }))(z));
    expect(g.slice(3)).toEqual([0, 0, 0]);
    expect(num(L.contrastiveTokenLoss(z, i32([0, -1]), m, { ignoreIndex: -1 }))).toBeCloseTo(
      host.contrastive([1, 2, 3], 0, [false, true, false]),
      12,
    );
  });
});

describe('bad input names the loss and the argument', () => {
  const z = f64([1, 2, 3, 0, 1, 0], [2, 3]);
  const y = i32([0, 2]);
  const m = x.tensor([
    [true, false, true],
    [false, false, true],
  ]);
  test.each<[string, () => unknown, RegExp]>([
    [
      'λ = 0',
      () => L.ldrKlLoss(z, y, { lambda: 0 }),
      /ldrKlLoss: argument 'lambda' expected a finite number > 0, got 0/,
    ],
    ['negative margin', () => L.ldrKlLoss(z, y, { margin: -1 }), /ldrKlLoss: argument 'margin'.*≥ 0, got -1/],
    [
      'threshold 1',
      () => L.encouragingLoss(z, y, { threshold: 1 }),
      /encouragingLoss: argument 'threshold'.*\(0, 1\), got 1/,
    ],
    ['N < 1', () => L.passAtNLoss(z, y, { n: 0.5 }), /passAtNLoss: argument 'n'.*≥ 1, got 0.5/],
    ['N = ∞', () => L.passAtNLoss(z, y, { n: Infinity }), /passAtNLoss: argument 'n'/],
    [
      'complementary label out of range',
      () => L.negativeLearningLoss(z, i32([0, 3])),
      /negativeLearningLoss: argument 'labels'.*got 3/,
    ],
    [
      'candidates not bool',
      () => L.unlikelihoodLoss(z, f64([1, 0, 1, 0, 0, 1], [2, 3])),
      /unlikelihoodLoss: argument 'candidates'/,
    ],
    [
      'candidates [N, 1]',
      () => L.unlikelihoodLoss(z, x.tensor([[true], [false]])),
      /unlikelihoodLoss: argument 'candidates' expected shape \[2, 3\]/,
    ],
    [
      'negatives of another shape',
      () => L.contrastiveTokenLoss(z, y, x.tensor([true, false, true])),
      /contrastiveTokenLoss: argument 'negatives'/,
    ],
    [
      'unknown option',
      () => L.contrastiveTokenLoss(z, y, m, { smoothing: 1 } as never),
      /contrastiveTokenLoss: argument 'smoothing'|unknown key .smoothing./,
    ],
  ])('%s', (_name, f, message) => {
    expect(f).toThrow(x.XentError);
    expect(f).toThrow(message);
  });
});
