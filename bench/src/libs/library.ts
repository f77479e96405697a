/** @file What each benchmarked library provides: a prepared workload whose run returns its outputs. */
import type { FloatsAt } from '../data.js';
import type { Inputs, Workload } from '../workloads.js';

export interface Outputs {
  /** The outputs, flattened. They may alias the library's memory (xent's `view()`): read them before `release`. */
  readonly values: readonly ArrayLike<number>[];
  /** Frees the outputs (nothing to do where the values are copies). */
  release(): void;
}

export interface Prepared {
  /** Runs the workload once (W4: `steps` steps) and returns the outputs. */
  run(): Promise<Outputs>;
}

export interface LibraryOptions {
  /** CPU threads: xent's CPU backend's, or jax-js's wasm worker threads (1: none, all on the main thread). */
  readonly threads: number;
  /** Where the library runs: its fastest CPU path, or WebGPU (Dawn in Node). */
  readonly device: 'cpu' | 'webgpu';
}

export type Library = (workload: Workload, inputs: Inputs, options: LibraryOptions) => Promise<Prepared>;

/** A library, and where it wants its float inputs made (absent: ordinary arrays it copies from). */
export interface LibraryEntry {
  readonly library: Library;
  readonly floatsAt?: FloatsAt;
}

/** Outputs that are the library's own copies (TensorFlow.js's and jax-js's `data()`). */
export const copies = (values: readonly ArrayLike<number>[]): Outputs => ({ values, release: () => undefined });

/** One-hot rows as f32 (for libraries whose idiomatic CE takes one-hot targets). */
export function oneHotRows(labels: Int32Array, classes: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((y, i) => (out[i * classes + y] = 1));
  return out;
}
