/** @file Numerically stable activations written from primitives: softplus, sigmoid, logSigmoid, relu, clip. */
import type { DType } from '../ir/dtype.js';
import { requireTensor } from '../trace/apply.js';
import { add, div, exp, greater, less, log1p, neg, recip, where } from '../trace/ops/elementwise.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';

type Same = <S extends ShapeT, D extends DType>(x: Tensor<S, D>) => Tensor<S, D>;

/**
 * −|x| written with a select whose branches have derivatives ∓1, so that derivatives of every order
 * at x = 0 come from one smooth branch (abs would contribute sign(0) = 0 there).
 */
const negAbs = (t: Tensor): Tensor => where(greater(t, 0), neg(t), t);

/** log(1 + eˣ) = [x > 0]·x + log1p(e^−|x|): no overflow for large |x|; softplus'(x) = σ(x), exact at 0 in every order. */
export const softplus: Same = (x) => {
  const t = requireTensor('softplus', 'x', x);
  return add(where(greater(t, 0), t, 0), log1p(exp(negAbs(t)))) as never;
};

/** σ(x) = 1/(1 + e^−x), evaluated through e^−|x| ≤ 1 so that neither branch overflows (value or gradient). */
export const sigmoid: Same = (x) => {
  const t = requireTensor('sigmoid', 'x', x);
  const e: Tensor = exp(negAbs(t));
  const onePlus: Tensor = add(e, 1);
  return where(greater(t, 0), recip(onePlus), div(e, onePlus)) as never;
};

/** log σ(x) = −softplus(−x), never log of an underflowed σ. */
export const logSigmoid: Same = (x) => {
  const t = requireTensor('logSigmoid', 'x', x);
  return neg(softplus(neg(t))) as never;
};

/** max(x, 0), with relu'(0) = 0. */
export const relu: Same = (x) => {
  const t = requireTensor('relu', 'x', x);
  return where(greater(t, 0), t, 0) as never;
};

/** x limited to [lo, hi]; the gradient is 1 inside (bounds included) and 0 outside. */
export function clip<S extends ShapeT, D extends DType>(x: Tensor<S, D>, lo: number, hi: number): Tensor<S, D> {
  const t = requireTensor('clip', 'x', x);
  const upper: Tensor = where(greater(t, hi), hi, t);
  return where(less(t, lo), lo, upper) as never;
}
