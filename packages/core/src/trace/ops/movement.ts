/** @file Movement ops: reshape, broadcast, transpose, slice, pad, flip, concat, stack, gather, take. */
import { either as E } from 'fp-ts';
import { DTypeError, fail, fromIrError, IndexError, ShapeError, ValueError } from '../../errors.js';
import * as B from '../../ir/build.js';
import type { DType } from '../../ir/dtype.js';
import { formatShape, isValidDim, normalizeAxes, normalizeAxis, shapeEq, sizeOf } from '../../ir/shape.js';
import { publicFn } from '../../validate/publicFn.js';
import * as s from '../../validate/schemas.js';
import { applyOp, wrap } from '../apply.js';
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

const isReshapeTarget = (v: unknown): v is readonly number[] =>
  Array.isArray(v) &&
  Object.keys(v).length === v.length &&
  v.every((d) => d === -1 || isValidDim(d)) &&
  v.filter((d) => d === -1).length <= 1;

/** A reshape target: a shape whose one dim may be −1. */
const reshapeTarget = s.custom(
  'a shape (an array of non-negative integers, at most one of them -1)',
  isReshapeTarget,
  () => [-1],
  ShapeError,
);

/** A new shape with the same number of elements; one dim may be −1 (inferred). */
export const reshape = publicFn('reshape', { x: s.tensor(), shape: reshapeTarget }, reshapeImpl);

