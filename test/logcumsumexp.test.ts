/**
 * @file x.logcumsumexp against a host f64 definition at extreme values (±1e4, runs of −Inf, +Inf,
 * NaN) in both directions, eager and jit, f64 and f32; its gradient against f64 central differences
 * and against the host sum Σ ḡ_i e^{x_j − y_i}; jvp with sparse tangents; second order; vmap; bad input.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { directionalFd, expectAllClose, toNumbers } from './support/numeric.js';

/** log Σ exp over each prefix (suffix when reverse) of a row, in f64 on the host: max-shifted per prefix. */
function hostLcse(row: readonly number[], reverse: boolean): number[] {
  const n = row.length;
  return row
    .map((_, i) => {
      const terms = row.filter((_, t) => (reverse ? t >= i : t <= i));
      if (terms.some(Number.isNaN)) return NaN;
      const m = Math.max(...terms);
      if (m === -Infinity || m === Infinity) return m;
      return m + Math.log(terms.reduce((s, v) => s + Math.exp(v - m), 0));
    })
    .slice(0, n);
}

/** The host gradient of Σ w ⊙ lcse(row): x̄_j = Σ_{i on j's side} w_i e^{x_j − y_i}. */
function hostGrad(row: readonly number[], w: readonly number[], reverse: boolean): number[] {
  const y = hostLcse(row, reverse);
  return row.map((xj, j) =>
    w.reduce((s, wi, i) => ((reverse ? i <= j : i >= j) ? s + wi * Math.exp(xj - (y[i] as number)) : s), 0),
  );
}

const f64 = (v: readonly number[], shape?: readonly number[]): x.Tensor =>
  x.tensor(Float64Array.from(v), { shape: shape ?? [v.length], dtype: 'f64' });

const rows: readonly (readonly number[])[] = [
  [1e4, -1e4, 0, 1e4, -1e4],
  [-1e4, -1e4 + 1, -1e4 + 2, 1e4],
  [-Infinity, -Infinity, -Infinity, 3, -Infinity, 2],
  [-Infinity, -Infinity],
  [0, Infinity, 5, -Infinity],
  [1, NaN, 2, 3],
  [-745, -745, -745, -700],
  [Infinity, Infinity, -Infinity],
];

