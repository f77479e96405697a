/**
 * @file The p-norm graph the norm composites share: the Euclidean norm scaled by the largest magnitude
 * first (LAPACK's nrm2), so that it neither overflows nor underflows, with a written-out VJP that is 0 at x = 0.
 */
import { abs, div, equal, greater, less, mul, sqrt, square, stopGradient, where } from '../trace/ops/elementwise.js';
import { max, sum } from '../trace/ops/reduce.js';
import { reshape } from '../trace/ops/movement.js';
import type { Tensor } from '../trace/tensor.js';
import { customVjp } from '../transforms/customVjp.js';
import * as s from '../validate/schemas.js';

/** The norm orders: 2 (Euclidean), 1 (sum of magnitudes), Infinity (largest magnitude). */
export const normOrder = s.oneOfNumbers([1, 2, Infinity]);

/**
 * ‖x‖₂ over `axes` (kept as size 1), computed as a·‖x/a‖₂ with a = max |x| (LAPACK's nrm2 scaling), so that
 * no square overflows or underflows: accurate from the smallest subnormal to the largest finite value. a is a
 * constant for the gradient (the result does not depend on it); the VJP is written out: x/‖x‖, and 0 at x = 0
 * (the plain composite gives 0/0 there).
 */
const euclidean = (axes: readonly number[]) =>
  customVjp(
    (x: Tensor) => {
      const largest = stopGradient(max(abs(x), { axis: axes, keepDims: true }));
      // a where 0 < a < ∞; else 1: all zeros give 0, an Inf gives ∞ and a NaN gives NaN, as unscaled
      const a = where(greater(largest, 0), where(less(largest, Infinity), largest, 1), 1);
      const n = mul(a, sqrt(sum(square(div(x, a)), { axis: axes, keepDims: true })));
      return [n, { x, n }] as const;
    },
    ({ x, n }, ct) => {
      const zero = equal(n, 0);
      // x/‖x‖ with a guarded divisor (double where: the untaken branch stays finite too)
      return [mul(where(zero, 0, div(x, where(zero, 1, n))), ct)];
    },
    { name: 'norm' },
  );

/**
 * The p-norm (`ord` one of `normOrder`) of a checked float `t` over checked `axes`, for the composites built
 * on it. ord 1 and Infinity need no scaling: their partial results never exceed the result.
 */
export function normOf(t: Tensor, axes: readonly number[], ord: number, keepDims: boolean): Tensor {
  if (ord === Infinity) return max(abs(t), { axis: axes, keepDims });
  if (ord === 1) return sum(abs(t), { axis: axes, keepDims });
  const kept = euclidean(axes)(t);
  return keepDims
    ? kept
    : reshape(
        kept,
        t.shape.filter((_, i) => !axes.includes(i)),
      );
}
