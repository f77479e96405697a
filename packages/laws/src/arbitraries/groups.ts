/** @file Arbitraries for group elements: permutations, cyclic shifts, flips, rotations in SO(2) and SO(3) (Haar), orthogonal O(n). */
import { publicFn } from '@xent/core/internal';
import { equivariance } from '@xent/losses';
import fc from 'fast-check';
import { count } from '../schemas.js';

/** The largest n of a drawn n×n orthogonal matrix (Gram–Schmidt costs n³ per draw). */
const MAX_ORTHOGONAL = 256;

/** A permutation of 0..n−1. */
export const permutation = publicFn('permutation', { n: count(0) }, (n: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
);

/** A cyclic shift by 0..n−1 places, as the permutation i ↦ (i + s) mod n. */
export const cyclicShift = publicFn('cyclicShift', { n: count(0) }, (n: number): fc.Arbitrary<number[]> =>
  fc.integer({ min: 0, max: Math.max(n - 1, 0) }).map((s) => [...Array(n).keys()].map((i) => (i + s) % n)),
);

/** The reversal of 0..n−1 or the identity. */
export const flip = publicFn('flip', { n: count(0) }, (n: number): fc.Arbitrary<number[]> =>
  fc.boolean().map((f) => [...Array(n).keys()].map((i) => (f ? n - 1 - i : i))),
);

/** Standard normal numbers from pairs of uniforms (Box–Muller), so that they shrink towards 0. */
const normals = (n: number): fc.Arbitrary<number[]> =>
  fc
    .array(fc.tuple(fc.double({ min: 1e-9, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), {
      minLength: n,
      maxLength: n,
    })
    .map((pairs) => pairs.map(([u, v]) => Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)));

/** A rotation of the plane, row-major 2×2. */
export const rotation2d = publicFn('rotation2d', {}, (): fc.Arbitrary<number[]> =>
  fc
    .double({ min: 0, max: 2 * Math.PI, noNaN: true })
    .map((t) => [Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t)]),
);

/** A Haar-random rotation of 3-space (a normalised Gaussian quaternion), row-major 3×3. */
export const rotation3d = publicFn('rotation3d', {}, (): fc.Arbitrary<number[]> =>
  normals(4)
    .filter((q) => Math.hypot(...q) > 1e-6)
    .map((q) => equivariance.rotationFromQuaternion(q)),
);

/** A Haar-random orthogonal n×n matrix (Gram–Schmidt on Gaussian columns with the sign fix), row-major; n ≤ 256. */
export const orthogonal = publicFn(
  'orthogonal',
  { n: count(1, MAX_ORTHOGONAL, 'rows', 'Gram–Schmidt costs n³ per draw') },
  (n: number): fc.Arbitrary<number[]> =>
    normals(n * n).map((g) => {
      const cols: number[][] = [];
      for (let j = 0; j < n; j++) {
        let v = Array.from({ length: n }, (_, i) => g[i * n + j] as number);
        for (const u of cols) {
          const p = u.reduce((s, ui, i) => s + ui * (v[i] as number), 0);
          v = v.map((vi, i) => vi - p * (u[i] as number));
        }
        // A (shrunk) degenerate column is replaced by the first basis vector that is still independent.
        for (let e = 0; Math.hypot(...v) < 1e-6 && e < n; e++) {
          v = Array.from({ length: n }, (_, i) => (i === e ? 1 : 0));
          for (const u of cols) {
            const p = u[e] as number;
            v = v.map((vi, i) => vi - p * (u[i] as number));
          }
        }
        const norm = Math.hypot(...v);
        cols.push(v.map((vi) => vi / norm));
      }
      return Array.from({ length: n * n }, (_, k) => (cols[k % n] as number[])[Math.floor(k / n)] as number);
    }),
);
