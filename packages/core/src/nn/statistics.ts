/** @file Moments and norms: variance, std, and the p-norm (without overflow or underflow; its gradient at 0 is 0). */
import { fail, ValueError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { div, sqrt, square, sub } from '../trace/ops/elementwise.js';
import { mean, reductionAxes, sum } from '../trace/ops/reduce.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { normOf } from './scaledNorm.js';

export interface MomentOptions {
  readonly axis?: number | readonly number[];
  readonly keepDims?: boolean;
  /** Divide by n − 1 instead of n (default false: the population statistic). */
  readonly unbiased?: boolean;
}

const momentParams = {
  x: s.tensor({ dtype: 'float' }),
  options: s.options({ axis: s.optional(s.axes), keepDims: s.optional(s.boolean), unbiased: s.optional(s.boolean) }),
};

/** Mean squared deviation from the mean (two passes, so no catastrophic cancellation), for `fn`. */
function varianceOf(fn: string, t: Tensor, options: MomentOptions): Tensor {
  const axes = reductionAxes(fn, t, options.axis);
  const n = axes.reduce((k, a) => k * (t.shape[a] as number), 1);
  const dof = options.unbiased === true ? n - 1 : n;
  if (dof <= 0)
    fail(ValueError, fn, 'x', `more than ${options.unbiased === true ? 1 : 0} element(s) along the axes`, `${n}`);
  const centered = sub(t, mean(t, { axis: axes, keepDims: true }));
  return div(sum(square(centered), { axis: axes, keepDims: options.keepDims ?? false }), dof);
}

/** Mean squared deviation from the mean (two passes, so no catastrophic cancellation). */
export const variance = publicFn('variance', momentParams, function variance<
  D extends DType,
>(x: Tensor<ShapeT, D>, options: MomentOptions = {}): Tensor<ShapeT, D> {
  return varianceOf('variance', x, options) as never;
});

/** √variance. */
export const std = publicFn('std', momentParams, function std<
  D extends DType,
>(x: Tensor<ShapeT, D>, options: MomentOptions = {}): Tensor<ShapeT, D> {
  return sqrt(varianceOf('std', x, options)) as never;
});

export interface NormOptions {
  /** Any order p (not NaN): 2 (Euclidean, default), 1, ±Infinity, 0 (count of nonzeros), fractional, negative. */
  readonly ord?: number;
  readonly axis?: number | readonly number[];
  readonly keepDims?: boolean;
}

/**
 * The vector p-norm (Σ|x|^p)^{1/p} over the axes (all by default), PyTorch's `torch.linalg.vector_norm`: ord 2
 * (default), 1, Infinity (max |x|), -Infinity (min |x|), 0 (the count of nonzeros, no gradient), and any other
 * order, fractional or negative. Computed without overflow or underflow (scaled by the largest magnitude, the
 * smallest for p < 0); its gradient is 0 at x = 0 and at entries x_i = 0, as PyTorch's.
 */
export const norm = publicFn(
  'norm',
  {
    x: s.tensor({ dtype: 'float' }),
    options: s.options({ ord: s.optional(s.number()), axis: s.optional(s.axes), keepDims: s.optional(s.boolean) }),
  },
  function norm<D extends DType>(x: Tensor<ShapeT, D>, options: NormOptions = {}): Tensor<ShapeT, D> {
    const axes = reductionAxes('norm', x, options.axis);
    return normOf(x, axes, options.ord ?? 2, options.keepDims ?? false) as never;
  },
);
