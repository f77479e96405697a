/** @file Type rules of the view, movement and gather primitives: reshape, broadcast, transpose, slice, pad, flip, concat, gather. */
import { either as E } from 'fp-ts';
import { irError } from '../irError.js';
import type { TensorType } from '../node.js';
import type { PrimOfKind } from '../primInfo.js';
import { checkShape, formatShape, type Shape, sizeOf } from '../shape.js';
import { arity, checkAxes, fmtType, perAxis, type TypeRule } from './common.js';

const isPermutation = (perm: readonly number[], rank: number): boolean =>
  perm.length === rank && [...perm].sort((a, b) => a - b).every((p, i) => p === i);

/** Output dims of a broadcast from `from` to `to` (numpy rule, right-aligned). */
function broadcastable(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const offset = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[i + offset]);
}

export const movementRules: { [P in PrimOfKind<'view' | 'movement' | 'gather'>]: TypeRule<P> } = {
  reshape: (inputs, { shape }) => {
    const r = arity('reshape', inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    const s = checkShape('reshape', 'shape', shape);
    if (E.isLeft(s)) return s;
    return sizeOf(shape) === sizeOf(x.shape)
      ? E.right({ shape, dtype: x.dtype })
      : E.left(
          irError(
            'ShapeMismatch',
            'reshape',
            'shape',
            `a shape with ${sizeOf(x.shape)} elements (input ${fmtType(x)})`,
            `${formatShape(shape)} (${sizeOf(shape)} elements)`,
          ),
        );
  },
  broadcast: (inputs, { shape }) => {
    const r = arity('broadcast', inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    const s = checkShape('broadcast', 'shape', shape);
    if (E.isLeft(s)) return s;
    return broadcastable(x.shape, shape)
      ? E.right({ shape, dtype: x.dtype })
      : E.left(
          irError(
            'ShapeMismatch',
            'broadcast',
            'shape',
            `a shape that ${formatShape(x.shape)} broadcasts to`,
            formatShape(shape),
          ),
        );
  },
  transpose: (inputs, { perm }) => {
    const r = arity('transpose', inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    return isPermutation(perm, x.shape.length)
      ? E.right({ shape: perm.map((p) => x.shape[p] as number), dtype: x.dtype })
      : E.left(
          irError(
            'InvalidParam',
            'transpose',
            'perm',
            `a permutation of [0, ${x.shape.length})`,
            `[${perm.join(', ')}]`,
          ),
        );
  },
  slice: (inputs, { start, end }) => {
    const r = arity('slice', inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    const rank = x.shape.length;
    const s = perAxis('slice', 'start', start, rank);
    if (E.isLeft(s)) return s;
    const e = perAxis('slice', 'end', end, rank);
    if (E.isLeft(e)) return e;
    const bad = x.shape.findIndex((d, i) => (start[i] as number) > (end[i] as number) || (end[i] as number) > d);
    return bad >= 0
      ? E.left(
          irError(
            'InvalidParam',
            'slice',
            'end',
            `0 <= start <= end <= dim on every axis of ${formatShape(x.shape)}`,
            `axis ${bad}: start ${start[bad]}, end ${end[bad]}`,
          ),
        )
      : E.right({ shape: x.shape.map((_, i) => (end[i] as number) - (start[i] as number)), dtype: x.dtype });
  },
  pad: (inputs, { lo, hi }) => {
    const r = arity('pad', inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    const l = perAxis('pad', 'lo', lo, x.shape.length);
    if (E.isLeft(l)) return l;
    const h = perAxis('pad', 'hi', hi, x.shape.length);
    if (E.isLeft(h)) return h;
    return E.right({ shape: x.shape.map((d, i) => d + (lo[i] as number) + (hi[i] as number)), dtype: x.dtype });
  },
  flip: (inputs, { axes }) => {
    const r = arity('flip', inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    return E.map(() => x)(checkAxes('flip', axes, x.shape.length));
  },
  concat: (inputs, { axis }) => {
    const first = inputs[0];
    if (first === undefined) return E.left(irError('InvalidParam', 'concat', 'tensors', 'at least one tensor', 'none'));
    const rank = first.shape.length;
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
      return E.left(irError('AxisOutOfRange', 'concat', 'axis', `an axis in [0, ${rank})`, String(axis)));
    }
    let total = 0;
    for (const [k, t] of inputs.entries()) {
      if (t.dtype !== first.dtype) {
        return E.left(irError('DTypeMismatch', 'concat', `tensors[${k}]`, `dtype ${first.dtype}`, t.dtype));
      }
      const fits = t.shape.length === rank && t.shape.every((d, i) => i === axis || d === first.shape[i]);
      if (!fits) {
        return E.left(
          irError(
            'ShapeMismatch',
            'concat',
            `tensors[${k}]`,
            `shape ${formatShape(first.shape.map((d, i) => (i === axis ? NaN : d)))} with any size on axis ${axis}`.replace(
              'NaN',
              '*',
            ),
            formatShape(t.shape),
          ),
        );
      }
      total += t.shape[axis] as number;
    }
    return E.right({ shape: first.shape.map((d, i) => (i === axis ? total : d)), dtype: first.dtype });
  },
  gather: (inputs, { axis }) => {
    const r = arity('gather', inputs, 2);
    if (E.isLeft(r)) return r;
    const [x, idx] = r.right as [TensorType, TensorType];
    const rank = x.shape.length;
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
      return E.left(
        irError(
          'AxisOutOfRange',
          'gather',
          'axis',
          rank === 0 ? 'no axis (x is a scalar)' : `an axis in [0, ${rank})`,
          String(axis),
        ),
      );
    }
    if (idx.dtype !== 'i32')
      return E.left(irError('DTypeMismatch', 'gather', 'indices', 'dtype i32 (integer class indices)', idx.dtype));
    const fits = idx.shape.length === rank && idx.shape.every((d, i) => i === axis || d === x.shape[i]);
    if (!fits) {
      return E.left(
        irError(
          'ShapeMismatch',
          'gather',
          'indices',
          `rank ${rank} with the dims of x ${formatShape(x.shape)} off axis ${axis}`,
          formatShape(idx.shape),
        ),
      );
    }
    if (x.shape[axis] === 0 && sizeOf(idx.shape) > 0) {
      return E.left(
        irError(
          'IndexOutOfRange',
          'gather',
          'indices',
          `no indices (x has size 0 on axis ${axis})`,
          formatShape(idx.shape),
        ),
      );
    }
    return E.right({ shape: idx.shape, dtype: x.dtype });
  },
};
