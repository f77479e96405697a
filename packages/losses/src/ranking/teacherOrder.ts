/** @file The order of classes by a teacher's probabilities, as pairwise masks (no sort): exact, O(K²) per row. */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';

/** a ∧ b for bool tensors. */
export const and = (a: Tensor, b: Tensor): Tensor => x.where(a, b, false);
/** a ∨ b for bool tensors. */
export const or = (a: Tensor, b: Tensor): Tensor => x.where(a, true, b);

/**
 * before[..., i, c]: class c comes strictly before class i when the classes are listed by descending
 * teacher probability t, ties broken by the lower class index (a stable descending sort); `first`
 * ([...], optional) is a class put ahead of all others (PLD's label).
 */
export function rankedBefore(t: Tensor, first?: Tensor): Tensor {
  const k = t.shape[t.rank - 1] as number;
  const shape = [...t.shape.slice(0, -1), k, k];
  const ti = x.expandDims(t, -1);
  const tc = x.expandDims(t, -2);
  const i = x.iota(shape, -2);
  const c = x.iota(shape, -1);
  const byTeacher = or(x.greater(tc, ti), and(x.equal(tc, ti), x.less(c, i)));
  if (first === undefined) return byTeacher;
  const y = x.expandDims(x.expandDims(first, -1), -1);
  const cFirst = x.equal(c, y);
  const iFirst = x.equal(i, y);
  // c is the label (and i is not), or neither is and the teacher orders c first
  return and(x.notEqual(c, i), or(cFirst, and(x.equal(iFirst, false), byTeacher)));
}
