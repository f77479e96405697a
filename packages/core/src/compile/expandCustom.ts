/** @file Pass: replaces custom-VJP calls by their forward graphs (autodiff has already used them). */
import { withInputs } from '../ir/build.js';
import { type Graph, makeGraph, toposort } from '../ir/graph.js';
import type { CustomNode, Node } from '../ir/node.js';
import { rebuilding } from '../ir/provenance.js';

/**
 * Expands custom calls in `roots`, recursively (a forward graph may call other custom functions); the
 * calls `keep` accepts stay calls, over expanded inputs.
 */
export function expandCustomNodes(roots: readonly Node[], keep: (n: CustomNode) => boolean = () => false): Node[] {
  const memo = new Map<Node, Node>();
  const expand = (rootsIn: readonly Node[]): Node[] => {
    for (const n of toposort(rootsIn)) {
      if (memo.has(n)) continue;
      const inputs = n.inputs.map((i) => memo.get(i) as Node);
      if (n.kind !== 'custom' || keep(n)) memo.set(n, withInputs(n, inputs));
      // the forward graph is traced now; its nodes keep where the custom call was traced
      else memo.set(n, expand([rebuilding(n, () => n.rule.expand(inputs))])[0] as Node);
    }
    return rootsIn.map((r) => memo.get(r) as Node);
  };
  return expand(roots);
}

/** Pass: expands the graph's custom calls, except those `keep` accepts. */
export function expandCustom(graph: Graph, keep: (n: CustomNode) => boolean = () => false): Graph {
  if (!graph.nodes.some((n) => n.kind === 'custom')) return graph;
  return makeGraph(graph.params, expandCustomNodes(graph.outputs, keep));
}
