/**
 * @file The fast CPU path of the f32 linear-logit kernels: the vocabulary is walked in chunks whose
 * logit tile Z_c = H·W_cᵀ [N, V_c] (at most TILE_ELEMENTS) is computed by the WebAssembly SIMD
 * matmul on every thread, then merged into the row statistics (stats), or turned into dZ_c in place
 * and contracted into ∂H += dZ_c·W_c, ∂W_c = dZ_cᵀ·H, ∂b_c = Σ_n dZ_c (grad). Memory: one tile,
 * one [N, D] partial and the matmul's packing scratch, whatever N×V is.
 */
import type { HostArray, LinearLogitsKernel, MatmulKernel } from '@xent/core';
import { LINEAR_STATS } from '@xent/core';
import { memory } from '../memory.js';
import { runSplit } from '../threads/pool.js';
import { wasmMatmulKernel, type WasmKernel } from '../wasm/compile.js';
import { matmulPanels, matmulScratchBytes } from '../wasm/matmulKernel.js';
import { type LinearLogitShape, logitCotangent, RowStats, rowCotangent, softcapped, targetAt } from './linearLogits.js';

/** Elements of one logit tile (16 MiB of f32). */
const TILE_ELEMENTS = 1 << 22;

/** Vocabulary entries per chunk: a multiple of 8 (the matmul's panel width), the tile bound kept. */
const chunkOf = (k: LinearLogitsKernel): number =>
  Math.min(k.v, Math.max(8, Math.floor(TILE_ELEMENTS / Math.max(1, k.n) / 8) * 8));

/** The three matmuls of a chunk of `vc` entries (inputs: slot 0 and slot 1 as named). */
function chunkMatmuls(k: LinearLogitsKernel, vc: number) {
  const { n, d } = k;
  const mm = (m: number, kk: number, nn: number, a: number[], b: number[], sizes: [number, number]): MatmulKernel => ({
    kind: 'matmul',
    batch: [],
    m,
    k: kk,
    n: nn,
    dtype: 'f32',
    a: { slot: 0, offset: 0, strides: a },
    b: { slot: 1, offset: 0, strides: b },
    inputs: sizes.map((size) => ({ dtype: 'f32' as const, size })),
  });
  return {
    /** Z_c [N, vc] = H [N, D] · W_cᵀ (W_c read as [D, vc]) */
    logits: mm(n, d, vc, [d, 1], [1, d], [n * d, vc * d]),
    /** ∂H_c [N, D] = dZ_c [N, vc] · W_c [vc, D] */
    hidden: mm(n, vc, d, [vc, 1], [d, 1], [n * vc, vc * d]),
    /** ∂W_c [vc, D] = dZ_cᵀ (dZ_c read as [vc, N]) · H [N, D] */
    weights: mm(vc, n, d, [1, vc], [d, 1], [n * vc, n * d]),
  };
}

type ChunkMatmuls = ReturnType<typeof chunkMatmuls>;

/** A compiled tiled kernel: its scratch needs and its runner. */
export interface TiledLinearLogits {
  readonly scratchBytes: number;
  run(views: readonly HostArray[], offsets: readonly number[], scratch: number): void;
}

