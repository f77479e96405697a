/**
 * @file Representations: how a group element acts on a tensor, and on which axis. Every action is
 * built from differentiable ops (matmul on the axis, gathers for permutations and rolls, flips), so
 * penalties and averages built on them differentiate through the model and run on every backend.
 */
import * as x from '@xent/core';
import { describe, fail, publicFn, s, type Schema } from '@xent/core/internal';
import type { Tensor } from '@xent/core';
import { formatShape } from '../validate.js';
import { count, MAX_GROUP_SIZE } from './args.js';
import {
  cyclicGroup,
  c4,
  e3,
  flipGroup,
  type Group,
  groupSchema,
  isGroup,
  type GridElement,
  type Motion,
  scalingGroup,
  shiftGroup,
  so2,
  symmetricGroup,
} from './groups.js';

export type RepKind = 'trivial' | 'matrix' | 'indexMap' | 'affine' | 'scale' | 'shift' | 'product' | 'directSum';

/** How elements of `group` act on tensors. */
export interface Rep<E> {
  readonly group: Group<E>;
  readonly kind: RepKind;
  readonly name: string;
  /** ρ(g)·x. */
  act(g: E, x: Tensor): Tensor;
  /** The matrix of ρ(g) for linear reps on one axis (row-major size×size), for homomorphism checks. */
  matrix?(g: E): number[];
  /** ρ given as a matrix tensor (from `group.parametrize`): differentiable in the matrix. */
  actByMatrix?(r: Tensor, x: Tensor): Tensor;
}

const fnOf = (rep: string): string => `equivariance.${rep}`;

const repKinds: readonly RepKind[] = [
  'trivial',
  'matrix',
  'indexMap',
  'affine',
  'scale',
  'shift',
  'product',
  'directSum',
];

/** Whether `v` has a representation's group, kind, name and action. */
export const isRep = (v: unknown): v is Rep<unknown> => {
  const r = v as Partial<Rep<unknown>> | null;
  return (
    typeof v === 'object' &&
    r !== null &&
    isGroup(r.group) &&
    repKinds.includes(r.kind as RepKind) &&
    typeof r.name === 'string' &&
    typeof r.act === 'function'
  );
};

/** A representation (`equivariance.matrixRep(so3)`...). */
export const repSchema: Schema<Rep<unknown>> = s.custom(
  'a representation (equivariance.matrixRep(so3), equivariance.permutationRep(symmetricGroup(n)), …)',
  isRep,
  () => matrixRep(so2) as Rep<unknown>,
);

const isTransform = (v: unknown): v is Transform =>
  typeof v === 'object' &&
  v !== null &&
  (v as { kind?: unknown }).kind === 'transform' &&
  typeof (v as { name?: unknown }).name === 'string' &&
  typeof (v as { apply?: unknown }).apply === 'function';

/** A representation, or a transform from `equivariance.transform` (for penalties only). */
export const repOrTransformSchema = s.custom(
  'a representation or a transform (equivariance.transform(name, apply))',
  (v): v is Rep<unknown> | Transform => isRep(v) || isTransform(v),
  () => transform('identity', (_key, t) => t),
);

/** The identity element of `v` when it is a group whose identity() returns without throwing. */
function identityOf(v: unknown): { ok: true; e: unknown } | { ok: false } {
  if (!isGroup(v)) return { ok: false };
  try {
    return { ok: true, e: v.identity() };
  } catch {
    return { ok: false };
  }
}

/** A group whose identity element passes `test` (the elements a rep knows how to act with). */
function groupOf<E>(
  expected: string,
  test: (e: unknown, g: Group<unknown>) => boolean,
  example: () => Group<E>,
): Schema<Group<E>> {
  return s.custom(
    expected,
    (v): v is Group<E> => {
      const id = identityOf(v);
      return id.ok && test(id.e, v as Group<unknown>);
    },
    example,
  );
}

/** The n×n identity matrix, row-major, for some n ≥ 1. */
const isIdentityMatrix = (e: unknown): boolean => {
  if (!Array.isArray(e) || e.length === 0) return false;
  const n = Math.sqrt(e.length);
  return Number.isInteger(n) && e.every((v, k) => v === (k % (n + 1) === 0 ? 1 : 0));
};

