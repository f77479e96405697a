/** @file Turning primitive test cases into tensors, naive arrays and directions. */
import fc from 'fast-check';
import { ir, primitive } from '@xent/core/internal';
import * as x from 'xent';
import { directionArb, sizeOf } from './arbitraries.js';
import type { InputSpec, NaiveArray, PrimCase } from './primSpecs.js';

const isFloat = (d: x.DType): boolean => d === 'f32' || d === 'f64';

/** The tensor of an input spec; float inputs take `floatDType`. */
export function tensorOf(spec: InputSpec, floatDType: 'f32' | 'f64' = 'f64'): x.Tensor {
  const { shape, dtype, values } = spec;
  if (isFloat(dtype)) return x.tensor(Float64Array.from(values), { shape, dtype: floatDType });
  if (dtype === 'i32') return x.tensor(Int32Array.from(values), { shape, dtype: 'i32' });
  return x.tensor(Uint8Array.from(values), { shape, dtype: 'bool' });
}

export function naiveArray(spec: InputSpec): NaiveArray {
  const strides = spec.shape.map((_, i) => sizeOf(spec.shape.slice(i + 1)));
  return {
    shape: spec.shape,
    at: (index) => spec.values[index.reduce((acc, v, i) => acc + v * (strides[i] as number), 0)] as number,
  };
}

/** Positions of the float inputs (the ones gradients are taken with respect to). */
export const floatPositions = (c: PrimCase): number[] => c.inputs.flatMap((s, i) => (isFloat(s.dtype) ? [i] : []));

/** The case with random directions for each float input and a random output cotangent size hint. */
export const withDirections = <C extends PrimCase>(c: C): fc.Arbitrary<[C, number[][]]> =>
  fc.tuple(fc.constant(c), fc.tuple(...c.inputs.map((s) => directionArb(sizeOf(s.shape)))));

/** Rounds a case's float values and float params to f32 (so f32 and f64 runs see the same inputs). */
export function roundedToF32<C extends PrimCase>(c: C): C {
  return {
    ...c,
    inputs: c.inputs.map((s) => (isFloat(s.dtype) ? { ...s, values: s.values.map(Math.fround) } : s)),
  };
}

/** The primitive applied to the case's non-float inputs and the given float tensors (f64 params become f32 with f32 floats). */
export function applyPrim(
  prim: ir.Prim,
  c: PrimCase,
  floats: readonly x.Tensor[],
  floatDType: 'f32' | 'f64' = 'f64',
): x.Tensor {
  const pos = floatPositions(c);
  const inputs = c.inputs.map((s, i) =>
    pos.includes(i) ? (floats[pos.indexOf(i)] as x.Tensor) : tensorOf(s, floatDType),
  );
  const p = c.params as { readonly dtype?: x.DType };
  const params = floatDType === 'f32' && p.dtype === 'f64' ? { ...p, dtype: 'f32' } : p;
  return primitive(prim, params as never, ...inputs);
}

/** The case's float inputs as tensors of `dtype`. */
export const floatsOf = (c: PrimCase, dtype: 'f32' | 'f64' = 'f64'): x.Tensor[] =>
  floatPositions(c).map((i) => tensorOf(c.inputs[i] as InputSpec, dtype));
