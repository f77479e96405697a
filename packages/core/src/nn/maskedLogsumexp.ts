/** @file logsumexp restricted by a boolean mask or scaled by non-negative weights (log Σ w·eᶻ). */
import { fail, ValueError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { add, greater, less, log, where } from '../trace/ops/elementwise.js';
import { logsumexp, max, reductionAxes } from '../trace/ops/reduce.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { requireSameDType, requireSameShape } from './operands.js';

export interface MaskedLogsumexpOptions {
  readonly axis?: number | readonly number[];
  readonly keepDims?: boolean;
}

const reduceOptions = s.options({ axis: s.optional(s.axes), keepDims: s.optional(s.boolean) });

/**
 * log Σ_{k: mask_k} e^{z_k}: a row with no selected entry gives −Inf and a zero gradient; unselected
 * entries get a zero gradient even when they hold ±Inf or NaN.
 */
export const maskedLogsumexp = publicFn(
  'maskedLogsumexp',
  { z: s.tensor({ dtype: 'float' }), mask: s.tensor({ dtype: ['bool'] }), options: reduceOptions },
  function maskedLogsumexp<D extends DType>(
    z: Tensor<ShapeT, D>,
    mask: Tensor<ShapeT, 'bool'>,
    options: MaskedLogsumexpOptions = {},
  ): Tensor<ShapeT, D> {
    const fn = 'maskedLogsumexp';
    const [t, m]: [Tensor, Tensor] = [z, mask];
    requireSameShape(fn, 'mask', m, 'z', t);
    const axis = reductionAxes(fn, t, options.axis);
    return logsumexp(where(m, t, -Infinity), { axis, keepDims: options.keepDims ?? false }) as never;
  },
);

/**
 * log Σ_k w_k·e^{z_k} = logsumexp(z + log w) over the entries with w_k > 0 (w = 0 drops an entry).
 * Negative weights are a ValueError when they are known; the gradient w.r.t. w is e^{z−lse}/w.
 */
export const weightedLogsumexp = publicFn(
  'weightedLogsumexp',
  { z: s.tensor({ dtype: 'float' }), weights: s.tensor({ dtype: 'float' }), options: reduceOptions },
  function weightedLogsumexp<D extends DType>(
    z: Tensor<ShapeT, D>,
    weights: Tensor<ShapeT, D>,
    options: MaskedLogsumexpOptions = {},
  ): Tensor<ShapeT, D> {
    const fn = 'weightedLogsumexp';
    const [t, w]: [Tensor, Tensor] = [z, weights];
    requireSameDType(fn, 'weights', w, 'z', t);
    requireSameShape(fn, 'weights', w, 'z', t);
    const axis = reductionAxes(fn, t, options.axis);
    if (!w.isTraced && (max(where(less(w, 0), 1, 0)).data()[0] as number) > 0)
      fail(ValueError, fn, 'weights', 'non-negative weights', 'a negative weight');
    const kept = greater(w, 0);
    return logsumexp(where(kept, add(t, log(where(kept, w, 1))), -Infinity), {
      axis,
      keepDims: options.keepDims ?? false,
    }) as never;
  },
);
