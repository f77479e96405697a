/** @file Graphs: parameters, a topologically ordered node list, outputs; plus traversal and substitution. */
import { withInputs } from './build.js';
import { postorder } from '../util/postorder.js';
import type { Node, ParamNode } from './node.js';

/**
 * A program over tensors. `nodes` holds every non-parameter node the outputs may use, inputs
 * before users; passes keep that order, and `dce` drops the nodes no output reaches.
 */
export interface Graph {
  readonly params: readonly ParamNode[];
  readonly nodes: readonly Node[];
  readonly outputs: readonly Node[];
}

/**
 * Every node reachable from `roots` (inputs included), inputs before users: a depth-first
 * post-order, so the order depends only on the graph's structure, not on when nodes were made.
 */
export function toposort(roots: readonly Node[]): Node[] {
  return postorder(roots, (n) => n.inputs);
}

/** The graph computing `outputs` from `params`, with exactly the nodes the outputs use. */
export function makeGraph(params: readonly ParamNode[], outputs: readonly Node[]): Graph {
  return { params, outputs, nodes: toposort(outputs).filter((n) => n.kind !== 'param') };
}

/** Rebuilds `roots` with some nodes replaced (e.g. parameters bound to other nodes). */
export function substitute(roots: readonly Node[], replace: ReadonlyMap<Node, Node>): Node[] {
  const memo = new Map<Node, Node>(replace);
  for (const n of toposort(roots)) {
    if (memo.has(n)) continue;
    memo.set(
      n,
      withInputs(
        n,
        n.inputs.map((i) => memo.get(i) as Node),
      ),
    );
  }
  return roots.map((r) => memo.get(r) as Node);
}

/** Consumers of each node within a node list. */
export function usersOf(nodes: readonly Node[]): Map<Node, Node[]> {
  const users = new Map<Node, Node[]>();
  for (const n of nodes) {
    for (const i of n.inputs) {
      const list = users.get(i);
      if (list === undefined) users.set(i, [n]);
      else if (!list.includes(n)) list.push(n);
    }
  }
  return users;
}

/**
 * Rebuilds `graph` node by node (inputs first): each node becomes `rewrite(node, mapped)`, where
 * `mapped` gives what a node already visited became. The node list holds the new nodes in
 * dependency order; nodes no output uses any more are left for `dce`.
 */
export function rewriteGraph(graph: Graph, rewrite: (n: Node, mapped: (m: Node) => Node) => Node): Graph {
  const memo = new Map<Node, Node>();
  for (const p of graph.params) memo.set(p, p);
  const mapped = (n: Node): Node => memo.get(n) ?? n;
  const nodes: Node[] = [];
  const emitted = new Set<Node>(graph.params);
  const emit = (n: Node): void => {
    if (emitted.has(n)) return;
    for (const i of n.inputs) emit(i);
    emitted.add(n);
    nodes.push(n);
  };
  for (const n of graph.nodes) {
    const r = rewrite(n, mapped);
    memo.set(n, r);
    emit(r);
  }
  return { params: graph.params, nodes, outputs: graph.outputs.map(mapped) };
}
