/** @file Elementwise ops: unary maths, arithmetic and comparisons with numpy broadcasting, where, cast. */
import { either as E } from 'fp-ts';
import { DTypeError, fail, fromIrError } from '../../errors.js';
import * as B from '../../ir/build.js';
import { type DType, isFloat } from '../../ir/dtype.js';
import type { Node } from '../../ir/node.js';
import type { BinaryPrim, UnaryPrim } from '../../ir/primInfo.js';
import { broadcastShapes, type Shape } from '../../ir/shape.js';
import { type Params, publicFn } from '../../validate/publicFn.js';
import type { DTypeRule } from '../../validate/schema.js';
import * as s from '../../validate/schemas.js';
import { applyOp, nodeOf, operandDType, type TensorLike, wrap } from '../apply.js';
import type { Broadcast, Check, Ok, ShapeT } from '../shapeTypes.js';
import { Tensor } from '../tensor.js';
import type { BinaryCheck, BinaryShape, ResultDType, ShapeOf } from './types.js';

// ---- unary ----

const unary = (prim: UnaryPrim | 'stopGradient', dtype: DTypeRule) =>
  publicFn(
    prim,
    { x: s.tensor({ dtype }) },
    <S extends ShapeT, D extends DType>(x: Tensor<S, D>): Tensor<S, D> =>
      applyOp(prim, prim, {}, [x.node]) as Tensor<S, D>,
  );

/** −x */
export const neg = unary('neg', 'numeric');
/** eˣ */
export const exp = unary('exp', 'float');
/** Natural logarithm (−Inf at 0, NaN below). */
export const log = unary('log', 'float');
/** log(1 + x), accurate near 0. */
export const log1p = unary('log1p', 'float');
/** eˣ − 1, accurate near 0. */
export const expm1 = unary('expm1', 'float');
export const sqrt = unary('sqrt', 'float');
/** 1 / x */
export const recip = unary('recip', 'float');
export const sin = unary('sin', 'float');
export const cos = unary('cos', 'float');
export const tanh = unary('tanh', 'float');
/** |x| (its derivative at 0 is taken to be 0). */
export const abs = unary('abs', 'numeric');
/** −1, 0 or 1 (0 for ±0; NaN stays NaN). */
export const sign = unary('sign', 'numeric');
export const floor = unary('floor', 'float');
export const ceil = unary('ceil', 'float');
/** The identity whose derivative is zero: gradients do not flow into `x`. */
export const stopGradient = unary('stopGradient', 'any');

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

/** Rejects two tensor operands of different dtypes (literals take the tensor's), naming the second one. */
function sameDType(fn: string, a: TensorLike, b: TensorLike, argB: string): void {
  if (a instanceof Tensor && b instanceof Tensor && a.dtype !== b.dtype)
    fail(DTypeError, fn, argB, `dtype ${a.dtype} (mixing dtypes needs an explicit cast)`, b.dtype);
}

/**
 * `prim` over the broadcast operands, on behalf of `fn`; with `swap` the primitive takes them in the
 * other order (`greater(a, b)` is `less(b, a)`), while errors still name the user's `a` and `b`.
 */
