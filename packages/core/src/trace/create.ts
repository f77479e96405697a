/** @file Creating concrete tensors from JS arrays, typed arrays and scalars, with validation. */
import { fail, ShapeError, ValueError } from '../errors.js';
import * as B from '../ir/build.js';
import { checkAllocation } from '../limits.js';
import { defaultBackendIfSet } from '../backend.js';
import { hostCopy, type HostMemory, hostZeros } from '../hostMemory.js';
import { type DType, dtypeOfHost, type HostArray, type HostArrayOf } from '../ir/dtype.js';
import { formatShape, sizeOf } from '../ir/shape.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { applyOp, checkValue, describe } from './apply.js';
import type { ShapeT, Writable } from './shapeTypes.js';
import { Tensor } from './tensor.js';

/** Nested JS arrays of numbers or booleans. */
export type NestedInput = number | boolean | readonly NestedInput[];

/** The shape of a nested array literal (`[[1, 2, 3], [4, 5, 6]]` → `[2, 3]`). */
export type ShapeOfNested<A, Depth extends unknown[] = []> = Depth['length'] extends 8
  ? ShapeT
  : A extends readonly unknown[]
    ? A extends readonly []
      ? [0]
      : [A['length'], ...ShapeOfNested<A[0], [...Depth, unknown]>]
    : [];

type Leaf<A, Depth extends unknown[] = []> = Depth['length'] extends 8
  ? A
  : A extends readonly (infer E)[]
    ? Leaf<E, [...Depth, unknown]>
    : A;

/** Booleans make bool tensors; numbers default to f32. */
export type DefaultDType<A> = [Leaf<A>] extends [boolean] ? 'bool' : 'f32';

/** The dtype a typed array stores. */
export type DTypeOfHost<T> = T extends Float32Array
  ? 'f32'
  : T extends Float64Array
    ? 'f64'
    : T extends Int32Array
      ? 'i32'
      : 'bool';

export interface TensorOptions<D extends DType> {
  readonly dtype?: D;
}

export interface TypedTensorOptions<S extends ShapeT, D extends DType> {
  readonly shape: S;
  readonly dtype?: D;
}

const isNumber = (v: unknown): v is number => typeof v === 'number';
const isScalar = (v: unknown): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';
const isArrayData = (v: unknown): v is readonly NestedInput[] | HostArray =>
  Array.isArray(v) || dtypeOfHost(v) !== undefined;

/** What `tensor` takes: a scalar, nested arrays or a typed array (values are checked element by element). */
const tensorData = s.either(
  s.custom('a number, a boolean', isScalar, () => 1),
  s.custom('nested arrays of them or a Float32Array, Float64Array, Int32Array or Uint8Array', isArrayData, () => [1]),
);

/** A fill value: any number (NaN and ±Infinity are values too) or a boolean. */
const fillValue = s.either(
  s.custom('a number', isNumber, () => 0),
  s.boolean,
);

const dtypeOption = s.options({ dtype: s.optional(s.dtype) });

/** The dtypes `arange` makes (its values are indices). */
const numericDType = s.oneOf(['f32', 'f64', 'i32']);

const NESTED = 'nested arrays of numbers or booleans';

/** Where tensors made now keep their values: the default backend's host memory, if it has one. */
const hostMemoryNow = (): HostMemory | undefined => defaultBackendIfSet()?.hostMemory;

/** The shape of nested arrays, read along the first elements (`flatten` checks the rest against it). */
function shapeOfNested(fn: string, data: NestedInput): number[] {
  const shape: number[] = [];
  const seen = new Set<unknown>();
  let cur: unknown = data;
  while (Array.isArray(cur)) {
    if (seen.has(cur)) fail(ValueError, fn, 'data', NESTED, 'an array that contains itself');
    seen.add(cur);
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = (cur as readonly unknown[])[0];
  }
  return shape;
}

const at = (path: readonly number[]): string => `at [${path.join(', ')}]`;

