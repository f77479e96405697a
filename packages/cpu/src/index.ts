/** @file @xent/cpu: the fast CPU backend (generated JavaScript kernels) and the reference interpreter. */
export { type CpuBackend, cpuBackend, cpuJsBackend, cpuOptions, createCpuBackend, type CpuOptions } from './backend.js';
export { availableThreads } from './threads/pool.js';
export { wasmIneligibility } from './wasm/mapKernel.js';
export { mapKernelModule, matmulKernelModule } from './wasm/compile.js';
export { wasmFeatures, type WasmFeatures } from './wasm/features.js';
export { kernelSource } from './codegen/compileKernel.js';
export { referenceBackend } from './reference/interpreter.js';
export { cpuImpls, type CpuImpl, type Value } from './reference/impls.js';
export { stridedLoop } from './reference/strided.js';
