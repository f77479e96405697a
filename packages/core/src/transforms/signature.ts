/**
 * @file jit's cache key for one call: the target backend's key, the structure of every argument
 * (static leaves by `Object.is` or identity) and the dtype and shape of every tensor leaf; and, for
 * the retrace warning, what changed between two signatures.
 */
import type { TensorType } from '../ir/node.js';
import { formatType } from '../ir/printer.js';
import type { Flat } from '../tree/flatten.js';
import { staticKey } from '../tree/staticKey.js';
import { childPath, formatNode, formatStatic, type TreeNode } from '../tree/treeDef.js';

export interface Signature {
  /** What the trace depends on besides the arguments (the target backend's key). */
  readonly context: string;
  /** Each argument's structure. */
  readonly args: readonly TreeNode[];
  /** Each argument's structure key (TreeDef.key). */
  readonly structures: readonly string[];
  /** Each argument's tensor leaf types, in leaf order. */
  readonly types: readonly (readonly TensorType[])[];
  /** Equal for two calls exactly when one trace serves both. */
  readonly key: string;
}

/** The signature of a call whose arguments flatten to `flats`, traced in `context`. */
export function signatureOf(flats: readonly Flat[], context = ''): Signature {
  const types = flats.map((f) => f.leaves.map((t) => t.node.type));
  const structures = flats.map((f) => f.def.key);
  const args = flats.map(
    (f, i) => `${structures[i] as string}|${(types[i] as TensorType[]).map(formatType).join(';')}`,
  );
  return { context, args: flats.map((f) => f.def.root), structures, types, key: [context, ...args].join('\n') };
}

/**
 * Whether a call whose arguments flatten to `flats`, traced in `context`, has the signature `sig`: its
 * key would equal `sig.key` (the parts are compared one by one, without building the key).
 */
export function hasSignature(sig: Signature, flats: readonly Flat[], context: string): boolean {
  if (sig.context !== context || sig.structures.length !== flats.length) return false;
  for (let i = 0; i < flats.length; i++) {
    const { def, leaves } = flats[i] as Flat;
    // equal structure keys give equal leaf counts
    if (def.key !== sig.structures[i]) return false;
    const types = sig.types[i] as readonly TensorType[];
    for (let k = 0; k < leaves.length; k++) {
      const a = (leaves[k] as Flat['leaves'][number]).node.type;
      const b = types[k] as TensorType;
      if (a.dtype !== b.dtype || a.shape.length !== b.shape.length) return false;
      for (let d = 0; d < a.shape.length; d++) if (a.shape[d] !== b.shape[d]) return false;
    }
  }
  return true;
}

const slotText = (n: TreeNode, type: TensorType | undefined): string =>
  n.kind === 'tensor'
    ? `Tensor ${formatType(type as TensorType)}`
    : n.kind === 'static'
      ? `static value ${formatStatic(n.value)}`
      : `structure ${formatNode(n)}`;

const byIdentity = (v: unknown): boolean => (typeof v === 'object' && v !== null) || typeof v === 'function';

/** The first argument path where `next` differs from `prev`, with both sides: "args[1].lr: static value 0.1 → 0.2". */
export function explainChange(prev: Signature, next: Signature): string {
  if (prev.context !== next.context) return `the target backend: ${prev.context} → ${next.context}`;
  if (prev.args.length !== next.args.length) return `args: ${prev.args.length} arguments → ${next.args.length}`;
  for (let i = 0; i < prev.args.length; i++) {
    const ta = prev.types[i] as readonly TensorType[];
    const tb = next.types[i] as readonly TensorType[];
    let ia = 0;
    let ib = 0;
    const diff = (a: TreeNode, b: TreeNode, path: string): string | undefined => {
      if (a.kind === 'tensor' && b.kind === 'tensor') {
        const [x, y] = [ta[ia++] as TensorType, tb[ib++] as TensorType];
        return formatType(x) === formatType(y) ? undefined : `${path}: shape/dtype ${formatType(x)} → ${formatType(y)}`;
      }
      if (a.kind === 'static' && b.kind === 'static') {
        if (staticKey(a.value) === staticKey(b.value)) return undefined;
        const how =
          byIdentity(a.value) && byIdentity(b.value) ? ' (functions and objects are compared by identity)' : '';
        return `${path}: static value ${formatStatic(a.value)} → ${formatStatic(b.value)}${how}`;
      }
      const same =
        (a.kind === 'array' && b.kind === 'array' && a.children.length === b.children.length) ||
        (a.kind === 'object' &&
          b.kind === 'object' &&
          a.nullProto === b.nullProto &&
          a.keys.length === b.keys.length &&
          a.keys.every((k, j) => k === b.keys[j]));
      if (!same) return `${path}: ${slotText(a, ta[ia])} → ${slotText(b, tb[ib])}`;
      const ca = (a as { readonly children: readonly TreeNode[] }).children;
      const cb = (b as { readonly children: readonly TreeNode[] }).children;
      const keys = a.kind === 'object' ? a.keys : undefined;
      for (let k = 0; k < ca.length; k++) {
        const found = diff(ca[k] as TreeNode, cb[k] as TreeNode, childPath(path, keys?.[k] ?? k));
        if (found !== undefined) return found;
      }
      return undefined;
    };
    const found = diff(prev.args[i] as TreeNode, next.args[i] as TreeNode, `args[${i}]`);
    if (found !== undefined) return found;
  }
  return 'no argument (the same signature was traced again after it was evicted from the cache)';
}
