/**
 * @file Harmonic loss (L27), OPL (L28), consensus CE (L24), two-hot targets (L33), ECE (X01) and the
 * Ghosts-of-softmax safe-step radius (§2.9) against plain-JS f64 computations, finite differences,
 * golden values and their invariances.
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
  num,
  rows,
  softmaxRow,
  toNumbers,
} from './support.js';

const L = x.losses;
const vec = (n: number, scale = 3) => fc.array(double(-scale, scale), { minLength: n, maxLength: n });
const tenths = (n: number) =>
  fc.array(
    fc.integer({ min: -30, max: 30 }).map((i) => i / 10),
    { minLength: n, maxLength: n },
  );

describe('harmonicLoss', () => {
  const arb = fc
    .record({ n: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 2, max: 4 }), d: fc.integer({ min: 1, max: 3 }) })
    .chain(({ n, k, d }) =>
      fc.record({
        n: fc.constant(n),
        k: fc.constant(k),
        d: fc.constant(d),
        e: vec(n * d),
        w: vec(k * d),
        y: fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n }),
        de: vec(n * d, 1),
        dw: vec(k * d, 1),
      }),
    );
  const host = (e: number[], w: number[][], y: number, n: number): number => {
    const logits = w.map((wk) => -n * Math.log(Math.sqrt(wk.reduce((s, v, j) => s + (v - at(e, j)) ** 2, 0))));
    return lse(logits) - at(logits, y);
  };
  test('golden d = (1, 2): n = 1 gives log 1.5, n = 2 log 1.25', () => {
    const [e, w, y] = [f64([0, 0], [1, 2]), f64([1, 0, 0, 2], [2, 2]), i32([0])];
    expect(num(L.harmonicLoss(e, w, y))).toBeCloseTo(0.4054651, 7);
    expect(num(L.harmonicLoss(e, w, y, { exponent: 2 }))).toBeCloseTo(0.2231436, 7);
  });
  test('host formula; FD gradient in embeddings and prototypes; invariant to a common scale and translation; jit', () => {
    fc.assert(
      fc.property(arb, double(0.5, 3), double(0.2, 5), ({ n, k, d, e, w, y, de, dw }, expo, c) => {
        const [te, tw, ty] = [f64(e, [n, d]), f64(w, [k, d]), i32(y)];
        const opts = { exponent: expo, eps: 1e-300, reduction: 'none' } as const;
        const want = rows(e, d).map((ei, i) => host(ei, rows(w, d), at(y, i), expo));
        // an embedding on a prototype: d = 0 (0/0 in the host formula; ε decides it in the loss)
        fc.pre(
          want.every(Number.isFinite) &&
            rows(e, d).every((ei) => rows(w, d).every((wk) => wk.some((v, j) => Math.abs(v - at(ei, j)) > 1e-3))),
        );
        const got = toNumbers(L.harmonicLoss(te, tw, ty, opts));
        expectAllClose(got, want, { rtol: 1e-9, atol: 1e-12 }, 'harmonic');
        const f = (a: x.Tensor, b: x.Tensor) => L.harmonicLoss(a, b, ty, { exponent: expo });
        expectGradientMatchesFd(f, [te, tw], [0, 1], [de, dw], { rtol: 1e-5, atol: 1e-7 });
        const moved = L.harmonicLoss(
          f64(
            e.map((v) => c * v + 1),
            [n, d],
          ),
          f64(
            w.map((v) => c * v + 1),
            [k, d],
          ),
          ty,
          opts,
        );
        expectAllClose(toNumbers(moved), got, { rtol: 1e-9, atol: 1e-9 }, 'c·x + 1');
        expect(num(x.jit(f)(te, tw))).toBeCloseTo(num(f(te, tw)), 12);
      }),
    );
  });
  test('bad input names harmonicLoss', () => {
    expect(() => L.harmonicLoss(f64([0, 0], [1, 2]), f64([1, 0, 0], [1, 3]), i32([0]))).toThrow(
      /harmonicLoss: argument 'prototypes' expected shape \[K ≥ 1, 2\]/,
    );
    expect(() => L.harmonicLoss(f64([0, 0], [1, 2]), f64([1, 0], [1, 2]), i32([1]))).toThrow(
      /harmonicLoss: argument 'labels'/,
    );
    expect(() => L.harmonicLoss(f64([0, 0], [1, 2]), f64([1, 0], [1, 2]), i32([0]), { exponent: 0 })).toThrow(
      /harmonicLoss: argument 'exponent'/,
    );
  });
});

describe('orthogonalProjectionLoss', () => {
  const arb = fc.record({ n: fc.integer({ min: 2, max: 6 }), d: fc.integer({ min: 2, max: 4 }) }).chain(({ n, d }) =>
    fc.record({
      n: fc.constant(n),
      d: fc.constant(d),
      // rows of norm > 0.1 (the loss normalises them): a short row gets 0.5 added to its first entry
      f: vec(n * d).map((v) =>
        rows(v, d).flatMap((r) => (Math.hypot(...r) > 0.1 ? r : r.map((e, j) => (j === 0 ? e + 0.5 : e)))),
      ),
      y: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
      dir: vec(n * d, 1),
      scales: fc.array(double(0.1, 10), { minLength: n, maxLength: n }),
    }),
  );
  const host = (f: number[][], y: number[], gamma: number): number => {
    const unit = f.map((r) => r.map((v) => v / Math.hypot(...r)));
    let [s, ns, dd, nd] = [0, 0, 0, 0];
    unit.forEach((a, i) => {
      unit.forEach((b, j) => {
        const cos = a.reduce((acc, v, t) => acc + v * at(b, t), 0);
        if (i !== j && y[i] === y[j]) [s, ns] = [s + cos, ns + 1];
        if (y[i] !== y[j]) [dd, nd] = [dd + cos, nd + 1];
      });
    });
    return 1 - (ns === 0 ? 0 : s / ns) + gamma * Math.abs(nd === 0 ? 0 : dd / nd);
  };
  test('golden 0 for parallel classes on orthogonal axes; host formula; ∈ [0, 2 + γ]; scale and batch-order invariance; FD', () => {
    expect(num(L.orthogonalProjectionLoss(f64([1, 0, 2, 0, 0, 3], [3, 2]), i32([0, 0, 1])))).toBeCloseTo(0, 14);
    fc.assert(
      fc.property(arb, double(0, 2), ({ n, d, f, y, dir, scales }, gamma) => {
        const v = num(L.orthogonalProjectionLoss(f64(f, [n, d]), i32(y), { gamma }));
        expect(v).toBeCloseTo(host(rows(f, d), y, gamma), 10);
        expect(v).toBeGreaterThanOrEqual(-1e-12);
        expect(v).toBeLessThanOrEqual(2 + gamma + 1e-12);
        const scaled = f.map((a, i) => a * at(scales, Math.floor(i / d)));
        expect(num(L.orthogonalProjectionLoss(f64(scaled, [n, d]), i32(y), { gamma }))).toBeCloseTo(v, 10);
        const perm = [...Array(n).keys()].reverse();
        const pf = perm.flatMap((i) => f.slice(i * d, (i + 1) * d));
        expect(num(L.orthogonalProjectionLoss(f64(pf, [n, d]), i32(perm.map((i) => at(y, i))), { gamma }))).toBeCloseTo(
          v,
          10,
        );
        expectGradientMatchesFd(
          (t) => L.orthogonalProjectionLoss(t, i32(y), { gamma: 0 }),
          [f64(f, [n, d])],
          [0],
          [dir],
          { rtol: 1e-5, atol: 1e-7 },
        );
      }),
    );
  });
});

describe('consensusCrossEntropy', () => {
  const arb = fc
    .record({ v: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 3 }), k: fc.integer({ min: 2, max: 4 }) })
    .chain(({ v, n, k }) =>
      fc.record({
        v: fc.constant(v),
        n: fc.constant(n),
        k: fc.constant(k),
        // distinct offsets on tenths: no arg-max within a finite-difference step of a tie (the vote would flip)
        z: tenths(v * n * k).map((zs) => zs.map((a, i) => a + 1e-3 * ((i * 7) % 13))),
        d: vec(v * n * k, 1),
      }),
    );
  test('host majority vote + CE; invariant to the variants order; CE when all agree; FD gradient; jit', () => {
    fc.assert(
      fc.property(arb, ({ v, n, k, z, d }) => {
        const zz = rows(z, k);
        const per = Array.from({ length: n }, (_, i) => {
          const votes = new Array<number>(k).fill(0);
          for (let a = 0; a < v; a++) {
            const r = zz[a * n + i] as number[];
            const top = r.indexOf(Math.max(...r));
            votes[top] = at(votes, top) + 1;
          }
          const yhat = votes.indexOf(Math.max(...votes));
          let s = 0;
          for (let a = 0; a < v; a++) {
            const r = zz[a * n + i] as number[];
            s += lse(r) - at(r, yhat);
          }
          return s / v;
        });
        const t = f64(z, [v, n, k]);
        expect(num(L.consensusCrossEntropy(t))).toBeCloseTo(per.reduce((a, b) => a + b, 0) / n, 10);
        const reversed = [...Array(v).keys()].reverse().flatMap((a) => z.slice(a * n * k, (a + 1) * n * k));
        expect(num(L.consensusCrossEntropy(f64(reversed, [v, n, k])))).toBeCloseTo(num(L.consensusCrossEntropy(t)), 12);
        expectGradientMatchesFd((u) => L.consensusCrossEntropy(u), [t], [0], [d], { rtol: 1e-6, atol: 1e-7 });
        expect(num(x.jit((u: x.Tensor) => L.consensusCrossEntropy(u))(t))).toBeCloseTo(
          num(L.consensusCrossEntropy(t)),
          12,
        );
        const same = f64(Array.from({ length: v }, () => z.slice(0, n * k)).flat(), [v, n, k]);
        const labels = i32(rows(z.slice(0, n * k), k).map((r) => r.indexOf(Math.max(...r))));
        expect(num(L.consensusCrossEntropy(same))).toBeCloseTo(
          num(L.crossEntropy(f64(z.slice(0, n * k), [n, k]), labels)),
          12,
        );
      }),
    );
  });
});

describe('twoHotTargets and twoHotLoss', () => {
  const centersArb = fc
    .array(double(0.1, 2), { minLength: 2, maxLength: 6 })
    .map((gaps) => gaps.reduce<number[]>((c, g) => [...c, (c.at(-1) ?? -3) + g], []));
  test('targets sum to 1, their mean is the clamped value, at most two bins are non-zero; the loss is soft-target CE', () => {
    fc.assert(
      fc.property(centersArb, fc.array(double(-5, 8), { minLength: 1, maxLength: 5 }), (centers, values) => {
        const q = toNumbers(L.twoHotTargets(f64(values, [values.length]), centers));
        const m = centers.length;
        rows(q, m).forEach((row, i) => {
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
          const clamped = Math.min(Math.max(at(values, i), at(centers, 0)), at(centers, m - 1));
          expect(row.reduce((a, b, j) => a + b * at(centers, j), 0)).toBeCloseTo(clamped, 10);
          expect(row.filter((v) => v > 0).length).toBeLessThanOrEqual(2);
          row.forEach((v) => {
            expect(v).toBeGreaterThanOrEqual(0);
          });
        });
        const z = f64(
          values.flatMap((_, i) => centers.map((_c, j) => Math.sin(i + 3 * j))),
          [values.length, m],
        );
        const loss = num(L.twoHotLoss(z, f64(values, [values.length]), centers));
        const soft = num(L.softTargetCrossEntropy(z, f64(q, [values.length, m])));
        expect(loss).toBeCloseTo(soft, 12);
        expect(
          num(x.jit((a: x.Tensor, b: x.Tensor) => L.twoHotLoss(a, b, centers))(z, f64(values, [values.length]))),
        ).toBeCloseTo(loss, 12);
      }),
    );
  });
  test('golden [0.75, 0.25, 0]; bad centres and shapes are refused', () => {
    expect(toNumbers(L.twoHotTargets(f64([0.25], [1]), [0, 1, 2]))).toEqual([0.75, 0.25, 0]);
    expect(() => L.twoHotTargets(f64([0.25], [1]), [0, 0, 2])).toThrow(
      /twoHotTargets: argument 'centers' expected strictly increasing/,
    );
    expect(() => L.twoHotLoss(f64([0, 0], [1, 2]), f64([0.5], [1]), [0, 1, 2])).toThrow(
      /twoHotLoss: argument 'logits' expected 3 bins/,
    );
    expect(() => L.twoHotLoss(f64([0, 0, 0], [1, 3]), f64([0.5, 1], [2]), [0, 1, 2])).toThrow(
      /twoHotLoss: argument 'values' expected shape \[1\]/,
    );
  });
});

describe('expectedCalibrationError', () => {
  test('equals a binned host computation; one bin gives |accuracy − mean confidence|', () => {
    fc.assert(
      fc.property(
        fc.record({ n: fc.integer({ min: 1, max: 12 }), k: fc.integer({ min: 2, max: 4 }) }).chain(({ n, k }) =>
          fc.record({
            n: fc.constant(n),
            k: fc.constant(k),
            z: vec(n * k),
            y: fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n }),
          }),
        ),
        fc.integer({ min: 1, max: 20 }),
        ({ n, k, z, y }, bins) => {
          const zRows = rows(z, k);
          const conf = zRows.map((r) => Math.max(...softmaxRow(r)));
          const acc: number[] = zRows.map((r, i) => (r.indexOf(Math.max(...r)) === y[i] ? 1 : 0));
          const sums = new Array<number>(bins).fill(0);
          conf.forEach((c, i) => {
            const b = Math.min(Math.max(Math.ceil(c * bins) - 1, 0), bins - 1);
            sums[b] = at(sums, b) + at(acc, i) - c;
          });
          const want = sums.reduce((a, s) => a + Math.abs(s), 0) / n;
          expect(num(L.expectedCalibrationError(f64(z, [n, k]), i32(y), { bins }))).toBeCloseTo(want, 12);
          const one = Math.abs(acc.reduce((a, b) => a + b, 0) / n - conf.reduce((a, b) => a + b, 0) / n);
          expect(num(L.expectedCalibrationError(f64(z, [n, k]), i32(y), { bins: 1 }))).toBeCloseTo(one, 12);
        },
      ),
    );
    expect(() => L.expectedCalibrationError(f64([0, 1], [1, 2]), i32([0]), { bins: 0 })).toThrow(
      /expectedCalibrationError: argument 'bins'/,
    );
  });
});

describe('safeStepRadius (Ghosts of softmax)', () => {
  test('binary golden: δ = 0, Δ = 1 gives π; √(δ² + π²)/|Δ| in general', () => {
    const f = (w: x.Tensor) => x.matmul(f64([1, 0], [1, 2]), w);
    expect(num(L.safeStepRadius(f, [f64([0, 0, 0, 0], [2, 2])], [f64([0, 1, 0, 0], [2, 2])]))).toBeCloseTo(Math.PI, 14);
    expect(num(L.safeStepRadius(f, [f64([1, 3, 0, 0], [2, 2])], [f64([0, -2, 0, 0], [2, 2])]))).toBeCloseTo(
      Math.hypot(2, Math.PI) / 2,
      14,
    );
  });
  test('K > 2: π/Δ_a with a = J·v, checked against finite differences of the logits', () => {
    fc.assert(
      // tenths: no subnormal slopes, whose radius overflows to MAX_VALUE where the differences see 0
      fc.property(tenths(2 * 3), tenths(3 * 4), tenths(3 * 4), (h, w, v) => {
        const f = (m: x.Tensor) => x.matmul(f64(h, [2, 3]), m);
        const eps = 1e-6;
        const plus = toNumbers(
          f(
            f64(
              w.map((a, i) => a + eps * at(v, i)),
              [3, 4],
            ),
          ),
        );
        const minus = toNumbers(
          f(
            f64(
              w.map((a, i) => a - eps * at(v, i)),
              [3, 4],
            ),
          ),
        );
        const a = plus.map((p, i) => (p - at(minus, i)) / (2 * eps));
        const spreads = rows(a, 4).map((r) => Math.max(...r) - Math.min(...r));
        const want = Math.min(...spreads.map((s) => Math.PI / s));
        expect(num(L.safeStepRadius(f, [f64(w, [3, 4])], [f64(v, [3, 4])]))).toBeCloseTo(want, 6);
      }),
    );
  });
  test('a constant direction along every row gives +Inf; a non-logit function is refused', () => {
    const f = (m: x.Tensor) => x.add(m, 0);
    expect(num(L.safeStepRadius(f, [f64([1, 2, 3], [1, 3])], [f64([1, 1, 1], [1, 3])]))).toBe(Infinity);
    expect(() => L.safeStepRadius(() => 3, [f64([1], [1])], [f64([1], [1])])).toThrow(
      /safeStepRadius: argument 'logitsOf' expected a function returning float logits/,
    );
  });
});
