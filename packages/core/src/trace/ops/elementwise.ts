/** @file Elementwise ops: unary maths, arithmetic and comparisons with numpy broadcasting, where, cast. */
import { either as E } from 'fp-ts';
import { fromIrError } from '../../errors.js';
import * as B from '../../ir/build.js';
import { type DType, isFloat } from '../../ir/dtype.js';
import type { Node } from '../../ir/node.js';
import type { BinaryPrim, UnaryPrim } from '../../ir/primInfo.js';
import { broadcastShapes, type Shape } from '../../ir/shape.js';
import { applyOp, nodeOf, operandDType, requireTensor, type TensorLike, wrap } from '../apply.js';
import type { Broadcast, Check, Ok, ShapeT } from '../shapeTypes.js';
import type { Tensor } from '../tensor.js';
import type { BinaryCheck, BinaryShape, ResultDType, ShapeOf } from './types.js';

// ---- unary ----

const unary =
  (prim: UnaryPrim | 'stopGradient') =>
  <S extends ShapeT, D extends DType>(x: Tensor<S, D>): Tensor<S, D> =>
    applyOp(prim, prim, {}, [requireTensor(prim, 'x', x).node]) as Tensor<S, D>;

/** −x */
export const neg = unary('neg');
/** eˣ */
export const exp = unary('exp');
/** Natural logarithm (−Inf at 0, NaN below). */
export const log = unary('log');
/** log(1 + x), accurate near 0. */
export const log1p = unary('log1p');
/** eˣ − 1, accurate near 0. */
export const expm1 = unary('expm1');
export const sqrt = unary('sqrt');
/** 1 / x */
export const recip = unary('recip');
export const sin = unary('sin');
export const cos = unary('cos');
export const tanh = unary('tanh');
/** |x| (its derivative at 0 is taken to be 0). */
export const abs = unary('abs');
/** −1, 0 or 1 (0 for ±0; NaN stays NaN). */
export const sign = unary('sign');
export const floor = unary('floor');
export const ceil = unary('ceil');
/** The identity whose derivative is zero: gradients do not flow into `x`. */
export const stopGradient = unary('stopGradient');

// ---- binary (numpy broadcasting; literals take the tensor's dtype) ----

/** Broadcasts operand nodes to one shape (the error names `fn` and the offending argument). */
export function broadcastAll(fn: string, nodes: readonly Node[], args: readonly string[]): Node[] {
  let shape: Shape = [];
  nodes.forEach((n, i) => {
    const r = broadcastShapes(fn, shape, n.type.shape, args[i]);
    if (E.isLeft(r)) throw fromIrError(r.left, fn);
    shape = r.right;
  });
  return nodes.map((n) => B.broadcast(n, shape));
}

function binary(fn: string, prim: BinaryPrim, a: TensorLike, b: TensorLike): Tensor {
  const dtype = operandDType([a, b]);
  const nodes = broadcastAll(fn, [nodeOf(fn, 'a', a, dtype), nodeOf(fn, 'b', b, dtype)], ['a', 'b']);
  return applyOp(fn, prim, {}, nodes);
}

/** The signature of a broadcasting binary op (`add`, `mul`, …): the result shape and dtype are computed from the operands' types. */
export type BinaryOp = <X extends TensorLike, Y extends TensorLike>(
  a: X,
  b: Y & BinaryCheck<X, Y>,
) => Tensor<BinaryShape<X, Y>, ResultDType<X, Y>>;

/** The signature of a broadcasting comparison (`equal`, `less`, …): a bool tensor of the broadcast shape. */
export type CompareOp = <X extends TensorLike, Y extends TensorLike>(
  a: X,
  b: Y & BinaryCheck<X, Y>,
) => Tensor<BinaryShape<X, Y>, 'bool'>;

const binaryOp =
  (prim: BinaryPrim): BinaryOp =>
  (a, b) =>
    binary(prim, prim, a, b) as never;

const compareOp =
  (fn: string, prim: BinaryPrim, swap: boolean): CompareOp =>
  (a, b) =>
    (swap ? binary(fn, prim, b, a) : binary(fn, prim, a, b)) as never;

