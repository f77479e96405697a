/**
 * @file The p-norm graph the norm composites share: the Euclidean norm scaled by the largest magnitude
 * first (LAPACK's nrm2), so that it neither overflows nor underflows, with a written-out VJP that is 0 at x = 0;
 * and any other order p (PyTorch's vector_norm), scaled the same way.
 */
import {
  abs,
  cast,
  div,
  equal,
  exp,
  greater,
  less,
  log,
  mul,
  notEqual,
  pow,
  sign,
  sqrt,
  square,
  stopGradient,
  sub,
  where,
} from '../trace/ops/elementwise.js';
import { max, min, sum } from '../trace/ops/reduce.js';
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
 * (Σ|x|^p)^{1/p} over `axes` (kept) for p ∉ {0, ±1, 2, ±∞}, as a·(Σ(|x|/a)^p)^{1/p} with a = max |x| for p > 0
 * and min |x| for p < 0 (a constant for the gradient): every power is ≤ 1 and one is 1, so nothing overflows.
 * A negative p with a zero entry gives 0. VJP: sign(x)·(|x|/‖x‖)^{p−1} (as e^{(p−1)(log|x| − log‖x‖)}: no underflow
 * of the ratio), and 0 where x = 0 or ‖x‖ = 0 (PyTorch's).
 */
const power = (axes: readonly number[], p: number) =>
  customVjp(
    (x: Tensor) => {
      const mag = abs(x);
      const extreme = stopGradient(
        p > 0 ? max(mag, { axis: axes, keepDims: true }) : min(mag, { axis: axes, keepDims: true }),
      );
      const a = where(greater(extreme, 0), where(less(extreme, Infinity), extreme, 1), 1);
      const n = mul(a, pow(sum(pow(div(mag, a), p), { axis: axes, keepDims: true }), 1 / p));
      return [n, { x, n }] as const;
    },
    ({ x, n }, ct) => {
      const zeroNorm = equal(n, 0);
      const zeroX = equal(x, 0);
      // (|x|/‖x‖)^{p−1} in the log domain (the ratio itself may underflow); double where keeps untaken logs finite
      const logRatio = sub(log(where(zeroX, 1, abs(x))), log(where(zeroNorm, 1, n)));
      const slope = mul(sign(x), exp(mul(p - 1, logRatio)));
      return [mul(where(zeroNorm, 0, where(zeroX, 0, slope)), ct)];
    },
    { name: 'norm' },
  );

/** Drops the kept axes of a keepDims result. */
const squeezed = (t: Tensor, kept: Tensor, axes: readonly number[]): Tensor =>
  reshape(
    kept,
    t.shape.filter((_, i) => !axes.includes(i)),
  );

/**
 * The p-norm of a checked float `t` over checked `axes`, for any order (PyTorch's vector_norm): 2 scaled as nrm2,
 * 1 and ±∞ as sums and extremes of |x| (no scaling needed), 0 the count of nonzeros (no gradient), and any other
 * order through `power`.
 */
export function normOf(t: Tensor, axes: readonly number[], ord: number, keepDims: boolean): Tensor {
  if (ord === Infinity) return max(abs(t), { axis: axes, keepDims });
  if (ord === -Infinity) return min(abs(t), { axis: axes, keepDims });
  if (ord === 1) return sum(abs(t), { axis: axes, keepDims });
  if (ord === 0) return sum(cast(notEqual(t, 0), t.dtype), { axis: axes, keepDims });
  const kept = ord === 2 ? euclidean(axes)(t) : power(axes, ord)(t);
  return keepDims ? kept : squeezed(t, kept, axes);
}
