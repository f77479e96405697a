/**
 * @file The fast CPU path of the f32 linear-logit kernels: which tiled runner serves a kernel. The
 * `stats` and `grad` passes walk the vocabulary in chunks (`logitChunks.ts`); the paired pass
 * (`statsGrad`) walks blocks of whole logit rows and computes each logit once (`logitRowBlocks.ts`),
 * or, for vocabularies too wide for that, runs as the two chunked passes. Every step runs on all
 * threads. Memory: one tile, a [D + 1, V_c] (or [D + 1, V]) accumulator and the matmul's packing
 * scratch, whatever N×V is.
 */
import { LINEAR_STATS, type LinearLogitsKernel, launchSlots, pairedBuffers } from '@xent/core/internal';
import { vocabularyChunks } from './logitChunks.js';
import { rowBlocks } from './logitRowBlocks.js';
import type { TiledLinearLogits } from './tiling.js';

export type { TiledLinearLogits } from './tiling.js';

/**
 * The tiled runner with tiles of `tile` logits (its WebAssembly kernels with relaxed SIMD where
 * `relaxed`), or undefined where the plain loops serve (f64, or kernels too small to vectorise).
 */
export function tiledLinearLogits(
  k: LinearLogitsKernel,
  threads: number,
  relaxed: boolean,
  tile: number,
): TiledLinearLogits | undefined {
  if (k.dtype !== 'f32' || k.n === 0 || k.v === 0 || k.d === 0) return undefined;
  if (k.pass !== 'statsGrad') return vocabularyChunks(k, threads, relaxed, tile);
  return rowBlocks(k, threads, relaxed, tile) ?? statsThenGrad(k, threads, relaxed, tile);
}

/** `statsGrad` as the two chunked passes (for vocabularies too wide for row blocks): the logits twice. */
function statsThenGrad(
  k: LinearLogitsKernel,
  threads: number,
  relaxed: boolean,
  tile: number,
): TiledLinearLogits | undefined {
  const slots = launchSlots(k.targets, 'statsGrad');
  const operands = k.inputs.slice(0, slots.operands);
  const statsInput = { dtype: 'f32' as const, size: k.n * LINEAR_STATS };
  const ct = k.inputs[slots.cotangent as number] as (typeof k.inputs)[number];
  const stats = vocabularyChunks({ ...k, pass: 'stats', inputs: operands }, threads, relaxed, tile);
  const grad = vocabularyChunks({ ...k, pass: 'grad', inputs: [...operands, statsInput, ct] }, threads, relaxed, tile);
  if (stats === undefined || grad === undefined) return undefined;
  const [statsBuffers, gradBuffers] = [pairedBuffers(k.targets, 'stats'), pairedBuffers(k.targets, 'grad')];
  const pick = <T>(xs: readonly T[], at: readonly number[]): T[] => at.map((i) => xs[i] as T);
  return {
    scratchBytes: Math.max(stats.scratchBytes, grad.scratchBytes),
    run(views, offsets, scratch) {
      stats.run(pick(views, statsBuffers), pick(offsets, statsBuffers), scratch);
      grad.run(pick(views, gradBuffers), pick(offsets, gradBuffers), scratch);
    },
  };
}