/** The tiled runner, or undefined where the plain loops serve (f64, or matmuls too small to vectorise). */
export function tiledLinearLogits(k: LinearLogitsKernel, threads: number): TiledLinearLogits | undefined {
  if (k.dtype !== 'f32' || k.n === 0 || k.v === 0 || k.d === 0) return undefined;
  const vc = chunkOf(k);
  const last = k.v - Math.floor((k.v - 1) / vc) * vc;
  const plans = [chunkMatmuls(k, vc), chunkMatmuls(k, last)];
  const kernels = plans.map((p) => [p.logits, p.hidden, p.weights].map(wasmMatmulKernel));
  if (kernels.some((ks) => ks.some((w) => w === undefined))) return undefined;
  const packBytes = Math.max(...plans.flatMap((p) => [p.logits, p.hidden, p.weights].map(matmulScratchBytes)));
  const tileBytes = k.n * vc * 4;
  const partialBytes = k.n * k.d * 4;
  const shape: LinearLogitShape = k;
  const matmul = (mk: MatmulKernel, wasm: WasmKernel, a: number, b: number, out: number, pack: number): void => {
    runSplit(wasm, [a, b, out, pack], matmulPanels(mk), mk.m * mk.n * mk.k >= 1 << 18 ? threads : 1, 1);
  };
  return {
    scratchBytes: tileBytes + partialBytes + packBytes,
    run(views, offsets, scratch) {
      const b = views[2] as HostArray;
      const y = k.targets ? views[3] : undefined;
      const out = views[views.length - 1] as HostArray;
      const [hAt, wAt] = offsets as [number, number];
      const outAt = offsets[offsets.length - 1] as number;
      const tile = new Float32Array(memory.buffer, scratch, k.n * vc);
      const partialAt = scratch + tileBytes;
      const partial = new Float32Array(memory.buffer, partialAt, k.n * k.d);
      const pack = partialAt + partialBytes;
      const targets = y === undefined ? undefined : Int32Array.from({ length: k.n }, (_, i) => targetAt(y, i, k.v));
      const rows = k.pass === 'stats' ? Array.from({ length: k.n }, () => new RowStats()) : [];
      const grads =
        k.pass === 'grad'
          ? Array.from({ length: k.n }, (_, i) =>
              rowCotangent(views[k.targets ? 4 : 3] as HostArray, views[k.targets ? 5 : 4] as HostArray, i),
            )
          : [];
      const db = new Float64Array(k.pass === 'grad' ? k.v : 0);
      for (let v0 = 0; v0 < k.v; v0 += vc) {
        const width = Math.min(vc, k.v - v0);
        const which = width === vc ? 0 : 1;
        const plan = plans[which] as ChunkMatmuls;
        const [logits, hidden, weights] = kernels[which] as [WasmKernel, WasmKernel, WasmKernel];
        matmul(plan.logits, logits, hAt, wAt + v0 * k.d * 4, scratch, pack);
        for (let i = 0; i < k.n; i++) {
          const target = targets === undefined ? -1 : (targets[i] as number) - v0;
          const at = i * width;
          if (k.pass === 'stats') {
            const row = rows[i] as RowStats;
            for (let j = 0; j < width; j++) {
              const z = softcapped((tile[at + j] as number) + (b[v0 + j] as number), k.softcap);
              row.add(z);
              if (j === target) row.pick = z;
            }
          } else {
            const r = grads[i] as ReturnType<typeof rowCotangent>;
            for (let j = 0; j < width; j++) {
              const dz = logitCotangent(
                (tile[at + j] as number) + (b[v0 + j] as number),
                j === target,
                r,
                shape,
                k.filter,
              );
              tile[at + j] = dz;
              db[v0 + j] = (db[v0 + j] as number) + dz;
            }
          }
        }
        if (k.pass === 'stats') continue;
        // ∂H accumulates over chunks (the first writes it); ∂W_c is its own rows of the output
        if (v0 === 0) matmul(plan.hidden, hidden, scratch, wAt, outAt, pack);
        else {
          matmul(plan.hidden, hidden, scratch, wAt + v0 * k.d * 4, partialAt, pack);
          for (let q = 0; q < k.n * k.d; q++) out[q] = (out[q] as number) + (partial[q] as number);
        }
        matmul(plan.weights, weights, scratch, hAt, outAt + (k.n * k.d + v0 * k.d) * 4, pack);
      }
      if (k.pass === 'grad') out.set(db, k.n * k.d + k.v * k.d);
      rows.forEach((row, i) => {
        row.store(out, i * LINEAR_STATS);
      });
    },
  };
}
