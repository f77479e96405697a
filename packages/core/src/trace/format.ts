/** @file How a tensor prints (toString, console.log, util.inspect): `Tensor f32[2, 3] [[1, 2, 3], [4, 5, 6]]`. */
import type { DType, HostArray } from '../ir/dtype.js';
import { type Shape, stridesOf } from '../ir/shape.js';

/** Tensors of at most this many elements print every value; larger ones the first and last few. */
const ALL_VALUES = 100;
/** Values a larger tensor prints from each end. */
const EDGE = 3;

/** The shortest decimal that reads back as the same f32 (0.1, not 0.10000000149011612). */
function f32Text(v: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const short = Number(v.toPrecision(digits));
    if (Math.fround(short) === v) return String(short);
  }
  return String(v);
}

/** One element as text: true/false for bool, NaN and ±Infinity by name, -0 kept. */
function valueText(v: number, dtype: DType): string {
  if (dtype === 'bool') return String(v === 1);
  if (Object.is(v, -0)) return '-0';
  return dtype === 'f32' ? f32Text(v) : String(v);
}

/** Row-major values as nested brackets. */
function nested(values: HostArray, shape: Shape, dtype: DType): string {
  const strides = stridesOf(shape);
  const at = (axis: number, offset: number): string => {
    if (axis === shape.length) return valueText(values[offset] as number, dtype);
    const items = Array.from({ length: shape[axis] as number }, (_, i) =>
      at(axis + 1, offset + i * (strides[axis] as number)),
    );
    return `[${items.join(', ')}]`;
  };
  return at(0, 0);
}

/**
 * `Tensor <dtype>[<shape>]`, then the values (all of them up to 100, else the count and the first and
 * last three), or a note in parentheses where the values are not on the host: `traced`, `on webgpu`.
 */
export function formatTensor(dtype: DType, shape: Shape, values: HostArray | string): string {
  const head = `Tensor ${dtype}[${shape.join(', ')}]`;
  if (typeof values === 'string') return `${head} (${values})`;
  if (values.length <= ALL_VALUES) return `${head} ${nested(values, shape, dtype)}`;
  const text = (from: number, to: number): string =>
    Array.from(values.subarray(from, to), (v) => valueText(v, dtype)).join(', ');
  return `${head} (${values.length} values: ${text(0, EDGE)}, …, ${text(values.length - EDGE, values.length)})`;
}
