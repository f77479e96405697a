/** @file logsumexp restricted by a boolean mask or scaled by non-negative weights (log Σ w·eᶻ). */
import { fail, ValueError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { add, exp, greater, less, log, mul, sub, where } from '../trace/ops/elementwise.js';
import { reshape } from '../trace/ops/movement.js';
import { logsumexp, max, reductionAxes } from '../trace/ops/reduce.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { customVjp } from '../transforms/customVjp.js';
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
 * log Σ_k w_k·e^{z_k} over `axes` (kept as size 1), its VJP written out: ∂z_k = w_k·e^{z_k−lse} (0 where
 * w_k = 0, whatever z_k holds) and ∂w_k = e^{z_k−lse}, also at w_k = 0, where log w has no derivative.
 */
const weightedLogsumexpRule = (axes: readonly number[]) =>
  customVjp(
    (z: Tensor, w: Tensor) => {
      const kept = greater(w, 0);
      const lse = logsumexp(where(kept, add(z, log(where(kept, w, 1))), -Infinity), { axis: axes, keepDims: true });
      return [lse, { z, w, kept, lse }] as const;
    },
    ({ z, w, kept, lse }, ct) => {
      const p = exp(sub(z, lse));
      return [mul(ct, where(kept, mul(w, p), 0)), mul(ct, p)];
    },
    { name: 'weightedLogsumexp' },
  );

/**
 * log Σ_k w_k·e^{z_k} = logsumexp(z + log w) over the entries with w_k > 0 (w = 0 drops an entry).
 * Negative weights are a ValueError when they are known; the gradient w.r.t. w_k is e^{z_k−lse},
 * zero weights included.
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
    const lse = weightedLogsumexpRule(axis)(t, w);
    if (options.keepDims === true) return lse as never;
    return reshape(
      lse,
      t.shape.filter((_, i) => !axis.includes(i)),
    ) as never;
  },
);
