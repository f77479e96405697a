/** @file logcumsumexp: the running log Σ exp along an axis, as one scan primitive. */
import { either as E } from 'fp-ts';
import { fromIrError } from '../../errors.js';
import type { DType } from '../../ir/dtype.js';
import { normalizeAxis } from '../../ir/shape.js';
import { publicFn } from '../../validate/publicFn.js';
import * as s from '../../validate/schemas.js';
import { applyOp } from '../apply.js';
import type { ShapeT } from '../shapeTypes.js';
import type { Tensor } from '../tensor.js';

/**
 * log Σ_{j ≤ i} exp(x_j) along `axis` (default −1; Σ_{j ≥ i} when `reverse`), computed online in one
 * pass (running max, rescaled sum): no term underflows, a prefix of −Inf gives −Inf, +Inf gives +Inf,
 * NaN propagates. Its gradient is PyTorch's sign-split form, differentiable again.
 */
export const logcumsumexp = publicFn(
  'logcumsumexp',
  {
    x: s.tensor({ dtype: 'float' }),
    options: s.options({ axis: s.optional(s.axis), reverse: s.optional(s.boolean) }),
  },
  logcumsumexpImpl,
);

function logcumsumexpImpl<S extends ShapeT, D extends DType>(
  x: Tensor<S, D>,
  options: { readonly axis?: number; readonly reverse?: boolean } = {},
): Tensor<S, D> {
  const fn = 'logcumsumexp';
  const t: Tensor = x;
  const r = normalizeAxis(fn, 'axis', options.axis ?? -1, t.rank);
  if (E.isLeft(r)) throw fromIrError(r.left, fn);
  return applyOp(fn, 'logcumsumexp', { axis: r.right, reverse: options.reverse ?? false }, [t.node]) as Tensor<S, D>;
}
