/**
 * @file Matrix groups: SO(2), O(2), SO(3), O(3) as row-major matrices (with their differentiable
 * parametrisations by angle and quaternion), and the rigid motions E(3), SE(3).
 */
import * as x from '@xent/core';
import { describe, fail, publicFn, s } from '@xent/core/internal';
import type { RandomKey } from '@xent/core';
import { checkSample, count } from './args.js';
import { fn, type Group, normals, uniforms } from './group.js';

// ---- matrices ----

/** The largest n of the n×n host matrices `matMul` and `transposed` take (a product costs n³). */
const MAX_MATRIX = 512;

const matrixArgs = { n: count(1, MAX_MATRIX, 'rows', 'a product costs n³') };

/** `matrix` holds n×n numbers, for argument `arg` of `fnName`. */
function checkSquare(fnName: string, arg: string, matrix: readonly number[], n: number): void {
  if (matrix.length !== n * n)
    fail(x.ShapeError, fnName, arg, `${n * n} numbers (an ${n}×${n} matrix, row-major)`, `${matrix.length}`);
}

/** Row-major product of two n×n matrices, unchecked (the groups' own elements). */
function product(a: readonly number[], b: readonly number[], n: number): number[] {
  return Array.from({ length: n * n }, (_, k) => {
    const [i, j] = [Math.floor(k / n), k % n];
    let sum = 0;
    for (let r = 0; r < n; r++) sum += (a[i * n + r] as number) * (b[r * n + j] as number);
    return sum;
  });
}

/** The transpose of a row-major n×n matrix, unchecked. */
const transpose = (a: readonly number[], n: number): number[] =>
  Array.from({ length: n * n }, (_, k) => a[(k % n) * n + Math.floor(k / n)] as number);

/** Row-major product of two n×n matrices (n ≤ 512). */
export const matMul = publicFn(
  'matMul',
  { a: s.array(s.finite()), b: s.array(s.finite()), ...matrixArgs },
  (a: readonly number[], b: readonly number[], n: number): number[] => {
    checkSquare('matMul', 'a', a, n);
    checkSquare('matMul', 'b', b, n);
    return product(a, b, n);
  },
);

/** The transpose of a row-major n×n matrix (n ≤ 512). */
export const transposed = publicFn(
  'transposed',
  { a: s.array(s.finite()), ...matrixArgs },
  (a: readonly number[], n: number): number[] => {
    checkSquare('transposed', 'a', a, n);
    return transpose(a, n);
  },
);

const det = (a: readonly number[], n: number): number => {
  const m = (i: number) => a[i] as number;
  if (n === 1) return m(0);
  if (n === 2) return m(0) * m(3) - m(1) * m(2);
  return m(0) * (m(4) * m(8) - m(5) * m(7)) - m(1) * (m(3) * m(8) - m(5) * m(6)) + m(2) * (m(3) * m(7) - m(4) * m(6));
};

function checkOrthogonal(group: string, g: unknown, n: number, special: boolean): number[] {
  if (!Array.isArray(g) || g.length !== n * n || !g.every((v) => typeof v === 'number' && Number.isFinite(v)))
    fail(
      x.ShapeError,
      fn(group),
      'g',
      `a ${n}×${n} matrix as ${n * n} finite numbers (row-major)`,
      Array.isArray(g) ? `${g.length} numbers` : describe(g),
    );
  const m = g as number[];
  const gram = product(transpose(m, n), m, n);
  const err = Math.max(...gram.map((v, k) => Math.abs(v - (k % (n + 1) === 0 ? 1 : 0))));
  if (err > 1e-6)
    fail(
      x.ValueError,
      fn(group),
      'g',
      'an orthogonal matrix (RᵀR = I)',
      `RᵀR off the identity by ${err.toExponential(2)}`,
    );
  if (special && det(m, n) < 0)
    fail(x.ValueError, fn(group), 'g', 'a rotation (det = +1)', `det = ${det(m, n).toFixed(6)}`);
  return m;
}

const rotation2 = (t: number): number[] => [Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t)];

/** The rotation of a unit quaternion [w, a, b, c], row-major 3×3. */
function rotationOfUnit([w, a, b, c]: readonly [number, number, number, number]): number[] {
  return [
    1 - 2 * (b * b + c * c),
    2 * (a * b - c * w),
    2 * (a * c + b * w),
    2 * (a * b + c * w),
    1 - 2 * (a * a + c * c),
    2 * (b * c - a * w),
    2 * (a * c - b * w),
    2 * (b * c + a * w),
    1 - 2 * (a * a + b * b),
  ];
}

/**
 * The rotation of a non-zero quaternion [w, a, b, c] (normalised first; Haar on SO(3) when the
 * quaternion is Gaussian), row-major 3×3. The zero quaternion has no rotation: it is an error.
 */
