/**
 * @file The fast CPU path of the f32 linear-logit kernels. The vocabulary is walked in chunks whose
 * logit tile Z_c = H·W_cᵀ [N, V_c] (at most TILE_ELEMENTS) comes from the WebAssembly SIMD matmul;
 * SIMD map kernels of the scalar kernel IR then reduce the tile to per-row statistics that are
 * merged across chunks (stats), or turn it into dZ_c in place for ∂H += dZ_c·W_c and
 * [∂W_cᵀ; ∂b_cᵀ] = [Hᵀ; 1ᵀ]·dZ_c (Hᵀ transposed once: a contiguous left operand is 3× faster than
 * reading dZ_c by columns; the row of ones gives ∂b from the same packed dZ_c) (grad). The paired
 * pass (statsGrad) walks blocks of whole logit rows instead and computes each logit once. Every
 * step runs on all threads. Memory: one tile, a [D + 1, V_c] (or [D + 1, V]) accumulator and the
 * matmul's packing scratch, whatever N×V is.
 */
import {
  type HostArray,
  LINEAR_STATS,
  type LinearLogitsKernel,
  LinearStat,
  lit,
  load,
  loopVar,
  type MapKernel,
  type MatmulKernel,
  type ReduceOp,
  scalar,
  type ScalarExpr,
} from '@xent/core';
import { memory } from '../memory.js';
import { runSplit } from '../threads/pool.js';
import { wasmMapKernel, wasmMatmulKernel, type WasmKernel } from '../wasm/compile.js';
import { matmulPanels, matmulScratchBytes } from '../wasm/matmulKernel.js';
import { FILTER_THRESHOLD, softcapped, storeStats, targetAt } from './linearLogits.js';

/** Elements of one logit tile (16 MiB of f32). */
const TILE_ELEMENTS = 1 << 22;

/** Vocabulary entries per chunk: a multiple of 8 (the matmul's panel width), the tile bound kept. */
const chunkOf = (k: LinearLogitsKernel): number =>
  Math.min(k.v, Math.max(8, Math.floor(TILE_ELEMENTS / Math.max(1, k.n) / 8) * 8));

const f32 = (v: number): ScalarExpr => lit(v, 'f32');
const op = (name: ScalarExpr['op'], ...args: ScalarExpr[]): ScalarExpr =>
  scalar(name, name === 'lt' || name === 'le' || name === 'eq' ? 'bool' : (args[0] as ScalarExpr).dtype, args);
const where = (c: ScalarExpr, a: ScalarExpr, b: ScalarExpr): ScalarExpr => scalar('where', a.dtype, [c, a, b]);

/** Input slots of the tile map kernels. */
const Slot = { Tile: 0, Bias: 1, Targets: 2, RowMax: 3, Stats: 4, Cotangent: 5 } as const;

/** The logit z at (row i0, column i1) of a tile of `width` columns, and s′(u) (undefined without softcap). */
function tileLogit(width: number, softcap: number | null): { z: ScalarExpr; slope: ScalarExpr | undefined } {
  const at = scalar('add', 'i32', [scalar('mul', 'i32', [loopVar(0), lit(width, 'i32')]), loopVar(1)]);
  const u = op('add', load(Slot.Tile, 'f32', at), load(Slot.Bias, 'f32', loopVar(1)));
  if (softcap === null) return { z: u, slope: undefined };
  // tanh a = sign(a)·(1 − e)/(1 + e) and 1 − tanh² a = 4e/(1 + e)², with e = exp(−2|a|) ≤ 1 (no overflow)
  const a = op('div', u, f32(softcap));
  const e = op('exp', op('mul', f32(-2), op('abs', a)));
  const onePlus = op('add', f32(1), e);
  const tanh = op('mul', op('sign', a), op('div', op('sub', f32(1), e), onePlus));
  return { z: op('mul', f32(softcap), tanh), slope: op('div', op('mul', f32(4), e), op('mul', onePlus, onePlus)) };
}

/** Column `c` of a row-statistics input [N, 5] at row i0. */
const rowStat = (slot: number, c: number): ScalarExpr =>
  load(
    slot,
    'f32',
    scalar('add', 'i32', [scalar('mul', 'i32', [loopVar(0), lit(LINEAR_STATS, 'i32')]), lit(c, 'i32')]),
  );

