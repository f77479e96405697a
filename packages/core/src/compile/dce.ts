/** @file Pass: dead-code elimination, keeping only the nodes some output depends on. */
import { type Graph, toposort } from '../ir/graph.js';

export function dce(graph: Graph): Graph {
  const live = new Set(toposort(graph.outputs));
  const nodes = graph.nodes.filter((n) => live.has(n));
  return nodes.length === graph.nodes.length ? graph : { ...graph, nodes };
}
