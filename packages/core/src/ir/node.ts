/** @file IR nodes: immutable, hash-consed (structurally equal nodes are the same object). */
import type { either as E } from 'fp-ts';
import { type ArrayData, isDeviceArray } from '../device.js';
import type { DType } from './dtype.js';
import type { IrError } from './irError.js';
import type { Prim, PrimParamMap } from './prim.js';
import { InternTable } from './intern.js';
import { note } from './provenance.js';
import type { ScanLoop } from './scanLoop.js';
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
  /** Set on the outputs of a scan: its loop and which of its outputs this call is (compilers may keep the loop). */
  readonly scan?: { readonly loop: ScanLoop; readonly output: number };
}

// ---- hash-consing ----
//
// Symbolic nodes (built while tracing, from a graph parameter) are filed on their youngest symbolic
// input, in a table that input holds strongly: a trace's nodes then live and die together as plain
// objects, which the young-generation collector frees at once. Concrete nodes (eager ops, constants)
// are filed in `concreteTable`, under their inputs by identity in WeakMaps (see intern.ts), so that a
// table entry never keeps a tensor's data alive. Neither uses a WeakRef for nodes with inputs (a
// WeakRef keeps its target until the current job ends: a synchronous loop of eager calls would hold
// every node it made).

/** Where the symbolic nodes built on a symbolic node are filed (a hidden, mutable box on a frozen node). */
const USERS: unique symbol = Symbol('users');

interface UsersBox {
  table: Map<string, Node> | undefined;
}

const concreteTable = new InternTable<Node>();
let nextId = 0;

/** Freezes a new node, giving a symbolic one its (empty) table of users. */
function seal<N extends Node>(n: N): N {
  if (n.symbolic) Object.defineProperty(n, USERS, { value: { table: undefined } satisfies UsersBox });
  return Object.freeze(n);
}

/** The youngest symbolic input (the one made last), which holds the node built on it; none for concrete nodes. */
function holderOf(inputs: readonly Node[]): Node | undefined {
  let holder: Node | undefined;
  for (const n of inputs) if (n.symbolic && (holder === undefined || n.id > holder.id)) holder = n;
  return holder;
}

const inputKey = (inputs: readonly Node[]): string => inputs.map((n) => n.id).join(',');

/**
 * Returns the node built from `inputs` under `key`, or makes, files and returns a new one: structurally
 * equal nodes are one object while it lives, and the table never keeps a node or its inputs alive longer
 * than its youngest symbolic input, or (concrete nodes) than all of its inputs.
 */
function intern<N extends Node>(inputs: readonly Node[], key: string, make: (id: number) => N): N {
  const holder = holderOf(inputs);
  if (holder === undefined) return concreteTable.intern(inputs, key, () => seal(make(nextId++))) as N;
  const box = (holder as unknown as Record<typeof USERS, UsersBox>)[USERS];
  const full = `${key}|${inputKey(inputs)}`;
  const hit = box.table?.get(full);
  if (hit !== undefined) return hit as N;
  const node = seal(make(nextId++));
  (box.table ??= new Map()).set(full, node);
  return node;
}

/** A fresh id for nodes that are unique by construction (params, large constants). */
export const freshId = (): number => nextId++;

export function makeOpNode<P extends Prim>(
  prim: P,
  params: PrimParamMap[P],
  inputs: readonly Node[],
  type: TensorType,
): OpNode<P> {
  return note(
    intern(inputs, `op|${prim}|${JSON.stringify(params)}`, (id) => ({
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

/** Params are unique by construction: they skip the intern tables. */
export function makeParamNode(type: TensorType, name?: string): ParamNode {
  const id = freshId();
  return seal({ kind: 'param', id, name: name ?? `p${id}`, inputs: [], type, symbolic: true });
}

/** Host scalars are keyed by value (so equal literals share a node); arrays and device data are unique and skip the table. */
export function makeConstNode(value: ArrayData, type: TensorType): ConstNode {
  if (type.shape.length > 0 || isDeviceArray(value))
    return Object.freeze({ kind: 'const', id: freshId(), value, inputs: [], type, symbolic: false });
  const v = value[0] as number;
  const key = `const|${type.dtype}|${Object.is(v, -0) ? '-0' : String(v)}`;
  return intern([], key, (id) => ({ kind: 'const', id, value, inputs: [], type, symbolic: false }));
}

export function makeCustomNode(rule: CustomRule, inputs: readonly Node[], type: TensorType): CustomNode {
  return note(
    intern(inputs, `custom|${rule.id}`, (id) => ({
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
