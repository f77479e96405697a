/** @file The Backend contract: compile a graph once, run it many times on host arrays. */
import { BackendError } from './errors.js';
import type { Graph } from './ir/graph.js';
import type { HostArray } from './ir/dtype.js';

/** A compiled graph: takes one host array per graph parameter, returns one per output. */
export interface Executable {
  run(args: readonly HostArray[]): HostArray[];
}

/**
 * A backend turns a graph of primitives, constants and parameters (custom calls already
 * expanded by the compile pipeline) into something it can run.
 */
export interface Backend {
  readonly name: string;
  compile(graph: Graph): Executable;
}

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
