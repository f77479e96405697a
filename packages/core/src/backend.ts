/**
 * @file The Backend contract. A graph backend (the reference interpreter) runs graphs of
 * primitives; a kernel backend (fast CPU, WebGPU) compiles the scheduled kernel program and never
 * sees a primitive. Either way the result is an Executable over host arrays.
 */
import { BackendError, fail, ValueError } from './errors.js';
import { type ArrayData, lengthOf } from './device.js';
import type { HostMemory } from './hostMemory.js';
import type { Graph } from './ir/graph.js';
import type { KernelLoop } from './kernel/loop.js';
import type { BufferInfo, Program } from './kernel/program.js';
import type { KernelLimits } from './compile/fuse.js';
import { publicFn } from './validate/publicFn.js';
import * as s from './validate/schemas.js';

/**
 * A compiled graph: takes one array per graph parameter, returns one per output. Host backends
 * take and return host arrays (device data is an error); device backends accept both and return
 * device data, computed asynchronously (reading it back waits for the work).
 */
export interface Executable {
  run(args: readonly ArrayData[]): ArrayData[];
}

/** What every backend declares about itself. */
export interface BackendCapabilities {
  readonly name: string;
  /**
   * From how many logits a product h·Wᵀ that is only read row-wise (cross-entropy, log-softmax)
   * runs faster as the fused linear-logit kernels, which never store it: the trace stage rewrites
   * functions traced for this backend from that size (absent or `Infinity`: never).
   */
  readonly linearLogitsMinElements?: number;
  /** Host memory the backend's programs read in place: tensors made on the host go there (absent: ordinary arrays). */
  readonly hostMemory?: HostMemory;
}

/** A backend option `linearLogitsMinElements`, checked: a number ≥ 0 or `Infinity` (absent: `fallback`). */
export function linearLogitsMinElementsOption(fn: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0))
    fail(
      ValueError,
      fn,
      'options.linearLogitsMinElements',
      'a number ≥ 0 or Infinity',
      typeof value === 'number' ? String(value) : `a ${typeof value}`,
    );
  return value;
}

/** Logits one tile of the fused linear-logit kernels holds by default (16 MiB of f32). */
export const LINEAR_LOGITS_TILE = 2 ** 22;

/** The largest tile the backend option `linearLogitsTile` may ask for (64 MiB of f32). */
export const MAX_LINEAR_LOGITS_TILE = 2 ** 24;

/**
 * A backend option `linearLogitsTile`: logits per tile of the fused linear-logit kernels, an integer
 * in [1, 2²⁴] (a ResourceError above: a tile is scratch memory).
 */
export const linearLogitsTileSchema = s.count(
  1,
  MAX_LINEAR_LOGITS_TILE,
  'logits',
  'maxLinearLogitsTile: the largest tile of the fused linear-logit kernels, 64 MiB of f32',
);

/** Runs graphs of primitives, constants and parameters (custom calls already expanded). */
export interface GraphBackend extends BackendCapabilities {
  readonly kind: 'graph';
  compile(graph: Graph): Executable;
}

/** Compiles the scheduled kernel program of a graph (fuse → lower → schedule already run). */
export interface KernelBackend extends BackendCapabilities {
  readonly kind: 'kernel';
  /** Binding limits of the device (fusion keeps kernels within them). */
  readonly kernelLimits?: KernelLimits;
  /**
   * Whether temporaries written and read only inside a row group stay in cache (a block of rows at
   * a time): a softmax then reuses its exponentials instead of computing them again (`shareSoftmax`).
   */
  readonly rowLocalTemporaries?: boolean;
  compile(program: Program): Executable;
  /**
   * Compiles a scan's loop to run on the device: the body's launches repeated `length` times, the slices
   * of the scanned inputs and the writes of the stacked results done there, nothing read back per step.
   * Absent on backends whose results are host arrays (a host loop over the compiled body runs scans there).
   */
  compileLoop?(loop: KernelLoop): Executable;
}

export type Backend = GraphBackend | KernelBackend;

/** Absent, or a count ≥ 0 (Infinity included). */
const countOrAbsent = (v: unknown): boolean => v === undefined || (typeof v === 'number' && v >= 0);

/**
 * Whether `v` has what core uses of a backend: a kind ('graph' or 'kernel'), a name, `compile`, and, when
 * given, a `linearLogitsMinElements` ≥ 0, `kernelLimits` with numeric bounds, a boolean
 * `rowLocalTemporaries` and a function `compileLoop`. Never throws (proxies, getters).
 */
export function isBackend(v: unknown): v is Backend {
  if (typeof v !== 'object' || v === null) return false;
  try {
    const b = v as Readonly<Record<string, unknown>>;
    const limits = b['kernelLimits'];
    const limitsOk =
      limits === undefined ||
      (typeof limits === 'object' &&
        limits !== null &&
        typeof (limits as KernelLimits).maxBindings === 'number' &&
        typeof (limits as KernelLimits).maxBindingBytes === 'number');
    return (
      (b['kind'] === 'graph' || b['kind'] === 'kernel') &&
      typeof b['name'] === 'string' &&
      typeof b['compile'] === 'function' &&
      countOrAbsent(b['linearLogitsMinElements']) &&
      (b['rowLocalTemporaries'] === undefined || typeof b['rowLocalTemporaries'] === 'boolean') &&
      (b['compileLoop'] === undefined || typeof b['compileLoop'] === 'function') &&
      limitsOk
    );
  } catch {
    return false;
  }
}

let defaultBackend: Backend | undefined;

/** A backend argument: a Backend object (the built-in ones are `x.backends`, WebGPU's comes from `x.webgpu()`). */
export const backendSchema = s.custom(
  "a Backend (an object with kind 'graph' or 'kernel', a name and compile, e.g. x.backends.cpu)",
  isBackend,
  () => getDefaultBackend(),
);

/** Sets the backend eager operations and transforms use when none is passed (the umbrella sets CPU). */
export const setDefaultBackend = publicFn('setDefaultBackend', { backend: backendSchema }, (backend: Backend): void => {
  defaultBackend = backend;
});

/** The default backend, or undefined while none is set. */
export const defaultBackendIfSet = (): Backend | undefined => defaultBackend;

/** The backend eager operations and transforms use when none is passed; a BackendError while none is set. */
export const getDefaultBackend = publicFn('getDefaultBackend', {}, (): Backend => {
  if (defaultBackend === undefined) {
    throw new BackendError(
      'getDefaultBackend',
      "xent.getDefaultBackend: no backend is set; import 'xent' (CPU by default) or call setDefaultBackend(backend)",
    );
  }
  return defaultBackend;
});

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
