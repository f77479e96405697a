/** @file Movement ops: reshape, broadcast, transpose, slice, pad, flip, concat, stack, gather, take. */
import { either as E } from 'fp-ts';
import { fail, fromIrError, ShapeError, ValueError } from '../../errors.js';
import * as B from '../../ir/build.js';
import type { DType } from '../../ir/dtype.js';
import { formatShape, isValidDim, normalizeAxes, normalizeAxis, shapeEq, sizeOf } from '../../ir/shape.js';
import { applyOp, describe, requireTensor, wrap } from '../apply.js';
import type { ShapeT } from '../shapeTypes.js';
import type { Tensor } from '../tensor.js';

function axisOf(fn: string, arg: string, axis: number, rank: number): number {
  const r = normalizeAxis(fn, arg, axis, rank);
  if (E.isLeft(r)) throw fromIrError(r.left, fn);
  return r.right;
}

function axesOf(fn: string, axes: readonly number[], rank: number): readonly number[] {
  const r = normalizeAxes(fn, 'axes', axes, rank);
  if (E.isLeft(r)) throw fromIrError(r.left, fn);
  return r.right;
}

/** A new shape with the same number of elements; one dim may be −1 (inferred). */
export function reshape<const S extends readonly number[], D extends DType>(
  x: Tensor<ShapeT, D>,
  shape: S,
): Tensor<S, D> {
  const fn = 'reshape';
  const t = requireTensor(fn, 'x', x);
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => d === -1 || isValidDim(d)) ||
    shape.filter((d) => d === -1).length > 1
  ) {
    fail(ShapeError, fn, 'shape', 'non-negative integer dims with at most one -1', describe(shape));
  }
  const known = sizeOf(shape.filter((d) => d !== -1));
  const inferred = shape.includes(-1) ? (known === 0 ? -1 : t.size / known) : 0;
  if (shape.includes(-1) && !Number.isInteger(inferred)) {
    fail(
      ShapeError,
      fn,
      'shape',
      `a shape whose -1 divides ${t.size} elements (x ${formatShape(t.shape)})`,
      formatShape(shape),
    );
  }
  const dims = shape.map((d) => (d === -1 ? inferred : d));
  return (
    t.rank === dims.length && dims.every((d, i) => d === t.shape[i])
      ? t
      : applyOp(fn, 'reshape', { shape: dims }, [t.node])
  ) as Tensor<S, D>;
}

/** Broadcasts to `shape` by the numpy rule (no copy is made until a kernel reads it). */
export function broadcastTo<const S extends readonly number[], D extends DType>(
  x: Tensor<ShapeT, D>,
  shape: S,
): Tensor<S, D> {
  const t = requireTensor('broadcastTo', 'x', x);
  if (!Array.isArray(shape) || !shape.every(isValidDim))
    fail(ShapeError, 'broadcastTo', 'shape', 'non-negative integer dims', describe(shape));
  return (shapeEq(t.shape, shape) ? t : applyOp('broadcastTo', 'broadcast', { shape }, [t.node])) as Tensor<S, D>;
}

/** Inserts a size-1 axis at `axis`. */
export function expandDims<D extends DType>(x: Tensor<ShapeT, D>, axis: number): Tensor<ShapeT, D> {
  const t = requireTensor('expandDims', 'x', x);
  const a = axisOf('expandDims', 'axis', axis, t.rank + 1);
  return reshape(t, [...t.shape.slice(0, a), 1, ...t.shape.slice(a)]) as never;
}

/** Removes size-1 axes (all of them, or the given ones, which must have size 1). */
export function squeeze<D extends DType>(x: Tensor<ShapeT, D>, axes?: number | readonly number[]): Tensor<ShapeT, D> {
  const fn = 'squeeze';
  const t = requireTensor(fn, 'x', x);
  const drop =
    axes === undefined
      ? t.shape.flatMap((d, i) => (d === 1 ? [i] : []))
      : axesOf(fn, typeof axes === 'number' ? [axes] : axes, t.rank);
  const bad = drop.find((a) => t.shape[a] !== 1);
  if (bad !== undefined)
    fail(ShapeError, fn, 'axes', `axes of size 1 in ${formatShape(t.shape)}`, `axis ${bad} of size ${t.shape[bad]}`);
  return reshape(
    t,
    t.shape.filter((_, i) => !drop.includes(i)),
  ) as never;
}

