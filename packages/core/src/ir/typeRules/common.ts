/** @file The checks the type rules share: arity, dtype classes, same-type operands, axes, per-axis lists. */
import { either as E } from 'fp-ts';
import { type DType, isFloat, isNumeric } from '../dtype.js';
import { type IrError, irError } from '../irError.js';
import type { TensorType } from '../node.js';
import type { Prim, PrimParamMap } from '../prim.js';
import { formatShape, isValidDim, shapeEq } from '../shape.js';

/** Computes the output type of `prim` from its input types and parameters. */
export type TypeRule<P extends Prim> = (
  inputs: readonly TensorType[],
  params: PrimParamMap[P],
) => E.Either<IrError, TensorType>;

export type DTypeClass = 'float' | 'numeric' | 'any';

export const dtypeClassName: Record<DTypeClass, string> = {
  float: 'a floating-point dtype (f32 or f64)',
  numeric: 'a numeric dtype (f32, f64 or i32)',
  any: 'any dtype',
};

export const inClass = (d: DType, c: DTypeClass): boolean =>
  c === 'any' ? true : c === 'float' ? isFloat(d) : isNumeric(d);

export const fmtType = (t: TensorType): string => `${t.dtype}${formatShape(t.shape)}`;

export function arity(op: string, inputs: readonly TensorType[], n: number): E.Either<IrError, readonly TensorType[]> {
  return inputs.length === n
    ? E.right(inputs)
    : E.left(irError('InvalidParam', op, 'inputs', `${n} input(s)`, `${inputs.length}`));
}

export function requireClass(op: string, arg: string, t: TensorType, c: DTypeClass): E.Either<IrError, TensorType> {
  return inClass(t.dtype, c) ? E.right(t) : E.left(irError('DTypeMismatch', op, arg, dtypeClassName[c], t.dtype));
}

/** Same shape and dtype for two operands of an elementwise op (broadcasting happens above the IR). */
export function sameType(op: string, a: TensorType, b: TensorType, argB: string): E.Either<IrError, TensorType> {
  if (a.dtype !== b.dtype) {
    return E.left(
      irError('DTypeMismatch', op, argB, `dtype ${a.dtype} (mixing dtypes needs an explicit cast)`, b.dtype),
    );
  }
  if (!shapeEq(a.shape, b.shape)) {
    return E.left(irError('ShapeMismatch', op, argB, `shape ${formatShape(a.shape)}`, formatShape(b.shape)));
  }
  return E.right(a);
}

export const unary =
  (op: Prim, c: DTypeClass): TypeRule<Prim> =>
  (inputs) =>
    E.chain(([x]: readonly TensorType[]) => requireClass(op, 'x', x as TensorType, c))(arity(op, inputs, 1));

export const binary =
  (op: Prim, c: DTypeClass, result?: DType): TypeRule<Prim> =>
  (inputs) => {
    const r = arity(op, inputs, 2);
    if (E.isLeft(r)) return r;
    const [a, b] = r.right as [TensorType, TensorType];
    const ca = requireClass(op, 'a', a, c);
    if (E.isLeft(ca)) return ca;
    const t = sameType(op, a, b, 'b');
    return result === undefined ? t : E.map((s: TensorType) => ({ shape: s.shape, dtype: result }))(t);
  };

export function checkAxes(op: string, axes: readonly number[], rank: number): E.Either<IrError, readonly number[]> {
  const sorted = axes.every(
    (a, i) => Number.isInteger(a) && a >= 0 && a < rank && (i === 0 || a > (axes[i - 1] ?? -1)),
  );
  return sorted
    ? E.right(axes)
    : E.left(irError('AxisOutOfRange', op, 'axes', `distinct sorted axes in [0, ${rank})`, `[${axes.join(', ')}]`));
}

export const reduction =
  (op: Prim, c: DTypeClass): TypeRule<'sum' | 'max' | 'logsumexp'> =>
  (inputs, { axes }) => {
    const r = arity(op, inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    const cx = requireClass(op, 'x', x, c);
    if (E.isLeft(cx)) return cx;
    const ax = checkAxes(op, axes, x.shape.length);
    if (E.isLeft(ax)) return ax;
    return E.right({ shape: x.shape.filter((_, i) => !axes.includes(i)), dtype: x.dtype });
  };

export function perAxis(
  op: string,
  arg: string,
  values: readonly number[],
  rank: number,
): E.Either<IrError, readonly number[]> {
  return values.length === rank && values.every(isValidDim)
    ? E.right(values)
    : E.left(irError('InvalidParam', op, arg, `${rank} non-negative integers`, `[${values.join(', ')}]`));
}
