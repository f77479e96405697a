/** @file Applying primitives to tensors: type-check, build the node, and compute it now when concrete. */
import { either as E } from 'fp-ts';
import { fail, fromIrError, ResourceError, ValueError } from '../errors.js';
import * as B from '../ir/build.js';
import type { DType } from '../ir/dtype.js';
import type { Node } from '../ir/node.js';
import type { Prim, PrimParamMap } from '../ir/prim.js';
import { applyingOp } from '../ir/provenance.js';
import { describe } from '../validate/describe.js';
import { evaluateNodes, Tensor } from './tensor.js';

export { describe };

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
  try {
    return wrap(r.right);
  } catch (e) {
    // a backend refuses eager work over its limits as `run`; the user called `fn`
    throw e instanceof ResourceError && e.fn === 'run' ? e.calledBy(fn) : e;
  }
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
