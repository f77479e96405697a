/** @file Tracing a user function: bind chosen arguments to fresh parameters, collect output nodes, bind back. */
import { fuseLinearLogits } from '../compile/linearLogits.js';
import { fail, GradError, ValueError } from '../errors.js';
import { substitute } from '../ir/graph.js';
import { makeParamNode, type Node, type ParamNode } from '../ir/node.js';
import { describe } from '../trace/apply.js';
import { evaluateNodes, Tensor } from '../trace/tensor.js';

/** What a traced function may return: a tensor, or (nested) arrays of tensors. */
export type TensorOutput = Tensor | readonly TensorOutput[];

export interface Trace {
  /** One fresh parameter per traced argument. */
  readonly params: readonly ParamNode[];
  /** The nodes the arguments held when the transform was called (bound back by `bind`). */
  readonly argNodes: readonly Node[];
  readonly outputs: readonly Node[];
  /** Rebuilds the function's output structure from one tensor per output node. */
  readonly unflatten: (tensors: readonly Tensor[]) => TensorOutput;
}

/** Checks `argnums` against the arguments and returns them as a list. */
export function argnumList(
  fn: string,
  argnums: number | readonly number[],
  args: readonly unknown[],
): readonly number[] {
  const list = typeof argnums === 'number' ? [argnums] : argnums;
  for (const i of list) {
    if (!Number.isInteger(i) || i < 0 || i >= args.length) {
      fail(ValueError, fn, 'argnums', `argument positions in [0, ${args.length})`, String(i));
    }
    if (!(args[i] instanceof Tensor))
      fail(ValueError, fn, `args[${i}]`, 'a Tensor (it is differentiated)', describe(args[i]));
  }
  return list;
}

/** The leaves of a (nested) tensor output and a function rebuilding that structure; anything else is an error. */
export function flattenOutput(
  fn: string,
  arg: string,
  out: unknown,
): { nodes: Node[]; unflatten: (ts: readonly Tensor[]) => TensorOutput } {
  const nodes: Node[] = [];
  const walk = (o: unknown): ((ts: readonly Tensor[]) => TensorOutput) => {
    if (o instanceof Tensor) {
      const k = nodes.length;
      nodes.push(o.node);
      return (ts) => ts[k] as Tensor;
    }
    if (Array.isArray(o) && o.length > 0) {
      const parts = o.map(walk);
      return (ts) => parts.map((p) => p(ts));
    }
    return fail(ValueError, fn, arg, 'a Tensor or a non-empty (nested) array of Tensors', describe(o));
  };
  return { nodes, unflatten: walk(out) };
}

/** Calls `f` with the arguments at `traced` replaced by fresh parameters. */
export function traceFunction(
  fn: string,
  f: (...args: never[]) => unknown,
  args: readonly unknown[],
  traced: readonly number[],
): Trace {
  const params: ParamNode[] = [];
  const argNodes: Node[] = [];
  const callArgs = args.map((a, i) => {
    if (!traced.includes(i)) return a;
    const t = a as Tensor;
    const p = makeParamNode(t.node.type, `arg${i}`);
    params.push(p);
    argNodes.push(t.node);
    return new Tensor(p);
  });
  const { nodes, unflatten } = flattenOutput(
    fn,
    'f (its return value)',
    (f as (...a: unknown[]) => unknown)(...callArgs),
  );
  return { params, argNodes, outputs: fuseLinearLogits(nodes), unflatten };
}

/** Binds a trace's parameters back to its arguments: concrete results are computed, traced ones stay graphs. */
export function bind(trace: Pick<Trace, 'params' | 'argNodes'>, nodes: readonly Node[]): Tensor[] {
  const map = new Map<Node, Node>(trace.params.map((p, i) => [p, trace.argNodes[i] as Node]));
  const bound = substitute(nodes, map);
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
