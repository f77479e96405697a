/**
 * @file Where nodes came from, recorded only while NaN debugging is on: the public op and the user's
 * call site that built each node, or the forward node whose VJP rule built it. Off, nothing is captured.
 */
import { debugNansOn } from '../numerics/mode.js';
import { type CallSite, captureCallSite } from '../util/callSite.js';
import type { Node } from './node.js';

/** How a node was made: traced by a public op at a call site, or by the VJP rule of a forward node. */
export type Provenance =
  | {
      readonly kind: 'traced';
      /** The xent function the user called (`norm`), else the public op that applied the primitive (`sqrt`). */
      readonly op: string | undefined;
      readonly site: CallSite | undefined;
    }
  | { readonly kind: 'derivative'; readonly of: Node };

const table = new WeakMap<Node, Provenance>();
/** The depth of scopes that record besides debug mode (a jit with checkNumerics tracing). */
let depth = 0;
/** What nodes made now get: captured from the stack (undefined), a given provenance, or none (null). */
let scope: Provenance | null | undefined;
/** The public op applying a primitive now (set by applyOp while recording). */
let publicOp: string | undefined;

const recording = (): boolean => depth > 0 || debugNansOn();

/** Runs `f` with recording on (a jitted function traced with `checkNumerics`). */
export function recordingWhile<T>(f: () => T): T {
  depth++;
  try {
    return f();
  } finally {
    depth--;
  }
}

export const provenanceOf = (n: Node): Provenance | undefined => table.get(n);

/** Records where a node just built (or found in the intern table) came from, unless it is already known. */
export function note<N extends Node>(n: N): N {
  if (!recording() || table.has(n)) return n;
  let p = scope;
  if (p === undefined) {
    const site = captureCallSite();
    p = { kind: 'traced', op: site !== undefined && site.callee !== '' ? site.callee : publicOp, site };
  }
  if (p !== null) table.set(n, p);
  return n;
}

function scoped<T>(p: Provenance | null | undefined, op: string | undefined, f: () => T): T {
  if (!recording()) return f();
  const [outerScope, outerOp] = [scope, publicOp];
  scope = p;
  publicOp = op;
  try {
    return f();
  } finally {
    scope = outerScope;
    publicOp = outerOp;
  }
}

/** Runs `f`, a VJP rule of `forward`: what it builds is the derivative of `forward`. */
export const derivativeOf = <T>(forward: Node, f: () => T): T =>
  scoped({ kind: 'derivative', of: forward }, undefined, f);

/** Runs `f`, which rebuilds `old` (new inputs, same op): the new node keeps where `old` came from. */
export const rebuilding = <T>(old: Node, f: () => T): T => scoped(table.get(old) ?? null, publicOp, f);

/** Runs `f`, the public op `op` applying its primitive: nodes it builds name `op` when the stack does not. */
export const applyingOp = <T>(op: string, f: () => T): T => scoped(scope, op, f);
