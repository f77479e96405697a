/**
 * @file WGSL for the fused linear-logit kernels (`linearLogits/`): the products h·Wᵀ and those of the
 * gradient are tiled like the matmul shader (`tiledProduct.ts`); what each logit contributes — z, the
 * pick term and dZ — is core's epilogue, rendered by the scalar-expression emitter. Stats: row states
 * per 64-row tile and vocabulary segment, then merged. Grad: per vocabulary chunk, dZ in a scratch
 * tile and three tiled products. StatsGrad: blocks of whole logit rows, so each logit is computed
 * once. Memory: O(N·D + V·D + N) and one tile.
 */
import type { LinearLogitsKernel } from '@xent/core/internal';
import { renderGrad } from './linearLogits/grad.js';
import { renderStats } from './linearLogits/stats.js';
import { maxBlockVocab, renderStatsGrad, renderStatsThenGrad } from './linearLogits/statsGrad.js';
import type { RenderedKernel } from './rendered.js';

/** The passes of a linear-logit kernel whose tiles hold at most `tile` logits (the backend's `linearLogitsTile`). */
export function renderLinearLogitsKernel(k: LinearLogitsKernel, maxBindingBytes: number, tile: number): RenderedKernel {
  switch (k.pass) {
    case 'stats':
      return renderStats(k, maxBindingBytes);
    case 'grad':
      return renderGrad(k, maxBindingBytes, tile);
    case 'statsGrad':
      return k.v <= maxBlockVocab(tile)
        ? renderStatsGrad(k, maxBindingBytes, tile)
        : renderStatsThenGrad(k, maxBindingBytes, tile);
  }
}
