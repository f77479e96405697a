/** @file Renders any kernel of the scalar kernel IR as WGSL passes (one entry per kernel kind). */
import { BackendError } from '@xent/core';
import { type Kernel, LINEAR_LOGITS_TILE } from '@xent/core/internal';
import { renderLinearLogitsKernel } from './linearLogitsKernel.js';
import { renderMapKernel } from './mapKernel.js';
import { renderMatmulKernel } from './matmulKernel.js';
import type { RenderedKernel } from './rendered.js';
import { renderScanKernel } from './scanKernel.js';
import { renderSortKernel } from './sortKernel.js';

/** The WGSL passes of kernel `k`; linear-logit kernels tile by `linearLogitsTile` logits. */
export function renderKernel(
  k: Kernel,
  maxBindingBytes: number,
  linearLogitsTile: number = LINEAR_LOGITS_TILE,
): RenderedKernel {
  switch (k.kind) {
    case 'map':
      return renderMapKernel(k, maxBindingBytes);
    case 'matmul':
      return renderMatmulKernel(k, maxBindingBytes);
    case 'scan':
      return renderScanKernel(k, maxBindingBytes);
    case 'eigh':
      // Jacobi in WGSL is catalog P15 Tier 2; the CPU backends decompose symmetric matrices.
      throw new BackendError(
        'eigh',
        `xent.eigh: the WebGPU backend has no eigen-decomposition kernel (matrices ${JSON.stringify(k.shape)}); run eigh, eigvalsh and the spectral losses on a CPU backend`,
      );
    case 'sort':
      return renderSortKernel(k, maxBindingBytes);
    case 'linearLogits':
      return renderLinearLogitsKernel(k, maxBindingBytes, linearLogitsTile);
  }
}
