/** @file @xent/cpu: the fast CPU backend (generated JavaScript kernels) and the reference interpreter. */
export { cpuBackend } from './backend.js';
export { kernelSource } from './codegen/compileKernel.js';
export { referenceBackend } from './reference/interpreter.js';
export { cpuImpls, type CpuImpl, type Value } from './reference/impls.js';
export { stridedLoop } from './reference/strided.js';
