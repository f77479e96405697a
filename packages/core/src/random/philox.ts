/** @file Philox-2×32-10 (Salmon et al., SC'11): a counter-based generator, so any element of a stream is computable on its own. */

const MULTIPLIER = 0xd256d193;
const KEY_STEP = 0x9e3779b9;

/** The high and low 32-bit words of the 64-bit product a·b (a, b unsigned 32-bit). */
function mulHiLo(a: number, b: number): [number, number] {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  const hi = ah * bh + Math.floor(lh / 0x10000) + Math.floor(hl / 0x10000) + Math.floor(mid / 0x10000);
  return [hi >>> 0, Math.imul(a, b) >>> 0];
}

/** Ten Philox rounds of the counter (c0, c1) under `key`: two independent uniform 32-bit words. */
export function philox(c0: number, c1: number, key: number): [number, number] {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let k = key >>> 0;
  for (let round = 0; round < 10; round++) {
    const [hi, lo] = mulHiLo(MULTIPLIER, x0);
    x0 = (hi ^ k ^ x1) >>> 0;
    x1 = lo;
    k = (k + KEY_STEP) >>> 0;
  }
  return [x0, x1];
}

/** A uniform double in the open interval (0, 1) with 53 random bits, from two 32-bit words. */
export const openUnit = (w0: number, w1: number): number =>
  ((w0 >>> 5) * 67108864 + (w1 >>> 6) + 0.5) / 9007199254740992;
