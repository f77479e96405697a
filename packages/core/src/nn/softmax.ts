/** @file softmax and logSoftmax in logit space (with temperature), via the logsumexp reduction. */
import { fail, ValueError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { describe, requireTensor } from '../trace/apply.js';
import { div, exp, sub } from '../trace/ops/elementwise.js';
import { logsumexp } from '../trace/ops/reduce.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';

export interface SoftmaxOptions {
  /** The class axis (default −1). */
  readonly axis?: number;
  /** Divides the logits first (default 1; must be > 0). */
  readonly temperature?: number;
}

function scaled(fn: string, z: Tensor, temperature: number | undefined): Tensor {
  requireTensor(fn, 'z', z);
  if (temperature === undefined || temperature === 1) return z;
  if (typeof temperature !== 'number' || !(temperature > 0) || !Number.isFinite(temperature)) {
    fail(ValueError, fn, 'temperature', 'a finite number > 0', describe(temperature));
  }
  return div(z, temperature);
}

/** log softmax(z/T) = z/T − logsumexp(z/T): never the log of a computed probability. */
export function logSoftmax<S extends ShapeT, D extends DType>(z: Tensor<S, D>, options: SoftmaxOptions = {}): Tensor<S, D> {
  const t = scaled('logSoftmax', z, options.temperature);
  return sub(t, logsumexp(t, { axis: options.axis ?? -1, keepDims: true })) as never;
}

/** softmax(z/T) = exp(log softmax(z/T)); sums to 1 along the axis. */
export function softmax<S extends ShapeT, D extends DType>(z: Tensor<S, D>, options: SoftmaxOptions = {}): Tensor<S, D> {
  requireTensor('softmax', 'z', z);
  return exp(logSoftmax(z, options)) as never;
}
