/**
 * @file `x.tree`: pytrees, the argument and result shape of every transform. A pytree is a tensor, or
 * an array, tuple or plain object of pytrees; any other value (a number, a string, null, a function, a
 * class instance) is a static leaf, kept in the structure. Leaves are listed depth first, keys in order.
 */
import { fail, ValueError } from '../errors.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { flattenTree, leavesLike, unflattenTree } from './flatten.js';
import { TreeDef } from './treeDef.js';
import type { TreeLeaf, TreeMap } from './types.js';

export type { StaticLeaf, TreeLeaf, TreeMap } from './types.js';
export type { TreeDef, TreeNode } from './treeDef.js';

function flattenImpl<T>(tree: T): [leaves: TreeLeaf<T>[], structure: TreeDef<T>] {
  const { leaves: ls, def } = flattenTree('flatten', 'tree', tree);
  return [ls as TreeLeaf<T>[], def];
}

/** The tensor leaves of `tree` and its structure (what `unflatten` rebuilds from). */
export const flatten = publicFn('flatten', { tree: s.anything }, flattenImpl);

function unflattenImpl<T, L>(structure: TreeDef<T>, leaves: readonly L[]): TreeMap<T, L> {
  if (leaves.length !== structure.numLeaves)
    fail(
      ValueError,
      'unflatten',
      'leaves',
      `an array of ${structure.numLeaves} leaves (one per tensor slot)`,
      `${leaves.length}`,
    );
  return unflattenTree(structure, leaves);
}

/** A tree of `structure` with `leaves` (any values, one per tensor slot, in leaf order) in its tensor slots. */
export const unflatten = publicFn(
  'unflatten',
  {
    structure: s.custom(
      'a TreeDef (from x.tree.structure)',
      (v): v is TreeDef => v instanceof TreeDef,
      () => new TreeDef({ kind: 'array', children: [] }, 0),
    ),
    leaves: s.array(s.anything),
  },
  unflattenImpl,
);

function structureImpl<T>(tree: T): TreeDef<T> {
  return flattenTree('structure', 'tree', tree).def;
}

/** The structure of `tree`: its containers and static leaves, with a slot per tensor. */
export const structure = publicFn('structure', { tree: s.anything }, structureImpl);

function leavesImpl<T>(tree: T): TreeLeaf<T>[] {
  return flattenTree('leaves', 'tree', tree).leaves as TreeLeaf<T>[];
}

/** The tensor leaves of `tree`, depth first. */
export const leaves = publicFn('leaves', { tree: s.anything }, leavesImpl);

function mapImpl<T, U>(tree: T, f: (leaf: TreeLeaf<T>) => U): TreeMap<T, U> {
  const { leaves: ls, def } = flattenTree('map', 'tree', tree);
  return unflattenTree(
    def,
    ls.map((l) => f(l as TreeLeaf<T>)),
  );
}

/** `tree` with `f` applied to each tensor leaf; containers are rebuilt, static leaves kept. */
export const map = publicFn('map', { tree: s.anything, f: s.fn }, mapImpl);

function map2Impl<T, U>(a: T, b: TreeMap<T, Tensor>, f: (a: TreeLeaf<T>, b: Tensor) => U): TreeMap<T, U> {
  const { leaves: ls, def } = flattenTree('map2', 'a', a);
  const others = leavesLike('map2', 'b', def, b);
  return unflattenTree(
    def,
    ls.map((l, i) => f(l as TreeLeaf<T>, others[i] as Tensor)),
  );
}

/**
 * `f` applied to the tensor leaves of `a` and `b` in pairs. `b` must have `a`'s structure (objects are
 * matched by key); the result has `a`'s, with `a`'s static leaves.
 */
export const map2 = publicFn('map2', { a: s.anything, b: s.anything, f: s.fn }, map2Impl);
