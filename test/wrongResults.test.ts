/**
 * @file Regressions for three silent wrong results PyTorch 1.13 disagreed with: xlogy's ∂/∂x at x = 0,
 * softTargetCrossEntropy's gradient in the targets where q_k = 0, and pairwiseDistances cancelling
 * for close points far from the origin; also safeSqrt (and so pairwiseDistances) reading NaN as 0.
 * Expected values are PyTorch's (stated) and f64 differences.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { expectAllClose, toNumbers } from './support/numeric.js';

const f64 = (values: readonly (readonly number[])[] | readonly number[]): x.Tensor =>
  x.tensor(values as number[][], { dtype: 'f64' });

/** ∂(Σ f)/∂t by Richardson-extrapolated central differences, entry by entry. */
function differences(f: (t: x.Tensor) => x.Tensor, at: x.Tensor, h = 1e-4): number[] {
  const base = toNumbers(at);
  const value = (j: number, step: number): number => {
    const moved = base.slice();
    moved[j] = (moved[j] as number) + step;
    return x.item(x.sum(f(x.tensor(Float64Array.from(moved), { shape: at.shape, dtype: 'f64' }))));
  };
  const central = (j: number, step: number): number => (value(j, step) - value(j, -step)) / (2 * step);
  return base.map((_, j) => (4 * central(j, h / 2) - central(j, h)) / 3);
}

