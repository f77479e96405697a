/** @file The composites' cross-argument checks (after each argument passed its schema): same dtype, same or broadcastable shapes, and broadcast pairs. */
import { either as E } from 'fp-ts';
import { DTypeError, fail, fromIrError, ShapeError } from '../errors.js';
import { broadcastShapes, formatShape, type Shape } from '../ir/shape.js';
import { broadcastTo } from '../trace/ops/movement.js';
import type { Tensor } from '../trace/tensor.js';

/** Rejects `other` (argument `arg`) unless it has `base`'s dtype (`base` is argument `baseArg`). */
export function requireSameDType(fn: string, arg: string, other: Tensor, baseArg: string, base: Tensor): void {
  if (other.dtype !== base.dtype)
    fail(DTypeError, fn, arg, `a ${base.dtype} tensor (the dtype of ${baseArg})`, `dtype ${other.dtype}`);
}

/** Rejects `other` (argument `arg`) unless it has `base`'s shape (`base` is argument `baseArg`). */
export function requireSameShape(fn: string, arg: string, other: Tensor, baseArg: string, base: Tensor): void {
  if (other.rank !== base.rank || other.shape.some((d, i) => d !== base.shape[i]))
    fail(ShapeError, fn, arg, `shape ${formatShape(base.shape)} (the shape of ${baseArg})`, formatShape(other.shape));
}

/** Rejects `other` (argument `arg`) unless its shape broadcasts with `base`'s; returns the broadcast shape. */
export function requireBroadcast(fn: string, arg: string, other: Tensor, base: Tensor): Shape {
  const r = broadcastShapes(fn, base.shape, other.shape, arg);
  if (E.isLeft(r)) throw fromIrError(r.left, fn);
  return r.right;
}

/** `base` and `other` (arguments `baseArg` and `arg`) of one dtype, both broadcast to their common shape, for an elementwise rule that needs equal shapes. */
export function broadcastPair(fn: string, baseArg: string, base: Tensor, arg: string, other: Tensor): [Tensor, Tensor] {
  requireSameDType(fn, arg, other, baseArg, base);
  const shape = requireBroadcast(fn, arg, other, base);
  return [broadcastTo(base, shape), broadcastTo(other, shape)];
}
