/**
 * @file A pool of worker threads sharing the backend's WebAssembly memory. Large WebAssembly kernels
 * are split into ranges of their outermost loop (rows, or matmul column panels); the main thread
 * runs the first range and waits on the others. Every element is computed by exactly the code the
 * single-threaded path runs, so results are identical for any thread count.
 */
import { BackendError } from '@xent/core';
import { helperSource, siteIndexError, wasmHelpers } from '@xent/core/internal';
import { memory } from '../memory.js';
import { CTL, MAX_JOB_ARGS, STATE, workerMain } from './worker.js';

interface WorkerHandle {
  readonly ctl: Int32Array;
  /** The control block's job arguments (`CTL.args`). */
  readonly args: Float64Array;
  readonly port: import('node:worker_threads').MessagePort;
  readonly known: Set<number>;
}

/** Node's built-in modules, reached synchronously (no top-level await: `require('xent')` must work). */
interface NodeBuiltins {
  getBuiltinModule(id: 'node:worker_threads'): typeof import('node:worker_threads');
  getBuiltinModule(id: 'node:os'): typeof import('node:os');
}
/** `process` where it exists (Node); browsers have none and run single-threaded. */
const host = (globalThis as { readonly process?: { readonly getBuiltinModule?: unknown } }).process;
const builtins = typeof host?.getBuiltinModule === 'function' ? (host as NodeBuiltins) : undefined;
const workerThreads = builtins?.getBuiltinModule('node:worker_threads');

const os = builtins?.getBuiltinModule('node:os');

/** How many threads this machine offers (1 where worker threads are unavailable). */
export const availableThreads = (): number => (workerThreads === undefined ? 1 : (os?.availableParallelism() ?? 1));

const workers: WorkerHandle[] = [];
/** Set when workers could not be started here: everything then runs on the calling thread. */
let unavailable = workerThreads === undefined;

/** Worker threads started and ready (none where they could not be started: work then runs on the calling thread). */
export const startedWorkers = (): number => workers.length;

/** Starts workers up to `count`, waiting for each to report ready (10 s at most). */
function ensureWorkers(count: number): boolean {
  if (workerThreads === undefined || unavailable) return false;
  while (workers.length < count) {
    const ctlBuffer = new SharedArrayBuffer(CTL.size * 4);
    const { port1, port2 } = new workerThreads.MessageChannel();
    const w = new workerThreads.Worker(`(${workerMain.toString()})()`, {
      eval: true,
      workerData: {
        memory,
        ctlBuffer,
        layout: CTL,
        port: port2,
        helpers: wasmHelpers.map((h) => [h, helperSource(h)]),
      },
      transferList: [port2],
    });
    w.unref();
    port1.unref();
    const ctl = new Int32Array(ctlBuffer);
    const deadline = Date.now() + 10_000;
    while (Atomics.load(ctl, CTL.ready) === 0 && Date.now() < deadline) Atomics.wait(ctl, CTL.ready, 0, 100);
    if (Atomics.load(ctl, CTL.ready) === 0) {
      void w.terminate();
      unavailable = true;
      return false;
    }
    workers.push({ ctl, args: new Float64Array(ctlBuffer, CTL.args * 4, MAX_JOB_ARGS), port: port1, known: new Set() });
  }
  return true;
}

/** The failure message a worker left in its control block. */
function failureMessage(ctl: Int32Array): string {
  const bytes = new Uint8Array(ctl.buffer, CTL.message * 4, (CTL.size - CTL.message) * 4);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.slice(0, end < 0 ? bytes.length : end));
}

let nextKernelId = 1;
const kernelIds = new WeakMap<object, number>();

/** A kernel the pool can run: its module bytes and its main-thread entry point. */
export interface PoolKernel {
  readonly bytes: Uint8Array;
  readonly fn: (...args: number[]) => void;
}

/** The argument lists kernels are called with on this thread, one per length, refilled for each call. */
const frames: number[][] = [];

/** `args`, then `scratch` when given, then the chunk index when given, then lo and hi, in a reused array. */
function frameOf(
  args: readonly number[],
  scratch: number | undefined,
  chunk: number | undefined,
  lo: number,
  hi: number,
): number[] {
  const length = args.length + (scratch === undefined ? 0 : 1) + (chunk === undefined ? 0 : 1) + 2;
  let frame = frames[length];
  if (frame === undefined) {
    frame = new Array<number>(length).fill(0);
    frames[length] = frame;
  }
  for (let i = 0; i < args.length; i++) frame[i] = args[i] as number;
  let at = args.length;
  if (scratch !== undefined) frame[at++] = scratch;
  if (chunk !== undefined) frame[at++] = chunk;
  frame[at] = lo;
  frame[at + 1] = hi;
  return frame;
}

/**
 * Runs `kernel(...args, lo, hi)` over [0, extent) split into `threads` ranges whose bounds are
 * multiples of `align` (the last one ends at `extent`); with `scratch`, `kernel(...args, scratch,
 * lo, hi)`; with `chunkIndex`, the range's number c < threads comes before lo (a kernel's own
 * scratch per thread). The calling thread's call allocates nothing.
 */
export function runSplit(
  kernel: PoolKernel,
  args: readonly number[],
  extent: number,
  threads: number,
  align: number,
  scratch?: number,
  chunkIndex = false,
): void {
  const chunks = Math.min(threads, Math.floor(extent / align));
  const frame = (c: number, lo: number, hi: number): number[] =>
    frameOf(args, scratch, chunkIndex ? c : undefined, lo, hi);
  if (chunks <= 1 || !ensureWorkers(chunks - 1)) {
    kernel.fn(...frame(0, 0, extent));
    return;
  }
  let id = kernelIds.get(kernel);
  if (id === undefined) {
    id = nextKernelId++;
    kernelIds.set(kernel, id);
  }
  const bound = (c: number): number => (c === chunks ? extent : Math.floor((extent * c) / chunks / align) * align);
  for (let c = 1; c < chunks; c++) {
    const w = workers[c - 1] as WorkerHandle;
    if (!w.known.has(id)) {
      w.port.postMessage({ id, bytes: kernel.bytes });
      w.known.add(id);
    }
    const ctl = w.ctl;
    ctl[CTL.kernel] = id;
    const job = frame(c, bound(c), bound(c + 1));
    ctl[CTL.argc] = job.length;
    w.args.set(job);
    Atomics.store(ctl, CTL.state, STATE.job);
    Atomics.notify(ctl, CTL.state);
  }
  let failure: Error | undefined;
  try {
    kernel.fn(...frame(0, 0, bound(1)));
  } catch (e) {
    failure = e as Error;
  }
  for (let c = 1; c < chunks; c++) {
    const ctl = (workers[c - 1] as WorkerHandle).ctl;
    while (Atomics.load(ctl, CTL.state) === STATE.job) Atomics.wait(ctl, CTL.state, STATE.job);
    const state = Atomics.load(ctl, CTL.state);
    if (state === STATE.indexError && failure === undefined) {
      const [j, site] = [ctl[CTL.kernel] as number, ctl[CTL.argc] as number];
      failure = siteIndexError(site, j);
    }
    if (state === STATE.failed && failure === undefined) {
      failure = new BackendError('run', `xent.run: a worker thread failed: ${failureMessage(ctl)}`);
    }
    Atomics.store(ctl, CTL.state, STATE.idle);
  }
  if (failure !== undefined) throw failure;
}
