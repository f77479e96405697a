/** @file Safe helpers with documented gradients: safeLog, safeDiv, safeSqrt (double `where`, so every order is finite). */
import type { DType } from '../ir/dtype.js';
import { checkValue } from '../trace/apply.js';
import { tensor } from '../trace/create.js';
import { div, equal, lessEqual, log, maximum, sqrt, where } from '../trace/ops/elementwise.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { requireBroadcast, requireSameDType } from './operands.js';

/** log(max(x, eps)) (eps default 1e-12 > 0): finite for x ≤ 0; the gradient is 1/x above eps and 0 below. */
export const safeLog = publicFn(
  'safeLog',
  { x: s.tensor({ dtype: 'float' }), eps: s.optional(s.finite({ min: 0, minOpen: true })) },
  function safeLog<S extends ShapeT, D extends DType>(x: Tensor<S, D>, eps = 1e-12): Tensor<S, D> {
    const t: Tensor = x;
    checkValue('safeLog', 'eps', eps, t.dtype);
    return log(maximum(t, eps)) as never;
  },
);

/** a/b where b ≠ 0 and `fallback` (default 0) where b = 0; the gradient there is 0 for a and b alike. */
export const safeDiv = publicFn(
  'safeDiv',
  {
    a: s.tensor({ dtype: 'float' }),
    b: s.either(s.tensor({ dtype: 'float' }), s.number()),
    fallback: s.optional(s.number()),
  },
  function safeDiv<D extends DType>(
    a: Tensor<ShapeT, D>,
    b: Tensor<ShapeT, D> | number,
    fallback = 0,
  ): Tensor<ShapeT, D> {
    const fn = 'safeDiv';
    if (b instanceof Tensor) {
      requireSameDType(fn, 'b', b, 'a', a);
      requireBroadcast(fn, 'b', b, a);
    } else checkValue(fn, 'b', b, a.dtype);
    checkValue(fn, 'fallback', fallback, a.dtype);
    const t: Tensor = a;
    const bt: Tensor = b instanceof Tensor ? b : tensor(b, { dtype: t.dtype });
    const zero = equal(bt, 0);
    return where(zero, fallback, div(t, where(zero, 1, bt))) as never;
  },
);

/**
 * √x for x > 0, 0 for x ≤ 0 and NaN for NaN, with the gradient 0 at and below 0 (plain sqrt has an
 * infinite slope at 0). The mask is x ≤ 0, false for NaN, so a NaN reaches the root and is never hidden.
 */
export const safeSqrt = publicFn(
  'safeSqrt',
  { x: s.tensor({ dtype: 'float' }) },
  <S extends ShapeT, D extends DType>(x: Tensor<S, D>): Tensor<S, D> => {
    const t: Tensor = x;
    const nonPositive = lessEqual(t, 0);
    return where(nonPositive, 0, sqrt(where(nonPositive, 1, t))) as never;
  },
);
