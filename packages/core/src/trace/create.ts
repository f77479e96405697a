/** @file Creating concrete tensors from JS arrays, typed arrays and scalars, with validation. */
import { fail, ShapeError, ValueError } from '../errors.js';
import * as B from '../ir/build.js';
import { allocHost, type DType, dtypeOfHost, type HostArray, type HostArrayOf, isDType } from '../ir/dtype.js';
import { formatShape, isValidDim, sizeOf } from '../ir/shape.js';
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

function checkDType(fn: string, dtype: unknown): DType {
  if (!isDType(dtype)) fail(ValueError, fn, 'dtype', "one of 'f32', 'f64', 'i32', 'bool'", describe(dtype));
  return dtype;
}

function shapeOfNested(data: NestedInput): number[] {
  const shape: number[] = [];
  let cur: NestedInput = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    const first = (cur as readonly NestedInput[])[0];
    if (first === undefined) break;
    cur = first;
  }
  return shape;
}

function flatten(fn: string, data: NestedInput, shape: readonly number[], out: (number | boolean)[]): void {
  const walk = (x: NestedInput, axis: number, path: number[]): void => {
    if (axis === shape.length) {
      if (typeof x !== 'number' && typeof x !== 'boolean') {
        fail(
          ShapeError,
          fn,
          'data',
          `a rectangular array of shape ${formatShape(shape)}`,
          `${describe(x)} at [${path.join(', ')}]`,
        );
      }
      out.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[axis]) {
      fail(
        ShapeError,
        fn,
        'data',
        `a rectangular array of shape ${formatShape(shape)}`,
        `${Array.isArray(x) ? `length ${x.length}` : describe(x)} at [${path.join(', ')}] (ragged)`,
      );
    }
    (x as readonly NestedInput[]).forEach((y, i) => {
      walk(y, axis + 1, [...path, i]);
    });
  };
  walk(data, 0, []);
}

/** Copies `values` into a new host array of `dtype`, checking each value fits. */
function fill(fn: string, dtype: DType, values: ArrayLike<number | boolean>, shape: readonly number[]): HostArray {
  const out = allocHost(dtype, values.length);
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
export function tensor<const A extends NestedInput, D extends DType = DefaultDType<A>>(
  data: A,
  options?: TensorOptions<D>,
): Tensor<ShapeOfNested<A>, D>;
export function tensor<const S extends ShapeT, T extends HostArray, D extends DType = DTypeOfHost<T>>(
  data: T,
  options: TypedTensorOptions<S, D>,
): Tensor<Writable<S>, D>;
export function tensor<T extends HostArray>(data: T): Tensor<[number], DTypeOfHost<T>>;
export function tensor(data: NestedInput | HostArray, options: { dtype?: DType; shape?: ShapeT } = {}): Tensor {
  const fn = 'tensor';
  const hostDType = dtypeOfHost(data);
  if (hostDType !== undefined) {
    const host = data as HostArray;
    const shape = options.shape ?? [host.length];
    if (!shape.every(isValidDim)) {
      fail(ShapeError, fn, 'shape', 'non-negative integer dims', `[${shape.map(String).join(', ')}]`);
    }
    const numeric = shape;
    if (sizeOf(numeric) !== host.length) {
      fail(
        ShapeError,
        fn,
        'shape',
        `a shape with ${host.length} elements (the array's length)`,
        `${formatShape(numeric)} (${sizeOf(numeric)} elements)`,
      );
    }
    const dtype = checkDType(fn, options.dtype ?? hostDType);
    const values = dtype === hostDType && dtype !== 'bool' ? host.slice() : fill(fn, dtype, host, numeric);
    return new Tensor(B.constant(values, numeric, dtype));
  }
  if (options.shape !== undefined)
    fail(
      ValueError,
      fn,
      'options.shape',
      'no shape for nested arrays (it is inferred)',
      formatShape(options.shape as number[]),
    );
  if (typeof data !== 'number' && typeof data !== 'boolean' && !Array.isArray(data)) {
    fail(ValueError, fn, 'data', 'nested arrays of numbers or booleans, a typed array, or a scalar', describe(data));
  }
  const shape = shapeOfNested(data);
  const flat: (number | boolean)[] = [];
  flatten(fn, data, shape, flat);
  const dtype = checkDType(
    fn,
    options.dtype ?? (flat.length > 0 && flat.every((v) => typeof v === 'boolean') ? 'bool' : 'f32'),
  );
  return new Tensor(B.constant(fill(fn, dtype, flat, shape), shape, dtype));
}

function checkShapeArg(fn: string, shape: readonly unknown[]): readonly number[] {
  if (!Array.isArray(shape) || !shape.every(isValidDim)) {
    fail(ShapeError, fn, 'shape', 'an array of non-negative integer dims', describe(shape));
  }
  return shape;
}

/** A tensor of `shape` filled with `value`. */
export function full<const S extends readonly number[], D extends DType = 'f32'>(
  shape: S,
  value: number | boolean,
  options: TensorOptions<D> = {},
): Tensor<Writable<S>, D> {
  const fn = 'full';
  const dims = checkShapeArg(fn, shape);
  const dtype = checkDType(fn, options.dtype ?? (typeof value === 'boolean' ? 'bool' : 'f32'));
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  checkValue(fn, 'value', v, dtype);
  const data = allocHost(dtype, sizeOf(dims));
  data.fill(v);
  return new Tensor(B.constant(data, dims, dtype));
}

export const zeros = <const S extends readonly number[], D extends DType = 'f32'>(
  shape: S,
  options: TensorOptions<D> = {},
): Tensor<Writable<S>, D> => full(shape, 0, options);

export const ones = <const S extends readonly number[], D extends DType = 'f32'>(
  shape: S,
  options: TensorOptions<D> = {},
): Tensor<Writable<S>, D> => full(shape, 1, options);

/** Zeros of the shape and dtype of `t`. */
export const zerosLike = <S extends ShapeT, D extends DType>(t: Tensor<S, D>): Tensor<S, D> =>
  new Tensor(B.constant(allocHost(t.dtype, t.size), t.node.type.shape, t.dtype));

/** Ones of the shape and dtype of `t`. */
export const onesLike = <S extends ShapeT, D extends DType>(t: Tensor<S, D>): Tensor<S, D> => {
  const data = allocHost(t.dtype, t.size);
  data.fill(1);
  return new Tensor(B.constant(data, t.node.type.shape, t.dtype));
};

/** 0, 1, ..., n − 1 (i32 by default). */
export function arange<const N extends number, D extends DType = 'i32'>(
  n: N,
  options: TensorOptions<D> = {},
): Tensor<[N], D> {
  if (!isValidDim(n)) fail(ValueError, 'arange', 'n', 'a non-negative integer', describe(n));
  const dtype = checkDType('arange', options.dtype ?? 'i32');
  return applyOp('arange', 'iota', { shape: [n], axis: 0, dtype }, []) as Tensor<[N], D>;
}

/** The typed-array type of a dtype (re-exported for users building inputs by hand). */
export type { HostArrayOf };
