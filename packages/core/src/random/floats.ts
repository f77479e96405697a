/** @file Neighbouring values of f32 and f64: the steps that keep rounded uniform samples inside [low, high). */

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** `v` rounded to the dtype (f32 rounds to nearest; f64 values are already f64). */
export const roundTo = (v: number, dtype: 'f32' | 'f64'): number => (dtype === 'f32' ? Math.fround(v) : v);

/** The next value of the dtype after `v` (a value of that dtype, finite) towards +∞ (`up`) or −∞. */
export function step(v: number, dtype: 'f32' | 'f64', up: boolean): number {
  if (v === 0) return (up ? 1 : -1) * (dtype === 'f32' ? 2 ** -149 : Number.MIN_VALUE);
  // away from zero is one more in the bit pattern, towards zero one less
  const away = v > 0 === up;
  if (dtype === 'f64') {
    f64[0] = v;
    i64[0] = (i64[0] as bigint) + (away ? 1n : -1n);
    return f64[0];
  }
  f32[0] = v;
  i32[0] = (i32[0] as number) + (away ? 1 : -1);
  return f32[0];
}

/** The smallest value of the dtype ≥ `v` (`v` within the dtype's finite range). */
export function atOrAbove(v: number, dtype: 'f32' | 'f64'): number {
  const r = roundTo(v, dtype);
  return r < v ? step(r, dtype, true) : r;
}

/** The largest value of the dtype < `v` (`v` within the dtype's finite range). */
export function below(v: number, dtype: 'f32' | 'f64'): number {
  const r = roundTo(v, dtype);
  return r < v ? r : step(r, dtype, false);
}
