/**
 * @file Tracing a user function over pytrees: bind the tensor leaves of chosen arguments to fresh
 * parameters, flatten what it returns into output nodes and a structure, run the trace stage over
 * them (for the context's target backend), and bind back.
 */
import { rewriteTraced } from '../compile/pipeline.js';
import { fail, GradError, ValueError } from '../errors.js';
import { substitute, toposort } from '../ir/graph.js';
import { makeParamNode, type Node, type ParamNode } from '../ir/node.js';
import { evaluateNodes, Tensor } from '../trace/tensor.js';
import { describeNode, type Flat, flattenTree, isContainer, leafPaths, unflattenTree } from '../tree/flatten.js';
import type { TreeDef } from '../tree/treeDef.js';
import { type TraceContext, traceContext, tracingIn } from './traceContext.js';

/** A tensor or nested arrays of tensors (a pytree without objects or static leaves). */
export type TensorOutput = Tensor | readonly TensorOutput[];

export interface Trace {
  /** One fresh parameter per tensor leaf of the traced arguments. */
  readonly params: readonly ParamNode[];
  /** The nodes those leaves held when the transform was called (bound back by `bind`). */
  readonly argNodes: readonly Node[];
  readonly outputs: readonly Node[];
  /** The structure of what the function returned; its tensor slots are `outputs`, in order. */
  readonly out: TreeDef;
}

/** Checks `argnums` (a position or a list of distinct positions) against the arguments, each a tensor or a container. */
export function argnumList(fn: string, argnums: unknown, args: readonly unknown[], root = 'args'): readonly number[] {
  if (typeof argnums !== 'number' && !Array.isArray(argnums))
    fail(ValueError, fn, 'argnums', 'an argument position or an array of them', describeNode(argnums));
  const list: readonly unknown[] = typeof argnums === 'number' ? [argnums] : argnums;
  return list.map((i, k) => {
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= args.length)
      fail(ValueError, fn, 'argnums', `argument positions in [0, ${args.length})`, String(i));
    if (list.indexOf(i) !== k) fail(ValueError, fn, 'argnums', 'distinct argument positions', `${i} twice`);
    if (!(args[i] instanceof Tensor) && !isContainer(args[i]))
      fail(
        ValueError,
        fn,
        `${root}[${i}]`,
        'a Tensor or a pytree of Tensors (it is differentiated)',
        describeNode(args[i]),
      );
    return i;
  });
}

/** Flattens a differentiated tree (named `path`); every tensor leaf must be floating point. */
export function flattenFloat(fn: string, path: string, tree: unknown): Flat {
  const flat = flattenTree(fn, path, tree);
  const paths = leafPaths(flat.def, path);
  flat.leaves.forEach((t, k) => {
    requireFloat(fn, paths[k] as string, t);
  });
  return flat;
}

/** The differentiated arguments at `which`, flattened. */
export function flattenDifferentiated(
  fn: string,
  args: readonly unknown[],
  which: readonly number[],
  root = 'args',
): Map<number, Flat> {
  return new Map(which.map((i) => [i, flattenFloat(fn, `${root}[${i}]`, args[i])] as const));
}

/** The tensor leaves of a function's result and its structure; a result that is not a tensor or a container is an error. */
export function flattenOutput(fn: string, arg: string, out: unknown): { nodes: Node[]; def: TreeDef } {
  if (!(out instanceof Tensor) && !isContainer(out))
    fail(ValueError, fn, arg, 'a Tensor or a pytree of Tensors (nested arrays and plain objects)', describeNode(out));
  const { leaves, def } = flattenTree(fn, arg, out);
  return { nodes: leaves.map((t) => t.node), def };
}

/**
 * Calls `f` with the tensor leaves of the arguments in `inputs` replaced by fresh parameters (the
 * rest as given), in `context`, and runs the trace stage over what it returns.
 */
export function traceFunction(
  fn: string,
  f: (...args: never[]) => unknown,
  args: readonly unknown[],
  inputs: ReadonlyMap<number, Flat>,
  context: TraceContext = traceContext(),
): Trace {
  const params: ParamNode[] = [];
  const argNodes: Node[] = [];
  const callArgs = args.map((a, i) => {
    const flat = inputs.get(i);
    if (flat === undefined) return a;
    const paths = leafPaths(flat.def, `args[${i}]`);
    const traced = flat.leaves.map((t, k) => {
      const p = makeParamNode(t.node.type, paths[k]);
      params.push(p);
      argNodes.push(t.node);
      return new Tensor(p);
    });
    return unflattenTree(flat.def, traced);
  });
  const { nodes, def } = flattenOutput(
    fn,
    'f (its return value)',
    tracingIn(context, () => (f as (...a: unknown[]) => unknown)(...callArgs)),
  );
  // the parameters of enclosing traces that `f` closes over are parameters of its graph too
  const own = new Set<Node>(params);
  const order = toposort(nodes);
  const outer = order.filter((n): n is ParamNode => n.kind === 'param' && !own.has(n));
  const traced = { params: [...params, ...outer], nodes: order.filter((n) => n.kind !== 'param'), outputs: nodes };
  const graph = rewriteTraced(traced, context.target, fn, context.dump);
  return { params, argNodes, outputs: graph.outputs, out: def };
}

/** Binds a trace's parameters back to its arguments: concrete results are computed, traced ones stay graphs. */
export function bind(trace: Pick<Trace, 'params' | 'argNodes'>, nodes: readonly Node[]): Tensor[] {
  const map = new Map<Node, Node>(trace.params.map((p, i) => [p, trace.argNodes[i] as Node]));
  return tensorsOf(substitute(nodes, map));
}

/** Tensors of nodes: concrete ones computed (as one graph, so shared work is done once), traced ones kept as graphs. */
export function tensorsOf(bound: readonly Node[]): Tensor[] {
  const pending = bound.filter((n) => !n.symbolic && n.kind !== 'const');
  if (pending.length === 0) return bound.map((n) => new Tensor(n));
  // All concrete outputs run as one graph, so shared work (the forward pass) is done once.
  const values = new Map<Node, Node>();
  evaluateNodes(pending).forEach((c, i) => values.set(pending[i] as Node, c));
  return bound.map((n) => new Tensor(values.get(n) ?? n));
}

/** Rejects a non-float tensor where a gradient is asked for. */
export function requireFloat(fn: string, arg: string, t: Tensor): void {
  if (t.dtype !== 'f32' && t.dtype !== 'f64') {
    fail(GradError, fn, arg, 'a floating-point tensor (gradients are defined for f32 and f64)', `dtype ${t.dtype}`);
  }
}
