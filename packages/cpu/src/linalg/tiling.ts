/**
 * @file What the tiled CPU linear-logit runners share: the compiled-runner interface, their scratch
 * layout, launches of map kernels and matmuls on all threads, and a cache-blocked transpose.
 */
import type { HostArray } from '@xent/core';
import type { MatmulKernel } from '@xent/core/internal';
import { runSplit } from '../threads/pool.js';
import type { WasmKernel } from '../wasm/compile.js';
import { matmulPanels, matmulScratchBytes } from '../wasm/matmulKernel.js';

/** A compiled tiled kernel: its scratch needs and its runner (over its buffers' views and byte offsets). */
export interface TiledLinearLogits {
  readonly scratchBytes: number;
  run(views: readonly HostArray[], offsets: readonly number[], scratch: number): void;
}

/** Byte offsets of consecutive scratch parts of these element counts (4 bytes each), then of their end. */
export const scratchOffsets = <T extends readonly number[]>(
  counts: readonly [...T],
): [...{ [K in keyof T]: number }, number] =>
  counts.reduce<number[]>((at, count) => [...at, (at[at.length - 1] as number) + 4 * count], [0]) as [
    ...{ [K in keyof T]: number },
    number,
  ];

/** The packing scratch the largest of some plans' matmuls needs. */
export const packingBytes = (plans: readonly { readonly matmuls: Record<string, MatmulKernel> }[]): number =>
  Math.max(...plans.flatMap((p) => Object.values(p.matmuls).map(matmulScratchBytes)));

/** Launches of a map kernel over rows and of a matmul over its panels, on all threads where the work is large. */
export function launchers(threads: number) {
  const split = (kernel: WasmKernel, args: number[], extent: number, work: number): void => {
    runSplit(kernel, args, extent, work >= 1 << 18 ? threads : 1, 1);
  };
  const matmul = (mk: MatmulKernel, wasm: WasmKernel, a: number, b: number, out: number, pack: number): void => {
    split(wasm, [a, b, out, pack], matmulPanels(mk), mk.m * mk.n * mk.k);
  };
  return { split, matmul };
}

/** dst[at + j·rows + i] = src[i·cols + j] for a [rows, cols] source, in cache-sized blocks. */
export function transposeInto(src: HostArray, rows: number, cols: number, dst: HostArray, at: number): void {
  const B = 64;
  for (let i0 = 0; i0 < rows; i0 += B)
    for (let j0 = 0; j0 < cols; j0 += B)
      for (let i = i0; i < Math.min(rows, i0 + B); i++)
        for (let j = j0; j < Math.min(cols, j0 + B); j++) dst[at + j * rows + i] = src[i * cols + j] as number;
}
