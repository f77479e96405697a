/** @file Cramér distance, EMO and log-domain Sinkhorn (catalog T02, T04, T05) against f64 host implementations and their laws (§2.3). */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import {
  directionsArb,
  expectAllClose,
  expectGradientMatchesFd,
  f64,
  i32,
  num,
  softmaxRow,
  toNumbers,
} from './support.js';

const L = x.losses;
const row = (v: readonly number[]) => f64(v, [1, v.length]);
const vec = (v: readonly number[]) => f64(v, [v.length]);
const tol = { rtol: 1e-9, atol: 1e-12 };
const simplex = (k: number) =>
  fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: k, maxLength: k }).map((w) => {
    const s = w.reduce((a, b) => a + b, 0);
    return w.map((v) => v / s);
  });
const centersArb = (k: number) =>
  fc
    .array(fc.double({ min: 0.1, max: 3, noNaN: true }), { minLength: k - 1, maxLength: k - 1 })
    .map((g) => g.reduce<number[]>((c, d) => [...c, (c[c.length - 1] as number) + d], [0]));

/** Σ_k Δ_k·(F_p(k) − F_q(k))² from running sums. */
function hostCramer(p: number[], q: number[], c: number[]): number {
  let [fp, fq, s] = [0, 0, 0];
  for (let k = 0; k + 1 < p.length; k++) {
    fp += p[k] as number;
    fq += q[k] as number;
    s += ((c[k + 1] as number) - (c[k] as number)) * (fp - fq) ** 2;
  }
  return s;
}

describe('Cramér distance (T02)', () => {
  test('golden 0.89 for (0.2, 0.3, 0.5) vs δ_0; equals the host sum; 0 iff equal; symmetric; ≤ W1 on the same grid; hard-label form', () => {
    expect(num(L.cramerOrdinal(row([0.2, 0.3, 0.5]), row([1, 0, 0])))).toBeCloseTo(0.89, 14);
    expect(num(L.cramerOrdinalLoss(row([0.2, 0.3, 0.5].map(Math.log)), i32([0])))).toBeCloseTo(0.89, 14);
    fc.assert(
      fc.property(simplex(5), simplex(5), centersArb(5), (p, q, centers) => {
        const d = (a: number[], b: number[]) => num(L.cramerOrdinal(row(a), row(b), { centers }));
        expect(d(p, q)).toBeCloseTo(hostCramer(p, q, centers), 13);
        expect(d(q, p)).toBeCloseTo(d(p, q), 14);
        expect(d(p, p)).toBe(0);
        expect(d(p, q)).toBeGreaterThan(0);
        expect(d(p, q)).toBeLessThanOrEqual(num(L.wassersteinOrdinal(row(p), row(q), { centers })) + 1e-14);
        const z = row(p.map(Math.log));
        for (let y = 0; y < 5; y++) {
          const hot = [0, 0, 0, 0, 0].map((_, k) => (k === y ? 1 : 0));
          expect(num(L.cramerOrdinalLoss(z, i32([y]), { centers }))).toBeCloseTo(hostCramer(p, hot, centers), 12);
        }
      }),
      { numRuns: 40 },
    );
  });

  test('smooth: gradient in p, q and the logits matches f64 finite differences; bad centres and labels are XentErrors', () => {
    fc.assert(
      fc.property(simplex(4), simplex(4), directionsArb([4, 4, 8]), (p, q, [dp, dq, dz]) => {
        const zero = (d: number[]) => d.map((v) => v - d.reduce((a, b) => a + b, 0) / d.length);
        expectGradientMatchesFd(
          (a, b) => L.cramerOrdinal(a, b, { centers: [0, 1, 3, 3.5] }),
          [row(p), row(q)],
          [0, 1],
          [zero(dp as number[]), zero(dq as number[])],
        );
        expectGradientMatchesFd(
          (z) => L.cramerOrdinalLoss(z, i32([1, 3]), { reduction: 'sum' }),
          [f64([...p, ...q].map(Math.log), [2, 4])],
          [0],
          [dz as number[]],
        );
      }),
      { numRuns: 20 },
    );
    expect(() => L.cramerOrdinal(row([0.5, 0.5]), row([1, 0]), { centers: [1, 0] })).toThrow(
      /xent\.cramerOrdinal: argument 'centers'/,
    );
    expect(() => L.cramerOrdinalLoss(row([0, 0]), i32([2]))).toThrow(/xent\.cramerOrdinalLoss: argument 'labels'/);
    expect(() => L.cramerOrdinal(row([0.5, 0.6]), row([1, 0]))).toThrow(/xent\.cramerOrdinal: argument 'p'/);
  });
});

