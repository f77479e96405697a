/** @file Wasserstein-p between two equal-size 1-D samples: the mean p-th power gap of their sorted values. */
import * as x from '@xent/core';
import { IndexError, ValueError, type DType, type ShapeT, type Tensor } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { LossOf, Reduction } from '../types.js';
import { formatShape, reductionSchema, sameAs } from '../validate.js';

/** Options of {@link empiricalWasserstein}. */
export interface EmpiricalWassersteinOptions<R extends Reduction = 'mean'> {
  /** The order p ≥ 1 (default 1). */
  readonly p?: number;
  /** The axis holding the samples (default −1); the other axes are a batch of independent pairs. */
  readonly axis?: number;
  readonly reduction?: R;
}

const samplesSchema = s.tensor({ dtype: 'float', rank: [1, Infinity] });

function empiricalWassersteinImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  a: Tensor<S, D>,
  b: Tensor<S, D>,
  options: EmpiricalWassersteinOptions<R> = {},
): LossOf<ShapeT, R, D> {
  const fn = 'empiricalWasserstein';
  const u: Tensor = a;
  const v: Tensor = sameAs(fn, 'b', b, a, 'a');
  const axisIn = options.axis ?? -1;
  if (axisIn < -a.rank || axisIn >= a.rank)
    fail(IndexError, fn, 'axis', `an axis in [${-a.rank}, ${a.rank}) for shape ${formatShape(a.shape)}`, `${axisIn}`);
  const axis = axisIn < 0 ? axisIn + a.rank : axisIn;
  if (a.shape[axis] === 0) fail(ValueError, fn, 'a', `at least one sample on axis ${axis}`, formatShape(a.shape));
  const p = options.p ?? 1;
  // W_p^p = (1/n)·Σ_i |a_(i) − b_(i)|^p over the sorted samples (the quantile functions' L^p distance)
  const gap = x.abs(x.sub(x.sort(u, { axis }).values, x.sort(v, { axis }).values));
  if (p === 1) return reduce(x.mean(gap, { axis }), options.reduction ?? 'mean') as never;
  // the root's slope is infinite at W_p = 0: take the subgradient 0 there, as a norm's at 0
  const pp = x.mean(x.pow(gap, p), { axis });
  const zero = x.equal(pp, 0);
  const w = x.where(zero, 0, x.pow(x.where(zero, 1, pp), 1 / p));
  return reduce(w, options.reduction ?? 'mean') as never;
}

/**
 * Wasserstein-p distance W_p = ((1/n)·Σ_i |a_(i) − b_(i)|^p)^{1/p} between the empirical
 * distributions of two samples of equal size n along `axis` (catalog T03; a_(i) the i-th smallest).
 * W_1 is `scipy.stats.wasserstein_distance` of the two samples; the result is W_p, not W_p^p.
 * The gradient of each value is the derivative of its own term (sort routes it back); at p > 1
 * where W_p = 0 it is the subgradient 0 (a norm's kink). NaN samples give NaN.
 *
 * @example
 * losses.empiricalWasserstein(x.tensor([0, 1, 3]), x.tensor([5, 6, 8])) // 5
 */
export const empiricalWasserstein = publicFn(
  'empiricalWasserstein',
  {
    a: samplesSchema,
    b: samplesSchema,
    options: s.options({
      p: s.optional(s.finite({ min: 1 })),
      axis: s.optional(s.axis),
      reduction: reductionSchema,
    }),
  },
  empiricalWassersteinImpl,
);
