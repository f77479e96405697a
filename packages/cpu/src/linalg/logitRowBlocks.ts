/**
 * @file The tiled CPU `statsGrad` pass by blocks of whole logit rows, so each logit is computed once:
 * per block, Z = H_b·Wᵀ from the SIMD matmul, its row stats and dZ in place by the tile kernels, then
 * ∂H_b = dZ·W (by vocabulary slices) and [∂Wᵀ; ∂bᵀ] += [H_bᵀ; 1ᵀ]·dZ.
 */
import type { HostArray } from '@xent/core';
import {
  launchSlots,
  LINEAR_STATS,
  type LinearLogitsKernel,
  type MatmulKernel,
  packedGradient,
} from '@xent/core/internal';
import { memory } from '../memory.js';
import { wasmMapKernel, wasmMatmulKernel, type WasmKernel } from '../wasm/compile.js';
import { storeStats, targetAt } from './linearLogits.js';
import { jsEpilogue } from './logitEpilogue.js';
import { tileKernels, tileMatmuls } from './logitTiles.js';
import { launchers, packingBytes, scratchOffsets, type TiledLinearLogits, transposeInto } from './tiling.js';

/**
 * Tiles of logits in one row block of the paired kernel (64 MiB of f32 at the default tile): larger
 * than a chunk tile, because each block packs W again for its two products with it (4× fewer blocks
 * measured 14% faster at 2048×512×32768).
 */
const BLOCK_TILES = 4;

/** Elements of the slice of W one ∂H product packs (512 KiB: it stays in cache while packed). */
const SLICE_ELEMENTS = 1 << 17;

/** Logits of one group of rows the row passes run on together (1 MiB: they stay in cache between passes). */
const GROUP_ELEMENTS = 1 << 20;

/** Fewest rows a row block may have (fewer: the two chunked passes serve). */
const MIN_BLOCK_ROWS = 8;

/**
 * `statsGrad` by blocks of rows whose whole logit rows fit one block (of `tile`-logit tiles): per block, Z = H_b·Wᵀ, its row
 * stats, dZ in place, ∂H_b = dZ·W and [∂Wᵀ; ∂bᵀ] += [H_bᵀ; 1ᵀ]·dZ (one product packs dZ once for
 * both): each logit is computed once.
 */
