/** @file Numerically stable activations written from primitives: softplus, sigmoid, logSigmoid, logit, relu, clip. */
import { fail, ValueError } from '../errors.js';
import { type DType, isFloat } from '../ir/dtype.js';
import { checkValue } from '../trace/apply.js';
import {
  add,
  div,
  exp,
  greater,
  isnan,
  less,
  lessEqual,
  log,
  log1p,
  mul,
  neg,
  recip,
  square,
  sub,
  where,
} from '../trace/ops/elementwise.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';

type Same = <S extends ShapeT, D extends DType>(x: Tensor<S, D>) => Tensor<S, D>;

const floatInput = { x: s.tensor({ dtype: 'float' }) };

/**
 * −|x| written with a select whose branches have derivatives ∓1, so that derivatives of every order
 * at x = 0 come from one smooth branch (abs would contribute sign(0) = 0 there).
 */
const negAbs = (t: Tensor): Tensor => where(greater(t, 0), neg(t), t);

/**
 * `t` with the derivative NaN where `t` is NaN (1 elsewhere): a select passes a NaN through with the
 * derivative of its branch, which would make a NaN input's gradient look finite. Integers have no NaN.
 */
function nanSticky(t: Tensor): Tensor {
  if (!isFloat(t.dtype)) return t;
  const nan = isnan(t);
  // square(NaN) is NaN with derivative 2·NaN; elsewhere it squares 0 (double select: no overflow, no 0·∞)
  return where(nan, square(where(nan, t, 0)), t);
}

/** The softplus graph (logSigmoid is built on it too). */
const softplusOf = (t: Tensor): Tensor => add(where(greater(t, 0), t, 0), log1p(exp(negAbs(t))));

/**
 * log(1 + e^{βx})/β = ([βx > 0]·βx + log1p(e^−|βx|))/β: no overflow for large |x|; softplus'(x) = σ(βx),
 * exact at 0 in every order. `beta` > 0 (default 1); `threshold` (default none) returns x where
 * βx > threshold, as PyTorch's `softplus(x, beta, threshold)` (whose default threshold 20 changes the
 * value by less than e^−20·x: without one, xent's softplus is exact everywhere).
 */
export const softplus = publicFn(
  'softplus',
  {
    ...floatInput,
    options: s.options({
      beta: s.optional(s.finite({ min: 0, minOpen: true })),
      threshold: s.optional(s.finite()),
    }),
  },
  function softplus<S extends ShapeT, D extends DType>(
    x: Tensor<S, D>,
    options: { readonly beta?: number; readonly threshold?: number } = {},
  ): Tensor<S, D> {
    const { beta = 1, threshold } = options;
    const t: Tensor = x;
    if (beta !== 1) checkValue('softplus', 'beta', beta, t.dtype);
    const scaled = beta === 1 ? t : mul(t, beta);
    const smooth = beta === 1 ? softplusOf(scaled) : div(softplusOf(scaled), beta);
    return (threshold === undefined ? smooth : where(greater(scaled, threshold), t, smooth)) as never;
  },
);

/**
 * log(p/(1 − p)) = log p − log1p(−p), the inverse of the sigmoid; with `eps` (in [0, ½]) p is first
 * clipped to [eps, 1 − eps] (gradient 0 outside, as PyTorch's `logit(x, eps)`); without, 0 and 1 give
 * ∓Inf and values outside [0, 1] NaN. Gradient 1/(p(1 − p)).
 */
export const logit = publicFn(
  'logit',
  { ...floatInput, options: s.options({ eps: s.optional(s.number({ min: 0, max: 0.5 })) }) },
  function logit<S extends ShapeT, D extends DType>(
    x: Tensor<S, D>,
    options: { readonly eps?: number } = {},
  ): Tensor<S, D> {
    const t: Tensor = x;
    const p = options.eps === undefined ? t : clip(t, options.eps, 1 - options.eps);
    return sub(log(p), log1p(neg(p))) as never;
  },
);

/** σ(x) = 1/(1 + e^−x), evaluated through e^−|x| ≤ 1 so that neither branch overflows (value or gradient). */
export const sigmoid: Same = publicFn('sigmoid', floatInput, (t: Tensor) => {
  const e: Tensor = exp(negAbs(t));
  const onePlus: Tensor = add(e, 1);
  return where(greater(t, 0), recip(onePlus), div(e, onePlus)) as never;
});

/** log σ(x) = −softplus(−x), never log of an underflowed σ. */
export const logSigmoid: Same = publicFn('logSigmoid', floatInput, (t: Tensor) => neg(softplusOf(neg(t))) as never);

/** max(x, 0), with relu'(0) = 0; NaN stays NaN (its derivative too), as in PyTorch and JAX. */
export const relu: Same = publicFn(
  'relu',
  { x: s.tensor({ dtype: 'numeric' }) },
  (t: Tensor) => where(lessEqual(t, 0), 0, nanSticky(t)) as never,
);

/**
 * x limited to [lo, hi] (lo ≤ hi, either may be infinite); the gradient is 1 inside (bounds included)
 * and 0 outside. NaN stays NaN (its derivative too).
 */
export const clip = publicFn(
  'clip',
  { x: s.tensor({ dtype: 'numeric' }), lo: s.number(), hi: s.number() },
  function clip<S extends ShapeT, D extends DType>(x: Tensor<S, D>, lo: number, hi: number): Tensor<S, D> {
    if (lo > hi) fail(ValueError, 'clip', 'hi', `a number ≥ lo (${lo})`, `number ${hi}`);
    // an infinite bound on the open side clips nothing; the others must be values of x's dtype
    if (lo !== -Infinity) checkValue('clip', 'lo', lo, x.dtype);
    if (hi !== Infinity) checkValue('clip', 'hi', hi, x.dtype);
    const t: Tensor = x;
    const kept = nanSticky(t);
    const upper: Tensor = hi === Infinity ? kept : where(greater(t, hi), hi, kept);
    return (lo === -Infinity ? upper : where(less(t, lo), lo, upper)) as never;
  },
);
