/**
 * @file `x.tree`: pytrees, the argument and result shape of every transform. A pytree is a tensor, or
 * an array, tuple or plain object of pytrees; any other value (a number, a string, null, a function, a
 * class instance) is a static leaf, kept in the structure. Leaves are listed depth first, keys in order.
 */
import { fail, ValueError } from '../errors.js';
import type { Tensor } from '../trace/tensor.js';
import { flattenTree, leavesLike, unflattenTree } from './flatten.js';
import { TreeDef } from './treeDef.js';
import type { TreeLeaf, TreeMap } from './types.js';

export type { StaticLeaf, TreeLeaf, TreeMap } from './types.js';
export type { TreeDef, TreeNode } from './treeDef.js';

function requireFunction(fn: string, arg: string, f: unknown): void {
  if (typeof f !== 'function') fail(ValueError, fn, arg, 'a function', typeof f);
}

/** The tensor leaves of `tree` and its structure (what `unflatten` rebuilds from). */
export function flatten<T>(tree: T): [leaves: TreeLeaf<T>[], structure: TreeDef<T>] {
  const { leaves: ls, def } = flattenTree('tree.flatten', 'tree', tree);
  return [ls as TreeLeaf<T>[], def];
}

/** A tree of `structure` with `leaves` (any values, one per tensor slot, in leaf order) in its tensor slots. */
export function unflatten<T, L>(structure: TreeDef<T>, leaves: readonly L[]): TreeMap<T, L> {
  const fn = 'tree.unflatten';
  if (!(structure instanceof TreeDef))
    fail(ValueError, fn, 'structure', 'a TreeDef (from x.tree.structure)', typeof structure);
  if (!Array.isArray(leaves) || leaves.length !== structure.numLeaves) {
    const got = Array.isArray(leaves) ? `${leaves.length}` : typeof leaves;
    fail(ValueError, fn, 'leaves', `an array of ${structure.numLeaves} leaves (one per tensor slot)`, got);
  }
  return unflattenTree(structure, leaves);
}

/** The structure of `tree`: its containers and static leaves, with a slot per tensor. */
export function structure<T>(tree: T): TreeDef<T> {
  return flattenTree('tree.structure', 'tree', tree).def;
}

/** The tensor leaves of `tree`, depth first. */
export function leaves<T>(tree: T): TreeLeaf<T>[] {
  return flattenTree('tree.leaves', 'tree', tree).leaves as TreeLeaf<T>[];
}

/** `tree` with `f` applied to each tensor leaf; containers are rebuilt, static leaves kept. */
export function map<T, U>(tree: T, f: (leaf: TreeLeaf<T>) => U): TreeMap<T, U> {
  requireFunction('tree.map', 'f', f);
  const { leaves: ls, def } = flattenTree('tree.map', 'tree', tree);
  return unflattenTree(
    def,
    ls.map((l) => f(l as TreeLeaf<T>)),
  );
}

/**
 * `f` applied to the tensor leaves of `a` and `b` in pairs. `b` must have `a`'s structure (objects are
 * matched by key); the result has `a`'s, with `a`'s static leaves.
 */
export function map2<T, U>(a: T, b: TreeMap<T, Tensor>, f: (a: TreeLeaf<T>, b: Tensor) => U): TreeMap<T, U> {
  requireFunction('tree.map2', 'f', f);
  const { leaves: ls, def } = flattenTree('tree.map2', 'a', a);
  const others = leavesLike('tree.map2', 'b', def, b);
  return unflattenTree(
    def,
    ls.map((l, i) => f(l as TreeLeaf<T>, others[i] as Tensor)),
  );
}