/** Permutes axes (reverses them when `perm` is omitted). */
export function transpose<D extends DType>(x: Tensor<ShapeT, D>, perm?: readonly number[]): Tensor<ShapeT, D> {
  const t = requireTensor('transpose', 'x', x);
  const p = perm ?? t.shape.map((_, i) => t.rank - 1 - i);
  return applyOp('transpose', 'transpose', { perm: p.map((a) => (a < 0 ? a + t.rank : a)) }, [t.node]) as Tensor<
    ShapeT,
    D
  >;
}

/** Moves one axis to a new position. */
export function moveAxis<D extends DType>(
  x: Tensor<ShapeT, D>,
  source: number,
  destination: number,
): Tensor<ShapeT, D> {
  const t = requireTensor('moveAxis', 'x', x);
  const s = axisOf('moveAxis', 'source', source, t.rank);
  const d = axisOf('moveAxis', 'destination', destination, t.rank);
  const rest = t.shape.map((_, i) => i).filter((i) => i !== s);
  rest.splice(d, 0, s);
  return transpose(t, rest) as never;
}

/**
 * The sub-tensor `start ≤ i < end` on each axis (negative bounds count from the end; `null` or a
 * missing entry means the whole axis). Bounds outside the axis are an error, never clipped.
 */
export function slice<D extends DType>(
  x: Tensor<ShapeT, D>,
  start: readonly (number | null)[],
  end: readonly (number | null)[] = [],
): Tensor<ShapeT, D> {
  const fn = 'slice';
  const t = requireTensor(fn, 'x', x);
  if (start.length > t.rank || end.length > t.rank) {
    fail(
      ShapeError,
      fn,
      'start',
      `at most ${t.rank} bounds (x ${formatShape(t.shape)})`,
      `${Math.max(start.length, end.length)}`,
    );
  }
  const bound = (arg: string, v: number | null | undefined, dim: number, dflt: number, axis: number): number => {
    if (v === null || v === undefined) return dflt;
    if (!Number.isInteger(v) || v < -dim || v > dim)
      fail(ValueError, fn, arg, `integers in [${-dim}, ${dim}] on axis ${axis}`, String(v));
    return v < 0 ? v + dim : v;
  };
  const s = t.shape.map((d, i) => bound('start', start[i], d, 0, i));
  const e = t.shape.map((d, i) => bound('end', end[i], d, d, i));
  return applyOp(fn, 'slice', { start: s, end: e }, [t.node]) as Tensor<ShapeT, D>;
}

const isList = (v: unknown): boolean => Array.isArray(v);

/** Zero padding: `pads[i] = [before, after]` for axis i (missing axes are not padded). */
export function pad<D extends DType>(
  x: Tensor<ShapeT, D>,
  pads: readonly (readonly [number, number])[],
): Tensor<ShapeT, D> {
  const fn = 'pad';
  const t = requireTensor(fn, 'x', x);
  if (!isList(pads) || pads.length > t.rank)
    fail(ShapeError, fn, 'pads', `at most ${t.rank} [before, after] pairs`, describe(pads));
  const lo = t.shape.map((_, i) => pads[i]?.[0] ?? 0);
  const hi = t.shape.map((_, i) => pads[i]?.[1] ?? 0);
  return applyOp(fn, 'pad', { lo, hi }, [t.node]) as Tensor<ShapeT, D>;
}

/** Reverses the order of elements along the axes (all axes when omitted). */
export function flip<S extends ShapeT, D extends DType>(
  x: Tensor<S, D>,
  axes?: number | readonly number[],
): Tensor<S, D> {
  const t = requireTensor('flip', 'x', x);
  const list = axes === undefined ? t.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : axes;
  return applyOp('flip', 'flip', { axes: axesOf('flip', list, t.rank) }, [t.node]) as Tensor<S, D>;
}

/** Joins tensors along an existing axis. */
export function concat<D extends DType>(tensors: readonly Tensor<ShapeT, D>[], axis = 0): Tensor<ShapeT, D> {
  const fn = 'concat';
  if (!Array.isArray(tensors) || tensors.length === 0)
    fail(ValueError, fn, 'tensors', 'a non-empty array of tensors', describe(tensors));
  const ts = tensors.map((t, i) => requireTensor(fn, `tensors[${i}]`, t));
  const first = ts[0] as Tensor;
  const a = axisOf(fn, 'axis', axis, first.rank);
  return (
    ts.length === 1
      ? first
      : applyOp(
          fn,
          'concat',
          { axis: a },
          ts.map((t) => t.node),
        )
  ) as Tensor<ShapeT, D>;
}

