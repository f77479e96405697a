/** @file @xent/cpu: the fast CPU backend (generated JavaScript kernels) and the reference interpreter. */
export { cpuBackend, cpuJsBackend, createCpuBackend, type CpuOptions } from './backend.js';
export { availableThreads } from './threads/pool.js';
export { wasmIneligibility } from './wasm/mapKernel.js';
export { mapKernelModule } from './wasm/compile.js';
export { kernelSource } from './codegen/compileKernel.js';
export { referenceBackend } from './reference/interpreter.js';
export { cpuImpls, type CpuImpl, type Value } from './reference/impls.js';
export { stridedLoop } from './reference/strided.js';
