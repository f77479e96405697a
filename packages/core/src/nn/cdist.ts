/** @file cdist: the p-norm distances between two batched point sets, PyTorch's torch.cdist for any p ≥ 0. */
import { either as E } from 'fp-ts';
import { fail, ShapeError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { broadcastShapes, formatShape } from '../ir/shape.js';
import { sub } from '../trace/ops/elementwise.js';
import { broadcastTo, expandDims } from '../trace/ops/movement.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { euclideanDistances } from './euclidean.js';
import { requireSameDType } from './operands.js';
import { normOf } from './scaledNorm.js';

const points = s.tensor({ dtype: 'float', rank: [2, Infinity] });

/**
 * ‖a_i − b_j‖_p between the rows of a [B..., n, d] and b [B..., m, d]: [B..., n, m], the batch dims broadcast by
 * the numpy rule, for any p ≥ 0 (default 2) as `torch.cdist`: p = 0 counts the differing coordinates (no
 * gradient), 1 sums |a − b|, Infinity takes the largest (the gradient split evenly between tied coordinates, as
 * `x.norm`; PyTorch gives each tie the whole), any other p through `x.norm`'s scaled form. p = 2 is
 * `x.pairwiseDistances` per batch (accurate far from the origin). The gradient is 0 at coincident points.
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
    const d = ta.shape.at(-1) as number;
    if (tb.shape.at(-1) !== d) fail(ShapeError, fn, 'b', `points of dimension ${d} (as in a)`, formatShape(tb.shape));
    const batch = broadcastShapes(fn, ta.shape.slice(0, -2), tb.shape.slice(0, -2), 'b');
    if (E.isLeft(batch))
      fail(
        ShapeError,
        fn,
        'b',
        `batch dims that broadcast with those of a ${formatShape(ta.shape)}`,
        formatShape(tb.shape),
      );
    const [n, m] = [ta.shape.at(-2) as number, tb.shape.at(-2) as number];
    const [ba, bb] = [broadcastTo(ta, [...batch.right, n, d]), broadcastTo(tb, [...batch.right, m, d])];
    const p = options.p ?? 2;
    if (p === 2) return euclideanDistances(ba, bb, false) as never;
    return normOf(sub(expandDims(ba, -2), expandDims(bb, -3)), [batch.right.length + 2], p, false) as never;
  },
);