describe('x.logcumsumexp values', () => {
  test.each(rows.flatMap((r) => [false, true].map((reverse) => [r, reverse] as const)))(
    '%j reverse %s: f64 eager and jit, f32 eager, as the host definition',
    (row, reverse) => {
      const expected = hostLcse(row, reverse);
      const f = (t: x.Tensor): x.Tensor => x.logcumsumexp(t, { reverse });
      expectAllClose(toNumbers(f(f64(row))), expected, { rtol: 1e-14, atol: 1e-12 }, 'f64 eager');
      expectAllClose(toNumbers(x.jit(f)(f64(row))), expected, { rtol: 1e-14, atol: 1e-12 }, 'f64 jit');
      const f32 = x.tensor(Float32Array.from(row), { shape: [row.length], dtype: 'f32' });
      const expected32 = hostLcse(Array.from(Float32Array.from(row)), reverse);
      expectAllClose(toNumbers(f(f32)), expected32, { rtol: 1e-6, atol: 1e-6 }, 'f32');
    },
  );

  test('a prefix of −Inf is −Inf (never NaN), and a NaN reaches every later prefix only', () => {
    expect(toNumbers(x.logcumsumexp(f64([-Infinity, -Infinity, 0])))).toEqual([-Infinity, -Infinity, 0]);
    const withNan = toNumbers(x.logcumsumexp(f64([0, NaN, 1])));
    expect(withNan[0]).toBe(0);
    expect(withNan.slice(1).every(Number.isNaN)).toBe(true);
    const reversed = toNumbers(x.logcumsumexp(f64([0, NaN, 1]), { reverse: true }));
    expect(reversed[2]).toBe(1);
    expect(reversed.slice(0, 2).every(Number.isNaN)).toBe(true);
  });

  test('no underflow of early terms: 1000 equal values of −1e4 give −1e4 + log n at every prefix', () => {
    const n = 1000;
    const out = toNumbers(x.jit((t: x.Tensor) => x.logcumsumexp(t))(f64(Array.from({ length: n }, () => -1e4))));
    expectAllClose(
      out,
      Array.from({ length: n }, (_, i) => -1e4 + Math.log(i + 1)),
      { rtol: 1e-13, atol: 1e-9 },
      'equal values',
    );
  });

  test('any axis of a [3, 4, 5] tensor, negative axes included, as the host definition per line', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: 60, maxLength: 60 }),
        fc.integer({ min: -3, max: 2 }),
        fc.boolean(),
        (v, axis, reverse) => {
          const shape = [3, 4, 5];
          const out = toNumbers(x.logcumsumexp(f64(v, shape), { axis, reverse }));
          const a = (axis + 3) % 3;
          const strides = [20, 5, 1];
          for (let base = 0; base < 60; base++) {
            if (Math.floor(base / (strides[a] as number)) % (shape[a] as number) !== 0) continue;
            const idx = Array.from({ length: shape[a] as number }, (_, t) => base + t * (strides[a] as number));
            const expected = hostLcse(
              idx.map((i) => v[i] as number),
              reverse,
            );
            expectAllClose(
              idx.map((i) => out[i] as number),
              expected,
              { rtol: 1e-12, atol: 1e-12 },
              'line',
            );
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('x.logcumsumexp gradients', () => {
  test('against f64 central differences on random rows with a wide spread (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -40, max: 40, noNaN: true }), { minLength: 1, maxLength: 7 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (v, reverse, seed) => {
          const w = v.map((_, i) => Math.sin(seed + 3 * i));
          const d = v.map((_, i) => Math.cos(seed + 5 * i));
          const f = (t: x.Tensor): x.Tensor => x.sum(x.mul(x.logcumsumexp(t, { reverse }), f64(w)));
          const g = toNumbers(x.grad(f)(f64(v)));
          expectAllClose(g, hostGrad(v, w, reverse), { rtol: 1e-10, atol: 1e-12 }, 'host gradient');
          const fd = directionalFd((t) => x.item(f(t)), [f64(v)], [d]);
          const analytic = g.reduce((s, gi, i) => s + gi * (d[i] as number), 0);
          expectAllClose([analytic], [fd], { rtol: 1e-6, atol: 1e-7 }, 'directional derivative');
        },
      ),
      { numRuns: 60 },
    );
  });

  test('at ±1e4 and with −Inf entries the gradient is the host sum: finite, 0 on −Inf entries', () => {
    for (const row of [
      [1e4, -1e4, 0, 1e4 - 1, -1e4],
      [-Infinity, -Infinity, 3, -Infinity, 2],
      [-Infinity, -Infinity],
    ]) {
      for (const reverse of [false, true]) {
        const w = row.map((_, i) => (i % 2 === 0 ? 1 : -0.5));
        const f = (t: x.Tensor): x.Tensor => x.sum(x.mul(x.logcumsumexp(t, { reverse }), f64(w)));
        const g = toNumbers(x.grad(f)(f64(row)));
        const expected = hostGrad(row, w, reverse).map((v, j) => (row[j] === -Infinity ? 0 : v));
        // e^{x + lcse(…)} rounds its exponent at |x| ≈ 1e4: a relative error of about ε·1e4
        expectAllClose(g, expected, { rtol: 1e-11, atol: 1e-14 }, `gradient of ${JSON.stringify(row)}`);
        expect(g.every(Number.isFinite)).toBe(true);
      }
    }
  });

  test('cotangents with exact zeros (a loss reading a few outputs) and sign changes', () => {
    const row = [0.3, -2, 5, 1, 1e3];
    const w = [0, 2, 0, -3, 0];
    const f = (t: x.Tensor): x.Tensor => x.sum(x.mul(x.logcumsumexp(t), f64(w)));
    expectAllClose(toNumbers(x.grad(f)(f64(row))), hostGrad(row, w, false), { rtol: 1e-12, atol: 1e-15 }, 'sparse');
  });

  test('jvp is the transposed VJP: J t against the host Jacobian, tangents with zeros', () => {
    const row = [0.5, -1, 2, 2, -3];
    const t = [0, 1, 0, 0, -2];
    const [, jt] = x.jvp((a: x.Tensor) => x.logcumsumexp(a), [f64(row)], [f64(t)]);
    const y = hostLcse(row, false);
    const expected = row.map((_, i) =>
      row.reduce((s, xj, j) => (j <= i ? s + (t[j] as number) * Math.exp(xj - (y[i] as number)) : s), 0),
    );
    expectAllClose(toNumbers(jt), expected, { rtol: 1e-12, atol: 1e-15 }, 'J t');
  });

  test('second order: the Hessian-vector product against central differences of the host gradient', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (v, reverse, seed) => {
          const w = v.map((_, i) => Math.sin(seed + 3 * i));
          const d = v.map((_, i) => Math.cos(seed + 7 * i));
          const f = (t: x.Tensor): x.Tensor => x.sum(x.mul(x.logcumsumexp(t, { reverse }), f64(w)));
          const hv = toNumbers(x.grad((t: x.Tensor) => x.sum(x.mul(x.grad(f)(t), f64(d))))(f64(v)));
          const h = 1e-5;
          const plus = hostGrad(
            v.map((vi, i) => vi + h * (d[i] as number)),
            w,
            reverse,
          );
          const minus = hostGrad(
            v.map((vi, i) => vi - h * (d[i] as number)),
            w,
            reverse,
          );
          const fd = plus.map((p, i) => (p - (minus[i] as number)) / (2 * h));
          expectAllClose(hv, fd, { rtol: 1e-5, atol: 1e-7 }, 'Hessian-vector product');
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('x.logcumsumexp under vmap and with bad input', () => {
  test('vmap over a leading axis equals the per-example results, values and gradients', () => {
    const batch = [
      [1, 2, -3, 4],
      [-1e4, 0, 1e4, -Infinity],
      [-Infinity, -Infinity, 0.5, 0.25],
    ];
    const f = (t: x.Tensor): x.Tensor => x.logcumsumexp(t, { axis: 0, reverse: true });
    const out = toNumbers(x.vmap(f)(f64(batch.flat(), [3, 4])));
    expect(out).toEqual(batch.flatMap((r) => hostLcse(r, true)));
    const loss = (t: x.Tensor): x.Tensor => x.sum(x.mul(f(t), f64([1, -2, 3, 0.5])));
    const grads = toNumbers(x.vmap(x.grad(loss))(f64(batch.flat(), [3, 4])));
    expectAllClose(
      grads,
      batch.flatMap((r) => hostGrad(r, [1, -2, 3, 0.5], true).map((v, j) => (r[j] === -Infinity ? 0 : v))),
      { rtol: 1e-11, atol: 1e-14 },
      'per-example gradients',
    );
  });

  test('integer input, a bad axis and unknown options are XentErrors naming logcumsumexp', () => {
    const bad = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(x.XentError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(bad(() => x.logcumsumexp(x.tensor([1, 2], { dtype: 'i32' })))).toMatch(/logcumsumexp/);
    expect(bad(() => x.logcumsumexp(f64([1, 2]), { axis: 1 }))).toMatch(/logcumsumexp.*axis/s);
    expect(bad(() => x.logcumsumexp(f64([1, 2]), { exclusive: true } as never))).toMatch(/logcumsumexp/);
    expect(bad(() => x.logcumsumexp(f64([1, 2]), { reverse: 1 } as never))).toMatch(/logcumsumexp.*reverse/s);
  });
});
