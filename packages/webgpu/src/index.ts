/** @file @xent/webgpu: the WebGPU backend (its WGSL code generator is internal; tests import it from src). */
import './gpuGlobals.js'; // the WebGPU interface names the declarations use, without @webgpu/types
export { webgpu, type WebGpuBackend, type WebGpuOptions } from './backend.js';
export type { RuntimeStats } from './runtime/runtime.js';
export type { DeviceLimits } from './runtime/acquire.js';
export type { KernelPass, RenderedKernel } from './codegen/rendered.js';