export const rotationFromQuaternion = publicFn(
  'rotationFromQuaternion',
  { q: s.array(s.finite()) },
  (q: readonly number[]): number[] => {
    if (q.length !== 4) fail(x.ShapeError, 'rotationFromQuaternion', 'q', '4 numbers [w, a, b, c]', `${q.length}`);
    // Divided by the largest magnitude first, so that neither huge nor tiny entries overflow or underflow the norm.
    const top = Math.max(...q.map(Math.abs));
    if (top === 0) fail(x.ValueError, 'rotationFromQuaternion', 'q', 'a non-zero quaternion', '[0, 0, 0, 0]');
    const scaled = q.map((v) => v / top);
    const len = Math.hypot(...scaled);
    return rotationOfUnit(scaled.map((v) => v / len) as [number, number, number, number]);
  },
);

/** The rotation of a standard-normal quaternion drawn with `key` (the zero quaternion, of probability 0, is drawn again). */
function haarRotation(key: RandomKey): number[] {
  for (let attempt = 0; ; attempt++) {
    const q = normals(attempt === 0 ? key : x.random.foldIn(key, attempt), 4);
    const len = Math.hypot(...q);
    if (len > 0) return rotationOfUnit(q.map((v) => v / len) as [number, number, number, number]);
  }
}

/** SO(n) or O(n) for n = 2, 3: rotations (and reflections), as row-major n×n matrices. */
function orthogonalGroup(n: 2 | 3, special: boolean): Group<number[]> {
  const name = `${special ? 'SO' : 'O'}(${n})`;
  const eye = Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
  const reflect = (m: number[]): number[] => m.map((v, k) => (k % n === 0 ? -v : v));
  return {
    name,
    identity: () => eye.slice(),
    compose: (g, h) => product(g, h, n),
    inverse: (g) => transpose(g, n),
    sample: (key, count) => {
      const c = checkSample(name, key, count, n * n);
      const [k1, k2] = x.random.split(key) as [RandomKey, RandomKey];
      const flips = uniforms(k2, c);
      const rots =
        n === 2
          ? uniforms(k1, c).map((u) => rotation2(2 * Math.PI * u))
          : Array.from({ length: c }, (_, i) => haarRotation(x.random.foldIn(k1, i)));
      return rots.map((r, i) => (special || (flips[i] as number) < 0.5 ? r : reflect(r)));
    },
    check: (g) => checkOrthogonal(name, g, n, special),
  };
}

/** [.., 2, 2] rotation matrices of angles θ [..], differentiable in θ. */
export const rotation2dOfAngle = publicFn(
  'rotation2dOfAngle',
  { theta: s.tensor({ dtype: 'float' }) },
  (theta: x.Tensor): x.Tensor => {
    const c = x.cos(theta);
    const sin = x.sin(theta);
    return x.reshape(x.stack([c, x.neg(sin), sin, c], -1), [...theta.shape, 2, 2]);
  },
);

/** A concrete quaternion tensor [.., 4] has finite entries and no zero quaternion (which has no rotation). */
function checkQuaternions(q: x.Tensor): void {
  const fnName = 'rotation3dOfQuaternion';
  const v = q.data() as ArrayLike<number>;
  for (let i = 0; i < v.length; i += 4) {
    const row = [v[i], v[i + 1], v[i + 2], v[i + 3]] as number[];
    if (!row.every(Number.isFinite))
      fail(x.ValueError, fnName, 'q', 'finite quaternions', `[${row.join(', ')}] at quaternion ${i / 4}`);
    if (row.every((e) => e === 0))
      fail(
        x.ValueError,
        fnName,
        'q',
        'non-zero quaternions (the zero quaternion has no rotation)',
        `[0, 0, 0, 0] at quaternion ${i / 4}`,
      );
  }
}

/**
 * [.., 3, 3] rotation matrices of quaternions q [.., 4] (normalised inside), differentiable in q. A
 * zero quaternion is an error when q's values are on the host, and gives NaN entries otherwise (traced,
 * or on a device): never the identity.
 */