export function rowBlocks(
  k: LinearLogitsKernel,
  threads: number,
  relaxed: boolean,
  tile: number,
): TiledLinearLogits | undefined {
  const { n, d, v } = k;
  const rows = Math.min(n, Math.floor((BLOCK_TILES * tile) / v));
  if (rows < Math.min(n, MIN_BLOCK_ROWS)) return undefined;
  const last = n - Math.floor((n - 1) / rows) * rows;
  const slice = Math.min(v, Math.max(8, Math.floor(SLICE_ELEMENTS / d / 8) * 8));
  const group = Math.max(2, Math.floor(GROUP_ELEMENTS / v));
  const lastSlice = v - Math.floor((v - 1) / slice) * slice;
  const plan = (r: number) => {
    const block = { ...k, n: r };
    const { logits, weights } = tileMatmuls(block, v);
    // ∂H_b [r, D] = Σ over vocabulary slices of dZ[:, slice] · W[slice]: a slice of W stays in cache while packed
    const hiddenSlice = (width: number): MatmulKernel => ({
      ...logits,
      m: r,
      k: width,
      n: d,
      a: { slot: 0, offset: 0, strides: [v, 1] },
      b: { slot: 1, offset: 0, strides: [d, 1] },
      inputs: [
        { dtype: 'f32', size: r * v },
        { dtype: 'f32', size: width * d },
      ],
    });
    const matmuls = { logits, hidden: hiddenSlice(slice), hiddenLast: hiddenSlice(lastSlice), weights };
    const maps = tileKernels(block, v);
    const wasm = {
      logits: wasmMatmulKernel(matmuls.logits, false, relaxed),
      hidden: wasmMatmulKernel(matmuls.hidden, false, relaxed),
      hiddenAdd: wasmMatmulKernel(matmuls.hidden, true, relaxed),
      hiddenLastAdd: wasmMatmulKernel(matmuls.hiddenLast, true, relaxed),
      weights: wasmMatmulKernel(matmuls.weights, false, relaxed),
      weightsAdd: wasmMatmulKernel(matmuls.weights, true, relaxed),
    };
    // max, logsumexp, Σz and ties; the pick statistic is taken in place, one term per row
    const stats = maps.stats.slice(0, 4).map((m) => wasmMapKernel(m, relaxed));
    const grad = wasmMapKernel(maps.grad, relaxed);
    if (Object.values(wasm).some((w) => w === undefined) || stats.some((x) => x === undefined) || grad === undefined)
      return undefined;
    return {
      rows: r,
      matmuls,
      wasm: wasm as { [K in keyof typeof wasm]: WasmKernel },
      stats: stats as WasmKernel[],
      grad,
    };
  };
  const full = plan(rows);
  const ragged = last === rows ? full : plan(last);
  if (full === undefined || ragged === undefined) return undefined;
  // scratch: tile | [H_bᵀ; 1ᵀ] | [∂Wᵀ; ∂bᵀ] | targets | tile row max, lse, Σ, ties | matmul packing
  const [tileAt, hTAt, dwTAt, targetsAt, rowsAt, packAt] = scratchOffsets([
    rows * v,
    (d + 1) * rows,
    (d + 1) * v,
    rows,
    4 * rows,
  ]);
  const packBytes = packingBytes([full, ragged]);
  const { split, matmul } = launchers(threads);
  const slots = launchSlots(k.targets, k.pass);
  const packed = packedGradient(n, d, v);
  const { terms } = jsEpilogue(k, k.dtype);
  // the pick term is 0 but at the target: a row's pick statistic is its term there
  const [u, z, pickAt] = [new Float64Array(1), new Float64Array(1), new Float64Array(1)];
  const pick = (row: number, t: number, bias: HostArray, tile: HostArray): number => {
    u[0] = (tile[row * v + t] as number) + (bias[t] as number);
    terms(u, [z, pickAt], 1, t, t, tile, tile, 0);
    return pickAt[0] as number;
  };
  return {
    scratchBytes: packAt + packBytes,
    run(views, offsets, base) {
      const [hAt, wAt, bAt, ctAt, statsAt, outAt] = [
        slots.h,
        slots.w,
        slots.b,
        slots.cotangent,
        slots.statsOut,
        slots.gradOut,
      ].map((slot) => offsets[slot as number] as number) as [number, number, number, number, number, number];
      const y = slots.y === undefined ? undefined : (views[slots.y] as HostArray);
      const h = views[slots.h] as HostArray;
      const bias = views[slots.b] as HostArray;
      const statsOut = views[slots.statsOut as number] as HostArray;
      const out = views[slots.gradOut as number] as HostArray;
      const at = (offset: number): number => base + offset;
      const targets = new Int32Array(memory.buffer, at(targetsAt), rows);
      const tile = new Float32Array(memory.buffer, at(tileAt), rows * v);
      const tileRows = new Float32Array(memory.buffer, at(rowsAt), 4 * rows);
      const hT = new Float32Array(memory.buffer, at(hTAt), (d + 1) * rows);
      const dwT = new Float32Array(memory.buffer, at(dwTAt), (d + 1) * v);
      for (let r0 = 0; r0 < n; r0 += rows) {
        const p = n - r0 >= rows ? full : ragged;
        const r = p.rows;
        for (let i = 0; i < r; i++) targets[i] = y === undefined ? -1 : targetAt(y, r0 + i, v);
        transposeInto(h.subarray(r0 * d, (r0 + r) * d), r, d, hT, 0);
        hT.fill(1, d * r, (d + 1) * r);
        matmul(p.matmuls.logits, p.wasm.logits, hAt + r0 * d * 4, wAt, at(tileAt), at(packAt));
        // the row passes run on cache-sized groups of rows: stats, then dZ while the rows are still cached
        for (let g0 = 0; g0 < r; g0 += group) {
          const m = Math.min(group, r - g0);
          // the tile kernels' inputs: tile, bias, targets, the tile's row max, the rows' stats and cotangent
          const inputs = [
            at(tileAt) + g0 * v * 4,
            bAt,
            at(targetsAt) + g0 * 4,
            at(rowsAt) + g0 * 4,
            statsAt + (r0 + g0) * LINEAR_STATS * 4,
            ctAt + (r0 + g0) * LINEAR_STATS * 4,
          ];
          p.stats.forEach((kernel, s) => {
            split(kernel, [...inputs, at(rowsAt + (s * r + g0) * 4)], m, m * v);
          });
          for (let i = g0; i < g0 + m; i++) {
            const t = targets[i] as number;
            storeStats(statsOut, (r0 + i) * LINEAR_STATS, {
              lse: tileRows[r + i] as number,
              pick: t < 0 ? 0 : pick(i, t, bias, tile),
              sum: tileRows[2 * r + i] as number,
              max: tileRows[i] as number,
              ties: tileRows[3 * r + i] as number,
            });
          }
          split(p.grad, [...inputs, at(tileAt) + g0 * v * 4], m, m * v);
        }
        for (let k0 = 0; k0 < v; k0 += slice) {
          const [mk, wasm] =
            k0 === 0
              ? [p.matmuls.hidden, p.wasm.hidden]
              : k0 + slice <= v
                ? [p.matmuls.hidden, p.wasm.hiddenAdd]
                : [p.matmuls.hiddenLast, p.wasm.hiddenLastAdd];
          matmul(mk, wasm, at(tileAt) + k0 * 4, wAt + k0 * d * 4, outAt + (packed.h.offset + r0 * d) * 4, at(packAt));
        }
        const weights = r0 > 0 ? p.wasm.weightsAdd : p.wasm.weights;
        matmul(p.matmuls.weights, weights, at(hTAt), at(tileAt), at(dwTAt), at(packAt));
      }
      transposeInto(dwT, d, v, out, packed.w.offset);
      out.set(dwT.subarray(d * v), packed.b.offset);
    },
  };
}
