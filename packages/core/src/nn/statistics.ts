/** @file Moments and norms: variance, std, and a p-norm whose gradient at 0 is 0 (a custom VJP). */
import { fail, ValueError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { isFloat } from '../ir/dtype.js';
import { describe, requireTensor } from '../trace/apply.js';
import { abs, div, equal, mul, sqrt, square, sub, where } from '../trace/ops/elementwise.js';
import { max, mean, reductionAxes, sum } from '../trace/ops/reduce.js';
import { reshape } from '../trace/ops/movement.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { customVjp } from '../transforms/customVjp.js';

export interface MomentOptions {
  readonly axis?: number | readonly number[];
  readonly keepDims?: boolean;
  /** Divide by n − 1 instead of n (default false: the population statistic). */
  readonly unbiased?: boolean;
}

function requireFloatTensor(fn: string, x: Tensor): Tensor {
  const t = requireTensor(fn, 'x', x);
  if (!isFloat(t.dtype)) fail(ValueError, fn, 'x', 'a floating-point tensor', t.dtype);
  return t;
}

/** Mean squared deviation from the mean (two passes, so no catastrophic cancellation). */
export function variance<D extends DType>(x: Tensor<ShapeT, D>, options: MomentOptions = {}): Tensor<ShapeT, D> {
  const fn = 'variance';
  const t = requireFloatTensor(fn, x);
  const axes = reductionAxes(fn, t, options.axis);
  const n = axes.reduce((k, a) => k * (t.shape[a] as number), 1);
  const dof = options.unbiased === true ? n - 1 : n;
  if (dof <= 0)
    fail(ValueError, fn, 'x', `more than ${options.unbiased === true ? 1 : 0} element(s) along the axes`, `${n}`);
  const centered = sub(t, mean(t, { axis: axes, keepDims: true }));
  return div(sum(square(centered), { axis: axes, keepDims: options.keepDims ?? false }), dof) as never;
}

/** √variance. */
export function std<D extends DType>(x: Tensor<ShapeT, D>, options: MomentOptions = {}): Tensor<ShapeT, D> {
  requireFloatTensor('std', x);
  return sqrt(variance(x, options));
}

export interface NormOptions {
  /** 2 (Euclidean, default), 1, or Infinity. */
  readonly ord?: number;
  readonly axis?: number | readonly number[];
  readonly keepDims?: boolean;
}

/** ‖x‖₂ with the subgradient 0 at x = 0 (the plain composite gives 0/0 = NaN there). */
const euclidean = (axes: readonly number[], keepDims: boolean) =>
  customVjp(
    (x: Tensor) => {
      const n = sqrt(sum(square(x), { axis: axes, keepDims: true }));
      return [
        keepDims
          ? n
          : reshape(
              n,
              x.shape.filter((_, i) => !axes.includes(i)),
            ),
        { x, n },
      ] as const;
    },
    ({ x, n }, ct) => {
      const g = keepDims ? ct : reshape(ct, n.shape);
      const zero = equal(n, 0);
      // x/‖x‖ with a guarded divisor (double where: the untaken branch stays finite too).
      return [mul(where(zero, 0, div(x, where(zero, 1, n))), g)];
    },
    { name: 'norm' },
  );

/** The vector p-norm over the axes (all by default). Its gradient at x = 0 is 0. */
export function norm<D extends DType>(x: Tensor<ShapeT, D>, options: NormOptions = {}): Tensor<ShapeT, D> {
  const fn = 'norm';
  const t = requireFloatTensor(fn, x);
  const axes = reductionAxes(fn, t, options.axis);
  const keepDims = options.keepDims ?? false;
  switch (options.ord ?? 2) {
    case 2:
      return euclidean(axes, keepDims)(t) as never;
    case 1:
      return sum(abs(t), { axis: axes, keepDims }) as never;
    case Infinity:
      return max(abs(t), { axis: axes, keepDims }) as never;
    default:
      return fail(ValueError, fn, 'ord', '1, 2 or Infinity', describe(options.ord));
  }
}
