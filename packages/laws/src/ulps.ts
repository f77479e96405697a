/** @file Units in the last place, exactly: values rounded to a storage dtype (f32, f16), the spacing there, and distances counted in it. */
import { publicFn, s } from '@xent/core/internal';
import { anyNumber } from './schemas.js';

/** A dtype a value is stored at: f32, or f16 (IEEE binary16, as a Float16Array stores it). */
export type StorageDType = 'f32' | 'f16';

/** The dtypes `roundTo`, `ulpOf` and `ulpDistance` know. */
export const storageDTypes: readonly StorageDType[] = ['f32', 'f16'];

/** The layout of a binary floating-point format: mantissa bits after the point, the least normal exponent, and the largest finite value. */
interface Format {
  readonly mantissa: number;
  readonly minExponent: number;
  readonly max: number;
}

const formats: Record<StorageDType, Format> = {
  f32: { mantissa: 23, minExponent: -126, max: (2 - 2 ** -23) * 2 ** 127 },
  f16: { mantissa: 10, minExponent: -14, max: 65504 },
};

/** ⌊log₂ a⌋ for a finite a > 0, exactly (Math.log2 corrected by one where it rounds across a power of two). */
function exponentOf(a: number): number {
  const e = Math.floor(Math.log2(a));
  if (2 ** e > a) return e - 1;
  return 2 ** (e + 1) <= a ? e + 1 : e;
}

/** The spacing of the format's values at |v| (its subnormal spacing below the least normal). */
function quantum(v: number, f: Format): number {
  const a = Math.abs(v);
  const e = a < 2 ** f.minExponent ? f.minExponent : exponentOf(a);
  return 2 ** (e - f.mantissa);
}

/** v rounded to the nearest f16, ties to even (what a Float16Array stores): past ±65520, ±Infinity. */
function roundToF16(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const a = Math.abs(v);
  // 65520 is halfway between 65504 and 2¹⁶; the tie goes to the even mantissa, past the largest f16
  if (a >= 65520) return Math.sign(v) * Infinity;
  const q = quantum(a, formats.f16);
  // a / q is exact (q is a power of two): round it to an integer, ties to even
  const t = a / q;
  const low = Math.floor(t);
  const up = t - low > 0.5 || (t - low === 0.5 && low % 2 === 1);
  return Math.sign(v) * (up ? low + 1 : low) * q;
}

/** v rounded to the nearest value of `dtype`. */
export const roundToDType = (v: number, dtype: StorageDType): number =>
  dtype === 'f32' ? Math.fround(v) : roundToF16(v);

/**
 * The position of a value of the format among its values (0 for ±0, consecutive values differ by 1,
 * ±Infinity one past the largest finite): the distance of two positions counts the ulps between them.
 */
function ordinal(v: number, f: Format): number {
  const a = Math.abs(v);
  const below = 2 ** f.minExponent;
  const units = 2 ** f.mantissa;
  const position =
    a === Infinity
      ? (exponentOf(f.max) - f.minExponent + 2) * units
      : a < below
        ? a / quantum(a, f)
        : (exponentOf(a) - f.minExponent + 1) * units + (a / quantum(a, f) - units);
  return v < 0 ? -position : position;
}

/**
 * `v` rounded to the nearest value of `dtype` ('f32' as Math.fround; 'f16' as a Float16Array stores
 * it, ties to even, ±Infinity past ±65520).
 */
export const roundTo = publicFn(
  'roundTo',
  { v: anyNumber, dtype: s.oneOf(storageDTypes) },
  (v: number, dtype: StorageDType): number => roundToDType(v, dtype),
);

/** One ulp of `dtype` at `v`: the spacing of its values there (its subnormal spacing near 0). */
export const ulpOf = publicFn(
  'ulpOf',
  { v: s.finite(), dtype: s.oneOf(storageDTypes) },
  (v: number, dtype: StorageDType): number => quantum(roundToDType(v, dtype), formats[dtype]),
);

/** `ulpDistance` without argument checks, for the laws' inner loops. */
export function ulpsBetween(a: number, b: number, dtype: StorageDType): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  const f = formats[dtype];
  return Math.abs(ordinal(roundToDType(a, dtype), f) - ordinal(roundToDType(b, dtype), f));
}

/**
 * How many values of `dtype` lie between a and b, each first rounded to `dtype`: 0 when they round
 * to the same value (±0 included), 1 for neighbours, counted exactly across binades, subnormals and
 * up to ±Infinity (one past the largest finite value); NaN is 0 from NaN and Infinity from anything
 * else.
 *
 * @example
 * x.laws.ulpDistance(1, 1 + 2 ** -23, 'f32') // 1
 */
export const ulpDistance = publicFn(
  'ulpDistance',
  { a: anyNumber, b: anyNumber, dtype: s.oneOf(storageDTypes) },
  ulpsBetween,
);