describe('EMO (T04)', () => {
  const embeddingsArb = (k: number, d: number) =>
    fc.array(
      fc.tuple(fc.boolean(), fc.double({ min: 0.1, max: 2, noNaN: true })).map(([s, v]) => (s ? -v : v)),
      { minLength: k * d, maxLength: k * d },
    );
  /** Σ_i p_i·(1 − cos(e_i, e_y)) with host cosines. */
  function hostEmo(z: number[], y: number, e: number[], d: number): number {
    const p = softmaxRow(z);
    const at = (i: number) => e.slice(i * d, (i + 1) * d);
    const cos = (u: number[], v: number[]) =>
      u.reduce((s, a, j) => s + a * (v[j] as number), 0) /
      Math.sqrt(u.reduce((s, a) => s + a * a, 0) * v.reduce((s, a) => s + a * a, 0));
    return p.reduce((s, pi, i) => s + pi * (1 - cos(at(i), at(y))), 0);
  }

  test('golden 0.5; equals Σ p_i·C_iy with host cosines; ∈ [0, 2]; invariant to permuting classes, labels and embedding rows together', () => {
    expect(num(L.emoLoss(row([0, 0]), i32([0]), f64([1, 0, 0, 1], [2, 2])))).toBeCloseTo(0.5, 14);
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 8, maxLength: 8 }),
        embeddingsArb(4, 3),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        (z, e, y0, y1) => {
          const E = f64(e, [4, 3]);
          const got = toNumbers(L.emoLoss(f64(z, [2, 4]), i32([y0, y1]), E, { reduction: 'none' }));
          const want = [hostEmo(z.slice(0, 4), y0, e, 3), hostEmo(z.slice(4), y1, e, 3)];
          expectAllClose(got, want, tol, 'EMO');
          got.forEach((v) => {
            expect(v).toBeGreaterThanOrEqual(-1e-15);
            expect(v).toBeLessThanOrEqual(2 + 1e-15);
          });
          const perm = [2, 0, 3, 1];
          const pz = [0, 1].flatMap((r) => perm.map((j) => z[r * 4 + j] as number));
          const pe = perm.flatMap((j) => e.slice(j * 3, j * 3 + 3));
          const py = [perm.indexOf(y0), perm.indexOf(y1)];
          expectAllClose(
            toNumbers(L.emoLoss(f64(pz, [2, 4]), i32(py), f64(pe, [4, 3]), { reduction: 'none' })),
            got,
            tol,
            'permuted',
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  test('0 iff all mass is on tokens with cosine 1 to y; gradient in logits and embeddings matches f64 finite differences', () => {
    // classes 0 and 2 share a direction (2·e_0): mass split between them costs nothing
    const E = f64([1, 0, 0, 1, 2, 0], [3, 2]);
    expect(num(L.emoLoss(row([0, -Infinity, 0]), i32([0]), E))).toBeCloseTo(0, 15);
    expect(num(L.emoLoss(row([0, -30, 0]), i32([0]), E))).toBeGreaterThan(0);
    fc.assert(
      fc.property(embeddingsArb(3, 2), directionsArb([6, 6]), ([...e], [dz, de]) => {
        expectGradientMatchesFd(
          (z, emb) => L.emoLoss(z, i32([2, 0]), emb),
          [f64([0.3, -1, 2, 1, 0, -0.5], [2, 3]), f64(e, [3, 2])],
          [0, 1],
          [dz as number[], de as number[]],
        );
      }),
      { numRuns: 20 },
    );
    expect(() => L.emoLoss(row([0, 0]), i32([0]), f64([1, 0, 0, 1, 1, 1], [3, 2]))).toThrow(
      /xent\.emoLoss: argument 'embeddings'/,
    );
    expect(() =>
      L.emoLoss(
        row([0, 0]),
        i32([0]),
        x.tensor([
          [1, 0],
          [0, 1],
        ]),
      ),
    ).toThrow(/xent\.emoLoss: argument 'embeddings'/);
    expect(() => L.emoLoss(row([0, 0]), i32([5]), f64([1, 0, 0, 1], [2, 2]))).toThrow(
      /xent\.emoLoss: argument 'labels'/,
    );
  });
});

describe('Sinkhorn in the log domain (T05)', () => {
  /** The same log-domain iterations in plain f64 JS loops: f_i/ε = log a_i − LSE_j(g_j/ε − C_ij/ε), and g likewise. */
  function hostSinkhorn(a: number[], b: number[], c: number[][], eps: number, iterations: number) {
    const lse = (v: number[]) => {
      const m = Math.max(...v);
      return m === -Infinity ? m : m + Math.log(v.reduce((s, t) => s + Math.exp(t - m), 0));
    };
    let g = b.map(() => 0);
    let f = a.map(() => 0);
    for (let t = 0; t < iterations; t++) {
      f = a.map((ai, i) => Math.log(ai) - lse(g.map((gj, j) => gj - (c[i]?.[j] as number) / eps)));
      g = b.map((bj, j) => Math.log(bj) - lse(f.map((fi, i) => fi - (c[i]?.[j] as number) / eps)));
    }
    const plan = a.map((_, i) =>
      b.map((__, j) => Math.exp((f[i] as number) + (g[j] as number) - (c[i]?.[j] as number) / eps)),
    );
    const objective = plan.reduce(
      (s, r, i) => s + r.reduce((t, p, j) => t + (p === 0 ? 0 : p * ((c[i]?.[j] as number) + eps * Math.log(p))), 0),
      0,
    );
    return { plan, objective };
  }
  const problem = fc.record({
    a: simplex(4),
    b: simplex(3),
    c: fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: 12, maxLength: 12 }),
  });
  const mat = (c: number[]) => [0, 1, 2, 3].map((i) => c.slice(i * 3, i * 3 + 3));

  test('plan and objective equal the f64 host iterations; Pᵀ1 = b exactly and P1 → a; P = diag(u)·e^{−C/ε}·diag(v)', () => {
    fc.assert(
      fc.property(problem, fc.constantFrom(1, 0.3, 0.05, 0.005), ({ a, b, c }, eps) => {
        const opts = { epsilon: eps, iterations: 60 };
        const host = hostSinkhorn(a, b, mat(c), eps, 60);
        const plan = x.reshape(L.sinkhornPlan(vec(a), vec(b), f64(c, [4, 3]), opts), [12]);
        const got = toNumbers(plan);
        expectAllClose(got, host.plan.flat(), { rtol: 1e-8, atol: 1e-14 }, 'plan');
        expect(num(L.sinkhorn(vec(a), vec(b), f64(c, [4, 3]), opts))).toBeCloseTo(host.objective, 9);
        const P = mat(got);
        b.forEach((bj, j) => {
          expect(P.reduce((s, r) => s + (r[j] as number), 0)).toBeCloseTo(bj, 12);
        });
        // log P_ij + C_ij/ε − (log P_0j + C_0j/ε) does not depend on j
        const w = P.map((r, i) => r.map((p, j) => Math.log(p) + (c[i * 3 + j] as number) / eps));
        w.forEach((r) => {
          r.forEach((v, j) => {
            expect(v - ((w[0] as number[])[j] as number)).toBeCloseTo(
              (r[0] as number) - ((w[0] as number[])[0] as number),
              6,
            );
          });
        });
      }),
      { numRuns: 15 },
    );
    const [a, b] = [
      [0.1, 0.2, 0.3, 0.4],
      [0.5, 0.3, 0.2],
    ];
    const c = [0.3, 1, 0.2, 0.7, 0.1, 0.9, 0.5, 0.5, 0.8, 0.2, 0.6, 0.4];
    const P = mat(toNumbers(L.sinkhornPlan(vec(a), vec(b), f64(c, [4, 3]), { epsilon: 0.1, iterations: 500 })));
    P.forEach((r, i) => {
      expect(r.reduce((s, v) => s + v, 0)).toBeCloseTo(a[i] as number, 10);
    });
  });

  test('⟨P, C⟩ → W1 as ε → 0 on a 1-D grid (against the CDF form); symmetric in (a, b) for a symmetric cost; zero masses', () => {
    const centers = [0, 0.5, 1.5, 2, 3.5];
    const c = centers.flatMap((u) => centers.map((v) => Math.abs(u - v)));
    const transported = (p: x.Tensor, q: x.Tensor, k: x.Tensor, eps: number) =>
      x.sum(x.mul(L.sinkhornPlan(p, q, k, { epsilon: eps, iterations: 200 }), k));
    fc.assert(
      fc.property(simplex(5), simplex(5), (a, b) => {
        const w1 = num(L.wassersteinOrdinal(row(a), row(b), { centers }));
        // 0 ≤ ⟨P_ε, C⟩ − W1 ≤ ε·log(nm) at convergence (the entropy of a plan is at most log(nm)); 1e-4 for the unconverged marginals
        for (const eps of [0.1, 0.03]) {
          const got = num(transported(vec(a), vec(b), f64(c, [5, 5]), eps));
          expect(got - w1).toBeGreaterThan(-1e-4);
          expect(got - w1).toBeLessThan(eps * Math.log(25) + 1e-4);
        }
        const opts = { epsilon: 0.5, iterations: 100 };
        const ab = L.sinkhorn(vec(a), vec(b), f64(c, [5, 5]), opts);
        expect(num(L.sinkhorn(vec(b), vec(a), f64(c, [5, 5]), opts))).toBeCloseTo(num(ab), 10);
      }),
      { numRuns: 1 },
    );
    // a point with no mass gets an empty row, a finite objective and finite gradients
    const a = vec([0.5, 0, 0.5]);
    const b = vec([0.25, 0.75]);
    const cost = f64([0, 1, 1, 0, 2, 0.5], [3, 2]);
    const plan = toNumbers(L.sinkhornPlan(a, b, cost, { iterations: 50 }));
    expect(plan.slice(2, 4)).toEqual([0, 0]);
    const [ga, gb, gc] = x.grad((p: x.Tensor, q: x.Tensor, k: x.Tensor) => L.sinkhorn(p, q, k), { argnums: [0, 1, 2] })(
      a,
      b,
      cost,
    ) as x.Tensor[];
    expect(
      [...toNumbers(ga as x.Tensor), ...toNumbers(gb as x.Tensor), ...toNumbers(gc as x.Tensor)].every(Number.isFinite),
    ).toBe(true);
  }, 300_000);

  test('gradients in a, b (along the simplex) and C match f64 finite differences; jit agrees with eager; bad inputs are XentErrors', () => {
    fc.assert(
      fc.property(problem, directionsArb([4, 3, 12]), ({ a, b, c }, [da, db, dc]) => {
        const zero = (d: number[]) => d.map((v) => v - d.reduce((s, t) => s + t, 0) / d.length);
        expectGradientMatchesFd(
          (p, q, k) => L.sinkhorn(p, q, k, { epsilon: 0.2, iterations: 30 }),
          [vec(a), vec(b), f64(c, [4, 3])],
          [0, 1, 2],
          [zero(da as number[]), zero(db as number[]), dc as number[]],
        );
      }),
      { numRuns: 5 },
    );
    const args = [vec([0.2, 0.8]), vec([0.6, 0.4]), f64([0, 1, 2, 0.5], [2, 2])] as const;
    const f = (p: x.Tensor, q: x.Tensor, k: x.Tensor) => L.sinkhorn(p, q, k, { epsilon: 0.05, iterations: 40 });
    const eager = x.valueAndGrad(f, { argnums: [0, 1, 2] })(...args);
    const jitted = x.jit(x.valueAndGrad(f, { argnums: [0, 1, 2] }))(...args);
    expect(num(jitted[0])).toBeCloseTo(num(eager[0]), 12);
    jitted[1].forEach((g, i) => {
      expectAllClose(toNumbers(g), toNumbers(eager[1][i] as x.Tensor), tol, `∇${i}`);
    });
    const [a, b, c] = args;
    expect(() => L.sinkhorn(a, b, f64([0, 1, 2], [1, 3]))).toThrow(/xent\.sinkhorn: argument 'cost'/);
    expect(() => L.sinkhorn(a, b, f64([0, 1, Number.NaN, 0], [2, 2]))).toThrow(
      /xent\.sinkhorn: argument 'cost'.*finite/,
    );
    expect(() => L.sinkhorn(a, vec([0.6, 0.6]), c)).toThrow(/xent\.sinkhorn: argument 'b'/);
    expect(() => L.sinkhorn(a, b, c, { epsilon: 0 })).toThrow(/xent\.sinkhorn: argument 'epsilon'/);
    expect(() => L.sinkhornPlan(a, b, c, { iterations: 1.5 })).toThrow(/xent\.sinkhornPlan: argument 'iterations'/);
    expect(() => L.sinkhornPlan(a, b, c, { iterations: 1e6 })).toThrow(x.ResourceError);
  }, 300_000);

  test('the jitted graph and compiled programs of 1000 iterations are those of 10 (value and gradient), values converged alike', () => {
    const args = [vec([0.2, 0.5, 0.3]), vec([0.6, 0.4]), f64([0, 1, 2, 0.5, 1, 0], [3, 2])] as const;
    const cpu = x.backends.cpu as Extract<x.Backend, { kind: 'kernel' }>;
    const sizes = (iterations: number) => {
      const stats = { programs: 0, launches: 0 };
      const backend: x.Backend = {
        ...cpu,
        compile(program: x.Program) {
          stats.programs++;
          stats.launches += program.steps.length;
          return cpu.compile(program);
        },
      };
      const f = (p: x.Tensor, q: x.Tensor, k: x.Tensor) => L.sinkhorn(p, q, k, { epsilon: 0.5, iterations });
      const vg = x.jit(x.valueAndGrad(f, { argnums: [0, 1, 2] }), { backend });
      const [value] = vg(...args);
      return { stats, nodes: vg.graph(...args).nodes.length, value: num(value) };
    };
    const short = sizes(10);
    const long = sizes(1000);
    expect(long.stats).toEqual(short.stats);
    expect(long.nodes).toBe(short.nodes);
    expect(long.nodes).toBeLessThan(300);
    const cost = [
      [0, 1],
      [2, 0.5],
      [1, 0],
    ];
    for (const [run, iterations] of [
      [short, 10],
      [long, 1000],
    ] as const)
      expect(run.value).toBeCloseTo(hostSinkhorn([0.2, 0.5, 0.3], [0.6, 0.4], cost, 0.5, iterations).objective, 10);
  }, 120_000);
});
