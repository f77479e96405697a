/** @file Index-based composites: oneHot and roll. */
import { either as E } from 'fp-ts';
import { fail, fromIrError, IndexError } from '../errors.js';
import * as B from '../ir/build.js';
import type { DType } from '../ir/dtype.js';
import { formatShape, normalizeAxis } from '../ir/shape.js';
import { wrap } from '../trace/apply.js';
import { concat, slice } from '../trace/ops/movement.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';

/**
 * One-hot rows: `out[..., k] = (indices[...] == k)`, as `dtype` (default f32). Indices outside
 * [0, n) are an IndexError (concrete ones at once, traced ones when the values are computed).
 */
export const oneHot = publicFn(
  'oneHot',
  {
    indices: s.tensor({ dtype: ['i32'] }),
    n: s.number({ min: 1, max: 2147483647, integer: true }),
    options: s.options({ dtype: s.optional(s.dtype) }),
  },
  function oneHot<D extends DType = 'f32'>(
    indices: Tensor,
    n: number,
    options: { readonly dtype?: D } = {},
  ): Tensor<ShapeT, D> {
    const fn = 'oneHot';
    if (!indices.isTraced) {
      const values = indices.data();
      const bad = values.findIndex((v) => v < 0 || v >= n);
      if (bad >= 0)
        fail(
          IndexError,
          fn,
          'indices',
          `class indices in [0, ${n})`,
          `${values[bad]} at flat index ${bad} of ${formatShape(indices.shape)}`,
        );
    }
    const shape = [...indices.shape, n];
    const hit = B.equal(
      B.broadcast(
        B.reshape(indices.isTraced ? B.checkIndex(indices.node, n, { fn, arg: 'indices' }) : indices.node, [
          ...indices.shape,
          1,
        ]),
        shape,
      ),
      B.op('iota', { shape, axis: indices.rank, dtype: 'i32' }, []),
    );
    return wrap(B.cast(hit, options.dtype ?? 'f32')) as Tensor<ShapeT, D>;
  },
);

/** Rotates elements along `axis` (default 0) by `shift` places (elements leaving one end come back at the other). */
export const roll = publicFn(
  'roll',
  { x: s.tensor(), shift: s.number({ integer: true }), axis: s.optional(s.axis) },
  function roll<S extends ShapeT, D extends DType>(x: Tensor<S, D>, shift: number, axis = 0): Tensor<S, D> {
    const fn = 'roll';
    const a = normalizeAxis(fn, 'axis', axis, x.rank);
    if (E.isLeft(a)) throw fromIrError(a.left, fn);
    const n = x.shape[a.right] as number;
    if (n === 0) return x;
    const k = ((shift % n) + n) % n;
    if (k === 0) return x;
    const at = (v: number) => x.shape.map((_, i) => (i === a.right ? v : null));
    return concat([slice(x, at(n - k), at(n)), slice(x, at(0), at(n - k))], a.right) as Tensor<S, D>;
  },
);
