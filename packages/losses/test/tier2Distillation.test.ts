/**
 * @file Plackett–Luce distillation (R01) and adaptive KL (R07), computed by argsort and running scans, against
 * plain-JS f64 versions that sort and sum each suffix (ties included), with their gradients, laws and golden
 * value, at class counts up to a vocabulary's 4096.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import {
  type Batch,
  at,
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
/** Classes by descending teacher probability, ties by lower index (a stable sort). */
const descending = (t: readonly number[]): number[] =>
  t.map((_, i) => i).sort((a, b) => (at(t, b) === at(t, a) ? a - b : at(t, b) - at(t, a)));

/** Teacher logits with ties: small integers. */
const tiedArb = (b: Batch) => fc.array(fc.integer({ min: -2, max: 2 }), { minLength: b.n * b.k, maxLength: b.n * b.k });

const hostPld = (z: number[], tz: number[], y: number, temperature = 1): number => {
  const t = softmaxRow(tz.map((v) => v / temperature));
  const order = [y, ...descending(t).filter((c) => c !== y)];
  return order.reduce((s, c, k) => s + at(t, c) * (lse(order.slice(k).map((j) => at(z, j))) - at(z, c)), 0);
};

describe('plackettLuceLoss (PLD)', () => {
  test('golden: z = (0, 1, 2), teacher (0, 2, 1), y = 0 → 1.0903936', () => {
    expect(num(L.plackettLuceLoss(f64([0, 1, 2], [1, 3]), f64([0, 2, 1], [1, 3]), i32([0])))).toBeCloseTo(1.0903936, 7);
  });

  test('equals the sorted host formula (teacher ties included), with a temperature', () => {
    fc.assert(
      fc.property(
        batchArb({ maxK: 7 }).chain((b) => fc.tuple(fc.constant(b), tiedArb(b))),
        fc.double({ min: 0.3, max: 3, noNaN: true }),
        ([b, tz], temperature) => {
          const got = toNumbers(
            L.plackettLuceLoss(logitsOf(b), f64(tz, [b.n, b.k]), labelsOf(b), { ...none, temperature }),
          );
          const want = rows(b.z, b.k).map((z, i) =>
            hostPld(z, tz.slice(i * b.k, (i + 1) * b.k), at(b.y, i), temperature),
          );
          expectAllClose(got, want, { rtol: 1e-10, atol: 1e-12 }, 'PLD');
        },
      ),
    );
  });

  test('gradient against f64 finite differences; the teacher gets none; jit agrees with eager', () => {
    fc.assert(
      fc.property(
        batchArb().chain((b) => fc.tuple(fc.constant(b), tiedArb(b), directionsArb([b.n * b.k]))),
        ([b, tz, [d]]) => {
          const teacher = f64(tz, [b.n, b.k]);
          const f = (z: x.Tensor, t: x.Tensor) => L.plackettLuceLoss(z, t, labelsOf(b));
          expectGradientMatchesFd(f, [logitsOf(b), teacher], [0], [d as number[]]);
          const [eg, tg] = x.grad(f, { argnums: [0, 1] })(logitsOf(b), teacher);
          expect(toNumbers(tg).every((v) => v === 0)).toBe(true);
          const jg = x.jit(x.grad(f))(logitsOf(b), teacher);
          expectAllClose(toNumbers(jg), toNumbers(eg), { rtol: 1e-12, atol: 1e-14 });
        },
      ),
    );
  });

  test('a −Inf logit removes its class: its term is dropped, it adds 0 to the other suffixes', () => {
    const t = softmaxRow([0, 2, 1]);
    const v = num(L.plackettLuceLoss(f64([1, -Infinity, 0], [1, 3]), f64([0, 2, 1], [1, 3]), i32([0])));
    expect(v).toBeCloseTo(at(t, 0) * (Math.log(Math.E + 1) - 1), 14);
    const g = toNumbers(
      x.grad((z: x.Tensor) => L.plackettLuceLoss(z, f64([0, 2, 1], [1, 3]), i32([0])))(f64([1, -Infinity, 0], [1, 3])),
    );
    expect(g.every(Number.isFinite)).toBe(true);
    expect(g[1]).toBe(0);
  });

  test('a one-hot teacher gives CE exactly; ≥ 0', () => {
    fc.assert(
      fc.property(batchArb(), (b) => {
        const onehot = b.y.flatMap((y) => Array.from({ length: b.k }, (_, k) => (k === y ? 0 : -Infinity)));
        const pld = toNumbers(L.plackettLuceLoss(logitsOf(b), f64(onehot, [b.n, b.k]), labelsOf(b), none));
        expectAllClose(pld, toNumbers(L.crossEntropy(logitsOf(b), labelsOf(b), none)), { rtol: 1e-12, atol: 1e-12 });
        pld.forEach((v) => {
          expect(v).toBeGreaterThanOrEqual(0);
        });
      }),
    );
  });

  test('certify (a fixed teacher): gradient, shift invariance, convexity, non-negativity, finite at extremes', async () => {
    const teacherFor = (z: x.Tensor): x.Tensor =>
      x.mul(3, x.sin(x.reshape(x.arange(z.size, { dtype: 'f64' }), z.shape as number[])));
    const claims: x.laws.LawName[] = ['shiftInvariant', 'convex', 'nonNegative'];
    const r = await x.laws.certify((z, y) => L.plackettLuceLoss(z, x.cast(teacherFor(z), z.dtype), y), {
      kind: 'classification',
      runs: 15,
      seed: 11,
      claims,
      laws: ['gradient', 'vjpDotProduct', 'finiteAtExtremes', ...claims],
    });
    for (const res of r.results) expect(res.status, `${res.law}: ${res.message ?? ''}`).toBe('holds');
  }, 60_000);

  test('bad input names plackettLuceLoss', () => {
    const z = f64([0, 1, 2], [1, 3]);
    expect(() => L.plackettLuceLoss(z, f64([0, 1], [1, 2]), i32([0]))).toThrow(
      /plackettLuceLoss: argument 'teacherLogits' expected shape \[1, 3\]/,
    );
    expect(() => L.plackettLuceLoss(z, z, i32([3]))).toThrow(/plackettLuceLoss: argument 'labels'.*got 3/);
    expect(() => L.plackettLuceLoss(z, z, i32([0]), { temperature: 0 })).toThrow(
      /plackettLuceLoss: argument 'temperature'/,
    );
  });
});