describe('xlogy', () => {
  test('∂/∂x = log y at x = 0 for y > 0 (PyTorch: [−0.6931, 0.6931] for x = [0, 1], y = [0.5, 2])', () => {
    const g = x.grad((t: x.Tensor) => x.sum(x.xlogy(t, f64([0.5, 2]))))(f64([0, 1]));
    expectAllClose(toNumbers(g), [Math.log(0.5), Math.log(2)], { rtol: 1e-15, atol: 0 });
  });

  test('the conventions at x = 0: value 0 unless y is NaN; ∂/∂x 0 for y ≤ 0, ±Inf/NaN propagate; ∂/∂y 0', () => {
    const a = f64([0, 0, 0, 0, 0]);
    const b = f64([0, -1, NaN, Infinity, 2]);
    expect(toNumbers(x.xlogy(a, b))).toEqual([0, 0, NaN, 0, 0]);
    const [ga, gb] = x.grad((p: x.Tensor, q: x.Tensor) => x.sum(x.xlogy(p, q)), { argnums: [0, 1] })(a, b);
    expect(toNumbers(ga)).toEqual([0, 0, NaN, Infinity, Math.log(2)]);
    expect(toNumbers(gb)).toEqual([0, 0, NaN, 0, 0]);
  });

  test('gradients in both arguments (broadcast, x = 0 drawn often) equal f64 differences', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: -2, max: 2, noNaN: true })), { minLength: 3, maxLength: 3 }),
        fc.array(fc.double({ min: 0.1, max: 3, noNaN: true }), { minLength: 2, maxLength: 2 }),
        (xs, ys) => {
          const a = x.tensor(Float64Array.from(xs), { shape: [3, 1], dtype: 'f64' });
          const b = x.tensor(Float64Array.from(ys), { shape: [1, 2], dtype: 'f64' });
          const [ga, gb] = x.grad((p: x.Tensor, q: x.Tensor) => x.sum(x.xlogy(p, q)), { argnums: [0, 1] })(a, b);
          expectAllClose(
            toNumbers(ga),
            differences((t) => x.xlogy(t, b), a),
            { rtol: 1e-8, atol: 1e-9 },
            '∂x',
          );
          expectAllClose(
            toNumbers(gb),
            differences((t) => x.xlogy(a, t), b),
            { rtol: 1e-8, atol: 1e-9 },
            '∂y',
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('softTargetCrossEntropy', () => {
  test('∂/∂q_k = −log p_k also where q_k = 0 (PyTorch: [2.4076, 1.4076, 0.4076] for z = [1, 2, 3], q = [0, ½, ½])', () => {
    const g = x.grad((q: x.Tensor) => x.losses.softTargetCrossEntropy(f64([[1, 2, 3]]), q))(f64([[0, 0.5, 0.5]]));
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expectAllClose(toNumbers(g), [lse - 1, lse - 2, lse - 3], { rtol: 1e-14, atol: 0 });
  });

  test('a masked logit (−Inf) with q_k = 0: value and ∂/∂z finite (∂z_k = 0), ∂/∂q_k = +Inf', () => {
    const z = f64([[-Infinity, 2, 3]]);
    const q = f64([[0, 0.5, 0.5]]);
    const [gz, gq] = x.grad((a: x.Tensor, b: x.Tensor) => x.losses.softTargetCrossEntropy(a, b), { argnums: [0, 1] })(
      z,
      q,
    );
    expect(Number.isFinite(x.item(x.losses.softTargetCrossEntropy(z, q)))).toBe(true);
    expect(toNumbers(gz)[0]).toBe(0);
    expect(toNumbers(gz).every(Number.isFinite)).toBe(true);
    expect(toNumbers(gq)[0]).toBe(Infinity);
  });

  test('the gradient in the targets is −log softmax(z) (the loss is linear in q), zero targets included', () => {
    // finite differences would leave the simplex, which the loss rejects: the closed form on the host instead
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0.05, max: 1, noNaN: true })), {
          minLength: 4,
          maxLength: 4,
        }),
        (zs, raw) => {
          const total = raw.reduce((s, v) => s + v, 0) || 1;
          const z = x.tensor(Float64Array.from(zs), { shape: [1, 4], dtype: 'f64' });
          const q = x.tensor(Float64Array.from(raw.map((v) => v / total)), { shape: [1, 4], dtype: 'f64' });
          const top = Math.max(...zs);
          const lse = top + Math.log(zs.reduce((s, v) => s + Math.exp(v - top), 0));
          const g = x.grad((t: x.Tensor) => x.losses.softTargetCrossEntropy(z, t))(q);
          expectAllClose(
            toNumbers(g),
            zs.map((v) => lse - v),
            { rtol: 1e-13, atol: 1e-14 },
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('pairwiseDistances', () => {
  test('close points far from the origin: the distance and its gradient (PyTorch cdist: 0.00097656 and −1 in f32)', () => {
    for (const dtype of ['f32', 'f64'] as const) {
      const a = x.tensor([[1000, 0, 0]], { dtype });
      const b = x.tensor([[1000.001, 0, 0]], { dtype });
      // the exact difference of the two stored coordinates
      const gap = (dtype === 'f32' ? Math.fround(1000.001) : 1000.001) - 1000;
      expectAllClose(toNumbers(x.pairwiseDistances(a, b)), [gap], { rtol: dtype === 'f32' ? 1e-7 : 1e-15, atol: 0 });
      expect(toNumbers(x.grad((t: x.Tensor) => x.sum(x.pairwiseDistances(t, b)))(a))).toEqual([-1, 0, 0]);
    }
  });

  test('a large set (the centred matrix-product path) close together far from the origin, against f64 on the host', () => {
    const [n, d] = [300, 16];
    const values = Float64Array.from({ length: n * d }, (_, i) => 1000 + 1e-3 * Math.sin(i * 1.3));
    const got = x.pairwiseDistances(x.tensor(values, { shape: [n, d], dtype: 'f64' })).data();
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        let s = 0;
        for (let k = 0; k < d; k++) s += ((values[i * d + k] as number) - (values[j * d + k] as number)) ** 2;
        worst = Math.max(worst, Math.abs((got[i * n + j] as number) - Math.sqrt(s)) / Math.sqrt(s));
      }
    // uncentred, ‖a‖² ≈ 1.6·10⁷ against D² ≈ 10⁻⁶ left no correct digit
    expect(worst).toBeLessThan(1e-9);
  });

  test('coincident points keep a zero gradient; elsewhere the gradient equals f64 differences', () => {
    const p = f64([
      [1, 2],
      [1, 2],
      [4, 6],
    ]);
    const g = toNumbers(x.grad((t: x.Tensor) => x.sum(x.pairwiseDistances(t)))(p));
    expect(g.every(Number.isFinite)).toBe(true);
    // each coincident point only feels the third point, at distance 5, from both pairs (i, 2) and (2, i)
    expectAllClose(g, [-1.2, -1.6, -1.2, -1.6, 2.4, 3.2], { rtol: 1e-14, atol: 1e-15 });
    const q = f64([
      [0.3, -1],
      [2, 0.5],
      [-1, 1],
    ]);
    expectAllClose(
      toNumbers(x.grad((t: x.Tensor) => x.sum(x.pairwiseDistances(t)))(q)),
      differences((t) => x.pairwiseDistances(t), q),
      { rtol: 1e-8, atol: 1e-9 },
    );
  });

  test('a NaN coordinate gives NaN distances to its point, never 0 (safeSqrt used to read NaN as ≤ 0)', () => {
    const p = f64([
      [1, 2],
      [Number.NaN, 0],
      [4, 6],
    ]);
    const d = toNumbers(x.pairwiseDistances(p));
    expect(d.map((v) => Number.isNaN(v))).toEqual([false, true, false, true, true, true, false, true, false]);
    expect(d[2]).toBe(5);
    const g = toNumbers(x.grad((t: x.Tensor) => x.sum(x.pairwiseDistances(t)))(p));
    expect(g.every((v) => Number.isNaN(v))).toBe(true);
  });
});

describe('safeSqrt', () => {
  test('NaN stays NaN in the value and the gradient; ≤ 0 gives 0 with gradient 0; x > 0 gives √x and 1/(2√x)', () => {
    const t = f64([Number.NaN, -1, 0, 4, Infinity]);
    expect(toNumbers(x.safeSqrt(t))).toEqual([Number.NaN, 0, 0, 2, Infinity]);
    expect(toNumbers(x.grad((u: x.Tensor) => x.sum(x.safeSqrt(u)))(t))).toEqual([Number.NaN, 0, 0, 0.25, 0]);
  });
});

describe('weightedLogsumexp', () => {
  const z = f64([
    [0.5, -1, 2],
    [3, 0.25, -0.5],
  ]);
  const w = f64([
    [0, 2, 0.5],
    [1.5, 0, 0],
  ]);
  const lse = (zv: number[], wv: number[]): number =>
    Math.log(zv.reduce((acc, zk, k) => acc + (wv[k] as number) * Math.exp(zk), 0));
  const rows = (t: x.Tensor): number[][] => [toNumbers(t).slice(0, 3), toNumbers(t).slice(3)];

  test('∂/∂w_k = e^{z_k − lse} also at w_k = 0 (it was 0 there); ∂/∂z_k = w_k·e^{z_k − lse}', () => {
    const [gz, gw] = x.grad((a: x.Tensor, b: x.Tensor) => x.sum(x.weightedLogsumexp(a, b, { axis: -1 })), {
      argnums: [0, 1],
    })(z, w) as [x.Tensor, x.Tensor];
    const [zr, wr] = [rows(z), rows(w)];
    const wantW = zr.flatMap((zv, i) => zv.map((zk) => Math.exp(zk - lse(zv, wr[i] as number[]))));
    const wantZ = zr.flatMap((zv, i) =>
      zv.map((zk, k) => ((wr[i] as number[])[k] as number) * Math.exp(zk - lse(zv, wr[i] as number[]))),
    );
    expectAllClose(toNumbers(gw), wantW, { rtol: 1e-14, atol: 0 });
    expectAllClose(toNumbers(gz), wantZ, { rtol: 1e-14, atol: 1e-300 });
    // a one-sided f64 difference at the zero weights agrees
    const h = 1e-7;
    const moved = toNumbers(w);
    moved[0] = h;
    const after = x.item(
      x.sum(x.weightedLogsumexp(z, x.tensor(Float64Array.from(moved), { shape: [2, 3], dtype: 'f64' }), { axis: -1 })),
    );
    const before = x.item(x.sum(x.weightedLogsumexp(z, w, { axis: -1 })));
    expect(Math.abs((after - before) / h - (wantW[0] as number))).toBeLessThan(1e-6);
  });

  test('keepDims and jit give the same values and gradients; a dropped +Inf logit keeps a zero ∂z', () => {
    const f = (a: x.Tensor, b: x.Tensor): x.Tensor => x.sum(x.weightedLogsumexp(a, b, { axis: 1, keepDims: true }));
    const eager = x.grad(f, { argnums: [0, 1] })(z, w) as [x.Tensor, x.Tensor];
    const jitted = x.jit(x.grad(f, { argnums: [0, 1] }))(z, w) as [x.Tensor, x.Tensor];
    expectAllClose(toNumbers(jitted[0]), toNumbers(eager[0]), { rtol: 1e-15, atol: 0 });
    expectAllClose(toNumbers(jitted[1]), toNumbers(eager[1]), { rtol: 1e-15, atol: 0 });
    expect(x.weightedLogsumexp(z, w, { axis: 1, keepDims: true }).shape).toEqual([2, 1]);
    const zInf = f64([[Infinity, 1, 2]]);
    const gz = x.grad((a: x.Tensor) => x.sum(x.weightedLogsumexp(a, f64([[0, 1, 1]]))))(zInf);
    expect(toNumbers(gz)[0]).toBe(0);
  });
});
