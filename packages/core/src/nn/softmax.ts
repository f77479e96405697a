/** @file softmax and logSoftmax in logit space (with temperature), via the logsumexp reduction. */
import type { DType } from '../ir/dtype.js';
import { div, equal, exp, stopGradient, sub, where } from '../trace/ops/elementwise.js';
import { logsumexp, max, reductionAxes } from '../trace/ops/reduce.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';

export interface SoftmaxOptions {
  /** The class axis (default −1). */
  readonly axis?: number;
  /** Divides the logits first (default 1; must be > 0). */
  readonly temperature?: number;
}

/** The arguments of softmax and logSoftmax. */
const softmaxParams = {
  z: s.tensor({ dtype: 'float' }),
  options: s.options({
    axis: s.optional(s.axis),
    temperature: s.optional(s.finite({ min: 0, minOpen: true })),
  }),
};

/**
 * (z/T − m) − logsumexp(z/T − m) with m the row max (a constant for the gradient), for a checked `z`
 * and `axis` (normalised). Shifting first keeps the result accurate to its own magnitude:
 * z − logsumexp(z) would carry the rounding error of a large logsumexp (ulp(1e4) ≈ 1e-3 in f32) into every entry.
 */
function logProbabilities(t: Tensor, axis: number, temperature = 1): Tensor {
  const scaled = temperature === 1 ? t : div(t, temperature);
  const peak = stopGradient(max(scaled, { axis, keepDims: true }));
  // An all −Inf row keeps its −Inf entries (and gives NaN probabilities, as 0/0 should).
  const shifted = sub(scaled, where(equal(peak, -Infinity), 0, peak));
  return sub(shifted, logsumexp(shifted, { axis, keepDims: true }));
}

/** The class axis of `options` for `fn`, normalised against `t` (an AxisError naming `axis` if out of range). */
const classAxis = (fn: string, t: Tensor, axis: number | undefined): number =>
  reductionAxes(fn, t, axis ?? -1)[0] as number;

/** log softmax(z/T) = z/T − logsumexp(z/T): never the log of a computed probability. */
export const logSoftmax = publicFn('logSoftmax', softmaxParams, function logSoftmax<
  S extends ShapeT,
  D extends DType,
>(z: Tensor<S, D>, options: SoftmaxOptions = {}): Tensor<S, D> {
  return logProbabilities(z, classAxis('logSoftmax', z, options.axis), options.temperature) as never;
});

/** softmax(z/T) = exp(log softmax(z/T)); sums to 1 along the axis. */
export const softmax = publicFn('softmax', softmaxParams, function softmax<
  S extends ShapeT,
  D extends DType,
>(z: Tensor<S, D>, options: SoftmaxOptions = {}): Tensor<S, D> {
  return exp(logProbabilities(z, classAxis('softmax', z, options.axis), options.temperature)) as never;
});