/** The map kernels of a chunk `width` wide: the row reductions of the stats pass and dZ of the grad pass. */
function tileKernels(k: LinearLogitsKernel, width: number) {
  const { z, slope } = tileLogit(width, k.softcap);
  const inputs = [
    { dtype: 'f32' as const, size: k.n * width },
    { dtype: 'f32' as const, size: width },
    { dtype: 'i32' as const, size: k.n },
    { dtype: 'f32' as const, size: k.n },
    { dtype: 'f32' as const, size: k.n * LINEAR_STATS },
    { dtype: 'f32' as const, size: k.n * LINEAR_STATS },
  ];
  const isTarget = op('eq', loopVar(1), load(Slot.Targets, 'i32', loopVar(0)));
  const row = (reduce: ReduceOp, body: ScalarExpr): MapKernel => ({
    kind: 'map',
    shape: [k.n],
    reduce: { shape: [width], op: reduce, body },
    inputs,
    outputs: [scalar('acc', 'f32')],
  });
  const ctStat = (c: number): ScalarExpr => rowStat(Slot.Cotangent, c);
  const p = op('exp', op('sub', z, rowStat(Slot.Stats, LinearStat.Lse)));
  const softmaxTerm = op('mul', ctStat(LinearStat.Lse), p);
  const maxShare = op('div', ctStat(LinearStat.Max), rowStat(Slot.Stats, LinearStat.Ties));
  // (ct_lse·p + ct_pick·[v = y] + ct_sum + ct_max·[z = max]/ties)·s′(u)
  const dz = [
    k.filter ? where(op('le', f32(FILTER_THRESHOLD), p), softmaxTerm, f32(0)) : softmaxTerm,
    where(isTarget, ctStat(LinearStat.Pick), f32(0)),
    where(op('eq', z, rowStat(Slot.Stats, LinearStat.Max)), maxShare, f32(0)),
  ].reduce((acc, term) => op('add', acc, term), ctStat(LinearStat.Sum));
  return {
    /** per row of the tile: max, logsumexp, Σz, ties at the tile's max, and z at the target */
    stats: [
      row('max', z),
      row('logsumexp', z),
      row('sum', z),
      row('sum', where(op('eq', z, load(Slot.RowMax, 'f32', loopVar(0))), f32(1), f32(0))),
      row('sum', where(isTarget, z, f32(0))),
    ],
    grad: {
      kind: 'map',
      shape: [k.n, width],
      inputs,
      outputs: [slope === undefined ? dz : op('mul', dz, slope)],
    } satisfies MapKernel,
  };
}

/** The three matmuls of a chunk `width` wide (operand slots 0 and 1). */
function chunkMatmuls(k: LinearLogitsKernel, width: number) {
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
    /** Z_c [N, width] = H [N, D] · W_cᵀ (W_c read as [D, width]) */
    logits: mm(n, d, width, [d, 1], [1, d], [n * d, width * d]),
    /** ∂H_c [N, D] = dZ_c · W_c [width, D] */
    hidden: mm(n, width, d, [width, 1], [d, 1], [n * width, width * d]),
    /** [∂W_cᵀ; ∂b_cᵀ] [D + 1, width] = [Hᵀ; 1ᵀ] [D + 1, N] · dZ_c */
    weights: mm(d + 1, n, width, [n, 1], [width, 1], [(d + 1) * n, n * width]),
  };
}

/** One chunk width's compiled kernels. */
interface ChunkPlan {
  readonly width: number;
  readonly matmuls: ReturnType<typeof chunkMatmuls>;
  readonly wasm: { readonly [K in keyof ReturnType<typeof chunkMatmuls> | 'hiddenAdd']: WasmKernel };
  readonly stats: readonly WasmKernel[];
  readonly grad: WasmKernel;
}

