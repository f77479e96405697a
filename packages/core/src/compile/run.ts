/** @file Running a graph once on a backend (eager operations, transforms applied to concrete values). */
import type { Backend } from '../backend.js';
import { constant } from '../ir/build.js';
import type { HostArray } from '../ir/dtype.js';
import type { Graph } from '../ir/graph.js';
import type { ConstNode, Node } from '../ir/node.js';
import { expandCustom } from './expandCustom.js';

/** Wraps a backend's output arrays as constant nodes typed like the graph outputs. */
export function toConstNodes(outputs: readonly Node[], data: readonly HostArray[]): ConstNode[] {
  return outputs.map((out, i) =>
    out.kind === 'const' ? out : constant(data[i] as HostArray, out.type.shape, out.type.dtype),
  );
}

/** Runs `graph` with its parameters bound to `args`; outputs come back as constant nodes. */
export function runGraph(graph: Graph, args: readonly HostArray[], backend: Backend): ConstNode[] {
  return toConstNodes(graph.outputs, backend.compile(expandCustom(graph)).run(args));
}
