/**
 * @file WebGPU usage and map-mode bits. Dawn in Node does not define the GPUBufferUsage globals,
 * so the values (fixed by the WebGPU spec) are named here.
 */
export const usage = {
  mapRead: 0x1,
  copySrc: 0x4,
  copyDst: 0x8,
  storage: 0x80,
} as const;

export const mapRead = 0x1;
export const computeStage = 0x4;
