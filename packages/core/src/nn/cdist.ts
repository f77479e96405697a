/** @file cdist: the p-norm distances between two point sets, PyTorch's torch.cdist for any p ≥ 0. */
import { fail, ShapeError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { formatShape } from '../ir/shape.js';
import { sub } from '../trace/ops/elementwise.js';
import { expandDims } from '../trace/ops/movement.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { pairwiseDistances } from './geometry.js';
import { requireSameDType } from './operands.js';
import { normOf } from './scaledNorm.js';

const points = s.tensor({ dtype: 'float', rank: 2 });

/**
 * ‖a_i − b_j‖_p between the rows of a [n, d] and b [m, d]: [n, m], for any p ≥ 0 (default 2) as `torch.cdist`:
 * p = 0 counts the differing coordinates (no gradient), 1 sums |a − b|, Infinity takes the largest (the
 * gradient split evenly between tied coordinates, as `x.norm`; PyTorch gives each tie the whole), any other p
 * through `x.norm`'s scaled form. p = 2 is `x.pairwiseDistances` (accurate far from the origin). The gradient
 * is 0 at coincident points.
 */
export const cdist = publicFn(
  'cdist',
  { a: points, b: points, options: s.options({ p: s.optional(s.number({ min: 0 })) }) },
  function cdist<D extends DType>(
    a: Tensor<ShapeT, D>,
    b: Tensor<ShapeT, D>,
    options: { readonly p?: number } = {},
  ): Tensor<ShapeT, D> {
    const fn = 'cdist';
    const ta: Tensor = a;
    const tb: Tensor = b;
    requireSameDType(fn, 'b', tb, 'a', ta);
    if (tb.shape[1] !== ta.shape[1])
      fail(ShapeError, fn, 'b', `points of dimension ${ta.shape[1]} (as in a)`, formatShape(tb.shape));
    const p = options.p ?? 2;
    if (p === 2) return pairwiseDistances(a, b);
    return normOf(sub(expandDims(ta, 1), expandDims(tb, 0)), [2], p, false) as never;
  },
);
