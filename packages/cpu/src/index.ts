/** @file @xent/cpu: the CPU backend (the reference interpreter that defines xent's semantics). */
export { referenceBackend } from './reference/interpreter.js';
export { cpuImpls, type CpuImpl, type Value } from './reference/impls.js';
export { stridedLoop } from './reference/strided.js';