describe('adaptiveKlLoss (AKL)', () => {
  /** The host AKL and its gradient with the weights held fixed. */
  const host = (zs: number[], zt: number[], mu: number) => {
    const [s, t] = [softmaxRow(zs), softmaxRow(zt)];
    const order = descending(t);
    let mass = 0;
    const head = new Set<number>();
    for (const c of order) {
      if (mass >= mu) break;
      head.add(c);
      mass += at(t, c);
    }
    let [gh, gt] = [0, 0];
    t.forEach((tc, c) => {
      if (head.has(c)) gh += Math.abs(tc - at(s, c));
      else gt += Math.abs(tc - at(s, c));
    });
    const fkl = t.reduce((a, tc, c) => a + tc * (Math.log(tc) - Math.log(at(s, c))), 0);
    const rkl = s.reduce((a, sc, c) => a + sc * (Math.log(sc) - Math.log(at(t, c))), 0);
    const [wh, wt] = gh + gt === 0 ? [0, 0] : [gh / (gh + gt), gt / (gh + gt)];
    const grad = s.map((sc, c) => wh * (sc - at(t, c)) + wt * sc * (Math.log(sc) - Math.log(at(t, c)) - rkl));
    return { value: wh * fkl + wt * rkl, grad, fkl };
  };

  test('equals the sorted host formula (ties included); the gradient is w_h·∇KL(t‖s) + w_t·∇KL(s‖t); jit', () => {
    fc.assert(
      fc.property(
        batchArb().chain((b) => fc.tuple(fc.constant(b), tiedArb(b))),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        ([b, tz], mu) => {
          const teacher = f64(tz, [b.n, b.k]);
          const want = rows(b.z, b.k).map((z, i) => host(z, tz.slice(i * b.k, (i + 1) * b.k), mu));
          const got = toNumbers(L.adaptiveKlLoss(logitsOf(b), teacher, { ...none, mu }));
          expectAllClose(
            got,
            want.map((w) => w.value),
            { rtol: 1e-9, atol: 1e-12 },
            'AKL',
          );
          const f = (z: x.Tensor, t: x.Tensor) => L.adaptiveKlLoss(z, t, { mu, reduction: 'sum' });
          const g = toNumbers(x.grad(f)(logitsOf(b), teacher));
          expectAllClose(
            g,
            want.flatMap((w) => w.grad),
            { rtol: 1e-9, atol: 1e-12 },
            '∇AKL',
          );
          expectAllClose(toNumbers(x.jit(x.grad(f))(logitsOf(b), teacher)), g, { rtol: 1e-12, atol: 1e-14 });
        },
      ),
    );
  });

  test('0 iff s = t (a zero gradient there, to rounding); μ = 1 keeps every class in the head: forward KL', () => {
    fc.assert(
      fc.property(batchArb(), (b) => {
        const z = logitsOf(b);
        expect(toNumbers(L.adaptiveKlLoss(z, z, none)).every((v) => v === 0)).toBe(true);
        expect(toNumbers(x.grad((u: x.Tensor) => L.adaptiveKlLoss(u, z))(z)).every((v) => Math.abs(v) < 1e-15)).toBe(
          true,
        );
        const shifted = f64(
          b.z.map((v, i) => v + (i % 3) - 1),
          [b.n, b.k],
        );
        const akl = toNumbers(L.adaptiveKlLoss(z, shifted, { ...none, mu: 1 }));
        expectAllClose(akl, toNumbers(x.divergence.kl(shifted, z, none)), { rtol: 1e-9, atol: 1e-12 });
        akl.forEach((v) => {
          expect(v).toBeGreaterThanOrEqual(0);
        });
      }),
    );
  });

  test('bad input names adaptiveKlLoss', () => {
    const z = f64([0, 1, 2], [1, 3]);
    expect(() => L.adaptiveKlLoss(z, f64([0, 1], [1, 2]))).toThrow(/adaptiveKlLoss: argument 'teacherLogits'/);
    expect(() => L.adaptiveKlLoss(z, z, { mu: 0 })).toThrow(/adaptiveKlLoss: argument 'mu'/);
    expect(() => L.adaptiveKlLoss(z, z, { mu: 1.5 })).toThrow(/adaptiveKlLoss: argument 'mu'/);
  });
});

