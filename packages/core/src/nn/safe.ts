/** @file Safe helpers with documented gradients: safeLog, safeDiv, safeSqrt (double `where`, so every order is finite). */
import { fail, ValueError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { describe, requireTensor } from '../trace/apply.js';
import { div, equal, greater, log, maximum, sqrt, where } from '../trace/ops/elementwise.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';

/** log(max(x, eps)) (eps default 1e-12 > 0): finite for x ≤ 0; the gradient is 1/x above eps and 0 below. */
export function safeLog<S extends ShapeT, D extends DType>(x: Tensor<S, D>, eps = 1e-12): Tensor<S, D> {
  const t = requireTensor('safeLog', 'x', x);
  if (!(eps > 0) || !Number.isFinite(eps)) fail(ValueError, 'safeLog', 'eps', 'a finite number > 0', describe(eps));
  return log(maximum(t, eps)) as never;
}

/** a/b where b ≠ 0 and `fallback` (default 0) where b = 0; the gradient there is 0 for a and b alike. */
export function safeDiv<D extends DType>(
  a: Tensor<ShapeT, D>,
  b: Tensor<ShapeT, D> | number,
  fallback = 0,
): Tensor<ShapeT, D> {
  const t = requireTensor('safeDiv', 'a', a);
  const zero = equal(b as Tensor, 0);
  return where(zero, fallback, div(t, where(zero, 1, b as Tensor))) as never;
}

/** √x for x > 0 and 0 for x ≤ 0, with the gradient 0 at and below 0 (plain sqrt has an infinite slope at 0). */
export function safeSqrt<S extends ShapeT, D extends DType>(x: Tensor<S, D>): Tensor<S, D> {
  const t = requireTensor('safeSqrt', 'x', x);
  const positive = greater(t, 0);
  return where(positive, sqrt(where(positive, t, 1)), 0) as never;
}
