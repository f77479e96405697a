/** @file A pytree's structure (TreeDef): containers and static leaves, with a slot per tensor leaf; its cache key and text. */
import { staticKey } from './staticKey.js';

/**
 * One node of a structure: a tensor slot, a static leaf (kept by value), an array (or tuple), or a
 * plain object (its own string keys in order; `nullProto` for `Object.create(null)` objects).
 */
export type TreeNode =
  | { readonly kind: 'tensor' }
  | { readonly kind: 'static'; readonly value: unknown }
  | { readonly kind: 'array'; readonly children: readonly TreeNode[] }
  | {
      readonly kind: 'object';
      readonly keys: readonly string[];
      readonly children: readonly TreeNode[];
      readonly nullProto: boolean;
    };

/** The text of a static leaf in messages: numbers as written (−0 too), strings quoted, objects by kind. */
export function formatStatic(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'string':
      return JSON.stringify(v);
    case 'bigint':
      return `${v}n`;
    case 'symbol':
      return v.toString();
    case 'function':
      return v.name === '' ? '<function>' : `<function ${v.name}>`;
    case 'object': {
      if (v === null) return 'null';
      const proto: unknown = Object.getPrototypeOf(v);
      const ctor = (proto as { readonly constructor?: { readonly name?: unknown } } | null)?.constructor?.name;
      return `<${typeof ctor === 'string' && ctor !== '' ? ctor : 'object'}>`;
    }
    case 'boolean':
    case 'undefined':
      return String(v);
  }
}

const identifier = /^[A-Za-z_$][\w$]*$/;

/** `path.key`, or `path["key"]` where the key is not an identifier. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return identifier.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function nodeKey(n: TreeNode): string {
  switch (n.kind) {
    case 'tensor':
      return '*';
    case 'static':
      return staticKey(n.value);
    case 'array':
      return `[${n.children.map(nodeKey).join(',')}]`;
    case 'object':
      return `{${n.nullProto ? '~' : ''}${n.keys.map((k, i) => `${JSON.stringify(k)}:${nodeKey(n.children[i] as TreeNode)}`).join(',')}}`;
  }
}

/** A structure as text: `{w: *, b: *, lr: 0.1}`, `*` marking a tensor slot. */
export function formatNode(n: TreeNode): string {
  switch (n.kind) {
    case 'tensor':
      return '*';
    case 'static':
      return formatStatic(n.value);
    case 'array':
      return `[${n.children.map(formatNode).join(', ')}]`;
    case 'object':
      return `{${n.keys.map((k, i) => `${identifier.test(k) ? k : JSON.stringify(k)}: ${formatNode(n.children[i] as TreeNode)}`).join(', ')}}`;
  }
}

/**
 * The structure of a pytree of type `T`: everything but its tensors. `numLeaves` counts the tensor
 * slots; `key` is equal for two structures exactly when they are interchangeable (same containers,
 * same key order, static leaves equal by `Object.is` for primitives and by identity otherwise).
 */
export class TreeDef<out T = unknown> {
  /** Type-level only: the tree type this structure was taken from. */
  declare readonly phantomTree: T;
  private cachedKey: string | undefined;

  constructor(
    readonly root: TreeNode,
    readonly numLeaves: number,
  ) {}

  get key(): string {
    this.cachedKey ??= nodeKey(this.root);
    return this.cachedKey;
  }

  /** `{w: *, b: *, lr: 0.1}`: `*` marks a tensor leaf. */
  toString(): string {
    return formatNode(this.root);
  }
}
