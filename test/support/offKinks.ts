/**
 * @file Draws moved off the kinks of piecewise-smooth losses by a deterministic map (never a fast-check
 * `.filter`, which can draw forever when most draws sit on a kink, as fast-check's many exact zeros do).
 */

/** The grid's denominator: values are odd integers over 64.5 = 129/2, so no sum of them over a grid step is 1. */
const C = 64.5;

/**
 * Each group of `k` consecutive values (a row of a row-major [n, k] array; pass the whole length for one
 * group) moved to distinct odd multiples of 1/64.5, in the draws' order: v ↦ the nearest odd m to 64.5·v,
 * raised past the m before it in sorted order. Within a group, for m odd and distinct:
 * - no value is 0 or ±1: |v| ≥ 1/64.5, ||v| − 1| ≥ 0.5/64.5 (64.5·1 is not an integer);
 * - no ties: |v_a − v_b| ≥ 2/64.5, and v_a − v_b ≠ ±1 (a margin of 1 between two entries);
 * - Σ_{j∈S} (v_j − v_i) = integer/64.5 ≠ 1 for every subset S, so the sparsemax threshold
 *   τ = (Σ_S v_j − 1)/|S| stays at least 0.5/(64.5·|S|) away from every entry.
 * The draws keep their range (up to 2/64.5 per tie raised) and their order within a group.
 */
export function offKinks(values: readonly number[], k: number): number[] {
  const out = new Array<number>(values.length);
  for (let start = 0; start < values.length; start += k) {
    const order = Array.from({ length: Math.min(k, values.length - start) }, (_, i) => start + i).sort(
      (a, b) => (values[a] as number) - (values[b] as number) || a - b,
    );
    let previous = -Infinity;
    for (const i of order) {
      const odd = 2 * Math.round(((values[i] as number) * C - 1) / 2) + 1;
      const m = Math.max(odd, previous + 2);
      out[i] = m / C;
      previous = m;
    }
  }
  return out;
}
