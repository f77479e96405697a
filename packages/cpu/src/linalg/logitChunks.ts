/**
 * @file The tiled CPU `stats` and `grad` passes: the vocabulary is walked in chunks whose logit tile
 * Z_c = H·W_cᵀ [N, V_c] (at most the backend's `linearLogitsTile` logits, or 8 columns) comes from the SIMD matmul. Stats: the tile's row
 * reductions are merged across chunks. Grad: dZ_c in place, then ∂H += dZ_c·W_c and
 * [∂W_cᵀ; ∂b_cᵀ] = [Hᵀ; 1ᵀ]·dZ_c (Hᵀ transposed once: a contiguous left operand is 3× faster than
 * reading dZ_c by columns; the row of ones gives ∂b from the same packed dZ_c).
 */
import type { HostArray } from '@xent/core';
import { launchSlots, LINEAR_STATS, type LinearLogitsKernel, packedGradient } from '@xent/core/internal';
import { memory } from '../memory.js';
import { wasmMapKernel, wasmMatmulKernel, type WasmKernel } from '../wasm/compile.js';
import { storeStats, targetAt } from './linearLogits.js';
import { tileKernels, tileMatmuls } from './logitTiles.js';
import { launchers, packingBytes, scratchOffsets, type TiledLinearLogits, transposeInto } from './tiling.js';

/** Vocabulary entries per chunk of a `tile`-logit tile: a multiple of 8 (the matmul's panel width), the tile bound kept. */
const chunkOf = (k: LinearLogitsKernel, tile: number): number =>
  Math.min(k.v, Math.max(8, Math.floor(tile / Math.max(1, k.n) / 8) * 8));

/** One chunk width's compiled kernels. */
interface ChunkPlan {
  readonly width: number;
  readonly matmuls: ReturnType<typeof tileMatmuls>;
  readonly wasm: { readonly [K in keyof ReturnType<typeof tileMatmuls> | 'hiddenAdd']: WasmKernel };
  readonly stats: readonly WasmKernel[];
  readonly grad: WasmKernel;
}

function chunkPlan(k: LinearLogitsKernel, width: number, relaxed: boolean): ChunkPlan | undefined {
  const matmuls = tileMatmuls(k, width);
  const maps = tileKernels(k, width);
  const wasm = {
    logits: wasmMatmulKernel(matmuls.logits, false, relaxed),
    hidden: wasmMatmulKernel(matmuls.hidden, false, relaxed),
    hiddenAdd: wasmMatmulKernel(matmuls.hidden, true, relaxed),
    weights: wasmMatmulKernel(matmuls.weights, false, relaxed),
  };
  const stats = maps.stats.map((m) => wasmMapKernel(m, relaxed));
  const grad = wasmMapKernel(maps.grad, relaxed);
  if (Object.values(wasm).some((w) => w === undefined) || stats.some((s) => s === undefined) || grad === undefined)
    return undefined;
  return { width, matmuls, wasm: wasm as ChunkPlan['wasm'], stats: stats as WasmKernel[], grad };
}

