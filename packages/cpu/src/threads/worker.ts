/**
 * @file The worker side of the thread pool. `workerMain` runs inside each worker (its source is
 * passed to `new Worker(…, { eval: true })`, so it must not close over anything): it compiles the
 * WebAssembly kernels it is sent over its port and runs the row ranges the main thread posts in a
 * shared control block, reporting completion (or a gather index error) through the same block.
 */

/**
 * Control block layout in 32-bit words (a SharedArrayBuffer), one per worker: state, kernel id,
 * argument count, the arguments as f64s (addresses reach past 4 GiB in a 64-bit memory; from word
 * 4, 8-byte aligned, up to `ready`), a ready flag, then the UTF-8 bytes of a failure message.
 */
export const CTL = { state: 0, kernel: 1, argc: 2, args: 4, ready: 260, message: 261, size: 512 } as const;

/** The most arguments a job carries: the f64s between `CTL.args` and `CTL.ready`. */
export const MAX_JOB_ARGS = (CTL.ready - CTL.args) / 2;
/** States of a control block. */
export const STATE = { idle: 0, job: 1, done: 2, indexError: 3, failed: 4 } as const;

export function workerMain(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- eval'd worker code is CommonJS
  const threads = require('node:worker_threads') as typeof import('node:worker_threads');
  const { receiveMessageOnPort } = threads;
  const { memory, ctlBuffer, layout, port, helpers } = threads.workerData as unknown as {
    memory: WebAssembly.Memory;
    /** The scalar helpers WebAssembly kernels import: name and source text. */
    helpers: readonly (readonly [string, string])[];
    ctlBuffer: SharedArrayBuffer;
    /** `CTL` (this function runs as eval'd source: it sees nothing of its module). */
    layout: typeof CTL;
    port: import('node:worker_threads').MessagePort;
  };
  const ctl = new Int32Array(ctlBuffer);
  // the job arguments: f64s from layout.args to layout.ready
  const args = new Float64Array(ctlBuffer, layout.args * 4, (layout.ready - layout.args) / 2);
  const fail = (e: unknown): void => {
    const text = new TextEncoder()
      .encode(String(e instanceof Error ? (e.stack ?? e.message) : e))
      .slice(0, (layout.size - layout.message) * 4 - 1);
    new Uint8Array(ctlBuffer, layout.message * 4, text.length + 1).set([...text, 0]);
    Atomics.store(ctl, layout.state, 4);
    Atomics.notify(ctl, layout.state);
  };
  const kernels = new Map<number, (...args: number[]) => void>();
  /** An index out of range: the index and its check's site (the main thread raises the site's IndexError). */
  class GatherIndexError extends Error {
    constructor(
      readonly j: number,
      readonly site: number,
    ) {
      super('index');
    }
  }
  // The same imports as the main thread's kernels (compile.ts): the helpers rebuilt from their source, and the index check.
  const imports: Record<string, unknown> = { memory };
  for (const [name, source] of helpers) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the helpers' own source text, sent by the pool
    imports[name] = (new Function(`"use strict";return ${source};`) as () => unknown)();
  }
  imports['indexError'] = (j: number, site: number): void => {
    throw new GatherIndexError(j, site);
  };
  Atomics.store(ctl, layout.ready, 1);
  Atomics.notify(ctl, layout.ready);
  for (;;) {
    // Sleep until the main thread posts a job (state 1); after a job the state is "done" until the
    // main thread has collected it, so waiting only for "not idle" would rerun the old job.
    for (let state = Atomics.load(ctl, layout.state); state !== 1; state = Atomics.load(ctl, layout.state))
      Atomics.wait(ctl, layout.state, state);
    const id = ctl[layout.kernel] as number;
    try {
      while (!kernels.has(id)) {
        const m = receiveMessageOnPort(port);
        if (m === undefined) continue;
        const { id: kid, bytes } = m.message as { id: number; bytes: Uint8Array };
        const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: imports });
        kernels.set(kid, instance.exports['kernel'] as (...args: number[]) => void);
      }
      const argc = ctl[layout.argc] as number;
      (kernels.get(id) as (...a: number[]) => void)(...args.subarray(0, argc));
      Atomics.store(ctl, layout.state, 2);
      Atomics.notify(ctl, layout.state);
    } catch (e) {
      if (e instanceof GatherIndexError) {
        ctl[layout.kernel] = e.j;
        ctl[layout.argc] = e.site;
        Atomics.store(ctl, layout.state, 3);
        Atomics.notify(ctl, layout.state);
      } else fail(e);
    }
  }
}