const matrixGroup = groupOf<number[]>(
  'a group of n×n matrices (equivariance.so2, o2, so3, o3)',
  isIdentityMatrix,
  () => so2,
);
const permutationGroup = groupOf<number[]>(
  'a permutation group (equivariance.symmetricGroup(n))',
  (e) => Array.isArray(e) && e.every((v, i) => v === i),
  () => symmetricGroup(3),
);
const cyclic = groupOf<number>(
  'a cyclic group of shifts (equivariance.cyclicGroup(n))',
  (e, g) => e === 0 && typeof g.elements === 'function',
  () => cyclicGroup(4),
);
const flips = groupOf<boolean>(
  'a group of flips (equivariance.flipGroup)',
  (e) => e === false,
  () => flipGroup,
);
const gridGroup = groupOf<GridElement>(
  'a group of grid turns (equivariance.c4 or equivariance.d4)',
  (e) => typeof e === 'object' && e !== null && 'turns' in e && 'flip' in e,
  () => c4,
);
const motionGroup = groupOf<Motion>(
  'a group of rigid motions (equivariance.e3() or equivariance.se3())',
  (e) => typeof e === 'object' && e !== null && 'rotation' in e && 'translation' in e,
  () => e3(),
);
const scalingGroupSchema = groupOf<number>(
  'a group of positive scalings (equivariance.scalingGroup())',
  (e) => e === 1,
  () => scalingGroup(),
);
const shiftGroupSchema = groupOf<number>(
  'the group of shifts of the real line (equivariance.shiftGroup())',
  (e, g) => e === 0 && g.elements === undefined,
  () => shiftGroup(),
);

/** `t` is a tensor, for a rep's action. */
function tensorIn(rep: string, t: unknown): Tensor {
  if (!(t instanceof x.Tensor)) fail(x.ValueError, fnOf(rep), 'x', 'a Tensor', describe(t));
  return t as Tensor;
}

function axisOf(rep: string, t: Tensor, axis: number, size?: number): number {
  tensorIn(rep, t);
  const a = axis < 0 ? axis + t.rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= t.rank)
    fail(x.AxisError, fnOf(rep), 'axis', `an axis of a rank-${t.rank} tensor`, describe(axis));
  if (size !== undefined && t.shape[a] !== size)
    fail(
      x.ShapeError,
      fnOf(rep),
      'x',
      `size ${size} along axis ${axis} (the representation's dimension)`,
      `shape ${formatShape(t.shape)}`,
    );
  return a;
}

/** Row-major host numbers as a constant [n, n] (or [n]) tensor of `like`'s dtype. */
const constantOf = (values: readonly number[], shape: readonly number[], like: Tensor): Tensor =>
  x.cast(x.tensor(Float64Array.from(values), { shape, dtype: 'f64' }), like.dtype);

/** y = R·x along axis `a` (then + t when given): the vectors of that axis are rows, so y = x·Rᵀ. */
function alongAxis(t: Tensor, a: number, r: Tensor, translation?: Tensor): Tensor {
  const rotated = x.matmul(x.moveAxis(t, a, -1), x.transpose(r));
  return x.moveAxis(translation === undefined ? rotated : x.add(rotated, translation), -1, a);
}

function trivialRepImpl<E>(group: Group<E>): Rep<E> {
  const name = `trivial(${group.name})`;
  return { group, kind: 'trivial', name, act: (_g, t) => tensorIn(name, t) };
}

/** The trivial representation: ρ(g) = I. */
export const trivialRep = publicFn('trivialRep', { group: groupSchema }, trivialRepImpl);

const axisOption = s.options({ axis: s.optional(s.axis) });

/** y = R·x along `axis` (default −1) for orthogonal groups given as n×n matrices. */
export const matrixRep = publicFn(
  'matrixRep',
  { group: matrixGroup, options: axisOption },
  (group: Group<number[]>, options: { readonly axis?: number } = {}): Rep<number[]> => {
    const axis = options.axis ?? -1;
    const n = Math.round(Math.sqrt(group.identity().length));
    const name = `matrix(${group.name}, axis ${axis})`;
    return {
      group,
      kind: 'matrix',
      name,
      act: (g, t) => alongAxis(t, axisOf(name, t, axis, n), constantOf(group.check(g), [n, n], t)),
      matrix: (g) => group.check(g),
      actByMatrix: (r, t) => {
        const a = axisOf(name, t, axis, n);
        if (!(r instanceof x.Tensor) || r.rank !== 2 || r.shape[0] !== n || r.shape[1] !== n)
          fail(
            x.ShapeError,
            fnOf(name),
            'r',
            `a ${n}×${n} matrix`,
            r instanceof x.Tensor ? formatShape(r.shape) : describe(r),
          );
        return alongAxis(t, a, r);
      },
    };
  },
);

