/**
 * @file A browser-style `Worker` global over node:worker_threads, so that jax-js's wasm device starts
 * its worker pool in Node as it does in a browser. jax-js creates its workers only when `Worker` and
 * `SharedArrayBuffer` exist, one per `navigator.hardwareConcurrency`, from a blob URL of a classic
 * script that uses `self.onmessage` and `postMessage`; the kernels run in the workers, on a shared
 * WebAssembly memory, while the main thread waits.
 */
import { resolveObjectURL } from 'node:buffer';
import { Worker as NodeWorker } from 'node:worker_threads';

/** What the worker script expects of a browser worker's global scope. */
const PRELUDE = `const { parentPort } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.postMessage = (data) => parentPort.postMessage(data);
parentPort.on('message', (data) => globalThis.onmessage?.({ data }));
`;

let started = 0;

/** How many workers the shim has started in this process. */
export const startedWorkers = (): number => started;

/** The part of the Web `Worker` interface jax-js uses: construction from a blob URL, messages both ways, errors. */
class BrowserWorker {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: { message: string }) => void) | null = null;
  /** The Node worker, once the blob's source has been read (messages posted before then wait for it). */
  readonly #worker: Promise<NodeWorker>;

  constructor(url: string | URL) {
    const blob = resolveObjectURL(String(url));
    if (blob === undefined) throw new Error(`Worker shim: ${String(url)} is not a blob URL of this process`);
    this.#worker = blob.text().then((source) => {
      const worker = new NodeWorker(PRELUDE + source, { eval: true });
      started++;
      worker.on('message', (data: unknown) => this.onmessage?.({ data }));
      worker.on('error', (e: Error) => this.onerror?.({ message: e.message }));
      return worker;
    });
  }

  postMessage(data: unknown): void {
    void this.#worker.then((w) => {
      w.postMessage(data);
    });
  }
}

/** Installs the `Worker` global with `threads` as `navigator.hardwareConcurrency` (jax-js's worker count). */
export function installWorkerShim(threads: number): void {
  Object.defineProperty(globalThis, 'Worker', { value: BrowserWorker, configurable: true, writable: true });
  Object.defineProperty(globalThis.navigator, 'hardwareConcurrency', { value: threads, configurable: true });
}
