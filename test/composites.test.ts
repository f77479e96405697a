/**
 * @file Core composites the losses are built from: xlogy, log1mexp, log(1 − softmax), masked and
 * weighted logsumexp, safe helpers, geometry, and the Philox random streams.
 */
import fc from 'fast-check';
import { describe, expect, expectTypeOf, test } from 'vitest';
import * as x from 'xent';
import { philox } from '../packages/core/src/random/philox.js';
import { directionArb } from './support/arbitraries.js';
import { directionalFd, dot, expectAllClose, toNumbers } from './support/numeric.js';

const f64 = (v: readonly number[], shape: readonly number[] = [v.length]): x.Tensor =>
  x.tensor(Float64Array.from(v), { shape, dtype: 'f64' });
const tol = { rtol: 1e-12, atol: 1e-14 };
const gradOf = (f: (t: x.Tensor) => x.Tensor, at: x.Tensor): number[] =>
  toNumbers(x.grad((t: x.Tensor) => x.sum(f(t)))(at));

describe('log-space helpers', () => {
  test('xlogy: value 0 where x = 0 (y = 0 too); ∂/∂x = log y, also at x = 0 (0 there only for y ≤ 0, as PyTorch); x·log y elsewhere', () => {
    const a = f64([0, 0, 2, 0.5]);
    const b = f64([0, 3, 4, 0.25]);
    expectAllClose(toNumbers(x.xlogy(a, b)), [0, 0, 2 * Math.log(4), 0.5 * Math.log(0.25)], tol, 'xlogy');
    const [ga, gb] = x.grad((p: x.Tensor, q: x.Tensor) => x.sum(x.xlogy(p, q)), { argnums: [0, 1] })(
      a,
      b,
    ) as x.Tensor[];
    // regression: ∂/∂x at x = 0, y = 3 was 0; d(x·log y)/dx = log y there
    expectAllClose(toNumbers(ga as x.Tensor), [0, Math.log(3), Math.log(4), Math.log(0.25)], tol, '∂/∂x');
    expectAllClose(toNumbers(gb as x.Tensor), [0, 0, 0.5, 2], tol, '∂/∂y');
  });

  test('logaddexp: log(eᵃ + eᵇ) without overflow, gradient σ(a − b), infinities and NaN as numpy, broadcasting', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 6, maxLength: 6 }),
        (as, bs) => {
          const [a, b] = [f64(as), f64(bs)];
          const stable = as.map((u, i) => {
            const v = bs[i] as number;
            const m = Math.max(u, v);
            return m + Math.log1p(Math.exp(Math.min(u, v) - m));
          });
          expectAllClose(toNumbers(x.logaddexp(a, b)), stable, { rtol: 1e-15, atol: 1e-300 }, 'value');
          const [ga, gb] = x.grad((p: x.Tensor, q: x.Tensor) => x.sum(x.logaddexp(p, q)), { argnums: [0, 1] })(a, b);
          const sigma = (t: number): number => 1 / (1 + Math.exp(-t));
          expectAllClose(
            toNumbers(ga),
            as.map((u, i) => sigma(u - (bs[i] as number))),
            { rtol: 1e-14, atol: 1e-300 },
            '∂a',
          );
          expectAllClose(
            toNumbers(gb),
            as.map((u, i) => sigma((bs[i] as number) - u)),
            { rtol: 1e-14, atol: 1e-300 },
            '∂b',
          );
        },
      ),
    );
    const edges = x.logaddexp(f64([-Infinity, Infinity, Infinity, NaN]), f64([-Infinity, 1, Infinity, 0]));
    expect(toNumbers(edges)).toEqual([-Infinity, Infinity, Infinity, NaN]);
    expect(x.logaddexp(x.tensor([[0], [1]], { dtype: 'f64' }), f64([0, 1, 2])).shape).toEqual([2, 3]);
  });

  test('softplus(x, {beta, threshold}) and logit(p, {eps}): PyTorch semantics, closed-form values and gradients', () => {
    const xs = [-30, -2, -1e-3, 0, 0.5, 3, 15, 40];
    const t = f64(xs);
    const beta = 2.5;
    const smooth = (v: number): number => (Math.max(beta * v, 0) + Math.log1p(Math.exp(-Math.abs(beta * v)))) / beta;
    const sigma = (v: number): number => 1 / (1 + Math.exp(-v));
    expectAllClose(toNumbers(x.softplus(t, { beta })), xs.map(smooth), tol, 'softplus β');
    expectAllClose(
      gradOf((u) => x.softplus(u, { beta }), t),
      xs.map((v) => sigma(beta * v)),
      tol,
      'σ(βx)',
    );
    // threshold: x itself (gradient 1) where βx > threshold, as torch.nn.functional.softplus
    const linear = xs.map((v) => (beta * v > 20 ? v : smooth(v)));
    expectAllClose(toNumbers(x.softplus(t, { beta, threshold: 20 })), linear, tol, 'threshold');
    expect(gradOf((u) => x.softplus(u, { beta, threshold: 20 }), t).slice(-2)).toEqual([1, 1]);
    expect(toNumbers(x.softplus(f64([NaN]), { beta, threshold: 20 }))).toEqual([NaN]);
    const ps = [1e-12, 0.1, 0.5, 0.9, 1 - 1e-9];
    expectAllClose(
      toNumbers(x.logit(f64(ps))),
      ps.map((p) => Math.log(p) - Math.log1p(-p)),
      tol,
      'logit',
    );
    expectAllClose(
      gradOf((u) => x.logit(u), f64(ps)),
      ps.map((p) => 1 / (p * (1 - p))),
      { rtol: 1e-9, atol: 0 },
      'logit′',
    );
    expect(toNumbers(x.logit(f64([0, 1, -0.5, 1.5])))).toEqual([-Infinity, Infinity, NaN, NaN]);
    // eps clips to [eps, 1 − eps], gradient 0 outside (bounds inside)
    const eps = 0.01;
    const clipped = x.logit(f64([0, 0.5, 1]), { eps });
    expectAllClose(toNumbers(clipped), [Math.log(eps / (1 - eps)), 0, Math.log((1 - eps) / eps)], tol, 'logit eps');
    expect(gradOf((u) => x.logit(u, { eps }), f64([0, 0.5, 1]))).toEqual([0, 4, 0]);
    expect(() => x.logit(f64([0.5]), { eps: 0.7 })).toThrow(/logit.*eps/);
    expect(() => x.softplus(f64([1]), { beta: 0 })).toThrow(/softplus.*beta/);
  });

  test('log1mexp: accurate at both ends (a = −1e-20 and a = −50) and equal to log(1 − eᵃ) between', () => {
    fc.assert(
      fc.property(fc.double({ min: -40, max: -1e-3, noNaN: true }), (a) => {
        expect(x.item(x.log1mexp(f64([a])))).toBeCloseTo(Math.log(1 - Math.exp(a)), 10);
      }),
    );
    expect(x.item(x.log1mexp(f64([-1e-20])))).toBeCloseTo(Math.log(1e-20), 10);
    expect(x.item(x.log1mexp(f64([-50])))).toBe(-Math.exp(-50));
    expect(x.item(x.log1mexp(f64([0])))).toBe(-Infinity);
    expect(gradOf((t) => x.log1mexp(t), f64([-1e-20, -0.3, -50])).every(Number.isFinite)).toBe(true);
  });

  test('logOneMinusSoftmax: log(1 − p_k) for every k, finite for a dominant logit, gradient matches finite differences', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: 4, maxLength: 4 }),
        directionArb(4),
        (z, d) => {
          const m = Math.max(...z);
          const e = z.map((v) => Math.exp(v - m));
          const s = e.reduce((a, b) => a + b, 0);
          expectAllClose(
            toNumbers(x.logOneMinusSoftmax(f64(z, [1, 4]))),
            e.map((v) => Math.log(1 - v / s)),
            { rtol: 1e-9, atol: 1e-12 },
            'log(1 − p)',
          );
          const f = (t: x.Tensor) => x.sum(x.mul(x.logOneMinusSoftmax(t), f64([1, -2, 0.5, 3], [1, 4])));
          const analytic = dot(toNumbers(x.grad(f)(f64(z, [1, 4]))), d);
          const fd = directionalFd((t) => x.item(f(t)), [f64(z, [1, 4])], [d]);
          expectAllClose([analytic], [fd], { rtol: 1e-6, atol: 1e-8 }, 'gradient');
        },
      ),
    );
    const v = toNumbers(x.logOneMinusSoftmax(f64([1e4, 0, 0], [1, 3])));
    expect(v[0]).toBeCloseTo(Math.LN2 - 1e4, 8);
    expect(gradOf((t) => x.logOneMinusSoftmax(t), f64([1e4, 0, 0], [1, 3])).every(Number.isFinite)).toBe(true);
  });

  test('maskedLogsumexp: log Σ over the mask; an empty row is −Inf with a zero gradient; NaN in masked-out entries does not leak', () => {
    const z = f64([1, 2, NaN, 4, 5, 6], [2, 3]);
    const mask = x.tensor([
      [true, true, false],
      [false, false, false],
    ]);
    const out = toNumbers(x.maskedLogsumexp(z, mask, { axis: -1 }));
    expect(out[0]).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2)), 14);
    expect(out[1]).toBe(-Infinity);
    const g = toNumbers(
      x.grad((t: x.Tensor) => x.sum(x.where(x.tensor([true, false]), x.maskedLogsumexp(t, mask, { axis: -1 }), 0)))(z),
    );
    expect(g.every(Number.isFinite)).toBe(true);
    expect(g.slice(2)).toEqual([0, 0, 0, 0]);
  });

  test('weightedLogsumexp: log Σ w·eᶻ, zero weights drop entries, negative weights are an error', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }),
        (z, w) => {
          fc.pre(w.some((v) => v > 0));
          // In log space, so that subnormal weights do not underflow the oracle.
          const terms = z.flatMap((v, i) => ((w[i] as number) > 0 ? [v + Math.log(w[i] as number)] : []));
          const m = Math.max(...terms);
          const want = m + Math.log(terms.reduce((s, t) => s + Math.exp(t - m), 0));
          expect(x.item(x.weightedLogsumexp(f64(z), f64(w)))).toBeCloseTo(want, 10);
        },
      ),
    );
    expect(() => x.weightedLogsumexp(f64([1, 2]), f64([1, -1]))).toThrow(/non-negative weights/);
  });
});

