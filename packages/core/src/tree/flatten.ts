/**
 * @file Flattening a pytree into its tensor leaves and its structure, rebuilding it, and matching a
 * second tree against a structure. Arrays and plain objects are containers; tensors are leaves;
 * everything else is a static leaf kept in the structure.
 */
import { BackendError, fail, ValueError } from '../errors.js';
import { formatType } from '../ir/printer.js';
import { Tensor } from '../trace/tensor.js';
import { childPath, formatStatic, TreeDef, type TreeNode } from './treeDef.js';
import type { TreeMap } from './types.js';

/** An array, or an object whose prototype is `Object.prototype` or `null`. */
export function isContainer(v: unknown): v is object {
  if (Array.isArray(v)) return true;
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** What a value is, for messages about trees. */
export function describeNode(v: unknown): string {
  if (v instanceof Tensor) return `Tensor ${formatType(v.node.type)}`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (isContainer(v)) return `an object with keys {${Object.keys(v).join(', ')}}`;
  if (typeof v === 'string') return `string ${v}`;
  return typeof v === 'object' || typeof v === 'function' ? formatStatic(v) : `${typeof v} ${formatStatic(v)}`;
}

const tensorSlot: TreeNode = { kind: 'tensor' };

/** A pytree's tensor leaves (depth first, keys in order) and its structure. */
export interface Flat<T = unknown> {
  readonly leaves: readonly Tensor[];
  readonly def: TreeDef<T>;
}

/** Flattens `tree`; a cycle or a symbol-keyed property is a ValueError naming its path under `root`. */
export function flattenTree<T>(fn: string, root: string, tree: T): Flat<T> {
  const leaves: Tensor[] = [];
  const open = new Map<object, string>();
  const walk = (v: unknown, path: string): TreeNode => {
    if (v instanceof Tensor) {
      if (v.disposed)
        fail(
          BackendError,
          fn,
          path,
          'a Tensor that is not disposed',
          `a ${formatType(v.node.type)} tensor that was disposed`,
        );
      leaves.push(v as Tensor);
      return tensorSlot;
    }
    if (!isContainer(v)) return { kind: 'static', value: v };
    const enclosing = open.get(v);
    if (enclosing !== undefined) fail(ValueError, fn, path, 'a pytree without cycles', `a reference to '${enclosing}'`);
    open.set(v, path);
    let node: TreeNode;
    if (Array.isArray(v)) {
      node = { kind: 'array', children: Array.from(v as unknown[], (c, i) => walk(c, childPath(path, i))) };
    } else {
      const symbol = Object.getOwnPropertySymbols(v).find((s) => Object.prototype.propertyIsEnumerable.call(v, s));
      if (symbol !== undefined)
        fail(ValueError, fn, path, 'a plain object with string keys', `the symbol key ${symbol.toString()}`);
      const keys = Object.keys(v);
      const record = v as Readonly<Record<string, unknown>>;
      node = {
        kind: 'object',
        keys,
        children: keys.map((k) => walk(record[k], childPath(path, k))),
        nullProto: Object.getPrototypeOf(v) === null,
      };
    }
    open.delete(v);
    return node;
  };
  const top = walk(tree, root);
  return { leaves, def: new TreeDef<T>(top, leaves.length) };
}

/** Rebuilds a tree of `def`'s structure with `leaves` in its tensor slots (fresh containers, static leaves as they were). */
export function unflattenTree<T, L>(def: TreeDef<T>, leaves: readonly L[]): TreeMap<T, L> {
  let k = 0;
  const build = (n: TreeNode): unknown => {
    switch (n.kind) {
      case 'tensor':
        return leaves[k++];
      case 'static':
        return n.value;
      case 'array':
        return n.children.map(build);
      case 'object': {
        const entries = Object.fromEntries(n.keys.map((key, i) => [key, build(n.children[i] as TreeNode)]));
        return n.nullProto ? Object.assign(Object.create(null) as object, entries) : entries;
      }
    }
  };
  return build(def.root) as TreeMap<T, L>;
}

/** The path under `root` of each tensor slot of `def`, in leaf order. */
export function leafPaths(def: TreeDef, root: string): string[] {
  const paths: string[] = [];
  const walk = (n: TreeNode, path: string): void => {
    switch (n.kind) {
      case 'tensor':
        paths.push(path);
        return;
      case 'static':
        return;
      case 'array':
        n.children.forEach((c, i) => {
          walk(c, childPath(path, i));
        });
        return;
      case 'object':
        n.keys.forEach((k, i) => {
          walk(n.children[i] as TreeNode, childPath(path, k));
        });
    }
  };
  walk(def.root, root);
  return paths;
}

/**
 * The tensor leaves of `given` in the leaf order of `like`: `given` must have the same containers (objects
 * matched by key, in any order) with a tensor in every tensor slot and a non-tensor in every static one.
 */
export function leavesLike(fn: string, root: string, like: TreeDef, given: unknown): Tensor[] {
  const out: Tensor[] = [];
  const walk = (n: TreeNode, v: unknown, path: string): void => {
    const mismatch = (expected: string): never => fail(ValueError, fn, path, expected, describeNode(v));
    switch (n.kind) {
      case 'tensor':
        if (!(v instanceof Tensor)) mismatch('a Tensor');
        out.push(v as Tensor);
        return;
      case 'static':
        if (v instanceof Tensor || isContainer(v)) mismatch(`a static leaf (like ${formatStatic(n.value)})`);
        return;
      case 'array':
        if (!Array.isArray(v) || v.length !== n.children.length) mismatch(`an array of length ${n.children.length}`);
        n.children.forEach((c, i) => {
          walk(c, (v as readonly unknown[])[i], childPath(path, i));
        });
        return;
      case 'object': {
        const keys = isContainer(v) && !Array.isArray(v) ? Object.keys(v) : undefined;
        if (keys?.length !== n.keys.length || !n.keys.every((k) => Object.hasOwn(v as object, k)))
          mismatch(`an object with keys {${n.keys.join(', ')}}`);
        n.keys.forEach((k, i) => {
          walk(n.children[i] as TreeNode, (v as Readonly<Record<string, unknown>>)[k], childPath(path, k));
        });
      }
    }
  };
  walk(like.root, given, root);
  return out;
}
