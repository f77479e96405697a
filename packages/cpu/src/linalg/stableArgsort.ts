/**
 * @file The stable argsort of one line of keys, as the CPU sort kernels run it: NaNs moved to the
 * end (ascending) or the front (descending) in their order, the rest by a bottom-up merge sort over
 * insertion-sorted runs that moves each key with its index (sequential reads, no indirection).
 * −0 and +0 compare equal, so stability keeps their order.
 */

/** Insertion-sorted runs this long start the merge sort. */
const RUN = 16;

/**
 * Writes into `perm[0, n)` the indices of `keys[0, n)` in ascending (or `descending`) order, equal
 * keys in index order, NaN as the largest key. `keys` is overwritten; `tmp` and `keyTmp` are
 * scratch of at least n entries.
 */
export function stableArgsort(
  keys: Float64Array,
  n: number,
  descending: boolean,
  perm: Int32Array,
  tmp: Int32Array,
  keyTmp: Float64Array,
): void {
  // The numbers, in index order, into keyTmp/tmp[0, m) (negated when descending: −x reverses the
  // order exactly, f64 holds every f32 and i32 negated); the NaNs' indices after them.
  let m = 0;
  let nans = n;
  for (let i = 0; i < n; i++) {
    const v = keys[i] as number;
    if (v !== v) tmp[--nans] = i;
    else {
      keyTmp[m] = descending ? -v : v;
      tmp[m++] = i;
    }
  }
  // The NaNs were stored from the end backwards: their index order is restored where they land.
  const lo = descending ? n - m : 0;
  for (let t = 0; t < n - m; t++) perm[descending ? t : m + t] = tmp[n - 1 - t] as number;
  for (let t = 0; t < m; t++) {
    keys[lo + t] = keyTmp[t] as number;
    perm[lo + t] = tmp[t] as number;
  }
  for (let r = lo; r < lo + m; r += RUN) {
    const end = Math.min(r + RUN, lo + m);
    for (let i = r + 1; i < end; i++) {
      const k = keys[i] as number;
      const p = perm[i] as number;
      let j = i - 1;
      while (j >= r && k < (keys[j] as number)) {
        keys[j + 1] = keys[j] as number;
        perm[j + 1] = perm[j] as number;
        j--;
      }
      keys[j + 1] = k;
      perm[j + 1] = p;
    }
  }
  let [ks, is, kd, id] = [keys, perm, keyTmp, tmp];
  for (let width = RUN; width < m; width *= 2) {
    for (let left = lo; left < lo + m; left += 2 * width) {
      const mid = Math.min(left + width, lo + m);
      const right = Math.min(left + 2 * width, lo + m);
      let i = left;
      let j = mid;
      let o = left;
      while (i < mid && j < right) {
        // the right run's head goes first only when strictly smaller (stability)
        if ((ks[j] as number) < (ks[i] as number)) {
          kd[o] = ks[j] as number;
          id[o++] = is[j++] as number;
        } else {
          kd[o] = ks[i] as number;
          id[o++] = is[i++] as number;
        }
      }
      while (i < mid) {
        kd[o] = ks[i] as number;
        id[o++] = is[i++] as number;
      }
      while (j < right) {
        kd[o] = ks[j] as number;
        id[o++] = is[j++] as number;
      }
    }
    [ks, is, kd, id] = [kd, id, ks, is];
  }
  if (is !== perm) for (let i = lo; i < lo + m; i++) perm[i] = is[i] as number;
}