/** (g·x)[i] = x[g[i]] along `axis` (default 0): S_n on a set axis (points, tokens, classes). */
export const permutationRep = publicFn(
  'permutationRep',
  { group: permutationGroup, options: axisOption },
  (group: Group<number[]>, options: { readonly axis?: number } = {}): Rep<number[]> => {
    const axis = options.axis ?? 0;
    const n = group.identity().length;
    const name = `permutation(${group.name}, axis ${axis})`;
    return {
      group,
      kind: 'indexMap',
      name,
      act: (g, t) =>
        x.take(t, x.tensor(Int32Array.from(group.check(g)), { shape: [n], dtype: 'i32' }), {
          axis: axisOf(name, t, axis, n),
        }),
      matrix: (g) => {
        const p = group.check(g);
        return Array.from({ length: n * n }, (_, k) => (p[Math.floor(k / n)] === k % n ? 1 : 0));
      },
    };
  },
);

/** Shifts along `axis` (default −1) by g places (roll): Z_n on sequences, circular signals, grids. */
export const rollRep = publicFn(
  'rollRep',
  { group: cyclic, options: axisOption },
  (group: Group<number>, options: { readonly axis?: number } = {}): Rep<number> => {
    const axis = options.axis ?? -1;
    const name = `roll(${group.name}, axis ${axis})`;
    return { group, kind: 'indexMap', name, act: (g, t) => x.roll(t, group.check(g), axisOf(name, t, axis)) };
  },
);

/** Reverses `axis` (default −1) when g is true. */
export const flipRep = publicFn(
  'flipRep',
  { group: flips, options: axisOption },
  (group: Group<boolean>, options: { readonly axis?: number } = {}): Rep<boolean> => {
    const axis = options.axis ?? -1;
    const name = `flip(${group.name}, axis ${axis})`;
    return {
      group,
      kind: 'indexMap',
      name,
      act: (g, t) => {
        const a = axisOf(name, t, axis);
        return group.check(g) ? x.flip(t, [a]) : t;
      },
    };
  },
);

/** C_4 / D_4 on the square grid spanned by two distinct `axes` (default [−2, −1]): quarter turns after an optional flip. */
export const gridRep = publicFn(
  'gridRep',
  { group: gridGroup, options: s.options({ axes: s.optional(s.array(s.axis)) }) },
  (group: Group<GridElement>, options: { readonly axes?: readonly [number, number] } = {}): Rep<GridElement> => {
    const axes: readonly number[] = options.axes ?? [-2, -1];
    if (axes.length !== 2 || axes[0] === axes[1])
      fail(x.ValueError, 'gridRep', 'axes', 'two distinct axes [a, b]', `[${axes.join(', ')}]`);
    const [ax, bx] = axes as readonly [number, number];
    const name = `grid(${group.name}, axes ${ax}, ${bx})`;
    return {
      group,
      kind: 'indexMap',
      name,
      act: (g, t) => {
        const e = group.check(g);
        const a = axisOf(name, t, ax);
        const b = axisOf(name, t, bx);
        if (a === b)
          fail(x.AxisError, fnOf(name), 'axes', `two distinct axes of a rank-${t.rank} tensor`, `${ax} and ${bx}`);
        if (t.shape[a] !== t.shape[b])
          fail(x.ShapeError, fnOf(name), 'x', `a square grid on axes ${ax}, ${bx}`, `shape ${formatShape(t.shape)}`);
        const perm = t.shape.map((_, i) => (i === a ? b : i === b ? a : i));
        // One quarter turn: r(x)[i, j] = x[j, n − 1 − i]; the flip F reverses axis a.
        const turn = (u: Tensor): Tensor => x.flip(x.transpose(u, perm), [a]);
        let out = e.flip ? x.flip(t, [a]) : t;
        for (let k = 0; k < e.turns; k++) out = turn(out);
        return out;
      },
    };
  },
);

/**
 * Rigid motions on a coordinate axis of size 3 (default −1): points move as R·x + t; with
 * `translate: false` (vectors, forces, normals) only R acts.
 */
export const motionRep = publicFn(
  'motionRep',
  { group: motionGroup, options: s.options({ axis: s.optional(s.axis), translate: s.optional(s.boolean) }) },
  (group: Group<Motion>, options: { readonly axis?: number; readonly translate?: boolean } = {}): Rep<Motion> => {
    const axis = options.axis ?? -1;
    const translate = options.translate ?? true;
    const name = `${translate ? 'affine' : 'linear'}(${group.name}, axis ${axis})`;
    return {
      group,
      kind: translate ? 'affine' : 'matrix',
      name,
      act: (g, t) => {
        const a = axisOf(name, t, axis, 3);
        const m = group.check(g);
        const shift = translate ? constantOf(m.translation, [3], t) : undefined;
        return alongAxis(t, a, constantOf(m.rotation, [3, 3], t), shift);
      },
    };
  },
);

