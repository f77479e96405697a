/** @file Information-theoretic building blocks in log space: xlogy, logaddexp, log1mexp, log(1 − softmax). */
import type { DType } from '../ir/dtype.js';
import {
  abs,
  add,
  div,
  equal,
  exp,
  expm1,
  greater,
  greaterEqual,
  lessEqual,
  log,
  log1p,
  maximum,
  mul,
  neg,
  stopGradient,
  sub,
  where,
} from '../trace/ops/elementwise.js';
import { argmax, logsumexp, reductionAxes } from '../trace/ops/reduce.js';
import { iota } from '../trace/ops/movement.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { customVjp } from '../transforms/customVjp.js';
import { broadcastPair } from './operands.js';
import { logSoftmax } from './softmax.js';

/**
 * x·log y at equal shapes, with 0·log y = 0 for every y but NaN. Its VJP is written out:
 * ∂/∂x = log y, finite at x = 0 for y > 0 (0 where x = 0 and y ≤ 0: the 0·log 0 convention), and
 * ∂/∂y = x/y (0 at x = 0); NaN in y stays NaN, as PyTorch's xlogy.
 */
const xlogyRule = customVjp(
  (a: Tensor, b: Tensor) => {
    const zeroAndNumber = where(equal(a, 0), equal(b, b), false);
    return [where(zeroAndNumber, 0, mul(a, log(where(zeroAndNumber, 1, b)))), { a, b, zeroAndNumber }] as const;
  },
  ({ a, b, zeroAndNumber }, ct) => {
    const convention = where(equal(a, 0), lessEqual(b, 0), false);
    // double where: the untaken branches stay finite, so their (zero) cotangents do too
    const dx = where(convention, 0, log(where(convention, 1, b)));
    const dy = where(zeroAndNumber, 0, div(a, where(zeroAndNumber, 1, b)));
    return [mul(ct, dx), mul(ct, dy)];
  },
  { name: 'xlogy' },
);

/** x·log y with 0·log y = 0 for every y but NaN (0·log 0 included); ∂/∂x = log y (0 where x = 0 and y ≤ 0), ∂/∂y = x/y (0 at x = 0). */
export const xlogy = publicFn(
  'xlogy',
  { x: s.tensor({ dtype: 'float' }), y: s.tensor({ dtype: 'float' }) },
  function xlogy<D extends DType>(x: Tensor<ShapeT, D>, y: Tensor<ShapeT, D>): Tensor<ShapeT, D> {
    return xlogyRule(...broadcastPair('xlogy', 'x', x, 'y', y)) as never;
  },
);

/**
 * log(eᵃ + eᵇ) = m + log1p(s) at equal shapes, with m = max(a, b) held constant for the gradient and
 * s = e^{min−m} written as expm1 of the larger shift (exactly 0) plus exp of the smaller: the
 * gradient is e^{a−m}/(e^{a−m} + e^{b−m}) whichever way a tie is decided. An infinite max is the
 * result (+Inf, or −Inf when both are −Inf), with the max's own gradient; NaN stays NaN.
 */
function logAddExpOf(a: Tensor, b: Tensor): Tensor {
  const larger = maximum(a, b);
  const peak = stopGradient(larger);
  const infinite = equal(abs(peak), Infinity);
  const m = where(infinite, 0, peak);
  const [u, v] = [sub(where(infinite, 0, a), m), sub(where(infinite, 0, b), m)];
  const s = where(greaterEqual(a, b), add(expm1(u), exp(v)), add(exp(u), expm1(v)));
  return where(infinite, larger, add(m, log1p(s)));
}

/** log(eᵃ + eᵇ), broadcasting, without overflow or underflow (see `logAddExpOf`); as numpy's and PyTorch's logaddexp. */
export const logaddexp = publicFn(
  'logaddexp',
  { a: s.tensor({ dtype: 'float' }), b: s.tensor({ dtype: 'float' }) },
  function logaddexp<D extends DType>(a: Tensor<ShapeT, D>, b: Tensor<ShapeT, D>): Tensor<ShapeT, D> {
    return logAddExpOf(...broadcastPair('logaddexp', 'a', a, 'b', b)) as never;
  },
);

/** log(1 − eᵃ) (the graph of log1mexp, for composites). */
function log1mexpOf(t: Tensor): Tensor {
  const near = greater(t, -Math.LN2);
  return where(near, log(neg(expm1(where(near, t, -1)))), log1p(neg(exp(where(near, -1, t)))));
}

/** log(1 − eᵃ) for a ≤ 0: log(−expm1(a)) near 0, log1p(−eᵃ) below −ln 2 (Mächler's split), −Inf at a = 0. */
export const log1mexp = publicFn(
  'log1mexp',
  { a: s.tensor({ dtype: 'float' }) },
  <S extends ShapeT, D extends DType>(a: Tensor<S, D>): Tensor<S, D> => log1mexpOf(a) as never,
);

/**
 * log(1 − softmax(z)_k) for every k along `axis` (one axis, default −1), finite for finite logits:
 * log1mexp(log p_k) where p_k < ½ (any class but the arg-max), and log s − log1p(s) with
 * s = Σ_{j≠k} e^{z_j − z_k} at the arg-max, where 1 − p_k would cancel.
 */
export const logOneMinusSoftmax = publicFn(
  'logOneMinusSoftmax',
  { z: s.tensor({ dtype: 'float' }), options: s.options({ axis: s.optional(s.axis) }) },
  function logOneMinusSoftmax<S extends ShapeT, D extends DType>(
    z: Tensor<S, D>,
    options: { readonly axis?: number } = {},
  ): Tensor<S, D> {
    const t: Tensor = z;
    const axis = reductionAxes('logOneMinusSoftmax', t, options.axis ?? -1)[0] as number;
    const logp = logSoftmax(t, { axis });
    const topAt = equal(iota(t.shape, axis), argmax(t, { axis, keepDims: true }));
    const topLogit = logsumexp(where(topAt, t, -Infinity), { axis, keepDims: true });
    // log s with s = Σ_{j≠top} e^{z_j − z_top}: the others' logsumexp minus the top logit.
    const logOthers = sub(logsumexp(where(topAt, -Infinity, t), { axis, keepDims: true }), topLogit);
    const atTop = sub(logOthers, log1p(exp(logOthers)));
    return where(topAt, atTop, log1mexpOf(where(topAt, -1, logp))) as never;
  },
);
