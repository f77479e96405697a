/** @file Element types of the IR and their promotion rules (there is no implicit promotion). */

/** An element type. `f64` runs on the CPU only; `bool` is stored as one byte per element. */
export type DType = 'f32' | 'f64' | 'i32' | 'bool';

/** Every dtype, in a fixed order. */
export const dtypes: readonly DType[] = ['f32', 'f64', 'i32', 'bool'];

/** Bytes one element of each dtype takes in host memory. */
export const bytesPer: Readonly<Record<DType, number>> = { f32: 4, f64: 8, i32: 4, bool: 1 };

/** The floating-point dtypes: the only ones that carry gradients. */
export type FloatDType = 'f32' | 'f64';

/** The dtypes arithmetic is defined on. */
export type NumericDType = 'f32' | 'f64' | 'i32';

/** The host array type that stores a dtype. */
export interface HostArrayOf {
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
  bool: Uint8Array;
}

/** Any host array a tensor can live in. */
export type HostArray = HostArrayOf[DType];

export const isDType = (d: unknown): d is DType => d === 'f32' || d === 'f64' || d === 'i32' || d === 'bool';

export const isFloat = (d: DType): d is FloatDType => d === 'f32' || d === 'f64';

export const isNumeric = (d: DType): d is NumericDType => d !== 'bool';

/** Allocates a zero-filled host array of `size` elements of `dtype`. */
export function allocHost<D extends DType>(dtype: D, size: number): HostArrayOf[D];
export function allocHost(dtype: DType, size: number): HostArray {
  switch (dtype) {
    case 'f32':
      return new Float32Array(size);
    case 'f64':
      return new Float64Array(size);
    case 'i32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

/** A host array of `size` elements of `dtype` viewing `buffer` from byte `byteOffset` (no copy). */
export function hostArrayOver(dtype: DType, buffer: ArrayBufferLike, byteOffset: number, size: number): HostArray {
  switch (dtype) {
    case 'f32':
      return new Float32Array(buffer, byteOffset, size);
    case 'f64':
      return new Float64Array(buffer, byteOffset, size);
    case 'i32':
      return new Int32Array(buffer, byteOffset, size);
    case 'bool':
      return new Uint8Array(buffer, byteOffset, size);
  }
}

/** The dtype a host array stores, or undefined for other array types. */
export function dtypeOfHost(a: unknown): DType | undefined {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint8Array) return 'bool';
  return undefined;
}
