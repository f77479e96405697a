/** @file Preparing a graph for a backend (the right pipeline for its kind) and running it once. */
import type { Backend, Executable, KernelBackend } from '../backend.js';
import { constant } from '../ir/build.js';
import type { ArrayData } from '../device.js';
import type { Graph } from '../ir/graph.js';
import type { ConstNode, Node } from '../ir/node.js';
import type { ScanLoop } from '../ir/scanLoop.js';
import { compileGraph, type CompileOptions, compileProgram } from './pipeline.js';
import { hostLoop, keepingScans, keepsLoops, scanExecutable } from './scanRun.js';

/** The compile options for a kernel backend: the caller's, with the backend's binding limits and whether it shares softmaxes. */
export const kernelOptions = (backend: KernelBackend, options: CompileOptions): CompileOptions => ({
  ...options,
  ...(backend.kernelLimits === undefined ? {} : { kernelLimits: backend.kernelLimits }),
  ...(backend.rowLocalTemporaries === true ? { shareSoftmax: true } : {}),
});

/** A scan's loop for `backend`: its own device loop over the body's program, else a host loop over the compiled body. */
function loopFor(loop: ScanLoop, backend: Backend, options: CompileOptions): Executable {
  if (backend.kind === 'kernel' && backend.compileLoop !== undefined) {
    // scans nested in the body are unrolled into its program
    const body = compileProgram(loop.body, kernelOptions(backend, options));
    const { consts, carries, xs, length, reverse } = loop;
    return backend.compileLoop({ body, consts, carries, xs, length, reverse });
  }
  return hostLoop(loop, prepare(loop.body, backend, options));
}

/**
 * Runs the passes the backend needs (graph passes; then fuse, lower, schedule for kernel backends) and
 * compiles. Scans stay loops (their bodies compiled once) on backends with host results, run by a host
 * loop, and on backends with their own device loops (`compileLoop`); elsewhere the graph passes unroll them.
 */
export function prepare(graph: Graph, backend: Backend, options: CompileOptions = {}): Executable {
  const kept = keepsLoops(backend) ? keepingScans(graph) : undefined;
  if (kept !== undefined)
    return scanExecutable(
      kept,
      (g) => prepare(g, backend, options),
      (loop) => loopFor(loop, backend, options),
    );
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
