/** @file Node builders: type-check a primitive application and return its hash-consed node. */
import { either as E } from 'fp-ts';
import type { ArrayData } from '../device.js';
import { allocHost, type DType } from './dtype.js';
import { gatherBlame, type IndexBlame, InternalError } from '../errors.js';
import type { IrError } from './irError.js';
import {
  type ConstNode,
  type CustomNode,
  makeConstNode,
  makeCustomNode,
  makeOpNode,
  type Node,
  type OpNode,
} from './node.js';
import type { Prim, PrimParamMap } from './prim.js';
import { rebuilding } from './provenance.js';
import { type Shape, shapeEq, sizeOf } from './shape.js';
import { typeOf } from './typeRules.js';

/** Applies `prim`, returning the node or the type error. */
export function tryOp<P extends Prim>(
  prim: P,
  params: PrimParamMap[P],
  inputs: readonly Node[],
): E.Either<IrError, OpNode<P>> {
  return E.map((type: OpNode['type']) => makeOpNode(prim, params, inputs, type))(
    typeOf(
      prim,
      inputs.map((n) => n.type),
      params,
    ),
  );
}

/** Applies `prim` where the caller guarantees well-typed inputs (autodiff rules, passes). */
export function op<P extends Prim>(prim: P, params: PrimParamMap[P], inputs: readonly Node[]): OpNode<P> {
  const r = tryOp(prim, params, inputs);
  if (E.isLeft(r)) throw new InternalError(r.left);
  return r.right;
}

/** Rebuilds a node with new inputs of the same types. */
export function withInputs(node: Node, inputs: readonly Node[]): Node {
  if (inputs.every((n, i) => n === node.inputs[i])) return node;
  switch (node.kind) {
    case 'op':
      return rebuilding(node, () => op(node.prim, node.params, inputs));
    case 'custom':
      return rebuilding(node, () => customCall(node.rule, inputs));
    case 'param':
    case 'const':
      return node;
  }
}

export function customCall(rule: CustomNode['rule'], inputs: readonly Node[]): CustomNode {
  const type = rule.type(inputs.map((n) => n.type));
  if (E.isLeft(type)) throw new InternalError(type.left);
  return makeCustomNode(rule, inputs, type.right);
}

// ---- constants ----

export function constant(value: ArrayData, shape: Shape, dtype: DType): ConstNode {
  return makeConstNode(value, { shape, dtype });
}

export function scalar(value: number, dtype: DType): ConstNode {
  const data = allocHost(dtype, 1);
  data[0] = value;
  return makeConstNode(data, { shape: [], dtype });
}

/** `value` broadcast to `shape`. */
export function full(shape: Shape, value: number, dtype: DType): Node {
  const s = scalar(value, dtype);
  return shape.length === 0 ? s : op('broadcast', { shape }, [s]);
}

export const zerosLike = (n: Node): Node => full(n.type.shape, 0, n.type.dtype);

/** A scalar constant of the same dtype as `like`, broadcast to its shape. */
export const fullLike = (like: Node, value: number): Node => full(like.type.shape, value, like.type.dtype);

// ---- elementwise ----

export const neg = (x: Node): Node => op('neg', {}, [x]);
export const exp = (x: Node): Node => op('exp', {}, [x]);
export const log = (x: Node): Node => op('log', {}, [x]);
export const sqrt = (x: Node): Node => op('sqrt', {}, [x]);
export const recip = (x: Node): Node => op('recip', {}, [x]);
export const sin = (x: Node): Node => op('sin', {}, [x]);
export const cos = (x: Node): Node => op('cos', {}, [x]);
export const sign = (x: Node): Node => op('sign', {}, [x]);
export const add = (a: Node, b: Node): Node => op('add', {}, [a, b]);
export const sub = (a: Node, b: Node): Node => op('sub', {}, [a, b]);
export const mul = (a: Node, b: Node): Node => op('mul', {}, [a, b]);
export const div = (a: Node, b: Node): Node => op('div', {}, [a, b]);
export const pow = (a: Node, b: Node): Node => op('pow', {}, [a, b]);
export const less = (a: Node, b: Node): Node => op('less', {}, [a, b]);
export const equal = (a: Node, b: Node): Node => op('equal', {}, [a, b]);
export const where = (c: Node, a: Node, b: Node): Node => op('where', {}, [c, a, b]);
export const cast = (x: Node, dtype: DType): Node => (x.type.dtype === dtype ? x : op('cast', { dtype }, [x]));

/**
 * i32 indices read through a run-time check against [0, bound) that blames `blame` (a gather's
 * indices by default); a node already checked against the same bound is kept, with its blame.
 */
export const checkIndex = (idx: Node, bound: number, blame: IndexBlame = gatherBlame): Node =>
  idx.kind === 'op' && idx.prim === 'checkIndex' && (idx as OpNode<'checkIndex'>).params.bound === bound
    ? idx
    : op('checkIndex', { bound, fn: blame.fn, arg: blame.arg }, [idx]);

/** `x * value` with `value` a scalar of x's dtype. */
export const scale = (x: Node, value: number): Node => mul(x, fullLike(x, value));

// ---- reductions and movement ----

export const sum = (x: Node, axes: readonly number[]): Node => (axes.length === 0 ? x : op('sum', { axes }, [x]));

export const reshape = (x: Node, shape: Shape): Node =>
  shapeEq(x.type.shape, shape) ? x : op('reshape', { shape }, [x]);

export const broadcast = (x: Node, shape: Shape): Node =>
  shapeEq(x.type.shape, shape) ? x : op('broadcast', { shape }, [x]);

/** Reshapes a reduction result back to rank `shape` with size-1 reduced axes, then broadcasts. */
export function expandReduced(x: Node, axes: readonly number[], shape: Shape): Node {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return broadcast(reshape(x, kept), shape);
}

/** Sums `x` (of shape `shape`) down to `target`, undoing a numpy broadcast. */
export function sumTo(x: Node, target: Shape): Node {
  const shape = x.type.shape;
  const lead = shape.length - target.length;
  const axes = shape.map((_, i) => i).filter((i) => i < lead || (target[i - lead] === 1 && shape[i] !== 1));
  return reshape(sum(x, axes), target);
}

export const transpose = (x: Node, perm: readonly number[]): Node =>
  perm.every((p, i) => p === i) ? x : op('transpose', { perm }, [x]);

/** Swaps the last two axes. */
export function transposeLast2(x: Node): Node {
  const r = x.type.shape.length;
  const perm = x.type.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
  return transpose(x, perm);
}

export const inversePermutation = (perm: readonly number[]): number[] => {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
};

export const isEmpty = (n: Node): boolean => sizeOf(n.type.shape) === 0;
