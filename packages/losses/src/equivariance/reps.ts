/**
 * @file Representations: how a group element acts on a tensor, and on which axis. Every action is
 * built from differentiable ops (matmul on the axis, gathers for permutations and rolls, flips), so
 * penalties and averages built on them differentiate through the model and run on every backend.
 */
import * as x from '@xent/core';
import { fail } from '@xent/core/internal';
import type { Tensor } from '@xent/core';
import { describe, formatShape } from '../validate.js';
import type { Group, GridElement, Motion } from './groups.js';

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

function axisOf(rep: string, t: Tensor, axis: number, size?: number): number {
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

/** The trivial representation: ρ(g) = I. */
export const trivialRep = <E>(group: Group<E>): Rep<E> => ({
  group,
  kind: 'trivial',
  name: `trivial(${group.name})`,
  act: (_g, t) => t,
});

/** y = R·x along `axis` (default −1) for orthogonal groups given as n×n matrices. */
export function matrixRep(group: Group<number[]>, options: { readonly axis?: number } = {}): Rep<number[]> {
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
      if (r.rank !== 2 || r.shape[0] !== n || r.shape[1] !== n)
        fail(x.ShapeError, fnOf(name), 'r', `a ${n}×${n} matrix`, formatShape(r.shape));
      return alongAxis(t, a, r);
    },
  };
}

/** (g·x)[i] = x[g[i]] along `axis`: S_n on a set axis (points, tokens, classes). */
export function permutationRep(group: Group<number[]>, options: { readonly axis?: number } = {}): Rep<number[]> {
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
}

/** Shifts along `axis` by g places (roll): Z_n on sequences, circular signals, grids. */
export function rollRep(group: Group<number>, options: { readonly axis?: number } = {}): Rep<number> {
  const axis = options.axis ?? -1;
  const name = `roll(${group.name}, axis ${axis})`;
  return { group, kind: 'indexMap', name, act: (g, t) => x.roll(t, group.check(g), axisOf(name, t, axis)) };
}

/** Reverses `axis` when g is true. */
export function flipRep(group: Group<boolean>, options: { readonly axis?: number } = {}): Rep<boolean> {
  const axis = options.axis ?? -1;
  const name = `flip(${group.name}, axis ${axis})`;
  return { group, kind: 'indexMap', name, act: (g, t) => (group.check(g) ? x.flip(t, [axisOf(name, t, axis)]) : t) };
}

/** C_4 / D_4 on the square grid spanned by `axes` (default [−2, −1]): quarter turns after an optional flip. */
export function gridRep(
  group: Group<GridElement>,
  options: { readonly axes?: readonly [number, number] } = {},
): Rep<GridElement> {
  const [ax, bx] = options.axes ?? [-2, -1];
  const name = `grid(${group.name}, axes ${ax}, ${bx})`;
  return {
    group,
    kind: 'indexMap',
    name,
    act: (g, t) => {
      const e = group.check(g);
      const a = axisOf(name, t, ax);
      const b = axisOf(name, t, bx);
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
}

/**
 * Rigid motions on a coordinate axis of size 3 (default −1): points move as R·x + t; with
 * `translate: false` (vectors, forces, normals) only R acts.
 */
export function motionRep(
  group: Group<Motion>,
  options: { readonly axis?: number; readonly translate?: boolean } = {},
): Rep<Motion> {
  const axis = options.axis ?? -1;
  const translate = options.translate ?? true;
  const name = `${translate ? 'affine' : 'linear'}(${group.name}, axis ${axis})`;
  return {
    group,
    kind: translate ? 'affine' : 'matrix',
    name,
    act: (g, t) => {
      const m = group.check(g);
      const shift = translate ? constantOf(m.translation, [3], t) : undefined;
      return alongAxis(t, axisOf(name, t, axis, 3), constantOf(m.rotation, [3, 3], t), shift);
    },
  };
}

/** x ↦ c^power·x for positive scalings c (power 1: equivariant outputs; 0: invariant ones). */
export function scaleRep(group: Group<number>, options: { readonly power?: number } = {}): Rep<number> {
  const power = options.power ?? 1;
  return {
    group,
    kind: 'scale',
    name: `scale^${power}(${group.name})`,
    act: (g, t) => x.mul(t, group.check(g) ** power),
  };
}

/** x ↦ x + g: a constant added to every entry (logit shifts). */
export function shiftRep(group: Group<number>): Rep<number> {
  return { group, kind: 'shift', name: `shift(${group.name})`, act: (g, t) => x.add(t, group.check(g)) };
}

/** (g, h) acting as ρ_a(g) then ρ_b(h), for product groups (S_n on points × SO(3) on coordinates). */
export function productRep<A, B>(group: Group<[A, B]>, a: Rep<A>, b: Rep<B>): Rep<[A, B]> {
  return { group, kind: 'product', name: `${a.name} ⊗ ${b.name}`, act: (g, t) => b.act(g[1], a.act(g[0], t)) };
}

/**
 * A direct sum along `axis`: consecutive blocks of the axis transform under their own reps of the
 * same group (scalars ⊕ vectors: `[{ size: 1, rep: trivialRep(G) }, { size: 3, rep: vectorRep }]`).
 * Each block's rep sees the block with the summed axis at the same position.
 */
export function directSum<E>(
  group: Group<E>,
  axis: number,
  blocks: readonly { readonly size: number; readonly rep: Rep<E> }[],
): Rep<E> {
  const total = blocks.reduce((s, b) => s + b.size, 0);
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
 * A transform that is not a group action (colour jitter, paraphrase-like perturbations): the
 * invariance penalty can use it; group and frame averaging refuse it (no inverse, no composition).
 */
export interface Transform {
  readonly kind: 'transform';
  readonly name: string;
  apply(key: x.RandomKey, t: Tensor): Tensor;
}

export const transform = (name: string, apply: (key: x.RandomKey, t: Tensor) => Tensor): Transform => ({
  kind: 'transform',
  name,
  apply,
});