/** The leaves of rectangular nested arrays of `shape`, row-major; holes, ragged rows and non-numbers are errors. */
function flatten(fn: string, data: NestedInput, shape: readonly number[], out: (number | boolean)[]): void {
  const rectangular = `a rectangular array of shape ${formatShape(shape)}`;
  const walk = (v: unknown, axis: number, path: number[]): void => {
    if (axis === shape.length) {
      if (Array.isArray(v)) fail(ShapeError, fn, 'data', rectangular, `${describe(v)} ${at(path)} (ragged)`);
      if (!isScalar(v)) fail(ValueError, fn, 'data', NESTED, `${describe(v)} ${at(path)}`);
      out.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) {
      fail(
        ShapeError,
        fn,
        'data',
        rectangular,
        `${Array.isArray(v) ? `length ${v.length}` : describe(v)} ${at(path)} (ragged)`,
      );
    }
    const row = v as readonly unknown[];
    for (let i = 0; i < row.length; i++) {
      if (!(i in row)) fail(ValueError, fn, 'data', NESTED, `a hole (an empty slot) ${at([...path, i])}`);
      walk(row[i], axis + 1, [...path, i]);
    }
  };
  walk(data, 0, []);
}

/** Copies `values` into a new host array of `dtype`, checking each value fits. */
function fill(fn: string, dtype: DType, values: ArrayLike<number | boolean>, shape: readonly number[]): HostArray {
  const out = hostZeros(hostMemoryNow(), dtype, values.length);
  const boolData = values.length > 0 && typeof values[0] === 'boolean';
  if (boolData && dtype !== 'bool') fail(ValueError, fn, 'data', `numbers for dtype ${dtype}`, 'booleans');
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number | boolean;
    if ((typeof v === 'boolean') !== boolData)
      fail(ValueError, fn, 'data', 'all numbers or all booleans', 'a mix of both');
    const n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    checkValue(fn, 'data', n, dtype, ` at flat index ${i} of ${formatShape(shape)}`);
    out[i] = n;
  }
  return out;
}

/**
 * A concrete tensor from nested arrays (shape inferred), a typed array with `{ shape }`,
 * or a scalar. Numbers default to f32, booleans to bool, typed arrays to their own dtype.
 */
export const tensor = publicFn(
  'tensor',
  { data: tensorData, options: s.options({ dtype: s.optional(s.dtype), shape: s.optional(s.shape) }) },
  tensorImpl,
);

function tensorImpl<const A extends NestedInput, D extends DType = DefaultDType<A>>(
  data: A,
  options?: TensorOptions<D>,
): Tensor<ShapeOfNested<A>, D>;
function tensorImpl<const S extends ShapeT, T extends HostArray, D extends DType = DTypeOfHost<T>>(
  data: T,
  options: TypedTensorOptions<S, D>,
): Tensor<Writable<S>, D>;
function tensorImpl<T extends HostArray>(data: T): Tensor<[number], DTypeOfHost<T>>;
function tensorImpl(
  data: NestedInput | HostArray,
  options: { readonly dtype?: DType; readonly shape?: readonly number[] } = {},
): Tensor {
  const fn = 'tensor';
  const hostDType = dtypeOfHost(data);
  if (hostDType !== undefined) {
    const host = data as HostArray;
    const shape = options.shape ?? [host.length];
    if (sizeOf(shape) !== host.length) {
      fail(
        ShapeError,
        fn,
        'shape',
        `a shape with ${host.length} elements (the array's length)`,
        `${formatShape(shape)} (${sizeOf(shape)} elements)`,
      );
    }
    const dtype = options.dtype ?? hostDType;
    const values =
      dtype === hostDType && dtype !== 'bool' ? hostCopy(hostMemoryNow(), host) : fill(fn, dtype, host, shape);
    return new Tensor(B.constant(values, shape, dtype));
  }
  if (options.shape !== undefined)
    fail(ValueError, fn, 'shape', 'no shape (it is inferred from nested arrays)', formatShape(options.shape));
  const nested = data as NestedInput;
  const shape = shapeOfNested(fn, nested);
  const flat: (number | boolean)[] = [];
  flatten(fn, nested, shape, flat);
  const dtype = options.dtype ?? (flat.length > 0 && flat.every((v) => typeof v === 'boolean') ? 'bool' : 'f32');
  return new Tensor(B.constant(fill(fn, dtype, flat, shape), shape, dtype));
}