describe('safe helpers and geometry', () => {
  test('safeLog, safeDiv, safeSqrt: finite values and documented gradients at the edges', () => {
    expectAllClose(
      toNumbers(x.safeLog(f64([0, -1, 2]), 1e-6)),
      [Math.log(1e-6), Math.log(1e-6), Math.log(2)],
      tol,
      'safeLog',
    );
    expectAllClose(
      gradOf((t) => x.safeLog(t, 1e-6), f64([0, -1, 2])),
      [0, 0, 0.5],
      tol,
      'safeLog′',
    );
    expectAllClose(toNumbers(x.safeDiv(f64([1, 2]), f64([0, 4]), 7)), [7, 0.5], tol, 'safeDiv');
    const [ga, gb] = x.grad((a: x.Tensor, b: x.Tensor) => x.sum(x.safeDiv(a, b)), { argnums: [0, 1] })(
      f64([1, 2]),
      f64([0, 4]),
    ) as x.Tensor[];
    expectAllClose(
      [...toNumbers(ga as x.Tensor), ...toNumbers(gb as x.Tensor)],
      [0, 0.25, 0, -2 / 16],
      tol,
      'safeDiv′',
    );
    expectAllClose(toNumbers(x.safeSqrt(f64([-1, 0, 4]))), [0, 0, 2], tol, 'safeSqrt');
    expectAllClose(
      gradOf((t) => x.safeSqrt(t), f64([-1, 0, 4])),
      [0, 0, 0.25],
      tol,
      'safeSqrt′',
    );
  });

  test('normalize and clipByNorm: unit or clipped norms, identity below τ, idempotent, zero vector stays 0 with a finite gradient', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (v, tau) => {
          const t = f64(v, [2, 3]);
          const norms = toNumbers(x.norm(x.normalize(t), { axis: -1 }));
          const raw = toNumbers(x.norm(t, { axis: -1 }));
          norms.forEach((n, i) => {
            expect(n).toBeCloseTo((raw[i] as number) / Math.max(raw[i] as number, 1e-12), 10);
          });
          const clipped = x.clipByNorm(t, tau);
          toNumbers(x.norm(clipped, { axis: -1 })).forEach((n, i) => {
            expect(n).toBeCloseTo(Math.min(raw[i] as number, tau), 10);
          });
          expectAllClose(
            toNumbers(x.clipByNorm(clipped, tau)),
            toNumbers(clipped),
            { rtol: 1e-12, atol: 1e-12 },
            'idempotent',
          );
        },
      ),
    );
    expect(toNumbers(x.normalize(f64([0, 0, 0])))).toEqual([0, 0, 0]);
    expect(gradOf((t) => x.normalize(t), f64([0, 0, 0])).every(Number.isFinite)).toBe(true);
    expect(gradOf((t) => x.clipByNorm(t, 1), f64([0, 0, 0])).every(Number.isFinite)).toBe(true);
  });

  test('pairwiseDistances against a JS loop; zero gradient at coincident points; Gram and double centering', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (a, b) => {
          const d = toNumbers(x.pairwiseDistances(f64(a, [3, 2]), f64(b, [2, 2])));
          const want = [0, 1, 2].flatMap((i) =>
            [0, 1].map((j) =>
              Math.hypot(
                (a[2 * i] as number) - (b[2 * j] as number),
                (a[2 * i + 1] as number) - (b[2 * j + 1] as number),
              ),
            ),
          );
          expectAllClose(d, want, { rtol: 1e-9, atol: 1e-7 }, 'D');
          const c = toNumbers(x.doubleCenter(x.gram(f64(a, [3, 2]))));
          for (let i = 0; i < 3; i++) {
            expect(Math.abs((c[3 * i] as number) + (c[3 * i + 1] as number) + (c[3 * i + 2] as number))).toBeLessThan(
              1e-9,
            );
            expect(Math.abs((c[i] as number) + (c[3 + i] as number) + (c[6 + i] as number))).toBeLessThan(1e-9);
          }
        },
      ),
    );
    const same = f64([1, 2, 1, 2], [2, 2]);
    expect(gradOf((t) => x.pairwiseDistances(t), same)).toEqual([0, 0, 0, 0]);
    const cos = toNumbers(x.cosineSimilarity(f64([1, 0, 2, 2], [2, 2]), f64([3, 0, -1, -1], [2, 2])));
    expectAllClose(cos, [1, -1], tol, 'cosine');
  });
});

