/**
 * @file The WebGPU interfaces this package's declarations name, declared empty in the global
 * scope so that the published .d.ts need neither `@webgpu/types` nor the DOM lib (both need the
 * other: `@webgpu/types` names ImageBitmap, EventInit, …). Interfaces merge: where the program
 * loads `@webgpu/types` or TypeScript's DOM lib, these are the full WebGPU types; in a Node
 * program with `lib: ["es2024"]` they are opaque. Every WebGPU name in a .d.ts must be listed here.
 */
/* eslint-disable @typescript-eslint/no-empty-object-type -- empty on purpose: they merge with the real ones */
declare global {
  interface GPU {}
  interface GPUDevice {}
  interface GPUBuffer {}
  interface GPUBindGroup {}
  interface GPUBindGroupLayout {}
  interface GPUComputePipeline {}
  interface GPUCommandEncoder {}
}
export {};
