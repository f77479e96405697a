/** @file Type-level helpers shared by the op signatures (shape and dtype of tensor-like arguments). */
import type { Broadcast, Check, Ok, ShapeErrorT, ShapeT } from '../shapeTypes.js';
import type { Tensor } from '../tensor.js';

/** The shape of a tensor-like argument (literals are scalars). */
export type ShapeOf<X> = X extends Tensor<infer S> ? S : [];

/** The dtype of a tensor argument (never for literals). */
export type DTypeOf<X> = X extends Tensor<ShapeT, infer D> ? D : never;

/** The result dtype of an op over two operands: the tensors' dtype; f32 (or bool) for two literals. */
export type ResultDType<X, Y> = [DTypeOf<X>] extends [never]
  ? [DTypeOf<Y>] extends [never]
    ? X extends boolean
      ? 'bool'
      : 'f32'
    : DTypeOf<Y>
  : DTypeOf<X>;

/** `unknown` when two operands' dtypes may agree; the error marker when both are known and differ. */
export type DTypeCheck<X, Y> = [DTypeOf<X>] extends [never]
  ? unknown
  : [DTypeOf<Y>] extends [never]
    ? unknown
    : [DTypeOf<X>] extends [DTypeOf<Y>]
      ? unknown
      : [DTypeOf<Y>] extends [DTypeOf<X>]
        ? unknown
        : ShapeErrorT<`dtypes ${DTypeOf<X> & string} and ${DTypeOf<Y> & string} differ: cast one explicitly`>;

/** `unknown` when two operands broadcast and share a dtype; otherwise an unsatisfiable marker. */
export type BinaryCheck<X, Y> = Check<Broadcast<ShapeOf<X>, ShapeOf<Y>>> & DTypeCheck<X, Y>;

/** The broadcast shape of two operands. */
export type BinaryShape<X, Y> = Ok<Broadcast<ShapeOf<X>, ShapeOf<Y>>>;
