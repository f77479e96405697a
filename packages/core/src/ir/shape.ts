/** @file Runtime shapes: sizes, strides, broadcasting and axis normalisation. */
import { either as E } from 'fp-ts';
import { type IrError, irError } from './irError.js';

/** A runtime shape: non-negative integer dims, outermost first. */
export type Shape = readonly number[];

export const sizeOf = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

export const shapeEq = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

export const formatShape = (shape: Shape): string => `[${shape.join(', ')}]`;

/** Row-major strides of a contiguous array of this shape. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i] ?? 1;
  }
  return strides;
}

export const isValidDim = (d: unknown): d is number => typeof d === 'number' && Number.isInteger(d) && d >= 0;

/** Checks that every dim of a shape is a non-negative integer. */
export function checkShape(op: string, arg: string, shape: readonly unknown[]): E.Either<IrError, Shape> {
  return shape.every(isValidDim)
    ? E.right(shape)
    : E.left(
        irError('ShapeMismatch', op, arg, 'a shape of non-negative integers', `[${shape.map(String).join(', ')}]`),
      );
}

/** Numpy broadcasting of two shapes (right-aligned; each pair of dims equal or one of them 1). */
export function broadcastShapes(op: string, a: Shape, b: Shape, argB = 'b'): E.Either<IrError, Shape> {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      return E.left(
        irError(
          'ShapeMismatch',
          op,
          argB,
          `a shape broadcast-compatible with ${formatShape(a)} (dim ${i - rank} is ${da})`,
          formatShape(b),
        ),
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return E.right(out);
}

/** Maps a possibly negative axis into [0, rank). */
export function normalizeAxis(op: string, arg: string, axis: number, rank: number): E.Either<IrError, number> {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    return E.left(
      irError(
        'AxisOutOfRange',
        op,
        arg,
        rank === 0 ? 'no axis (the tensor is a scalar)' : `an integer axis in [${-rank}, ${rank - 1}]`,
        String(axis),
      ),
    );
  }
  return E.right(axis < 0 ? axis + rank : axis);
}

/** Normalises a list of axes, rejecting duplicates; the result is sorted ascending. */
export function normalizeAxes(
  op: string,
  arg: string,
  axes: readonly number[],
  rank: number,
): E.Either<IrError, readonly number[]> {
  const out: number[] = [];
  for (const axis of axes) {
    const r = normalizeAxis(op, arg, axis, rank);
    if (E.isLeft(r)) return r;
    if (out.includes(r.right)) {
      return E.left(
        irError('AxisOutOfRange', op, arg, 'distinct axes', `[${axes.join(', ')}] (axis ${axis} repeated)`),
      );
    }
    out.push(r.right);
  }
  return E.right(out.sort((x, y) => x - y));
}