function reshapeImpl<const S extends readonly number[], D extends DType>(x: Tensor<ShapeT, D>, shape: S): Tensor<S, D> {
  const fn = 'reshape';
  const t: Tensor = x;
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
export const broadcastTo = publicFn(
  'broadcastTo',
  { x: s.tensor(), shape: s.shape },
  <const S extends readonly number[], D extends DType>(x: Tensor<ShapeT, D>, shape: S): Tensor<S, D> =>
    (shapeEq(x.shape, shape) ? x : applyOp('broadcastTo', 'broadcast', { shape }, [x.node])) as Tensor<S, D>,
);

/** Inserts a size-1 axis at `axis`. */
export const expandDims = publicFn(
  'expandDims',
  { x: s.tensor(), axis: s.axis },
  <D extends DType>(x: Tensor<ShapeT, D>, axis: number): Tensor<ShapeT, D> => {
    const a = axisOf('expandDims', 'axis', axis, x.rank + 1);
    const shape = [...x.shape.slice(0, a), 1, ...x.shape.slice(a)];
    return applyOp('expandDims', 'reshape', { shape }, [x.node]) as Tensor<ShapeT, D>;
  },
);

/** Removes size-1 axes (all of them, or the given ones, which must have size 1). */
export const squeeze = publicFn(
  'squeeze',
  { x: s.tensor(), axes: s.optional(s.axes) },
  <D extends DType>(x: Tensor<ShapeT, D>, axes?: number | readonly number[]): Tensor<ShapeT, D> => {
    const fn = 'squeeze';
    const t: Tensor = x;
    const drop =
      axes === undefined
        ? t.shape.flatMap((d, i) => (d === 1 ? [i] : []))
        : axesOf(fn, typeof axes === 'number' ? [axes] : axes, t.rank);
    const bad = drop.find((a) => t.shape[a] !== 1);
    if (bad !== undefined)
      fail(ShapeError, fn, 'axes', `axes of size 1 in ${formatShape(t.shape)}`, `axis ${bad} of size ${t.shape[bad]}`);
    if (drop.length === 0) return x;
    const shape = t.shape.filter((_, i) => !drop.includes(i));
    return applyOp(fn, 'reshape', { shape }, [t.node]) as Tensor<ShapeT, D>;
  },
);

/** Permutes axes (reverses them when `perm` is omitted; negative axes count from the end). */
export const transpose = publicFn(
  'transpose',
  { x: s.tensor(), perm: s.optional(s.array(s.number({ integer: true }))) },
  <D extends DType>(x: Tensor<ShapeT, D>, perm?: readonly number[]): Tensor<ShapeT, D> => {
    const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
    return applyOp('transpose', 'transpose', { perm: p.map((a) => (a < 0 ? a + x.rank : a)) }, [x.node]) as Tensor<
      ShapeT,
      D
    >;
  },
);

/** Moves one axis to a new position. */
export const moveAxis = publicFn(
  'moveAxis',
  { x: s.tensor(), source: s.axis, destination: s.axis },
  <D extends DType>(x: Tensor<ShapeT, D>, source: number, destination: number): Tensor<ShapeT, D> => {
    const src = axisOf('moveAxis', 'source', source, x.rank);
    const dst = axisOf('moveAxis', 'destination', destination, x.rank);
    const rest = x.shape.map((_, i) => i).filter((i) => i !== src);
    rest.splice(dst, 0, src);
    return applyOp('moveAxis', 'transpose', { perm: rest }, [x.node]) as Tensor<ShapeT, D>;
  },
);

/** Per-axis slice bounds: integers, or null for the whole axis. */
const bounds = s.array(s.nullable(s.number({ integer: true })), { expected: 'an array of integers or nulls' });

/**
 * The sub-tensor `start ≤ i < end` on each axis (negative bounds count from the end; `null` or a
 * missing entry means the whole axis). Bounds outside the axis are an error, never clipped.
 */
export const slice = publicFn('slice', { x: s.tensor(), start: bounds, end: s.optional(bounds) }, sliceImpl);

function sliceImpl<D extends DType>(
  x: Tensor<ShapeT, D>,
  start: readonly (number | null)[],
  end: readonly (number | null)[] = [],
): Tensor<ShapeT, D> {
  const fn = 'slice';
  const t: Tensor = x;
  for (const [arg, list] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (list.length > t.rank)
      fail(ShapeError, fn, arg, `at most ${t.rank} bounds (x ${formatShape(t.shape)})`, `${list.length}`);
  }
  const bound = (arg: string, v: number | null | undefined, dim: number, dflt: number, axis: number): number => {
    if (v === null || v === undefined) return dflt;
    if (v < -dim || v > dim) fail(ValueError, fn, arg, `integers in [${-dim}, ${dim}] on axis ${axis}`, String(v));
    return v < 0 ? v + dim : v;
  };
  const lo = t.shape.map((d, i) => bound('start', start[i], d, 0, i));
  const hi = t.shape.map((d, i) => bound('end', end[i], d, d, i));
  return applyOp(fn, 'slice', { start: lo, end: hi }, [t.node]) as Tensor<ShapeT, D>;
}

const isPadPair = (v: unknown): v is readonly [number, number] =>
  Array.isArray(v) && v.length === 2 && 0 in v && 1 in v && v.every(isValidDim);

/** Padding sizes: one `[before, after]` pair per axis from the first. */
const pads = s.array(
  s.custom('a [before, after] pair of non-negative integers', isPadPair, (): readonly [number, number] => [0, 0]),
  {
    expected: 'an array of [before, after] pairs of non-negative integers, one per axis',
  },
);

/** Zero padding: `pads[i] = [before, after]` for axis i (missing trailing axes are not padded). */
export const pad = publicFn(
  'pad',
  { x: s.tensor(), pads },
  <D extends DType>(x: Tensor<ShapeT, D>, pads: readonly (readonly [number, number])[]): Tensor<ShapeT, D> => {
    const fn = 'pad';
    if (pads.length > x.rank)
      fail(
        ShapeError,
        fn,
        'pads',
        `at most ${x.rank} [before, after] pairs (x ${formatShape(x.shape)})`,
        `${pads.length} pairs`,
      );
    const lo = x.shape.map((_, i) => pads[i]?.[0] ?? 0);
    const hi = x.shape.map((_, i) => pads[i]?.[1] ?? 0);
    return applyOp(fn, 'pad', { lo, hi }, [x.node]) as Tensor<ShapeT, D>;
  },
);

/** Reverses the order of elements along the axes (all axes when omitted). */
export const flip = publicFn(
  'flip',
  { x: s.tensor(), axes: s.optional(s.axes) },
  <S extends ShapeT, D extends DType>(x: Tensor<S, D>, axes?: number | readonly number[]): Tensor<S, D> => {
    const list = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : axes;
    return applyOp('flip', 'flip', { axes: axesOf('flip', list, x.rank) }, [x.node]) as Tensor<S, D>;
  },
);

const tensorList = s.array(s.tensor(), { minLength: 1 });

/** Joins tensors along an existing axis. */
export const concat = publicFn(
  'concat',
  { tensors: tensorList, axis: s.optional(s.axis) },
  <D extends DType>(tensors: readonly Tensor<ShapeT, D>[], axis = 0): Tensor<ShapeT, D> =>
    join('concat', tensors, axis) as Tensor<ShapeT, D>,
);

/** `tensors` joined along existing `axis`, on behalf of `fn`. */
function join(fn: string, tensors: readonly Tensor[], axis: number): Tensor {
  const first = tensors[0] as Tensor;
  const a = axisOf(fn, 'axis', axis, first.rank);
  return tensors.length === 1
    ? first
    : applyOp(
        fn,
        'concat',
        { axis: a },
        tensors.map((t) => t.node),
      );
}

/** Joins tensors of one shape along a new axis. */
export const stack = publicFn(
  'stack',
  { tensors: tensorList, axis: s.optional(s.axis) },
  <D extends DType>(tensors: readonly Tensor<ShapeT, D>[], axis = 0): Tensor<ShapeT, D> => {
    const fn = 'stack';
    const first = tensors[0] as Tensor;
    const a = axisOf(fn, 'axis', axis, first.rank + 1);
    tensors.forEach((t, i) => {
      if (t.dtype !== first.dtype) fail(DTypeError, fn, `tensors[${i}]`, `dtype ${first.dtype}`, t.dtype);
      if (!shapeEq(t.shape, first.shape)) {
        fail(
          ShapeError,
          fn,
          `tensors[${i}]`,
          `shape ${formatShape(first.shape)} (all tensors alike)`,
          formatShape(t.shape),
        );
      }
    });
    const shape = [...first.shape.slice(0, a), 1, ...first.shape.slice(a)];
    return join(
      fn,
      tensors.map((t) => applyOp(fn, 'reshape', { shape }, [t.node])),
      a,
    ) as Tensor<ShapeT, D>;
  },
);

const axisOption = s.options({ axis: s.optional(s.axis) });

/**
 * `out[..., j, ...] = x[..., indices[..., j, ...], ...]` along `axis` (PyTorch `gather`,
 * numpy `take_along_axis`). `indices` is i32 with x's rank and x's dims off the axis; an index
 * outside [0, n) is an IndexError when the values are computed.
 */
export const gather = publicFn(
  'gather',
  { x: s.tensor(), indices: s.tensor({ dtype: ['i32'] }), options: axisOption },
  <D extends DType>(
    x: Tensor<ShapeT, D>,
    indices: Tensor,
    options: { readonly axis?: number } = {},
  ): Tensor<ShapeT, D> => {
    const axis = axisOf('gather', 'axis', options.axis ?? -1, x.rank);
    return applyOp('gather', 'gather', { axis }, [x.node, indices.node]) as Tensor<ShapeT, D>;
  },
);

/**
 * Selects entries along `axis` with a 1-D i32 index vector (a permutation, a subset, repeats
 * allowed); an index outside [0, n) is an IndexError.
 */
export const take = publicFn(
  'take',
  { x: s.tensor(), indices: s.tensor({ dtype: ['i32'], rank: 1 }), options: axisOption },
  <D extends DType>(
    x: Tensor<ShapeT, D>,
    indices: Tensor,
    options: { readonly axis?: number } = {},
  ): Tensor<ShapeT, D> => {
    const fn = 'take';
    const t: Tensor = x;
    const axis = axisOf(fn, 'axis', options.axis ?? 0, t.rank);
    const n = t.shape[axis] as number;
    if (!indices.isTraced && !indices.onDevice) {
      const values = indices.data();
      const bad = values.findIndex((j) => j < 0 || j >= n);
      if (bad >= 0) fail(IndexError, fn, 'indices', `values in [0, ${n})`, String(values[bad]));
    }
    const shape = t.shape.map((d, i) => (i === axis ? indices.size : d));
    // indices not checked here are checked as the program runs, blaming take
    const checked =
      indices.isTraced || indices.onDevice ? B.checkIndex(indices.node, n, { fn, arg: 'indices' }) : indices.node;
    const spread = B.broadcast(
      B.reshape(
        checked,
        t.shape.map((_, i) => (i === axis ? indices.size : 1)),
      ),
      shape,
    );
    return applyOp(fn, 'gather', { axis }, [t.node, spread]) as Tensor<ShapeT, D>;
  },
);

/** Cumulative sum along `axis` (from the end when `reverse`; `exclusive` leaves out the element itself). */
export const cumsum = publicFn(
  'cumsum',
  {
    x: s.tensor({ dtype: 'numeric' }),
    options: s.options({ axis: s.optional(s.axis), reverse: s.optional(s.boolean), exclusive: s.optional(s.boolean) }),
  },
  cumsumImpl,
);

function cumsumImpl<S extends ShapeT, D extends DType>(
  x: Tensor<S, D>,
  options: { readonly axis?: number; readonly reverse?: boolean; readonly exclusive?: boolean } = {},
): Tensor<S, D> {
  const fn = 'cumsum';
  const t: Tensor = x;
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

/** Index values 0..n−1 along `axis` (negative counts from the end), broadcast over `shape` (i32 by default). */
export const iota = publicFn(
  'iota',
  { shape: s.shape, axis: s.axis, dtype: s.optional(s.oneOf(['f32', 'f64', 'i32'])) },
  <D extends DType = 'i32'>(shape: readonly number[], axis: number, dtype?: D): Tensor<ShapeT, D> =>
    applyOp(
      'iota',
      'iota',
      { shape, axis: axisOf('iota', 'axis', axis, shape.length), dtype: dtype ?? 'i32' },
      [],
    ) as Tensor<ShapeT, D>,
);