export const rotation3dOfQuaternion = publicFn(
  'rotation3dOfQuaternion',
  { q: s.tensor({ dtype: 'float', rank: [1, Infinity] }) },
  (q: x.Tensor): x.Tensor => {
    if (q.shape[q.rank - 1] !== 4)
      fail(x.ShapeError, 'rotation3dOfQuaternion', 'q', 'quaternions [..., 4]', `[${q.shape.join(', ')}]`);
    if (!q.isTraced && !q.onDevice) checkQuaternions(q);
    // q/|q| with the largest magnitude divided out first (so that |q| neither overflows nor underflows); u does
    // not depend on that scale, so it is held constant for the gradient. A zero quaternion gives 0/0 = NaN.
    const top = x.stopGradient(x.max(x.abs(q), { axis: -1, keepDims: true }));
    const scaled = x.div(q, top);
    const u = x.div(scaled, x.sqrt(x.sum(x.square(scaled), { axis: -1, keepDims: true })));
    const part = (i: number): x.Tensor =>
      x.squeeze(
        x.slice(
          u,
          q.shape.map((_, a) => (a === q.rank - 1 ? i : null)),
          q.shape.map((d, a) => (a === q.rank - 1 ? i + 1 : d)),
        ),
        -1,
      );
    const [w, a, b, c] = [part(0), part(1), part(2), part(3)];
    const two = (p: x.Tensor, r: x.Tensor): x.Tensor => x.mul(2, x.mul(p, r));
    const entries = [
      x.sub(1, x.add(two(b, b), two(c, c))),
      x.sub(two(a, b), two(c, w)),
      x.add(two(a, c), two(b, w)),
      x.add(two(a, b), two(c, w)),
      x.sub(1, x.add(two(a, a), two(c, c))),
      x.sub(two(b, c), two(a, w)),
      x.sub(two(a, c), two(b, w)),
      x.add(two(b, c), two(a, w)),
      x.sub(1, x.add(two(a, a), two(b, b))),
    ];
    return x.reshape(x.stack(entries, -1), [...q.shape.slice(0, -1), 3, 3]);
  },
);

export const so2: Group<number[]> = { ...orthogonalGroup(2, true), parametrize: rotation2dOfAngle };
export const o2 = orthogonalGroup(2, false);
export const so3: Group<number[]> = { ...orthogonalGroup(3, true), parametrize: rotation3dOfQuaternion };
export const o3 = orthogonalGroup(3, false);

// ---- Euclidean motions, scaling, shifts of logits ----

/** A rigid motion x ↦ R·x + t of 3-space (R in SO(3) for SE(3), O(3) for E(3)). */
export interface Motion {
  readonly rotation: number[];
  readonly translation: number[];
}

function euclideanGroup(special: boolean, translationScale: number): Group<Motion> {
  const name = special ? 'SE(3)' : 'E(3)';
  const rot = special ? so3 : o3;
  const apply = (r: readonly number[], v: readonly number[]): number[] =>
    [0, 1, 2].map((i) => [0, 1, 2].reduce((acc, j) => acc + (r[i * 3 + j] as number) * (v[j] as number), 0));
  return {
    name,
    identity: () => ({ rotation: rot.identity(), translation: [0, 0, 0] }),
    compose: (g, h) => ({
      rotation: product(g.rotation, h.rotation, 3),
      translation: apply(g.rotation, h.translation).map((v, i) => v + (g.translation[i] as number)),
    }),
    inverse: (g) => {
      const rt = transpose(g.rotation, 3);
      return { rotation: rt, translation: apply(rt, g.translation).map((v) => -v) };
    },
    sample: (key, n) => {
      checkSample(name, key, n, 12);
      const [k1, k2] = x.random.split(key) as [RandomKey, RandomKey];
      const rots = rot.sample(k1, n);
      const t = normals(k2, 3 * n).map((v) => v * translationScale);
      return rots.map((r, i) => ({ rotation: r, translation: t.slice(3 * i, 3 * i + 3) }));
    },
    check: (g) => {
      const m = (typeof g === 'object' && g !== null ? g : {}) as { rotation?: unknown; translation?: unknown };
      if (
        !Array.isArray(m.translation) ||
        m.translation.length !== 3 ||
        !m.translation.every((v) => typeof v === 'number' && Number.isFinite(v))
      )
        fail(x.ShapeError, fn(name), 'g', '{ rotation: 9 numbers, translation: 3 finite numbers }', describe(g));
      return { rotation: rot.check(m.rotation), translation: m.translation as number[] };
    },
  };
}

const translationParams = { translationScale: s.optional(s.finite({ min: 0 })) };

/** The largest translation scale: standard normal draws (|z| < 9) times it stay finite. */
const MAX_TRANSLATION_SCALE = 1e300;

/** E(3) or SE(3) for a translation scale that passed its schema, on behalf of `fnName`. */
function motions(fnName: string, special: boolean, translationScale: number): Group<Motion> {
  if (translationScale > MAX_TRANSLATION_SCALE)
    fail(
      x.ValueError,
      fnName,
      'translationScale',
      `a number in [0, ${MAX_TRANSLATION_SCALE}] (sampled translations stay finite)`,
      String(translationScale),
    );
  return euclideanGroup(special, translationScale);
}

/** E(3) (rotations, reflections, translations; translations sampled with scale `translationScale`, default 1). */
export const e3 = publicFn('e3', translationParams, (translationScale = 1): Group<Motion> =>
  motions('e3', false, translationScale),
);
/** SE(3): rotations and translations. */
export const se3 = publicFn('se3', translationParams, (translationScale = 1): Group<Motion> =>
  motions('se3', true, translationScale),
);
