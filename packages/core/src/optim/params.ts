/**
 * @file The trees an optimizer walks: a tree of float tensors (parameters, gradients), and gradient and
 * state trees matched against it leaf by leaf (structure, shape, dtype), each error naming the path.
 */
import { DTypeError, fail, ShapeError, ValueError } from '../errors.js';
import type { FloatDType } from '../ir/dtype.js';
import { formatType } from '../ir/printer.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';
import { describeNode, flattenTree, isContainer, leafPaths, leavesLike, unflattenTree } from '../tree/flatten.js';
import type { TreeDef } from '../tree/treeDef.js';

/** A flattened tree of float tensors: its structure, its leaves and their paths. */
export interface FloatLeaves {
  readonly def: TreeDef;
  readonly leaves: readonly Tensor<ShapeT, FloatDType>[];
  readonly paths: readonly string[];
}

/** Flattens `tree` (named `arg`); every tensor leaf must be f32 or f64. */
export function floatLeaves(fn: string, arg: string, tree: unknown): FloatLeaves {
  const { leaves, def } = flattenTree(fn, arg, tree);
  const paths = leafPaths(def, arg);
  leaves.forEach((t, i) => {
    if (t.dtype !== 'f32' && t.dtype !== 'f64')
      fail(DTypeError, fn, paths[i] as string, 'a floating-point tensor (f32 or f64)', `dtype ${t.dtype}`);
  });
  return { def, leaves: leaves as Tensor<ShapeT, FloatDType>[], paths };
}

/** The leaves of `given` (named `arg`): `like`'s structure, and each leaf its counterpart's shape and dtype. */
export function leavesAs(fn: string, arg: string, like: FloatLeaves, given: unknown): Tensor<ShapeT, FloatDType>[] {
  const leaves = leavesLike(fn, arg, like.def, given);
  const paths = leafPaths(like.def, arg);
  leaves.forEach((t, i) => {
    const want = (like.leaves[i] as Tensor).node.type;
    const got = t.node.type;
    if (
      got.dtype !== want.dtype ||
      got.shape.length !== want.shape.length ||
      got.shape.some((d, j) => d !== want.shape[j])
    )
      fail(
        got.dtype === want.dtype ? ShapeError : DTypeError,
        fn,
        paths[i] as string,
        `${formatType(want)} (as ${like.paths[i] as string})`,
        formatType(got),
      );
  });
  return leaves as Tensor<ShapeT, FloatDType>[];
}

/** An optimizer state's fields: it must be an object with exactly `keys` (as `init` made it). */
export function stateFields<K extends string>(
  fn: string,
  state: unknown,
  keys: readonly K[],
): Readonly<Record<K, unknown>> {
  if (
    !isContainer(state) ||
    Array.isArray(state) ||
    Object.keys(state).length !== keys.length ||
    !keys.every((k) => Object.hasOwn(state, k))
  )
    fail(ValueError, fn, 'state', `an object with keys {${keys.join(', ')}} (as init made it)`, describeNode(state));
  return state as Readonly<Record<K, unknown>>;
}

/** A tree of `like`'s structure (static leaves kept) with `leaves` in its tensor slots. */
export const rebuild = <P>(like: FloatLeaves, leaves: readonly Tensor[]): P => unflattenTree(like.def, leaves) as P;
