/** @file What each benchmarked library provides: a prepared workload whose run returns its outputs. */
import type { Inputs, Workload } from '../workloads.js';

export interface Prepared {
  /** Runs the workload once (W4: `steps` steps) and returns the outputs, flattened. */
  run(): Promise<readonly ArrayLike<number>[]>;
}

export interface LibraryOptions {
  /** CPU threads (xent's CPU backend only). */
  readonly threads: number;
  /** Where the library runs: its fastest CPU path, or WebGPU (Dawn in Node). */
  readonly device: 'cpu' | 'webgpu';
}

export type Library = (workload: Workload, inputs: Inputs, options: LibraryOptions) => Promise<Prepared>;

/** One-hot rows as f32 (for libraries whose idiomatic CE takes one-hot targets). */
export function oneHotRows(labels: Int32Array, classes: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((y, i) => (out[i * classes + y] = 1));
  return out;
}
