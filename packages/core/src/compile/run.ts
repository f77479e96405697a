/** @file Preparing a graph for a backend (the right pipeline for its kind) and running it once. */
import type { Backend, Executable, KernelBackend } from '../backend.js';
import { constant } from '../ir/build.js';
import type { ArrayData } from '../device.js';
import type { Graph } from '../ir/graph.js';
import type { ConstNode, Node } from '../ir/node.js';
import { compileGraph, type CompileOptions, compileProgram } from './pipeline.js';
import { keepingScans, returnsHostArrays, scanExecutable } from './scanRun.js';

/** The compile options for a kernel backend: the caller's, with the backend's binding limits and whether it shares softmaxes. */
export const kernelOptions = (backend: KernelBackend, options: CompileOptions): CompileOptions => ({
  ...options,
  ...(backend.kernelLimits === undefined ? {} : { kernelLimits: backend.kernelLimits }),
  ...(backend.rowLocalTemporaries === true ? { shareSoftmax: true } : {}),
});

/**
 * Runs the passes the backend needs (graph passes; then fuse, lower, schedule for kernel backends) and
 * compiles. On a backend with host results, scans stay loops (their bodies compiled once); elsewhere
 * the graph passes unroll them.
 */
export function prepare(graph: Graph, backend: Backend, options: CompileOptions = {}): Executable {
  const kept = returnsHostArrays(backend) ? keepingScans(graph) : undefined;
  if (kept !== undefined) return scanExecutable(kept, (g) => prepare(g, backend, options));
  return backend.kind === 'graph'
    ? backend.compile(compileGraph(graph, options))
    : backend.compile(compileProgram(graph, kernelOptions(backend, options)));
}

/** Wraps a backend's output arrays as constant nodes typed like the graph outputs. */
export function toConstNodes(outputs: readonly Node[], data: readonly ArrayData[]): ConstNode[] {
  return outputs.map((out, i) =>
    out.kind === 'const' ? out : constant(data[i] as ArrayData, out.type.shape, out.type.dtype),
  );
}

/** Runs `graph` with its parameters bound to `args`; outputs come back as constant nodes. */
export function runGraph(graph: Graph, args: readonly ArrayData[], backend: Backend): ConstNode[] {
  return toConstNodes(graph.outputs, prepare(graph, backend).run(args));
}