function binary(fn: string, prim: BinaryPrim, a: TensorLike, b: TensorLike, swap: boolean): Tensor {
  sameDType(fn, a, b, 'b');
  const dtype = operandDType([a, b]);
  const [na, nb] = broadcastAll(fn, [nodeOf(fn, 'a', a, dtype), nodeOf(fn, 'b', b, dtype)], ['a', 'b']) as [Node, Node];
  return applyOp(fn, prim, {}, swap ? [nb, na] : [na, nb]);
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

const operands = (dtype: DTypeRule): Params => ({ a: s.tensorLike({ dtype }), b: s.tensorLike({ dtype }) });

const binaryOp = (prim: BinaryPrim, dtype: DTypeRule): BinaryOp =>
  publicFn(prim, operands(dtype), ((a: TensorLike, b: TensorLike) => binary(prim, prim, a, b, false)) as BinaryOp);

const compareOp = (fn: string, prim: BinaryPrim, dtype: DTypeRule, swap: boolean): CompareOp =>
  publicFn(fn, operands(dtype), ((a: TensorLike, b: TensorLike) => binary(fn, prim, a, b, swap)) as CompareOp);

export const add = binaryOp('add', 'numeric');
export const sub = binaryOp('sub', 'numeric');
export const mul = binaryOp('mul', 'numeric');
export const div = binaryOp('div', 'float');
/** aᵇ (float only; 0⁰ = 1). */
export const pow = binaryOp('pow', 'float');
/** Elementwise maximum (the gradient is split evenly on ties). */
export const maximum = binaryOp('maximum', 'numeric');
/** Elementwise minimum (the gradient is split evenly on ties). */
export const minimum = binaryOp('minimum', 'numeric');
export const less = compareOp('less', 'less', 'numeric', false);
export const lessEqual = compareOp('lessEqual', 'lessEqual', 'numeric', false);
export const greater = compareOp('greater', 'less', 'numeric', true);
export const greaterEqual = compareOp('greaterEqual', 'lessEqual', 'numeric', true);
export const equal = compareOp('equal', 'equal', 'any', false);
export const notEqual = compareOp('notEqual', 'notEqual', 'any', false);

// ---- select and convert ----

type Where3<C extends ShapeT, A extends ShapeT, Bs extends ShapeT> = Ok<Broadcast<Ok<Broadcast<C, A>>, Bs>>;

/** `a` where `cond` holds, else `b` (all three broadcast). Gradients flow only to the chosen branch. */
export const where = publicFn(
  'where',
  { cond: s.tensorLike({ dtype: ['bool'] }), a: s.tensorLike(), b: s.tensorLike() },
  whereImpl,
);

function whereImpl<C extends TensorLike, X extends TensorLike, Y extends TensorLike>(
  cond: C & Check<Broadcast<ShapeOf<C>, ShapeOf<X>>>,
  a: X,
  b: Y & BinaryCheck<X, Y> & Check<Broadcast<Ok<Broadcast<ShapeOf<C>, ShapeOf<X>>>, ShapeOf<Y>>>,
): Tensor<Where3<ShapeOf<C>, ShapeOf<X>, ShapeOf<Y>>, ResultDType<X, Y>> {
  const fn = 'where';
  sameDType(fn, a, b, 'b');
  const dtype = operandDType([a, b]);
  const nodes = broadcastAll(
    fn,
    [nodeOf(fn, 'cond', cond, 'bool'), nodeOf(fn, 'a', a, dtype), nodeOf(fn, 'b', b, dtype)],
    ['cond', 'a', 'b'],
  );
  return applyOp(fn, 'where', {}, nodes) as never;
}

/** Converts to `dtype` (float → i32 truncates toward zero; anything → bool is `x != 0`). */
export const cast = publicFn(
  'cast',
  { x: s.tensor(), dtype: s.dtype },
  <S extends ShapeT, D extends DType>(x: Tensor<S>, dtype: D): Tensor<S, D> =>
    (x.dtype === dtype ? x : applyOp('cast', 'cast', { dtype }, [x.node])) as Tensor<S, D>,
);

// ---- classifying floats (exact compositions; WGSL compares on bits, so no compiler folds them away) ----

/** A bool test of floats as `prim` over `operands(x)`; integers and booleans give `ints` everywhere. */
const classify = (fn: string, prim: 'notEqual' | 'equal' | 'less', inputs: (x: Node) => [Node, Node], ints: boolean) =>
  publicFn(fn, { x: s.tensor() }, <S extends ShapeT>(x: Tensor<S>): Tensor<S, 'bool'> => {
    if (!isFloat(x.dtype)) return wrap(B.full(x.node.type.shape, ints ? 1 : 0, 'bool')) as Tensor<S, 'bool'>;
    return applyOp(fn, prim, {}, inputs(x.node)) as Tensor<S, 'bool'>;
  });

/** |x| and ∞ of x's type. */
const absAndInf = (x: Node): [Node, Node] => [B.op('abs', {}, [x]), B.fullLike(x, Infinity)];

/** x ≠ x: true exactly where x is NaN (false for integers and booleans). */
export const isnan = classify('isnan', 'notEqual', (x) => [x, x], false);
/** |x| = ∞: true at ±Inf (false for integers and booleans). */
export const isinf = classify('isinf', 'equal', absAndInf, false);
/** |x| < ∞: false at NaN and ±Inf (true for integers and booleans). */
export const isfinite = classify('isfinite', 'less', absAndInf, true);

/** x² */
export const square = publicFn(
  'square',
  { x: s.tensor({ dtype: 'numeric' }) },
  <S extends ShapeT, D extends DType>(x: Tensor<S, D>): Tensor<S, D> =>
    applyOp('square', 'mul', {}, [x.node, x.node]) as Tensor<S, D>,
);
