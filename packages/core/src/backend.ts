/**
 * @file The Backend contract. A graph backend (the reference interpreter) runs graphs of
 * primitives; a kernel backend (fast CPU, WebGPU) compiles the scheduled kernel program and never
 * sees a primitive. Either way the result is an Executable over host arrays.
 */
import { BackendError } from './errors.js';
import { type ArrayData, lengthOf } from './device.js';
import type { Graph } from './ir/graph.js';
import type { BufferInfo, Program } from './kernel/program.js';
import type { KernelLimits } from './compile/fuse.js';

/**
 * A compiled graph: takes one array per graph parameter, returns one per output. Host backends
 * take and return host arrays (device data is an error); device backends accept both and return
 * device data, computed asynchronously (reading it back waits for the work).
 */
export interface Executable {
  run(args: readonly ArrayData[]): ArrayData[];
}

/** Runs graphs of primitives, constants and parameters (custom calls already expanded). */
export interface GraphBackend {
  readonly kind: 'graph';
  readonly name: string;
  compile(graph: Graph): Executable;
}

/** Compiles the scheduled kernel program of a graph (fuse → lower → schedule already run). */
export interface KernelBackend {
  readonly kind: 'kernel';
  readonly name: string;
  /** Binding limits of the device (fusion keeps kernels within them). */
  readonly kernelLimits?: KernelLimits;
  compile(program: Program): Executable;
}

export type Backend = GraphBackend | KernelBackend;

let defaultBackend: Backend | undefined;

/** Sets the backend eager operations and transforms use when none is passed (the umbrella sets CPU). */
export function setDefaultBackend(backend: Backend): void {
  defaultBackend = backend;
}

export function getDefaultBackend(): Backend {
  if (defaultBackend === undefined) {
    throw new BackendError(
      'getDefaultBackend',
      "xent.getDefaultBackend: no backend is set; import 'xent' (CPU by default) or call setDefaultBackend(backend)",
    );
  }
  return defaultBackend;
}

/** Checks a kernel program's arguments: one array per parameter buffer, with that buffer's element count. */
export function checkProgramArgs(params: readonly BufferInfo[], args: readonly ArrayData[]): void {
  if (args.length !== params.length) {
    throw new BackendError(
      'run',
      `xent.run: argument 'args' expected ${params.length} arrays (one per graph parameter), got ${args.length}`,
    );
  }
  for (const b of params) {
    const i = b.source.kind === 'param' ? b.source.index : 0;
    const n = lengthOf(args[i] as ArrayData);
    if (n !== b.size) {
      throw new BackendError(
        'run',
        `xent.run: argument 'args[${i}]' expected ${b.size} values for a ${b.dtype} parameter, got ${n}`,
      );
    }
  }
}