/** x ↦ c^power·x for positive scalings c (power 1, the default: equivariant outputs; 0: invariant ones). */
export const scaleRep = publicFn(
  'scaleRep',
  { group: scalingGroupSchema, options: s.options({ power: s.optional(s.finite()) }) },
  (group: Group<number>, options: { readonly power?: number } = {}): Rep<number> => {
    const power = options.power ?? 1;
    const name = `scale^${power}(${group.name})`;
    return { group, kind: 'scale', name, act: (g, t) => x.mul(tensorIn(name, t), group.check(g) ** power) };
  },
);

/** x ↦ x + g: a constant added to every entry (logit shifts). */
export const shiftRep = publicFn('shiftRep', { group: shiftGroupSchema }, (group: Group<number>): Rep<number> => {
  const name = `shift(${group.name})`;
  return { group, kind: 'shift', name, act: (g, t) => x.add(tensorIn(name, t), group.check(g)) };
});

function productRepImpl<A, B>(group: Group<[A, B]>, a: Rep<A>, b: Rep<B>): Rep<[A, B]> {
  const expected = `${a.group.name} × ${b.group.name}`;
  if (group.name !== expected)
    fail(
      x.ValueError,
      'productRep',
      'group',
      `the product of the reps' groups (equivariance.productGroup(${a.group.name}, ${b.group.name}))`,
      `the group ${group.name}`,
    );
  return { group, kind: 'product', name: `${a.name} ⊗ ${b.name}`, act: (g, t) => b.act(g[1], a.act(g[0], t)) };
}

/** (g, h) acting as ρ_a(g) then ρ_b(h), for product groups (S_n on points × SO(3) on coordinates). */
export const productRep = publicFn('productRep', { group: groupSchema, a: repSchema, b: repSchema }, productRepImpl);

function directSumImpl<E>(
  group: Group<E>,
  axis: number,
  blocks: readonly { readonly size: number; readonly rep: Rep<E> }[],
): Rep<E> {
  blocks.forEach((b, i) => {
    if (b.rep.group.name !== group.name)
      fail(x.ValueError, 'directSum', `blocks[${i}].rep`, `a representation of ${group.name}`, b.rep.name);
  });
  const total = blocks.reduce((sum, b) => sum + b.size, 0);
  const name = `⊕(${blocks.map((b) => b.rep.name).join(', ')})`;
  return {
    group,
    kind: 'directSum',
    name,
    act: (g, t) => {
      const a = axisOf(name, t, axis, total);
      let start = 0;
      const parts = blocks.map((b) => {
        const lo = t.shape.map((_, i) => (i === a ? start : null));
        const hi = t.shape.map((d, i) => (i === a ? start + b.size : d));
        start += b.size;
        return b.rep.act(g, x.slice(t, lo, hi));
      });
      return x.concat(parts, a);
    },
  };
}

/**
 * A direct sum along `axis`: consecutive blocks of the axis transform under their own reps of the
 * same group (scalars ⊕ vectors: `[{ size: 1, rep: trivialRep(G) }, { size: 3, rep: vectorRep }]`).
 * Each block's rep sees the block with the summed axis at the same position.
 */
export const directSum = publicFn(
  'directSum',
  {
    group: groupSchema,
    axis: s.axis,
    blocks: s.array(
      s.options({ size: count(1, MAX_GROUP_SIZE, 'entries', 'the largest group size'), rep: repSchema }),
      { minLength: 1 },
    ),
  },
  directSumImpl,
);

/**
 * A transform that is not a group action (colour jitter, paraphrase-like perturbations): the
 * invariance penalty can use it; group and frame averaging refuse it (no inverse, no composition).
 */
export interface Transform {
  readonly kind: 'transform';
  readonly name: string;
  apply(key: x.RandomKey, t: Tensor): Tensor;
}

/** A named transform: `apply(key, x)` draws one perturbation of x with `key`. */
export const transform = publicFn(
  'transform',
  { name: s.string, apply: s.fn },
  (name: string, apply: (key: x.RandomKey, t: Tensor) => Tensor): Transform => ({ kind: 'transform', name, apply }),
);
