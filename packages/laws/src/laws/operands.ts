/** @file Operands: the plain-number inputs a law draws (printable counterexamples), and the tensors built from them. */
import type { Tensor } from '@xent/core';
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

export const float = (values: readonly number[], shape: readonly number[]): Operand => ({ shape, values });
export const integer = (values: readonly number[], shape: readonly number[] = [values.length]): Operand => ({
  shape,
  values,
  int: true,
});

export const tensorOf = (o: Operand): Tensor => (o.int === true ? i32(o.values, o.shape) : f64(o.values, o.shape));

/** Positions of the float operands (the ones gradients are taken for). */
export const floatPositions = (ops: readonly Operand[]): number[] =>
  ops.flatMap((o, i) => (o.int === true || o.fixed === true ? [] : [i]));

/** The operands with new values for the float ones (in order). */
export function withFloats(ops: readonly Operand[], floats: readonly (readonly number[])[]): Operand[] {
  let k = 0;
  return ops.map((o) => (o.int === true || o.fixed === true ? o : { ...o, values: floats[k++] as number[] }));
}
