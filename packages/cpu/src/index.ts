/** @file @xent/cpu: the fast CPU backend (WebAssembly SIMD and generated JavaScript kernels) and the reference interpreter. */
import { publicFn } from '@xent/core/internal';
import { availableThreads as threadsHere } from './threads/pool.js';

export { type CpuBackend, cpuBackend, cpuJsBackend, createCpuBackend, type CpuOptions } from './backend.js';
export type { MemoryUsage } from './heap/resident.js';
export { wasmFeatures, type WasmFeatures } from './wasm/features.js';
export { referenceBackend } from './reference/interpreter.js';

/** How many threads this machine offers (1 where worker threads are unavailable). */
export const availableThreads = publicFn('availableThreads', {}, threadsHere);