/** The `stats` or `grad` pass walking the vocabulary in chunks of at most `tile` logits. */
export function vocabularyChunks(
  k: LinearLogitsKernel,
  threads: number,
  relaxed: boolean,
  tile: number,
): TiledLinearLogits | undefined {
  const vc = chunkOf(k, tile);
  const last = k.v - Math.floor((k.v - 1) / vc) * vc;
  const full = chunkPlan(k, vc, relaxed);
  const ragged = last === vc ? full : chunkPlan(k, last, relaxed);
  if (full === undefined || ragged === undefined) return undefined;
  const { n, d, v } = k;
  const slots = launchSlots(k.targets, k.pass);
  const packed = packedGradient(n, d, v);
  // scratch: tile | [Hᵀ; 1ᵀ] | [∂W_cᵀ; ∂b_cᵀ] | targets − v0 | tile row max, lse, Σ, ties, pick | matmul packing
  const [tileAt, hTAt, dwTAt, targetsAt, rowsAt, packAt] = scratchOffsets([
    n * vc,
    (d + 1) * n,
    (d + 1) * vc,
    n,
    5 * n,
  ]);
  const packBytes = packingBytes([full, ragged]);
  const { split, matmul } = launchers(threads);
  return {
    scratchBytes: packAt + packBytes,
    run(views, offsets, base) {
      const offset = (slot: number | undefined): number => (slot === undefined ? 0 : (offsets[slot] as number));
      const [hAt, wAt, bAt] = [offset(slots.h), offset(slots.w), offset(slots.b)];
      const y = slots.y === undefined ? undefined : (views[slots.y] as HostArray);
      // the stats: read by the grad pass, written by the stats pass
      const statsAt = offset(slots.stats ?? slots.statsOut);
      const ctAt = offset(slots.cotangent);
      const outAt = offset(slots.gradOut);
      const at = (o: number): number => base + o;
      const targets = new Int32Array(memory.buffer, at(targetsAt), n);
      const tileRows = new Float32Array(memory.buffer, at(rowsAt), 5 * n);
      const dwT = new Float32Array(memory.buffer, at(dwTAt), (d + 1) * vc);
      if (slots.gradOut !== undefined) {
        const hT = new Float32Array(memory.buffer, at(hTAt), (d + 1) * n);
        transposeInto(views[slots.h] as HostArray, n, d, hT, 0);
        hT.fill(1, d * n, (d + 1) * n);
      }
      const running = slots.statsOut === undefined ? undefined : new Float64Array(5 * n);
      running?.fill(-Infinity, 0, n);
      // without targets there is no pick reduction: the tile's pick row stays 0
      tileRows.fill(0, 4 * n);
      for (let v0 = 0; v0 < v; v0 += vc) {
        const plan = v - v0 >= vc ? full : ragged;
        const width = plan.width;
        for (let i = 0; i < n; i++) targets[i] = y === undefined ? -1 : targetAt(y, i, v) - v0;
        matmul(plan.matmuls.logits, plan.wasm.logits, hAt, wAt + v0 * d * 4, at(tileAt), at(packAt));
        // the tile kernels' inputs: tile, bias chunk, targets − v0, the tile's row max, stats, cotangent
        const inputs = [at(tileAt), bAt + v0 * 4, at(targetsAt), at(rowsAt), statsAt, ctAt];
        if (running !== undefined) {
          plan.stats.forEach((kernel, s) => {
            split(kernel, [...inputs, at(rowsAt + s * n * 4)], n, n * width);
          });
          mergeRows(running, tileRows, n);
          continue;
        }
        const out = views[slots.gradOut as number] as HostArray;
        split(plan.grad, [...inputs, at(tileAt)], n, n * width);
        // ∂H accumulates over chunks (the first writes it); ∂W_c and ∂b_c are their own parts of the output
        const hidden = v0 === 0 ? plan.wasm.hidden : plan.wasm.hiddenAdd;
        matmul(plan.matmuls.hidden, hidden, at(tileAt), wAt + v0 * d * 4, outAt + packed.h.offset * 4, at(packAt));
        matmul(plan.matmuls.weights, plan.wasm.weights, at(hTAt), at(tileAt), at(dwTAt), at(packAt));
        transposeInto(dwT, d, width, out, packed.w.offset + v0 * d);
        out.set(dwT.subarray(d * width, (d + 1) * width), packed.b.offset + v0);
      }
      if (running !== undefined) storeRows(running, views[slots.statsOut as number] as HostArray, n);
    },
  };
}

/**
 * Merges a tile's row reductions (max, lse, Σ, ties at its max, pick; [5][N]) into the running
 * rows (max, Σexp(z − max), Σ, ties, pick; [5][N]).
 */
function mergeRows(running: Float64Array, tile: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const [m, scaled, sum, ties, pick] = [0, 1, 2, 3, 4].map((c) => running[c * n + i] as number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const [tm, tl, ts, tt, tp] = [0, 1, 2, 3, 4].map((c) => tile[c * n + i] as number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const top = Math.max(m, tm);
    running[i] = top;
    running[n + i] = (m === -Infinity ? 0 : scaled * Math.exp(m - top)) + Math.exp(tl - top);
    running[2 * n + i] = sum + ts;
    running[3 * n + i] = (m === top ? ties : 0) + (tm === top ? tt : 0);
    running[4 * n + i] = pick + tp;
  }
}

/** Writes the running rows as the stats [N, 5]. */
function storeRows(running: Float64Array, out: HostArray, n: number): void {
  for (let i = 0; i < n; i++) {
    storeStats(out, i * LINEAR_STATS, {
      lse: (running[i] as number) + Math.log(running[n + i] as number),
      pick: running[4 * n + i] as number,
      sum: running[2 * n + i] as number,
      max: running[i] as number,
      ties: running[3 * n + i] as number,
    });
  }
}
