/** @file @xent/webgpu: the WebGPU backend and its WGSL code generator. */
import './gpuGlobals.js'; // the WebGPU interface names the declarations use, without @webgpu/types
export { webgpu, type WebGpuBackend, type WebGpuOptions } from './backend.js';
export type { RuntimeStats } from './runtime/runtime.js';
export type { DeviceLimits } from './runtime/acquire.js';
export { renderKernel } from './codegen/renderKernel.js';
export type { KernelPass, RenderedKernel } from './codegen/rendered.js';
