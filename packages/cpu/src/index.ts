/** @file @xent/cpu: the fast CPU backend (WebAssembly SIMD and generated JavaScript kernels) and the reference interpreter. */
export { type CpuBackend, cpuBackend, cpuJsBackend, createCpuBackend, type CpuOptions } from './backend.js';
export { availableThreads } from './threads/pool.js';
export { wasmFeatures, type WasmFeatures } from './wasm/features.js';
export { referenceBackend } from './reference/interpreter.js';
