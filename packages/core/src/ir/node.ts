/** @file IR nodes: immutable, hash-consed (structurally equal nodes are the same object). */
import type { either as E } from 'fp-ts';
import { type ArrayData, isDeviceArray } from '../device.js';
import type { DType } from './dtype.js';
import type { IrError } from './irError.js';
import type { Prim, PrimParamMap } from './prim.js';
import { note } from './provenance.js';
import type { Shape } from './shape.js';

/** The static type of a tensor value: its shape and element type. */
export interface TensorType {
  readonly shape: Shape;
  readonly dtype: DType;
}

interface NodeBase {
  /** Unique and increasing in creation order, so inputs always have smaller ids. */
  readonly id: number;
  readonly type: TensorType;
  readonly inputs: readonly Node[];
  /** True when the value depends on a graph parameter (it cannot be computed yet). */
  readonly symbolic: boolean;
}

/** A primitive applied to inputs. */
export interface OpNode<P extends Prim = Prim> extends NodeBase {
  readonly kind: 'op';
  readonly prim: P;
  readonly params: PrimParamMap[P];
}

/** A graph input: a placeholder bound to a value when the graph runs. */
export interface ParamNode extends NodeBase {
  readonly kind: 'param';
  readonly name: string;
}

/** A known value (row-major, contiguous, never mutated). */
export interface ConstNode extends NodeBase {
  readonly kind: 'const';
  readonly value: ArrayData;
}

/**
 * A function with a user-supplied VJP. It stays a call until autodiff has run; the
 * compile pipeline then expands it into its forward graph.
 */
export interface CustomNode extends NodeBase {
  readonly kind: 'custom';
  readonly rule: CustomRule;
}

export type Node = OpNode | ParamNode | ConstNode | CustomNode;

/** An op node whose `prim` and `params` are correlated (narrow with `node.prim === ...`). */
export type AnyOpNode = { [P in Prim]: OpNode<P> }[Prim];

/** Node-level semantics of a custom-VJP function (the tracing layer builds these). */
export interface CustomRule {
  readonly id: number;
  readonly name: string;
  /** Output type for the given input types. */
  readonly type: (inputs: readonly TensorType[]) => E.Either<IrError, TensorType>;
  /** The forward computation, as nodes over the given inputs. */
  readonly expand: (inputs: readonly Node[]) => Node;
  /** Cotangents of the inputs (null = zero) given the output cotangent. */
  readonly vjp: (inputs: readonly Node[], cotangent: Node) => readonly (Node | null)[];
}

// ---- hash-consing ----

const internTable = new Map<string, WeakRef<Node>>();
const registry = new FinalizationRegistry<string>((key) => {
  if (internTable.get(key)?.deref() === undefined) internTable.delete(key);
});
let nextId = 0;

/** Returns the node stored under `key`, or makes, stores and returns a new one. */
export function intern<N extends Node>(key: string, make: (id: number) => N): N {
  const hit = internTable.get(key)?.deref();
  if (hit !== undefined) return hit as N;
  const node = Object.freeze(make(nextId++));
  internTable.set(key, new WeakRef<Node>(node as unknown as Node));
  registry.register(node, key);
  return node;
}

/** A fresh id for nodes that are unique by construction (params, large constants). */
export const freshId = (): number => nextId++;

const inputKey = (inputs: readonly Node[]): string => inputs.map((n) => n.id).join(',');

export function makeOpNode<P extends Prim>(
  prim: P,
  params: PrimParamMap[P],
  inputs: readonly Node[],
  type: TensorType,
): OpNode<P> {
  const key = `op|${prim}|${JSON.stringify(params)}|${inputKey(inputs)}`;
  return note(
    intern(key, (id) => ({
      kind: 'op',
      id,
      prim,
      params,
      inputs,
      type,
      symbolic: inputs.some((n) => n.symbolic),
    })),
  );
}

/** Params are unique by construction: they skip the intern table. */
export function makeParamNode(type: TensorType, name?: string): ParamNode {
  const id = freshId();
  return Object.freeze({ kind: 'param', id, name: name ?? `p${id}`, inputs: [], type, symbolic: true });
}

/** Host scalars are keyed by value (so equal literals share a node); arrays and device data are unique and skip the table. */
export function makeConstNode(value: ArrayData, type: TensorType): ConstNode {
  if (type.shape.length > 0 || isDeviceArray(value))
    return Object.freeze({ kind: 'const', id: freshId(), value, inputs: [], type, symbolic: false });
  const v = value[0] as number;
  const key = `const|${type.dtype}|${Object.is(v, -0) ? '-0' : String(v)}`;
  return intern(key, (id) => ({ kind: 'const', id, value, inputs: [], type, symbolic: false }));
}

export function makeCustomNode(rule: CustomRule, inputs: readonly Node[], type: TensorType): CustomNode {
  return note(
    intern(`custom|${rule.id}|${inputKey(inputs)}`, (id) => ({
      kind: 'custom',
      id,
      rule,
      inputs,
      type,
      symbolic: inputs.some((n) => n.symbolic),
    })),
  );
}

/** The value of a host scalar constant, or undefined for anything else (device data included). */
export function hostScalar(n: Node): number | undefined {
  return n.kind === 'const' && n.type.shape.length === 0 && !isDeviceArray(n.value) ? n.value[0] : undefined;
}