describe('random streams (Philox-2×32-10)', () => {
  test('known-answer vectors of Random123', () => {
    expect(philox(0, 0, 0)).toEqual([0xff1dae59, 0x6cd10df2]);
    expect(philox(0xffffffff, 0xffffffff, 0xffffffff)).toEqual([0x2c3f628b, 0xab4fd7ad]);
    expect(philox(0x243f6a88, 0x85a308d3, 0x13198a2e)).toEqual([0xdd7ce038, 0xf62a4c12]);
  });

  test('same key, same stream; split and foldIn give different streams', () => {
    const k = x.random.key(7);
    expect(toNumbers(x.random.uniform(k, [5]))).toEqual(toNumbers(x.random.uniform(x.random.key(7), [5])));
    const [a, b] = x.random.split(k) as [x.RandomKey, x.RandomKey];
    const ua = toNumbers(x.random.uniform(a, [5]));
    expect(ua).not.toEqual(toNumbers(x.random.uniform(b, [5])));
    expect(ua).not.toEqual(toNumbers(x.random.uniform(k, [5])));
    expect(toNumbers(x.random.uniform(x.random.foldIn(k, 1), [5]))).not.toEqual(
      toNumbers(x.random.uniform(x.random.foldIn(k, 2), [5])),
    );
  });

  test('moments: uniform (mean ½, var 1/12), normal (0, 1), Gumbel (mean γ); all in range', () => {
    const n = 20000;
    const k = x.random.key(2026);
    const moments = (v: number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return [m, v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length] as const;
    };
    const u = toNumbers(x.random.uniform(k, [n], { dtype: 'f64' }));
    expect(u.every((v) => v > 0 && v < 1)).toBe(true);
    const [mu, vu] = moments(u);
    expect(Math.abs(mu - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(vu - 1 / 12)).toBeLessThan(0.003);
    const [mn, vn] = moments(toNumbers(x.random.normal(x.random.foldIn(k, 1), [n], { dtype: 'f64' })));
    expect(Math.abs(mn)).toBeLessThan(0.03);
    expect(Math.abs(vn - 1)).toBeLessThan(0.04);
    const [mg] = moments(toNumbers(x.random.gumbel(x.random.foldIn(k, 2), [n], { dtype: 'f64' })));
    expect(Math.abs(mg - 0.5772156649)).toBeLessThan(0.04);
  });

  test('permutation is a permutation; categorical frequencies follow softmax and never pick −Inf classes', () => {
    const p = toNumbers(x.random.permutation(x.random.key(3), 50));
    expect([...p].sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
    const rowsN = 6000;
    const logits = x.tensor(
      Float64Array.from({ length: rowsN * 4 }, (_, i) => [0, Math.log(2), -Infinity, Math.log(3)][i % 4] as number),
      { shape: [rowsN, 4], dtype: 'f64' },
    );
    const draws = toNumbers(x.random.categorical(x.random.key(4), logits));
    const counts = [0, 1, 2, 3].map((c) => draws.filter((d) => d === c).length / rowsN);
    expect(counts[2]).toBe(0);
    [1 / 6, 2 / 6, 0, 3 / 6].forEach((want, c) => {
      expect(Math.abs((counts[c] as number) - want)).toBeLessThan(0.025);
    });
  });
});

describe('eye, tril and triu', () => {
  test('eye: the n×m identity in the requested dtype, typed [N, M]', () => {
    const i = x.eye(3);
    expectTypeOf(i).toEqualTypeOf<x.Tensor<[3, 3], 'f32'>>();
    expect(i.toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const r = x.eye(2, { m: 3, dtype: 'i32' });
    expectTypeOf(r).toEqualTypeOf<x.Tensor<[2, 3], 'i32'>>();
    expect([r.dtype, r.toArray()]).toEqual([
      'i32',
      [
        [1, 0, 0],
        [0, 1, 0],
      ],
    ]);
    expect(x.eye(0).shape).toEqual([0, 0]);
  });

  test('tril and triu keep j ≤ i + k and j ≥ i + k of the last two axes (any k, batches), gradients masked alike', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: -5, max: 5 }),
        (batch, n, m, k) => {
          const values = Array.from({ length: batch * n * m }, (_, i) => Math.sin(i + 1));
          const t = x.tensor(Float64Array.from(values), { shape: [batch, n, m], dtype: 'f64' });
          const below = (idx: number): boolean => idx % m <= (Math.floor(idx / m) % n) + k;
          const above = (idx: number): boolean => idx % m >= (Math.floor(idx / m) % n) + k;
          const lower = values.map((v, idx) => (below(idx) ? v : 0));
          const upper = values.map((v, idx) => (above(idx) ? v : 0));
          expect(toNumbers(x.tril(t, { k }))).toEqual(lower);
          expect(toNumbers(x.triu(t, { k }))).toEqual(upper);
          const w = x.tensor(Float64Array.from(values.map((_, i) => i + 1)), { shape: [batch, n, m], dtype: 'f64' });
          const g = toNumbers(x.grad((u: x.Tensor) => x.sum(x.mul(x.tril(u, { k }), w)))(t));
          expect(g).toEqual(values.map((_, i) => (below(i) ? i + 1 : 0)));
        },
      ),
      { numRuns: 40 },
    );
    expect(toNumbers(x.tril(x.tensor([[NaN, NaN]], { dtype: 'f64' })))).toEqual([NaN, 0]);
    expect(
      x
        .triu(
          x.tensor(
            [
              [1, 2],
              [3, 4],
            ],
            { dtype: 'i32' },
          ),
        )
        .toArray(),
    ).toEqual([
      [1, 2],
      [0, 4],
    ]);
    expect(() => x.tril(x.tensor([1, 2], { dtype: 'f64' }))).toThrow(/tril.*rank ≥ 2/);
    expect(() => x.triu(x.eye(2), { k: 0.5 })).toThrow(/triu.*k/);
  });
});