function chunkPlan(k: LinearLogitsKernel, width: number, relaxed: boolean): ChunkPlan | undefined {
  const matmuls = chunkMatmuls(k, width);
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

/** Byte offsets of consecutive scratch parts of these element counts (4 bytes each), then of their end. */
const scratchOffsets = <T extends readonly number[]>(
  counts: readonly [...T],
): [...{ [K in keyof T]: number }, number] =>
  counts.reduce<number[]>((at, count) => [...at, (at[at.length - 1] as number) + 4 * count], [0]) as [
    ...{ [K in keyof T]: number },
    number,
  ];

/** The packing scratch the largest of some plans' matmuls needs. */
const packingBytes = (plans: readonly { readonly matmuls: Record<string, MatmulKernel> }[]): number =>
  Math.max(...plans.flatMap((p) => Object.values(p.matmuls).map(matmulScratchBytes)));

/** Launches of a map kernel over rows and of a matmul over its panels, on all threads where the work is large. */
function launchers(threads: number) {
  const split = (kernel: WasmKernel, args: number[], extent: number, work: number): void => {
    runSplit(kernel, args, extent, work >= 1 << 18 ? threads : 1, 1);
  };
  const matmul = (mk: MatmulKernel, wasm: WasmKernel, a: number, b: number, out: number, pack: number): void => {
    split(wasm, [a, b, out, pack], matmulPanels(mk), mk.m * mk.n * mk.k);
  };
  return { split, matmul };
}

/** A compiled tiled kernel: its scratch needs and its runner. */
export interface TiledLinearLogits {
  readonly scratchBytes: number;
  run(views: readonly HostArray[], offsets: readonly number[], scratch: number): void;
}

/**
 * The tiled runner (its WebAssembly kernels with relaxed SIMD where `relaxed`), or undefined where
 * the plain loops serve (f64, or kernels too small to vectorise).
 */
export function tiledLinearLogits(
  k: LinearLogitsKernel,
  threads: number,
  relaxed: boolean,
): TiledLinearLogits | undefined {
  if (k.dtype !== 'f32' || k.n === 0 || k.v === 0 || k.d === 0) return undefined;
  if (k.pass !== 'statsGrad') return vocabularyChunks(k, threads, relaxed);
  return rowBlocks(k, threads, relaxed) ?? statsThenGrad(k, threads, relaxed);
}

/** `statsGrad` as the two chunked passes (for vocabularies too wide for row blocks): the logits twice. */
function statsThenGrad(k: LinearLogitsKernel, threads: number, relaxed: boolean): TiledLinearLogits | undefined {
  const first = k.targets ? 4 : 3;
  const stats = vocabularyChunks({ ...k, pass: 'stats', inputs: k.inputs.slice(0, first) }, threads, relaxed);
  const statsInput = { dtype: 'f32' as const, size: k.n * LINEAR_STATS };
  const gradInputs = [...k.inputs.slice(0, first), statsInput, ...k.inputs.slice(first)];
  const grad = vocabularyChunks({ ...k, pass: 'grad', inputs: gradInputs }, threads, relaxed);
  if (stats === undefined || grad === undefined) return undefined;
  return {
    scratchBytes: Math.max(stats.scratchBytes, grad.scratchBytes),
    run(views, offsets, scratch) {
      const [ct, statsOut, gradOut] = [first, first + 1, first + 2];
      const pick = <T>(xs: readonly T[], at: readonly number[]): T[] => at.map((i) => xs[i] as T);
      const operands = Array.from({ length: first }, (_, i) => i);
      stats.run(pick(views, [...operands, statsOut]), pick(offsets, [...operands, statsOut]), scratch);
      grad.run(
        pick(views, [...operands, statsOut, ct, gradOut]),
        pick(offsets, [...operands, statsOut, ct, gradOut]),
        scratch,
      );
    },
  };
}

/**
 * Logits of one row block of the paired kernel (64 MiB of f32): larger than a chunk tile, because
 * each block packs W again for its two products with it (4× fewer blocks measured 14% faster at
 * 2048×512×32768).
 */
const BLOCK_ELEMENTS = 1 << 24;

/** Elements of the slice of W one ∂H product packs (512 KiB: it stays in cache while packed). */
const SLICE_ELEMENTS = 1 << 17;

/** Logits of one group of rows the row passes run on together (1 MiB: they stay in cache between passes). */
const GROUP_ELEMENTS = 1 << 20;

/** Fewest rows a row block may have (fewer: the two chunked passes serve). */
const MIN_BLOCK_ROWS = 8;

/**
 * `statsGrad` by blocks of rows whose whole logit rows fit one tile: per block, Z = H_b·Wᵀ, its row
 * stats, dZ in place, ∂H_b = dZ·W and [∂Wᵀ; ∂bᵀ] += [H_bᵀ; 1ᵀ]·dZ (one product packs dZ once for
 * both): each logit is computed once.
 */
function rowBlocks(k: LinearLogitsKernel, threads: number, relaxed: boolean): TiledLinearLogits | undefined {
  const { n, d, v } = k;
  const rows = Math.min(n, Math.floor(BLOCK_ELEMENTS / v));
  if (rows < Math.min(n, MIN_BLOCK_ROWS)) return undefined;
  const last = n - Math.floor((n - 1) / rows) * rows;
  const slice = Math.min(v, Math.max(8, Math.floor(SLICE_ELEMENTS / d / 8) * 8));
  const group = Math.max(2, Math.floor(GROUP_ELEMENTS / v));
  const lastSlice = v - Math.floor((v - 1) / slice) * slice;
  const plan = (r: number) => {
    const block = { ...k, n: r };
    const { logits, weights } = chunkMatmuls(block, v);
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
    // max, logsumexp, Σz and ties; the target logit is one read per row, taken in place
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
  return {
    scratchBytes: packAt + packBytes,
    run(views, offsets, base) {
      const [hAt, wAt, bAt] = offsets as [number, number, number];
      const first = k.targets ? 4 : 3;
      const y = k.targets ? (views[3] as HostArray) : undefined;
      const h = views[0] as HostArray;
      const bias = views[2] as HostArray;
      const [ctAt, statsAt, outAt] = [first, first + 1, first + 2].map((i) => offsets[i] as number) as [
        number,
        number,
        number,
      ];
      const statsOut = views[first + 1] as HostArray;
      const out = views[first + 2] as HostArray;
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
              pick: t < 0 ? 0 : softcapped((tile[i * v + t] as number) + (bias[t] as number), k.softcap),
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
          matmul(mk, wasm, at(tileAt) + k0 * 4, wAt + k0 * d * 4, outAt + r0 * d * 4, at(packAt));
        }
        const weights = r0 > 0 ? p.wasm.weightsAdd : p.wasm.weights;
        matmul(p.matmuls.weights, weights, at(hTAt), at(tileAt), at(dwTAt), at(packAt));
      }
      transposeInto(dwT, d, v, out, n * d);
      out.set(dwT.subarray(d * v), n * d + v * d);
    },
  };
}

