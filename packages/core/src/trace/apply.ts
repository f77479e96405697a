/** @file Applying primitives to tensors: type-check, build the node, and compute it now when concrete. */
import { either as E } from 'fp-ts';
import { fail, fromIrError, ValueError } from '../errors.js';
import * as B from '../ir/build.js';
import type { DType } from '../ir/dtype.js';
import type { Node } from '../ir/node.js';
import type { Prim, PrimParamMap } from '../ir/prim.js';
import { applyingOp } from '../ir/provenance.js';
import { evaluateNodes, Tensor } from './tensor.js';

/** A tensor, or a JS literal that takes the dtype of the tensor it meets. */
export type TensorLike = Tensor | number | boolean;

/** Wraps a node as a tensor, computing it at once when it does not depend on a traced value. */
export function wrap(node: Node): Tensor {
  if (node.symbolic || node.kind === 'const') return new Tensor(node);
  return new Tensor(evaluateNodes([node])[0] as Node);
}

/** Applies `prim` to nodes on behalf of the public function `fn` (its name goes into errors). */
export function applyOp<P extends Prim>(fn: string, prim: P, params: PrimParamMap[P], inputs: readonly Node[]): Tensor {
  const r = applyingOp(fn, () => B.tryOp(prim, params, inputs));
  if (E.isLeft(r)) throw fromIrError(r.left, fn);
  return wrap(r.right);
}

const F32_MAX = 3.4028234663852886e38;

/** A JS literal as a scalar node of `dtype`, rejecting values the dtype cannot hold. */
export function literal(fn: string, arg: string, v: number | boolean, dtype: DType): Node {
  if (typeof v === 'boolean') {
    if (dtype !== 'bool') fail(ValueError, fn, arg, `a number for a ${dtype} tensor`, String(v));
    return B.scalar(v ? 1 : 0, 'bool');
  }
  if (typeof v !== 'number') fail(ValueError, fn, arg, 'a Tensor, number or boolean', typeof v);
  checkValue(fn, arg, v, dtype);
  return B.scalar(v, dtype);
}

/** Rejects a number `dtype` cannot represent (non-integers in i32, f32 overflow...). */
export function checkValue(fn: string, arg: string, v: number, dtype: DType, where = ''): void {
  switch (dtype) {
    case 'i32':
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
        fail(ValueError, fn, arg, 'integers in the i32 range', `${String(v)}${where}`);
      }
      return;
    case 'bool':
      if (v !== 0 && v !== 1) fail(ValueError, fn, arg, 'booleans (or 0/1)', `${String(v)}${where}`);
      return;
    case 'f32':
      if (Number.isFinite(v) && Math.abs(v) > F32_MAX && Math.abs(Math.fround(v)) === Infinity) {
        fail(ValueError, fn, arg, 'values within the f32 range (about ±3.4e38)', `${String(v)}${where}`);
      }
      return;
    case 'f64':
      return;
  }
}

/** The node behind a tensor-like argument; literals take `dtype`. */
export function nodeOf(fn: string, arg: string, x: TensorLike, dtype: DType): Node {
  if (x instanceof Tensor) return x.node;
  return literal(fn, arg, x, dtype);
}

/** Rejects anything that is not a Tensor where a Tensor is required. */
export function requireTensor(fn: string, arg: string, x: unknown): Tensor {
  if (x instanceof Tensor) return x as Tensor;
  return fail(ValueError, fn, arg, 'a Tensor', describe(x));
}

export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array (wrap it with x.tensor)';
  switch (typeof x) {
    case 'object':
      return `an object (${x.constructor.name})`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'string':
      return `string ${x}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof x} ${x.toString()}`;
    case 'undefined':
      return 'undefined';
  }
  return typeof x;
}

/** The dtype literals take when they meet these operands: the first tensor's, else f32 (bool for booleans). */
export function operandDType(xs: readonly TensorLike[]): DType {
  for (const x of xs) if (x instanceof Tensor) return x.dtype;
  return xs.every((x) => typeof x === 'boolean') ? 'bool' : 'f32';
}

/** Applies a primitive directly to tensors (for tests and new composites; ops are the usual interface). */
export function primitive<P extends Prim>(prim: P, params: PrimParamMap[P], ...inputs: readonly Tensor[]): Tensor {
  return applyOp(
    prim,
    prim,
    params,
    inputs.map((t, i) => requireTensor(prim, `inputs[${i}]`, t).node),
  );
}
