/** @file The identity matrix and the triangular parts of matrices (eye, tril, triu), as masks over iotas. */
import { fail, ShapeError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { formatShape } from '../ir/shape.js';
import { add, cast, equal, lessEqual, where } from '../trace/ops/elementwise.js';
import { iota } from '../trace/ops/movement.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';

/** The n×m identity (m = n by default): 1 on the diagonal, 0 elsewhere, f32 by default. */
export const eye = publicFn(
  'eye',
  {
    n: s.number({ min: 0, integer: true }),
    options: s.options({
      m: s.optional(s.number({ min: 0, integer: true })),
      dtype: s.optional(s.oneOf(['f32', 'f64', 'i32'])),
    }),
  },
  function eye<const N extends number, const M extends number = N, D extends DType = 'f32'>(
    n: N,
    options: { readonly m?: M; readonly dtype?: D } = {},
  ): Tensor<[N, M], D> {
    const shape = [n, options.m ?? n];
    return cast(equal(iota(shape, 0), iota(shape, 1)), options.dtype ?? 'f32') as never;
  },
);

/** Where entry (i, j) of the last two axes of `t` lies on or below diagonal k (j ≤ i + k), as a bool mask of t's shape. */
function onOrBelow(fn: string, t: Tensor, k: number): Tensor {
  if (t.rank < 2)
    fail(ShapeError, fn, 'x', 'a matrix or a batch of matrices (rank ≥ 2)', `shape ${formatShape(t.shape)}`);
  return lessEqual(iota(t.shape, t.rank - 1), add(iota(t.shape, t.rank - 2), k));
}

const triangularParams = {
  x: s.tensor({ dtype: 'numeric' }),
  options: s.options({ k: s.optional(s.number({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1, integer: true })) }),
};

/** The lower triangle of the last two axes: entries with j ≤ i + k kept, the others 0 (k = 0 by default: the diagonal kept); gradient masked alike. */
export const tril = publicFn(
  'tril',
  triangularParams,
  <S extends ShapeT, D extends DType>(x: Tensor<S, D>, options: { readonly k?: number } = {}): Tensor<S, D> => {
    const t: Tensor = x;
    return where(onOrBelow('tril', t, options.k ?? 0), t, 0) as never;
  },
);

/** The upper triangle of the last two axes: entries with j ≥ i + k kept, the others 0 (k = 0 by default); gradient masked alike. */
export const triu = publicFn(
  'triu',
  triangularParams,
  <S extends ShapeT, D extends DType>(x: Tensor<S, D>, options: { readonly k?: number } = {}): Tensor<S, D> => {
    const t: Tensor = x;
    return where(onOrBelow('triu', t, (options.k ?? 0) - 1), 0, t) as never;
  },
);
