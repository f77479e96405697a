/** @file Eigen-decomposition of small symmetric matrices by cyclic Jacobi rotations, in f64 (the CPU kernel of `eigh`). */

const MAX_SWEEPS = 64;

/**
 * Decomposes the symmetric part of the n×n row-major matrix `a` (overwritten) into ascending
 * eigenvalues `values` [n] and eigenvectors `vectors` [n×n, row-major, one eigenvector per column,
 * each with its largest-magnitude entry positive]. A matrix holding NaN or ±Inf gives NaN throughout.
 */
export function symmetricEigen(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array): void {
  let finite = true;
  for (let i = 0; i < n * n; i++) if (!Number.isFinite(a[i])) finite = false;
  if (!finite) {
    values.fill(NaN, 0, n);
    vectors.fill(NaN, 0, n * n);
    return;
  }
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const s = ((a[i * n + j] as number) + (a[j * n + i] as number)) / 2;
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += (a[i] as number) ** 2;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += (a[p * n + q] as number) ** 2;
    if (off <= 1e-32 * scale || off === 0) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q] as number;
        if (apq === 0) continue;
        // Rotation zeroing a_pq: t = tan φ, the smaller root of t² + 2θt − 1 = 0.
        const theta = ((a[q * n + q] as number) - (a[p * n + p] as number)) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p] as number;
          const akq = a[k * n + q] as number;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k] as number;
          const aqk = a[q * n + k] as number;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => (a[i * n + i] as number) - (a[j * n + j] as number),
  );
  order.forEach((col, k) => {
    values[k] = a[col * n + col] as number;
    let big = 0;
    for (let r = 1; r < n; r++) if (Math.abs(v[r * n + col] as number) > Math.abs(v[big * n + col] as number)) big = r;
    const sign = (v[big * n + col] as number) < 0 ? -1 : 1;
    for (let r = 0; r < n; r++) vectors[r * n + k] = sign * (v[r * n + col] as number);
  });
}