export const add = binaryOp('add');
export const sub = binaryOp('sub');
export const mul = binaryOp('mul');
export const div = binaryOp('div');
/** aᵇ (float only; 0⁰ = 1). */
export const pow = binaryOp('pow');
/** Elementwise maximum (the gradient is split evenly on ties). */
export const maximum = binaryOp('maximum');
/** Elementwise minimum (the gradient is split evenly on ties). */
export const minimum = binaryOp('minimum');
export const less = compareOp('less', 'less', false);
export const lessEqual = compareOp('lessEqual', 'lessEqual', false);
export const greater = compareOp('greater', 'less', true);
export const greaterEqual = compareOp('greaterEqual', 'lessEqual', true);
export const equal = compareOp('equal', 'equal', false);
export const notEqual = compareOp('notEqual', 'notEqual', false);

// ---- select and convert ----

type Where3<C extends ShapeT, A extends ShapeT, Bs extends ShapeT> = Ok<Broadcast<Ok<Broadcast<C, A>>, Bs>>;

/** `a` where `cond` holds, else `b` (all three broadcast). Gradients flow only to the chosen branch. */
export function where<C extends TensorLike, X extends TensorLike, Y extends TensorLike>(
  cond: C & Check<Broadcast<ShapeOf<C>, ShapeOf<X>>>,
  a: X,
  b: Y & BinaryCheck<X, Y> & Check<Broadcast<Ok<Broadcast<ShapeOf<C>, ShapeOf<X>>>, ShapeOf<Y>>>,
): Tensor<Where3<ShapeOf<C>, ShapeOf<X>, ShapeOf<Y>>, ResultDType<X, Y>> {
  const fn = 'where';
  const dtype = operandDType([a, b]);
  const nodes = broadcastAll(
    fn,
    [nodeOf(fn, 'cond', cond, 'bool'), nodeOf(fn, 'a', a, dtype), nodeOf(fn, 'b', b, dtype)],
    ['cond', 'a', 'b'],
  );
  return applyOp(fn, 'where', {}, nodes) as never;
}

/** Converts to `dtype` (float → i32 truncates toward zero; anything → bool is `x != 0`). */
export function cast<S extends ShapeT, D extends DType>(x: Tensor<S>, dtype: D): Tensor<S, D> {
  const t = requireTensor('cast', 'x', x);
  return (t.dtype === dtype ? t : applyOp('cast', 'cast', { dtype }, [t.node])) as Tensor<S, D>;
}

// ---- classifying floats (exact compositions; WGSL compares on bits, so no compiler folds them away) ----

/** A bool test of floats as `prim` over `operands(x)`; integers and booleans give `ints` everywhere. */
const classify =
  (fn: string, prim: 'notEqual' | 'equal' | 'less', operands: (x: Node) => [Node, Node], ints: boolean) =>
  <S extends ShapeT>(x: Tensor<S>): Tensor<S, 'bool'> => {
    const t = requireTensor(fn, 'x', x);
    if (!isFloat(t.dtype)) return wrap(B.full(t.node.type.shape, ints ? 1 : 0, 'bool')) as Tensor<S, 'bool'>;
    return applyOp(fn, prim, {}, operands(t.node)) as Tensor<S, 'bool'>;
  };

/** |x| and ∞ of x's type. */
const absAndInf = (x: Node): [Node, Node] => [B.op('abs', {}, [x]), B.fullLike(x, Infinity)];

/** x ≠ x: true exactly where x is NaN (false for integers and booleans). */
export const isnan = classify('isnan', 'notEqual', (x) => [x, x], false);
/** |x| = ∞: true at ±Inf (false for integers and booleans). */
export const isinf = classify('isinf', 'equal', absAndInf, false);
/** |x| < ∞: false at NaN and ±Inf (true for integers and booleans). */
export const isfinite = classify('isfinite', 'less', absAndInf, true);

/** x² */
export const square = <S extends ShapeT, D extends DType>(x: Tensor<S, D>): Tensor<S, D> => {
  const t = requireTensor('square', 'x', x);
  return mul(t, t) as never;
};
