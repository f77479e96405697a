/** @file The shared Python emitter: a graph's nodes as one assignment per op, in a dialect's library calls. */
import { fail, ValueError } from '../../errors.js';
import type { DType } from '../../ir/dtype.js';
import type { Graph } from '../../ir/graph.js';
import type { AnyOpNode, Node, TensorType } from '../../ir/node.js';
import type { PythonOp, EmitContext, PythonDialect } from './dialect.js';

/** A scalar as a Python literal: booleans as True/False, ±inf and NaN through `math`, −0 kept. */
export function pyNumber(v: number, dtype: DType): string {
  if (dtype === 'bool') return v !== 0 ? 'True' : 'False';
  if (Number.isNaN(v)) return 'math.nan';
  if (v === Infinity) return 'math.inf';
  if (v === -Infinity) return '-math.inf';
  if (Object.is(v, -0)) return '-0.0';
  return String(v);
}

/** A type as a trailing comment: `f64[4, 5]`. */
export const typeComment = (t: TensorType): string => `${t.dtype}[${t.shape.join(', ')}]`;

/** The body lines computing a graph's outputs, and each output's expression. */
export interface EmittedGraph {
  readonly lines: readonly string[];
  readonly outputs: readonly string[];
}

/**
 * Writes `graph` in `dialect`: its parameters are bound to `paramNames`, each op and constant becomes one
 * line `name = expr  # type`, an output taking the name `outputNames` gives it
 * (names the caller has reserved in `taken`).
 */
export function emitGraph(
  fn: string,
  dialect: PythonDialect,
  graph: Graph,
  paramNames: readonly string[],
  outputNames: readonly string[],
  ctx: EmitContext,
  taken: Set<string>,
): EmittedGraph {
  const names = new Map<Node, string>();
  graph.params.forEach((p, i) => names.set(p, paramNames[i] as string));
  const preferred = new Map<Node, string>();
  graph.outputs.forEach((o, i) => {
    const want = outputNames[i] as string;
    if (o.kind !== 'param' && !preferred.has(o)) preferred.set(o, want);
  });
  let counter = 0;
  const fresh = (prefix: string): string => {
    let name = `${prefix}${counter++}`;
    while (taken.has(name)) name = `${prefix}${counter++}`;
    taken.add(name);
    return name;
  };
  const lines: string[] = [];
  const arg = (n: Node): string => names.get(n) as string;
  for (const n of graph.nodes) {
    if (names.has(n)) continue;
    let expr: string;
    switch (n.kind) {
      case 'param':
        continue;
      case 'const': {
        const values = Array.from(n.value as ArrayLike<number>, (v) => pyNumber(v, n.type.dtype));
        const literal = n.type.shape.length === 0 ? (values[0] as string) : `[${values.join(', ')}]`;
        expr = dialect.constant(literal, n.type, ctx);
        break;
      }
      case 'op': {
        const op = n as AnyOpNode;
        const emit = dialect.ops[op.prim] as PythonOp<typeof op.prim>;
        expr = emit(op.inputs.map(arg), op.params, op, ctx);
        break;
      }
      case 'custom':
        return fail(ValueError, fn, 'f', 'a function whose custom-VJP calls expand to primitives', n.rule.name);
    }
    const name = preferred.get(n) ?? fresh(n.kind === 'const' ? 'c' : 't');
    names.set(n, name);
    lines.push(`${name} = ${expr}  # ${typeComment(n.type)}`);
  }
  return { lines, outputs: graph.outputs.map(arg) };
}
