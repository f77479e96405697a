/**
 * @file Extreme but valid inputs stay finite (logits of ±1e4, −Inf-masked entries) in value and
 * gradient; non-finite values propagate as IEEE says and are never turned into each other.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { expectAllClose, toNumbers } from './support/numeric.js';

const dtypes = ['f32', 'f64'] as const;

/** Rows of logits mixing huge magnitudes and −Inf masks, with at least one finite entry per row. */
const extremeRows = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 6 }))
  .chain(([rows, cols]) =>
    fc.array(
      fc.array(fc.oneof(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.constantFrom(1e4, -1e4, -Infinity)), {
        minLength: cols,
        maxLength: cols,
      }),
      { minLength: rows, maxLength: rows },
    ),
  )
  .filter((rows) => rows.every((r) => r.some(Number.isFinite)));

describe.each(dtypes)('logsumexp at extremes (%s)', (dtype) => {
  test('finite value and a finite gradient equal to softmax (summing to 1 per row)', () => {
    fc.assert(
      fc.property(extremeRows, (rows) => {
        const z = x.tensor(rows, { dtype });
        const [value, g] = x.valueAndGrad((t: x.Tensor) => x.sum(x.logsumexp(t, { axis: -1 })))(z);
        expect(Number.isFinite(x.item(value))).toBe(true);
        const grad = toNumbers(g);
        expect(grad.every(Number.isFinite)).toBe(true);
        const cols = (rows[0] as number[]).length;
        const eps = dtype === 'f32' ? 2 ** -24 : 2 ** -53;
        rows.forEach((r, i) => {
          const sum = grad.slice(i * cols, (i + 1) * cols).reduce((a, b) => a + b, 0);
          // exp(z − lse) inherits the rounding of lse (a common factor e^δ, |δ| ≤ ulp(lse)): softmax's
          // own conditioning at this magnitude. The tolerance states it.
          const scale = Math.max(1, ...r.filter(Number.isFinite).map(Math.abs));
          expectAllClose([sum], [1], { rtol: 0, atol: 4 * scale * eps + cols * eps }, `row ${i} of the gradient`);
          r.forEach((v, j) => {
            if (v === -Infinity) expect(grad[i * cols + j]).toBe(0);
          });
        });
        // The value against a careful f64 evaluation: m + log Σ exp(v − m).
        const expected = rows.reduce((acc, r) => {
          const m = Math.max(...r);
          return acc + m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0));
        }, 0);
        expectAllClose([x.item(value)], [expected], { rtol: dtype === 'f32' ? 1e-6 : 1e-14, atol: 1e-3 });
      }),
    );
  });

  test('a row of only −Inf has value −Inf and gradient 0 (not NaN)', () => {
    const z = x.tensor(
      [
        [-Infinity, -Infinity, -Infinity],
        [0, 1, -Infinity],
      ],
      { dtype },
    );
    const lse = x.logsumexp(z, { axis: -1 });
    expect(toNumbers(lse)[0]).toBe(-Infinity);
    const g = x.grad((t: x.Tensor) => x.sum(x.mul(x.logsumexp(t, { axis: -1 }), x.tensor([0, 1], { dtype }))))(z);
    expect(toNumbers(g).slice(0, 3)).toEqual([0, 0, 0]);
    expect(toNumbers(g).every(Number.isFinite)).toBe(true);
  });

  test('softmax cross-entropy at logits of ±1e4 is finite in value and gradient', () => {
    const z = x.tensor(
      [
        [1e4, -1e4, 0],
        [-1e4, -1e4, 1e4],
      ],
      { dtype },
    );
    const y = x.tensor([[1], [2]], { dtype: 'i32' });
    const ce = (t: x.Tensor): x.Tensor =>
      x.sum(x.sub(x.logsumexp(t, { axis: -1, keepDims: true }), x.gather(t, y, { axis: -1 })));
    const [v, g] = x.valueAndGrad(ce)(z);
    expect(x.item(v)).toBe(2e4);
    expect(toNumbers(g)).toEqual([1, -1, 0, 0, 0, 0]);
  });
});

describe('stable composites at extremes', () => {
  test.each(dtypes)('softplus, sigmoid and logSigmoid at ±1e4 (%s)', (dtype) => {
    const z = x.tensor([-1e4, -100, 0, 100, 1e4], { dtype });
    for (const f of [x.softplus, x.sigmoid, x.logSigmoid]) {
      const [v, g] = x.valueAndGrad((t: x.Tensor) => x.sum(f(t)))(z);
      expect(Number.isFinite(x.item(v))).toBe(true);
      expect(toNumbers(g).every(Number.isFinite)).toBe(true);
    }
    const round = dtype === 'f32' ? Math.fround : (v: number) => v;
    expect(toNumbers(x.softplus(z))).toEqual([0, round(Math.exp(-100)), round(Math.LN2), 100, 1e4]);
    expect(toNumbers(x.sigmoid(z))).toEqual([0, round(Math.exp(-100)), 0.5, 1, 1]);
    expect(toNumbers(x.logSigmoid(z))).toEqual([-1e4, -100, round(-Math.LN2), round(-Math.exp(-100)), -0]);
  });

  test('softmax of ±1e4 logits is finite and sums to 1', () => {
    const p = toNumbers(x.softmax(x.tensor([1e4, -1e4, 1e4 - 1], { dtype: 'f64' })));
    expect(p.every(Number.isFinite)).toBe(true);
    expectAllClose([p.reduce((a, b) => a + b, 0)], [1], { rtol: 0, atol: 1e-15 });
    expectAllClose(p, [1 / (1 + Math.exp(-1)), 0, Math.exp(-1) / (1 + Math.exp(-1))], { rtol: 1e-15, atol: 0 });
  });

  test('0ᵇ has a finite gradient in b (log 0 is not taken)', () => {
    const [ga, gb] = x.grad((a: x.Tensor, b: x.Tensor) => x.sum(x.pow(a, b)), { argnums: [0, 1] })(
      x.tensor([0, 0], { dtype: 'f64' }),
      x.tensor([2, 3], { dtype: 'f64' }),
    );
    expect(toNumbers(ga)).toEqual([0, 0]);
    expect(toNumbers(gb)).toEqual([0, 0]);
  });
});

describe('non-finite values propagate and keep their identity', () => {
  test('NaN, +Inf and −Inf come out where IEEE puts them', () => {
    const t = x.tensor([-1, 0, 1000], { dtype: 'f64' });
    expect(toNumbers(x.log(t))).toEqual([NaN, -Infinity, Math.log(1000)]);
    expect(toNumbers(x.exp(t))).toEqual([Math.exp(-1), 1, Infinity]);
    expect(toNumbers(x.sum(x.tensor([1, NaN, 2])))).toEqual([NaN]);
    expect(toNumbers(x.max(x.tensor([1, NaN, 2])))).toEqual([NaN]);
    expect(toNumbers(x.logsumexp(x.tensor([1, NaN])))).toEqual([NaN]);
    expect(toNumbers(x.logsumexp(x.tensor([1, Infinity])))).toEqual([Infinity]);
    expect(toNumbers(x.logsumexp(x.tensor([Infinity, Infinity])))).toEqual([Infinity]);
    expect(toNumbers(x.argmax(x.tensor([1, NaN, 5, NaN])))).toEqual([1]);
  });
});
