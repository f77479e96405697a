/**
 * @file ONNX subgraphs for what ONNX lacks or computes loosely: log1p and expm1 in Kahan's compensated
 * forms, logsumexp as max-shift/exp/sum/log/add (never ReduceLogSumExp, which engines compute naively), a
 * max that propagates NaN, and reductions written for either opset (ReduceMax's axes became an input in 18).
 */
import type { DType, FloatDType } from '../../ir/dtype.js';
import type { OnnxGraphBuilder } from './builder.js';
import { onnxElementType } from './model.js';

/** `ReduceSum` or `ReduceMax` over `axes` (non-empty: ONNX reads an empty list as every axis). */
export function reduce(
  b: OnnxGraphBuilder,
  kind: 'ReduceSum' | 'ReduceMax',
  x: string,
  axes: readonly number[],
  keepdims: 0 | 1,
): string {
  if (kind === 'ReduceSum' || b.opset >= 18) return b.op(kind, [x, b.ints(axes)], { keepdims });
  return b.op(kind, [x], { axes, keepdims });
}

/** max over `axes`, NaN when any reduced element is NaN (the IR's max; engines' ReduceMax may skip NaN). */
export function maxWithNaN(
  b: OnnxGraphBuilder,
  x: string,
  axes: readonly number[],
  keepdims: 0 | 1,
  dtype: DType,
): string {
  const m = reduce(b, 'ReduceMax', x, axes, keepdims);
  if (dtype !== 'f32' && dtype !== 'f64') return m;
  const nans = reduce(
    b,
    'ReduceMax',
    b.op('Cast', [b.op('IsNaN', [x])], { to: onnxElementType[dtype] }),
    axes,
    keepdims,
  );
  return b.op('Where', [b.op('Less', [b.scalar(dtype, 0), nans]), b.scalar(dtype, NaN), m]);
}

/**
 * log Σ exp over `axes`, keeping them (size 1): m + log Σ exp(x − m) with m the max where it is finite and 0
 * otherwise (all −∞ gives log 0 = −∞; +∞ gives +∞; NaN stays NaN).
 */
export function logsumexpKeepingAxes(
  b: OnnxGraphBuilder,
  x: string,
  axes: readonly number[],
  dtype: FloatDType,
): string {
  const m = reduce(b, 'ReduceMax', x, axes, 1);
  const finite = b.op('Less', [b.op('Abs', [m]), b.scalar(dtype, Infinity)]);
  const shift = b.op('Where', [finite, m, b.scalar(dtype, 0)]);
  const total = reduce(b, 'ReduceSum', b.op('Exp', [b.op('Sub', [x, shift])]), axes, 1);
  return b.op('Add', [b.op('Log', [total]), shift]);
}

/** log1p(x) = x where u = 1 + x rounds to 1, else log(u)·x/(u − 1) (Kahan: the rounding of u cancels); +∞ at u = +∞. */
export function log1p(b: OnnxGraphBuilder, x: string, dtype: FloatDType): string {
  const one = b.scalar(dtype, 1);
  const u = b.op('Add', [one, x]);
  const compensated = b.op('Div', [b.op('Mul', [b.op('Log', [u]), x]), b.op('Sub', [u, one])]);
  const nearZero = b.op('Where', [b.op('Equal', [u, one]), x, compensated]);
  return b.op('Where', [b.op('Equal', [u, b.scalar(dtype, Infinity)]), u, nearZero]);
}

/** expm1(x) = x where u = eˣ rounds to 1, −1 where u − 1 rounds to −1, else (u − 1)·x/log u (Kahan); +∞ at u = +∞. */
export function expm1(b: OnnxGraphBuilder, x: string, dtype: FloatDType): string {
  const one = b.scalar(dtype, 1);
  const minusOne = b.scalar(dtype, -1);
  const u = b.op('Exp', [x]);
  const um1 = b.op('Sub', [u, one]);
  const compensated = b.op('Div', [b.op('Mul', [um1, x]), b.op('Log', [u])]);
  const nearZero = b.op('Where', [b.op('Equal', [u, one]), x, compensated]);
  const saturated = b.op('Where', [b.op('Equal', [um1, minusOne]), minusOne, nearZero]);
  return b.op('Where', [b.op('Equal', [u, b.scalar(dtype, Infinity)]), u, saturated]);
}

/**
 * Indices outside [0, bound) replaced by `bound` itself, so that the Gather that reads them fails in the engine
 * (ONNX has no assertion, and a negative index would otherwise wrap around silently).
 */
export function outOfRangeToBound(b: OnnxGraphBuilder, index: string, bound: number): string {
  const limit = b.scalar('i32', bound);
  const inRange = b.op('And', [b.op('LessOrEqual', [b.scalar('i32', 0), index]), b.op('Less', [index, limit])]);
  return b.op('Where', [inRange, index, limit]);
}

/**
 * The indices themselves, read through a Gather from [0, 1, …, bound − 1] (the IR's checkIndex): equal for
 * indices in range, and the engine fails on any other, whatever then uses the indices (a comparison too).
 */
export function checkedIndex(b: OnnxGraphBuilder, index: string, bound: number, shape: readonly number[]): string {
  const flat = b.op('Reshape', [outOfRangeToBound(b, index, bound), b.ints([-1])]);
  const range = b.constant(
    'i32',
    [bound],
    Array.from({ length: bound }, (_, i) => i),
  );
  return b.op('Reshape', [b.op('GatherElements', [range, flat], { axis: 0 }), b.ints(shape)], { allowzero: 1 });
}