describe('PLD and AKL at a vocabulary size (K = 4096, O(K log K))', () => {
  const k = 4096;
  // teacher logits with many exact ties (integers in [−3, 3]), so the tie-breaking by index matters
  const tz = Array.from({ length: 2 * k }, (_, i) => (Math.floor(7 * Math.abs(Math.sin(1.3 * i + 0.7))) % 7) - 3);
  const zs = Array.from({ length: 2 * k }, (_, i) => 4 * Math.sin(0.37 * i) + Math.cos(2.1 * i));
  const hostRows = (f: (z: number[], t: number[], i: number) => number): number[] =>
    [0, 1].map((i) => f(zs.slice(i * k, (i + 1) * k), tz.slice(i * k, (i + 1) * k), i));
  test('plackettLuceLoss equals the sorting host', () => {
    const y = [17, 4000];
    const got = toNumbers(L.plackettLuceLoss(f64(zs, [2, k]), f64(tz, [2, k]), i32(y), { ...none, temperature: 0.7 }));
    expectAllClose(
      got,
      hostRows((z, t, i) => hostPld(z, t, at(y, i), 0.7)),
      { rtol: 1e-9, atol: 1e-12 },
      'PLD',
    );
  }, 120_000);
  test('adaptiveKlLoss equals the sorting host, value and gradient', () => {
    for (const mu of [0.3, 0.9]) {
      const f = (z: x.Tensor, t: x.Tensor) => L.adaptiveKlLoss(z, t, { mu, reduction: 'sum' });
      const want = [0, 1].map((i) => {
        const [s, q] = [softmaxRow(zs.slice(i * k, (i + 1) * k)), softmaxRow(tz.slice(i * k, (i + 1) * k))];
        let mass = 0;
        let [gh, gt] = [0, 0];
        for (const c of descending(q)) {
          if (mass < mu) gh += Math.abs(at(q, c) - at(s, c));
          else gt += Math.abs(at(q, c) - at(s, c));
          mass += at(q, c);
        }
        const fkl = q.reduce((a, qc, c) => a + qc * (Math.log(qc) - Math.log(at(s, c))), 0);
        const rkl = s.reduce((a, sc, c) => a + sc * (Math.log(sc) - Math.log(at(q, c))), 0);
        const [wh, wt] = [gh / (gh + gt), gt / (gh + gt)];
        const grad = s.map((sc, c) => wh * (sc - at(q, c)) + wt * sc * (Math.log(sc) - Math.log(at(q, c)) - rkl));
        return { value: wh * fkl + wt * rkl, grad };
      });
      const [z, teacher] = [f64(zs, [2, k]), f64(tz, [2, k])];
      expectAllClose(
        toNumbers(L.adaptiveKlLoss(z, teacher, { mu, ...none })),
        want.map((w) => w.value),
        { rtol: 1e-9, atol: 1e-12 },
        'AKL',
      );
      expectAllClose(
        toNumbers(x.grad(f)(z, teacher)),
        want.flatMap((w) => w.grad),
        { rtol: 1e-8, atol: 1e-13 },
        '∇AKL',
      );
    }
  }, 120_000);
});
