/**
 * @file The stable argsort of one line of keys, as the CPU sort kernels run it: NaNs moved to the
 * end (ascending) or the front (descending) in their order, the rest by a bottom-up merge sort over
 * insertion-sorted runs. −0 and +0 compare equal, so stability keeps their order.
 */

/** Insertion-sorted runs this long start the merge sort. */
const RUN = 16;

/**
 * Writes into `perm[0, n)` the indices of `keys[0, n)` in ascending (or `descending`) order, equal
 * keys in index order, NaN as the largest key. `tmp` is scratch of at least n entries.
 */
export function stableArgsort(
  keys: Float64Array,
  n: number,
  descending: boolean,
  perm: Int32Array,
  tmp: Int32Array,
): void {
  let nans = 0;
  for (let i = 0; i < n; i++) if (Number.isNaN(keys[i])) nans++;
  // The numbers' segment [lo, lo + m); the NaNs fill the rest, in index order.
  const m = n - nans;
  const lo = descending ? nans : 0;
  let a = lo;
  let b = descending ? 0 : m;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(keys[i])) perm[b++] = i;
    else perm[a++] = i;
  }
  // x before y (strictly): x < y ascending, x > y descending; ties keep their order.
  const before = descending ? (x: number, y: number): boolean => x > y : (x: number, y: number): boolean => x < y;
  for (let r = lo; r < lo + m; r += RUN) {
    const end = Math.min(r + RUN, lo + m);
    for (let i = r + 1; i < end; i++) {
      const p = perm[i] as number;
      const k = keys[p] as number;
      let j = i - 1;
      while (j >= r && before(k, keys[perm[j] as number] as number)) {
        perm[j + 1] = perm[j] as number;
        j--;
      }
      perm[j + 1] = p;
    }
  }
  let src = perm;
  let dst = tmp;
  for (let width = RUN; width < m; width *= 2) {
    for (let left = lo; left < lo + m; left += 2 * width) {
      const mid = Math.min(left + width, lo + m);
      const right = Math.min(left + 2 * width, lo + m);
      let i = left;
      let j = mid;
      let o = left;
      while (i < mid && j < right) {
        // the right run's head goes first only when strictly before the left's (stability)
        if (before(keys[src[j] as number] as number, keys[src[i] as number] as number)) dst[o++] = src[j++] as number;
        else dst[o++] = src[i++] as number;
      }
      while (i < mid) dst[o++] = src[i++] as number;
      while (j < right) dst[o++] = src[j++] as number;
    }
    [src, dst] = [dst, src];
  }
  if (src !== perm) for (let i = lo; i < lo + m; i++) perm[i] = src[i] as number;
}
