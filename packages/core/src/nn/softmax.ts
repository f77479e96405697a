/** @file softmax and logSoftmax in logit space (with temperature), via the logsumexp reduction. */
import { fail, ValueError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { describe, requireTensor } from '../trace/apply.js';
import { div, equal, exp, stopGradient, sub, where } from '../trace/ops/elementwise.js';
import { logsumexp, max, reductionAxes } from '../trace/ops/reduce.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';

export interface SoftmaxOptions {
  /** The class axis (default −1). */
  readonly axis?: number;
  /** Divides the logits first (default 1; must be > 0). */
  readonly temperature?: number;
}

/**
 * (z/T − m) − logsumexp(z/T − m) with m the row max (a constant for the gradient). Shifting first
 * keeps the result accurate to its own magnitude: z − logsumexp(z) would carry the rounding error
 * of a large logsumexp (ulp(1e4) ≈ 1e-3 in f32) into every entry.
 */
function logProbabilities(fn: string, z: Tensor, options: SoftmaxOptions): Tensor {
  const t = requireTensor(fn, 'z', z);
  const axes = reductionAxes(fn, t, options.axis ?? -1);
  const { temperature } = options;
  if (
    temperature !== undefined &&
    (typeof temperature !== 'number' || !(temperature > 0) || !Number.isFinite(temperature))
  ) {
    fail(ValueError, fn, 'temperature', 'a finite number > 0', describe(temperature));
  }
  const scaled = temperature === undefined || temperature === 1 ? t : div(t, temperature);
  const peak = stopGradient(max(scaled, { axis: axes, keepDims: true }));
  // An all −Inf row keeps its −Inf entries (and gives NaN probabilities, as 0/0 should).
  const shifted = sub(scaled, where(equal(peak, -Infinity), 0, peak));
  return sub(shifted, logsumexp(shifted, { axis: axes, keepDims: true }));
}

/** log softmax(z/T) = z/T − logsumexp(z/T): never the log of a computed probability. */
export function logSoftmax<S extends ShapeT, D extends DType>(
  z: Tensor<S, D>,
  options: SoftmaxOptions = {},
): Tensor<S, D> {
  return logProbabilities('logSoftmax', z, options) as never;
}

/** softmax(z/T) = exp(log softmax(z/T)); sums to 1 along the axis. */
export function softmax<S extends ShapeT, D extends DType>(
  z: Tensor<S, D>,
  options: SoftmaxOptions = {},
): Tensor<S, D> {
  return exp(logProbabilities('softmax', z, options)) as never;
}
