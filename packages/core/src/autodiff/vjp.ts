/**
 * @file Reverse mode as a graph transform: walks the nodes between the outputs and the chosen
 * inputs in reverse order, applying VJP rules and summing cotangents. Zeros stay symbolic (absent).
 */
import * as B from '../ir/build.js';
import { toposort } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Prim } from '../ir/prim.js';
import { derivativeOf } from '../ir/provenance.js';
import { type VjpRule, vjpRules } from './vjpRules.js';

const isFloatNode = (n: Node): boolean => n.type.dtype === 'f32' || n.type.dtype === 'f64';

/** The cotangents of a node's inputs given its own, by its VJP rule. */
function inputCotangents(n: Node, ct: Node): readonly (Node | null)[] {
  switch (n.kind) {
    case 'op':
      return (vjpRules[n.prim] as VjpRule<Prim>)(ct, n, vjpNodes);
    case 'custom':
      return n.rule.vjp(n.inputs, ct);
    case 'param':
    case 'const':
      return [];
  }
}

/**
 * Cotangents of `wrt` for `outputs` seeded with `cotangents` (one per output, same type).
 * A null entry means the output does not depend on that input (its cotangent is zero).
 */
export function vjpNodes(outputs: readonly Node[], wrt: readonly Node[], cotangents: readonly Node[]): (Node | null)[] {
  const targets = new Set(wrt);
  const order = toposort(outputs);
  // Only nodes on a path from some `wrt` node carry cotangents.
  const active = new Set<Node>();
  for (const n of order) {
    if (targets.has(n) || n.inputs.some((i) => active.has(i))) active.add(n);
  }
  const cts = new Map<Node, Node>();
  const accumulate = (n: Node, ct: Node): void => {
    if (!active.has(n) || !isFloatNode(n)) return;
    const prev = cts.get(n);
    cts.set(n, prev === undefined ? ct : derivativeOf(n, () => B.add(prev, ct)));
  };
  outputs.forEach((o, i) => {
    accumulate(o, cotangents[i] as Node);
  });
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k] as Node;
    const ct = cts.get(n);
    if (ct === undefined || targets.has(n)) continue;
    const inputCts = derivativeOf(n, () => inputCotangents(n, ct));
    n.inputs.forEach((inp, i) => {
      const c = inputCts[i];
      if (c !== null && c !== undefined) accumulate(inp, c);
    });
  }
  return wrt.map((w) => cts.get(w) ?? null);
}