/** The `stats` or `grad` pass walking the vocabulary in chunks. */
function vocabularyChunks(k: LinearLogitsKernel, threads: number, relaxed: boolean): TiledLinearLogits | undefined {
  const vc = chunkOf(k);
  const last = k.v - Math.floor((k.v - 1) / vc) * vc;
  const full = chunkPlan(k, vc, relaxed);
  const ragged = last === vc ? full : chunkPlan(k, last, relaxed);
  if (full === undefined || ragged === undefined) return undefined;
  const { n, d, v } = k;
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
      const [hAt, wAt, bAt] = offsets as [number, number, number];
      const y = k.targets ? (views[3] as HostArray) : undefined;
      const statsAt = offsets[k.targets ? 4 : 3] as number;
      const ctAt = offsets[k.targets ? 5 : 4] as number;
      const outAt = offsets[offsets.length - 1] as number;
      const out = views[views.length - 1] as HostArray;
      const at = (offset: number): number => base + offset;
      const targets = new Int32Array(memory.buffer, at(targetsAt), n);
      const tileRows = new Float32Array(memory.buffer, at(rowsAt), 5 * n);
      const dwT = new Float32Array(memory.buffer, at(dwTAt), (d + 1) * vc);
      if (k.pass === 'grad') {
        const hT = new Float32Array(memory.buffer, at(hTAt), (d + 1) * n);
        transposeInto(views[0] as HostArray, n, d, hT, 0);
        hT.fill(1, d * n, (d + 1) * n);
      }
      const running = k.pass === 'stats' ? new Float64Array(5 * n) : undefined;
      running?.fill(-Infinity, 0, n);
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
        split(plan.grad, [...inputs, at(tileAt)], n, n * width);
        // ∂H accumulates over chunks (the first writes it); ∂W_c and ∂b_c are their own parts of the output
        const hidden = v0 === 0 ? plan.wasm.hidden : plan.wasm.hiddenAdd;
        matmul(plan.matmuls.hidden, hidden, at(tileAt), wAt + v0 * d * 4, outAt, at(packAt));
        matmul(plan.matmuls.weights, plan.wasm.weights, at(hTAt), at(tileAt), at(dwTAt), at(packAt));
        transposeInto(dwT, d, width, out, n * d + v0 * d);
        out.set(dwT.subarray(d * width, (d + 1) * width), n * d + v * d + v0);
      }
      if (running !== undefined) storeRows(running, out, n);
    },
  };
}

/** dst[at + j·rows + i] = src[i·cols + j] for a [rows, cols] source, in cache-sized blocks. */
function transposeInto(src: HostArray, rows: number, cols: number, dst: HostArray, at: number): void {
  const B = 64;
  for (let i0 = 0; i0 < rows; i0 += B)
    for (let j0 = 0; j0 < cols; j0 += B)
      for (let i = i0; i < Math.min(rows, i0 + B); i++)
        for (let j = j0; j < Math.min(cols, j0 + B); j++) dst[at + j * rows + i] = src[i * cols + j] as number;
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