/** A tensor of `shape` filled with `value`, on behalf of `fn`. */
function filled(fn: string, shape: readonly number[], value: number | boolean, dtype: DType | undefined): Tensor {
  const d = dtype ?? (typeof value === 'boolean' ? 'bool' : 'f32');
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  checkValue(fn, 'value', v, d);
  checkAllocation(fn, sizeOf(shape), d, 'shape');
  const data = hostZeros(hostMemoryNow(), d, sizeOf(shape));
  data.fill(v);
  return new Tensor(B.constant(data, shape, d));
}

/** A tensor of `shape` filled with `value` (a number, NaN and ±Infinity included, or a boolean). */
export const full = publicFn('full', { shape: s.shape, value: fillValue, options: dtypeOption }, fullImpl);

function fullImpl<const S extends readonly number[], D extends DType = 'f32'>(
  shape: S,
  value: number | boolean,
  options: TensorOptions<D> = {},
): Tensor<Writable<S>, D> {
  return filled('full', shape, value, options.dtype) as Tensor<Writable<S>, D>;
}

/** Zeros of `shape` (f32 unless `dtype` says otherwise). */
export const zeros = publicFn(
  'zeros',
  { shape: s.shape, options: dtypeOption },
  <const S extends readonly number[], D extends DType = 'f32'>(
    shape: S,
    options: TensorOptions<D> = {},
  ): Tensor<Writable<S>, D> => filled('zeros', shape, 0, options.dtype) as Tensor<Writable<S>, D>,
);

/** Ones of `shape` (f32 unless `dtype` says otherwise). */
export const ones = publicFn(
  'ones',
  { shape: s.shape, options: dtypeOption },
  <const S extends readonly number[], D extends DType = 'f32'>(
    shape: S,
    options: TensorOptions<D> = {},
  ): Tensor<Writable<S>, D> => filled('ones', shape, 1, options.dtype) as Tensor<Writable<S>, D>,
);

/** Zeros of the shape and dtype of `t`. */
export const zerosLike = publicFn(
  'zerosLike',
  { t: s.tensor() },
  <S extends ShapeT, D extends DType>(t: Tensor<S, D>): Tensor<S, D> =>
    new Tensor(B.constant(hostZeros(hostMemoryNow(), t.dtype, t.size), t.node.type.shape, t.dtype)),
);

/** Ones of the shape and dtype of `t`. */
export const onesLike = publicFn(
  'onesLike',
  { t: s.tensor() },
  <S extends ShapeT, D extends DType>(t: Tensor<S, D>): Tensor<S, D> => {
    const data = hostZeros(hostMemoryNow(), t.dtype, t.size);
    data.fill(1);
    return new Tensor(B.constant(data, t.node.type.shape, t.dtype));
  },
);

/** 0, 1, ..., n − 1 (i32 by default; f32 and f64 on request). */
export const arange = publicFn(
  'arange',
  { n: s.number({ min: 0, integer: true }), options: s.options({ dtype: s.optional(numericDType) }) },
  <const N extends number, D extends DType = 'i32'>(n: N, options: TensorOptions<D> = {}): Tensor<[N], D> =>
    applyOp('arange', 'iota', { shape: [n], axis: 0, dtype: options.dtype ?? 'i32' }, []) as Tensor<[N], D>,
);

/** The typed-array type of a dtype (re-exported for users building inputs by hand). */
export type { HostArrayOf };
