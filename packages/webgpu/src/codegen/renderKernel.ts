/** @file Renders any kernel of the scalar kernel IR as WGSL passes (one entry per kernel kind). */
import type { Kernel } from '@xent/core';
import { renderMapKernel } from './mapKernel.js';
import { renderMatmulKernel } from './matmulKernel.js';
import type { RenderedKernel } from './rendered.js';
import { renderScanKernel } from './scanKernel.js';

export function renderKernel(k: Kernel, maxBindingBytes: number): RenderedKernel {
  switch (k.kind) {
    case 'map':
      return renderMapKernel(k, maxBindingBytes);
    case 'matmul':
      return renderMatmulKernel(k, maxBindingBytes);
    case 'scan':
      return renderScanKernel(k, maxBindingBytes);
  }
}
