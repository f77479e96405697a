/** @file Index-based composites: oneHot and roll. */
import { either as E } from 'fp-ts';
import { fail, fromIrError, IndexError, ValueError } from '../errors.js';
import * as B from '../ir/build.js';
import type { DType } from '../ir/dtype.js';
import { formatShape, isValidDim, normalizeAxis } from '../ir/shape.js';
import { describe, requireTensor, wrap } from '../trace/apply.js';
import { concat, slice } from '../trace/ops/movement.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';

/**
 * One-hot rows: `out[..., k] = (indices[...] == k)`, as `dtype` (default f32). Indices outside
 * [0, n) are an IndexError (concrete ones at once, traced ones when the values are computed).
 */
export function oneHot<D extends DType = 'f32'>(
  indices: Tensor,
  n: number,
  options: { readonly dtype?: D } = {},
): Tensor<ShapeT, D> {
  const fn = 'oneHot';
  const idx = requireTensor(fn, 'indices', indices);
  if (idx.dtype !== 'i32') fail(ValueError, fn, 'indices', 'an i32 tensor of class indices', `dtype ${idx.dtype}`);
  if (!isValidDim(n) || n === 0) fail(ValueError, fn, 'n', 'a positive integer number of classes', describe(n));
  if (!idx.isTraced) {
    const values = idx.data();
    const bad = values.findIndex((v) => v < 0 || v >= n);
    if (bad >= 0)
      fail(
        IndexError,
        fn,
        'indices',
        `class indices in [0, ${n})`,
        `${values[bad]} at flat index ${bad} of ${formatShape(idx.shape)}`,
      );
  }
  const shape = [...idx.shape, n];
  const hit = B.equal(
    B.broadcast(B.reshape(idx.isTraced ? B.checkIndex(idx.node, n) : idx.node, [...idx.shape, 1]), shape),
    B.op('iota', { shape, axis: idx.rank, dtype: 'i32' }, []),
  );
  return wrap(B.cast(hit, options.dtype ?? 'f32')) as Tensor<ShapeT, D>;
}

/** Rotates elements along `axis` by `shift` places (elements leaving one end come back at the other). */
export function roll<S extends ShapeT, D extends DType>(x: Tensor<S, D>, shift: number, axis = 0): Tensor<S, D> {
  const fn = 'roll';
  const t = requireTensor(fn, 'x', x);
  if (!Number.isInteger(shift)) fail(ValueError, fn, 'shift', 'an integer', describe(shift));
  const a = normalizeAxis(fn, 'axis', axis, t.rank);
  if (E.isLeft(a)) throw fromIrError(a.left, fn);
  const n = t.shape[a.right] as number;
  if (n === 0) return t as Tensor<S, D>;
  const s = ((shift % n) + n) % n;
  if (s === 0) return t as Tensor<S, D>;
  const at = (v: number) => t.shape.map((_, i) => (i === a.right ? v : null));
  return concat([slice(t, at(n - s), at(n)), slice(t, at(0), at(n - s))], a.right) as Tensor<S, D>;
}
