/**
 * @file Constant folding of scalars: the value of an elementwise primitive applied to scalar
 * constants, computed in f64 and rounded to the result dtype as the reference interpreter does.
 */
import type { DType } from '../ir/dtype.js';
import type { BinaryPrim, UnaryPrim } from '../ir/primInfo.js';
import { erf, erfc, erfinv, lgamma } from '../kernel/special.js';

type Fold1 = (x: number) => number;
type Fold2 = (a: number, b: number) => number;

export const unaryFolds: { readonly [P in UnaryPrim]: Fold1 } = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  recip: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  abs: Math.abs,
  sign: Math.sign,
  floor: Math.floor,
  ceil: Math.ceil,
  erf,
  erfc,
  erfinv,
  lgamma,
};

export const binaryFolds: { readonly [P in BinaryPrim]: Fold2 } = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: Math.max,
  minimum: Math.min,
  less: (a, b) => Number(a < b),
  lessEqual: (a, b) => Number(a <= b),
  equal: (a, b) => Number(a === b),
  notEqual: (a, b) => Number(a !== b),
};

/** A value rounded into `dtype` (f32 rounding, i32 wrap-around with Math.imul for products, bool 0/1). */
export function roundTo(dtype: DType, v: number): number {
  switch (dtype) {
    case 'f32':
      return Math.fround(v);
    case 'f64':
      return v;
    case 'i32':
      return v | 0;
    case 'bool':
      return v !== 0 ? 1 : 0;
  }
}

/** float → i32 truncates toward zero and saturates; NaN → 0 (the reference semantics of cast). */
export const castValue = (v: number, from: DType, to: DType): number => {
  if (to === 'i32' && (from === 'f32' || from === 'f64'))
    return Number.isNaN(v) ? 0 : Math.max(-2147483648, Math.min(2147483647, Math.trunc(v)));
  return roundTo(to, v);
};
