/**
 * @file Closed-form eigen-decomposition of symmetric matrices up to 3×3 (quadratic formula and the
 * trigonometric solution of the characteristic cubic), an oracle independent of the Jacobi kernel.
 */

/** Ascending eigenvalues of a symmetric n×n matrix (n ≤ 3), given as rows. */
export function eigenvalues3(s: readonly (readonly number[])[]): number[] {
  const n = s.length;
  const at = (i: number, j: number): number => (s[i] as readonly number[])[j] as number;
  if (n === 1) return [at(0, 0)];
  if (n === 2) {
    const mid = (at(0, 0) + at(1, 1)) / 2;
    const r = Math.hypot((at(0, 0) - at(1, 1)) / 2, at(0, 1));
    return [mid - r, mid + r];
  }
  const q = (at(0, 0) + at(1, 1) + at(2, 2)) / 3;
  const p1 = at(0, 1) ** 2 + at(0, 2) ** 2 + at(1, 2) ** 2;
  const p2 = (at(0, 0) - q) ** 2 + (at(1, 1) - q) ** 2 + (at(2, 2) - q) ** 2 + 2 * p1;
  const p = Math.sqrt(p2 / 6);
  if (p === 0) return [q, q, q];
  const b = (i: number, j: number): number => (at(i, j) - (i === j ? q : 0)) / p;
  const det =
    b(0, 0) * (b(1, 1) * b(2, 2) - b(1, 2) * b(2, 1)) -
    b(0, 1) * (b(1, 0) * b(2, 2) - b(1, 2) * b(2, 0)) +
    b(0, 2) * (b(1, 0) * b(2, 1) - b(1, 1) * b(2, 0));
  const phi = Math.acos(Math.max(-1, Math.min(1, det / 2))) / 3;
  const largest = q + 2 * p * Math.cos(phi);
  const smallest = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
  return [smallest, 3 * q - largest - smallest, largest];
}

/** A unit eigenvector for eigenvalue `lambda`, with its largest-magnitude entry positive. */
export function eigenvector3(s: readonly (readonly number[])[], lambda: number): number[] {
  const n = s.length;
  const m = s.map((row, i) => row.map((v, j) => v - (i === j ? lambda : 0)));
  let v: number[];
  if (n === 1) v = [1];
  else if (n === 2) {
    const [a, b, d] = [m[0]?.[0] ?? 0, m[0]?.[1] ?? 0, m[1]?.[1] ?? 0];
    const c1 = [b, -a];
    const c2 = [-d, b];
    v = Math.hypot(...c1) >= Math.hypot(...c2) ? c1 : c2;
  } else {
    const row = (i: number): number[] => m[i] as number[];
    const cross = (u: number[], w: number[]): number[] => [
      (u[1] as number) * (w[2] as number) - (u[2] as number) * (w[1] as number),
      (u[2] as number) * (w[0] as number) - (u[0] as number) * (w[2] as number),
      (u[0] as number) * (w[1] as number) - (u[1] as number) * (w[0] as number),
    ];
    const candidates = [cross(row(0), row(1)), cross(row(0), row(2)), cross(row(1), row(2))];
    v = candidates.reduce((best, c) => (Math.hypot(...c) > Math.hypot(...best) ? c : best));
  }
  const norm = Math.hypot(...v);
  const big = v.reduce((k, x, i) => (Math.abs(x) > Math.abs(v[k] as number) ? i : k), 0);
  const sign = (v[big] as number) < 0 ? -1 : 1;
  return v.map((x) => (sign * x) / norm);
}
