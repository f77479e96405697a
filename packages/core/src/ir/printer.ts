/** @file A readable text form of graphs, for debugging, docs and pass dumps (parse.ts reads it back). */
import { type ArrayData, isDeviceArray } from '../device.js';
import type { Graph } from './graph.js';
import type { Node, TensorType } from './node.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';

export interface PrintOptions {
  /** Constants with more elements than this print as `const <n values>` (default: print all). */
  readonly maxConstElements?: number;
}

export const formatType = (t: TensorType): string => `${t.dtype}[${t.shape.join(', ')}]`;

export const formatNumber = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

function formatParamValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatParamValue).join(', ')}]`;
  return typeof v === 'number' ? formatNumber(v) : String(v);
}

function formatConst(value: ArrayData, maxElements: number): string {
  if (isDeviceArray(value)) return `<${value.size} values on ${value.backend}>`;
  if (value.length > maxElements) return `<${value.length} values>`;
  const items = Array.from(value, formatNumber);
  return value.length === 1 ? (items[0] as string) : `[${items.join(', ')}]`;
}

/** An object shaped like a node (kind, inputs, a type with a shape), enough to print it. */
const isNodeLike = (n: unknown): boolean => {
  if (typeof n !== 'object' || n === null) return false;
  const { kind, inputs, type } = n as Partial<Node>;
  return (
    typeof kind === 'string' &&
    Array.isArray(inputs) &&
    typeof type === 'object' &&
    (type as unknown) !== null &&
    Array.isArray(type.shape)
  );
};

/** Whether `v` is shaped like a Graph (params, nodes and outputs, lists of nodes), as `printGraph` reads it. */
function isGraph(v: unknown): v is Graph {
  if (typeof v !== 'object' || v === null) return false;
  try {
    const { params, nodes, outputs } = v as Partial<Graph>;
    return [params, nodes, outputs].every((list) => Array.isArray(list) && list.every(isNodeLike));
  } catch {
    return false;
  }
}

/** Prints a graph with local names `%0, %1, ...` in node order (`jitted.graph(...)` gives one). */
export const printGraph = publicFn(
  'printGraph',
  {
    graph: s.custom('a Graph (from jitted.graph(...))', isGraph, (): Graph => ({ params: [], nodes: [], outputs: [] })),
    options: s.options({ maxConstElements: s.optional(s.number({ min: 0 })) }),
  },
  printGraphImpl,
);

function printGraphImpl(graph: Graph, options: PrintOptions = {}): string {
  const maxElements = options.maxConstElements ?? Infinity;
  const names = new Map<Node, string>();
  const name = (n: Node): string => names.get(n) ?? `%?${n.id}`;
  for (const p of graph.params) names.set(p, `%${names.size}`);
  const header = graph.params.map((p) => `${name(p)}: ${formatType(p.type)}`).join(', ');
  const lines = [`graph(${header}) {`];
  for (const n of graph.nodes) {
    names.set(n, `%${names.size}`);
    const lhs = `  ${name(n)}: ${formatType(n.type)} = `;
    const args = n.inputs.map(name).join(', ');
    switch (n.kind) {
      case 'const':
        lines.push(`${lhs}const ${formatConst(n.value, maxElements)}`);
        break;
      case 'param':
        lines.push(`${lhs}param`);
        break;
      case 'custom': {
        const scan = n.rule.scan;
        const loop =
          scan === undefined
            ? ''
            : `, length=${scan.loop.length}${scan.loop.reverse ? ', reverse' : ''}, output=${scan.output}, body=${scan.loop.body.nodes.length} nodes`;
        lines.push(`${lhs}custom[name=${n.rule.name}${loop}] ${args}`);
        break;
      }
      case 'op': {
        const entries = Object.entries(n.params).map(([k, v]) => `${k}=${formatParamValue(v)}`);
        const params = entries.length > 0 ? `[${entries.join(', ')}]` : '';
        lines.push(`${lhs}${n.prim}${params}${args.length > 0 ? ' ' : ''}${args}`);
        break;
      }
    }
  }
  lines.push(`  return ${graph.outputs.map(name).join(', ')}`, '}');
  return lines.join('\n');
}
