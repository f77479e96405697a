/** @file The reference backend: interprets a graph node by node with the reference implementations. */
import { BackendError, type Graph, type HostArray } from '@xent/core';
import {
  type ArrayData,
  bytesPer,
  type Executable,
  type GraphBackend,
  hostArrayOf,
  type ir,
  MAX_HOST_BYTES,
  overLimit,
} from '@xent/core/internal';
import { type CpuImpl, cpuImpls, type Value } from './impls.js';

type Node = ir.Node;

function checkArgs(graph: Graph, data: readonly ArrayData[]): HostArray[] {
  const args = data.map((d, i) => hostArrayOf(d, 'run', `args[${i}]`));
  if (args.length !== graph.params.length) {
    throw new BackendError(
      'run',
      `xent.run: argument 'args' expected ${graph.params.length} arrays (one per graph parameter), got ${args.length}`,
    );
  }
  graph.params.forEach((p, i) => {
    const size = p.type.shape.reduce((a, b) => a * b, 1);
    if ((args[i] as HostArray).length !== size) {
      throw new BackendError(
        'run',
        `xent.run: argument 'args[${i}]' expected ${size} values for ${p.type.dtype}[${p.type.shape.join(', ')}], got ${(args[i] as HostArray).length}`,
      );
    }
  });
  return args;
}

/** Runs every node in order, keeping each value until the graph finishes. */
function interpret(graph: Graph, data: readonly ArrayData[]): HostArray[] {
  const args = checkArgs(graph, data);
  const values = new Map<Node, Value>();
  graph.params.forEach((p, i) => values.set(p, { data: args[i] as HostArray, type: p.type }));
  for (const n of graph.nodes) {
    switch (n.kind) {
      case 'const':
        values.set(n, { data: hostArrayOf(n.value, 'run', 'constant'), type: n.type });
        break;
      case 'op': {
        const inputs = n.inputs.map((i) => values.get(i) as Value);
        const impl = cpuImpls[n.prim] as CpuImpl<ir.Prim>;
        values.set(n, { data: impl(inputs, n.params, n.type), type: n.type });
        break;
      }
      case 'param':
      case 'custom':
        throw new BackendError(
          'run',
          `xent.run: the reference backend cannot run a ${n.kind} node inside the node list (the compile pipeline expands custom calls first)`,
        );
    }
  }
  return graph.outputs.map((o) => (values.get(o) as Value).data);
}

/** Refuses, before anything runs, a graph with a value larger than a host array may be. */
function checkSizes(graph: Graph): void {
  for (const n of graph.nodes) {
    const { dtype, shape } = n.type;
    const bytes = shape.reduce((a, b) => a * b, 1) * bytesPer[dtype];
    if (bytes > MAX_HOST_BYTES)
      throw overLimit({
        fn: 'run',
        what: `a ${dtype}[${shape.join(', ')}] value`,
        requested: bytes,
        limit: MAX_HOST_BYTES,
        unit: 'bytes',
        limitName: 'maxHostBytes (the largest host array)',
      });
  }
}

/** The CPU reference interpreter as a Backend: the oracle for every other backend. */
export const referenceBackend: GraphBackend = {
  kind: 'graph',
  name: 'reference',
  compile: (graph: Graph): Executable => {
    checkSizes(graph);
    return { run: (args) => interpret(graph, args) };
  },
};
