/** @file Operands: the plain-number inputs a law draws (printable counterexamples), and the tensors built from them. */
import { ShapeError, type Tensor, ValueError } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import { f64, i32 } from '../numeric.js';

/**
 * One argument of a function under test: its shape and values. `int` marks i32 (labels); `fixed`
 * marks a float argument held constant (targets on the simplex); neither is differentiated.
 */
export interface Operand {
  readonly shape: readonly number[];
  readonly values: readonly number[];
  readonly int?: boolean;
  readonly fixed?: boolean;
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;
const i32Value = s.number({ min: I32_MIN, max: I32_MAX, integer: true });

/** `values` fill `shape` exactly (for `fn`'s argument `arg`, the shape). */
function checkSize(fn: string, arg: string, values: readonly number[], shape: readonly number[]): void {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== values.length)
    fail(ShapeError, fn, arg, `a shape of ${values.length} entries (one per value)`, `[${shape.join(', ')}]`);
}

/** A float operand: `values` (row-major) of `shape`. */
export const float = publicFn(
  'float',
  { values: s.array(s.number()), shape: s.shape },
  (values: readonly number[], shape: readonly number[]): Operand => {
    checkSize('float', 'shape', values, shape);
    return { shape, values };
  },
);

/** An i32 operand (labels): `values` of `shape` (default: a vector). */
export const integer = publicFn(
  'integer',
  { values: s.array(i32Value), shape: s.optional(s.shape) },
  (values: readonly number[], shape: readonly number[] = [values.length]): Operand => {
    checkSize('integer', 'shape', values, shape);
    return { shape, values, int: true };
  },
);

/** The tensor of an operand, unchecked (the laws' own operands). */
export const operandTensor = (o: Operand): Tensor => (o.int === true ? i32(o.values, o.shape) : f64(o.values, o.shape));

/** What an operand argument may hold (`shape` and `values` are required: see `checkOperand`). */
const operandSchema = s.options({
  shape: s.optional(s.shape),
  values: s.optional(s.array(s.number())),
  int: s.optional(s.boolean),
  fixed: s.optional(s.boolean),
});

/** The checks an operand needs beyond `operandSchema`: both required keys, sizes that agree, i32 values for `int`. */
function checkOperand(fn: string, o: Partial<Operand> | undefined): asserts o is Operand {
  if (o?.shape === undefined) fail(ShapeError, fn, 'shape', 'a shape (an array of non-negative integers)', 'undefined');
  if (o.values === undefined) fail(ValueError, fn, 'values', 'an array of numbers', 'undefined');
  checkSize(fn, 'shape', o.values, o.shape);
  if (o.int === true) o.values.forEach((v, i) => i32Value.check(v, fn, `values[${i}]`));
}

/**
 * The f64 tensor of a float operand, or the i32 tensor of an integer one. `operands.map(tensorOf)`
 * works: the index and array that `Array.prototype.map` passes after the operand are ignored.
 */
export const tensorOf = publicFn('tensorOf', { o: operandSchema, '...mapped': s.anything }, (o: Operand): Tensor => {
  checkOperand('tensorOf', o);
  return operandTensor(o);
});

/** Positions of the float operands (the ones gradients are taken for). */
export const floatPositions = (ops: readonly Operand[]): number[] =>
  ops.flatMap((o, i) => (o.int === true || o.fixed === true ? [] : [i]));

/** The operands with new values for the float ones (in order). */
export function withFloats(ops: readonly Operand[], floats: readonly (readonly number[])[]): Operand[] {
  let k = 0;
  return ops.map((o) => (o.int === true || o.fixed === true ? o : { ...o, values: floats[k++] as number[] }));
}