/** Joins tensors of one shape along a new axis. */
export function stack<D extends DType>(tensors: readonly Tensor<ShapeT, D>[], axis = 0): Tensor<ShapeT, D> {
  const fn = 'stack';
  if (!Array.isArray(tensors) || tensors.length === 0)
    fail(ValueError, fn, 'tensors', 'a non-empty array of tensors', describe(tensors));
  const ts = tensors.map((t, i) => requireTensor(fn, `tensors[${i}]`, t));
  const rank = (ts[0] as Tensor).rank;
  const a = axisOf(fn, 'axis', axis, rank + 1);
  ts.forEach((t, i) => {
    if (t.rank !== rank || !t.shape.every((d, j) => d === (ts[0] as Tensor).shape[j])) {
      fail(
        ShapeError,
        fn,
        `tensors[${i}]`,
        `shape ${formatShape((ts[0] as Tensor).shape)} (all tensors alike)`,
        formatShape(t.shape),
      );
    }
  });
  return concat(
    ts.map((t) => expandDims(t, a)),
    a,
  ) as Tensor<ShapeT, D>;
}

/**
 * `out[..., j, ...] = x[..., indices[..., j, ...], ...]` along `axis` (PyTorch `gather`,
 * numpy `take_along_axis`). `indices` is i32 with x's rank and x's dims off the axis; an index
 * outside [0, n) is an IndexError when the values are computed.
 */
export function gather<D extends DType>(
  x: Tensor<ShapeT, D>,
  indices: Tensor,
  options: { readonly axis?: number } = {},
): Tensor<ShapeT, D> {
  const fn = 'gather';
  const t = requireTensor(fn, 'x', x);
  const idx = requireTensor(fn, 'indices', indices);
  const axis = axisOf(fn, 'axis', options.axis ?? -1, t.rank);
  return applyOp(fn, 'gather', { axis }, [t.node, idx.node]) as Tensor<ShapeT, D>;
}

/** Selects entries along `axis` with a 1-D i32 index vector (a permutation, a subset, repeats allowed). */
export function take<D extends DType>(
  x: Tensor<ShapeT, D>,
  indices: Tensor,
  options: { readonly axis?: number } = {},
): Tensor<ShapeT, D> {
  const fn = 'take';
  const t = requireTensor(fn, 'x', x);
  const idx = requireTensor(fn, 'indices', indices);
  if (idx.rank !== 1) fail(ShapeError, fn, 'indices', 'a 1-D index vector', formatShape(idx.shape));
  const axis = axisOf(fn, 'axis', options.axis ?? 0, t.rank);
  const shape = t.shape.map((d, i) => (i === axis ? idx.size : d));
  const spread = B.broadcast(
    B.reshape(
      idx.node,
      t.shape.map((_, i) => (i === axis ? idx.size : 1)),
    ),
    shape,
  );
  return applyOp(fn, 'gather', { axis }, [t.node, spread]) as Tensor<ShapeT, D>;
}

/** Cumulative sum along `axis` (from the end when `reverse`; `exclusive` leaves out the element itself). */
export function cumsum<S extends ShapeT, D extends DType>(
  x: Tensor<S, D>,
  options: { readonly axis?: number; readonly reverse?: boolean; readonly exclusive?: boolean } = {},
): Tensor<S, D> {
  const fn = 'cumsum';
  const t = requireTensor(fn, 'x', x);
  const axis = axisOf(fn, 'axis', options.axis ?? -1, t.rank);
  const reverse = options.reverse ?? false;
  const inclusive = applyOp(fn, 'cumsum', { axis, reverse }, [t.node]);
  if (options.exclusive !== true) return inclusive as Tensor<S, D>;
  // Shift by one along the axis (exact, unlike subtracting x), filling with 0.
  const n = t.shape[axis] as number;
  if (n === 0) return inclusive as Tensor<S, D>;
  const start = t.shape.map((_, i) => (i === axis && reverse ? 1 : 0));
  const end = t.shape.map((d, i) => (i === axis && !reverse ? n - 1 : d));
  const kept = B.op('slice', { start, end }, [inclusive.node]);
  const lo = t.shape.map((_, i) => (i === axis && !reverse ? 1 : 0));
  const hi = t.shape.map((_, i) => (i === axis && reverse ? 1 : 0));
  return wrap(B.op('pad', { lo, hi }, [kept])) as Tensor<S, D>;
}

/** Index values 0..n−1 along `axis`, broadcast over `shape`. */
export function iota<D extends DType = 'i32'>(shape: readonly number[], axis: number, dtype?: D): Tensor<ShapeT, D> {
  return applyOp(
    'iota',
    'iota',
    { shape, axis: axis < 0 ? axis + shape.length : axis, dtype: dtype ?? 'i32' },
    [],
  ) as Tensor<ShapeT, D>;
}
