/**
 * @file WGSL for the paired `statsGrad` linear-logit kernel: by blocks of whole logit rows where they
 * fit one tile, each logit computed once; else as the `stats` kernel then the `grad` kernel.
 */
import {
  type KernelInput,
  LINEAR_STATS,
  type LinearLogitsKernel,
  launchSlots,
  packedGradient,
  pairedBuffers,
} from '@xent/core/internal';
import { type BufferSpec, checkedIndex, inputSpecs, outputSpec } from '../buffers.js';
import { entryParams, flatWorkgroup, type KernelPass, type RenderedKernel } from '../rendered.js';
import { TILE, tiledProduct, tiles } from '../tiledProduct.js';
import { Coef, epilogueFunctions } from './epilogue.js';
import { renderGrad } from './grad.js';
import { startTable, startTableSize, tiledEntry, tileStores } from './passes.js';
import { rowStateFunctions, storeStatsFunction } from './rowState.js';
import { renderStats } from './stats.js';

/** Rows per block of the paired kernel: whole logit rows for at most `tile` logits, at least one 64-row tile. */
const blockRows = (k: LinearLogitsKernel, tile: number): number =>
  Math.min(k.n, Math.max(TILE, Math.floor(tile / Math.max(1, k.v) / TILE) * TILE));

/** Widest vocabulary the paired kernel takes in row blocks of `tile`-logit tiles (a 64-row block of it is 4 tiles). */
export const maxBlockVocab = (tile: number): number => (4 * tile) / TILE;

/**
 * The paired kernel by blocks of rows whose whole logit rows fit one tile: per block, U = H_b·Wᵀ + b
 * into a scratch tile, one workgroup per row reduces it to the row's stats (written out) and
 * coefficients, the epilogue's dZ replaces U in place, then ∂H_b = dZ·W, ∂W += dZᵀ·H_b and
 * ∂b += Σ_rows dZ. Each logit is computed once. Blocks share every shader, reading their first row
 * from a table.
 */
export function renderStatsGrad(k: LinearLogitsKernel, maxBindingBytes: number, tile: number): RenderedKernel {
  const { n, d, v } = k;
  const s = launchSlots(k.targets, 'statsGrad');
  const packed = packedGradient(n, d, v);
  const rows = blockRows(k, tile);
  const blocks = Math.ceil(n / rows);
  const specs: BufferSpec[] = [
    ...inputSpecs(k.inputs),
    outputSpec(0, k.dtype, n * LINEAR_STATS),
    outputSpec(1, k.dtype, packed.size),
    { name: 'zt', dtype: 'f32', size: rows * v, access: 'read_write', role: 'scratch' },
    { name: 'coef', dtype: 'f32', size: rows * Coef.Size, access: 'read_write', role: 'scratch' },
    { name: 'blocks', dtype: 'i32', size: startTableSize(blocks), access: 'read_write', role: 'scratch' },
  ];
  const [ct, stats, grads] = [s.cotangent as number, s.statsOut as number, s.gradOut as number];
  const [zt, coef, table] = [grads + 1, grads + 2, grads + 3];
  const starts = startTable(specs, table, blocks, rows, maxBindingBytes);
  const blockPasses = starts.each;
  // the block's first row and its row count, as private globals the operand functions read
  const blockHeader = `var<private> r0_: i32;
var<private> rows_: i32;`;
  const blockStart = `  r0_ = chunk_start();
  rows_ = min(${rows}, ${n} - r0_);`;
  const tiled = (body: string): string => tiledEntry(blockStart, body);
  const stores = (store: string): string => tileStores('t0', store);
  // U [rows, V] = H_b · Wᵀ + b
  const logits = blockPasses(
    [s.h, s.w, s.b, zt],
    (buffers) => `${buffers}
${blockHeader}
fn h_blk(row: i32, q: i32) -> f32 { if (row >= rows_ || q >= ${d}) { return 0.0; } return ld_in${s.h}((r0_ + row) * ${d} + q); }
fn w_t(q: i32, col: i32) -> f32 { if (col >= ${v} || q >= ${d}) { return 0.0; } return ld_in${s.w}(col * ${d} + q); }
${tiledProduct('h_blk', 'w_t', d)}
${tiled(`  let t0 = (wg / ${tiles(v)}) * ${TILE};
  let c0 = (wg % ${tiles(v)}) * ${TILE};
  let c = product(t0, c0, tx, ty);
${stores(`      if (row < rows_ && col < ${v}) { st_zt(row * ${v} + col, c[i][j] + ld_in${s.b}(col)); }`)}`)}`,
    tiles(rows) * tiles(v),
  );
  // one workgroup per row: a row state per invocation, merged in workgroup memory
  const rowStats = blockPasses(
    [...(s.y === undefined ? [] : [s.y]), ct, stats, zt, coef],
    (buffers) => `${buffers}
${epilogueFunctions(k, false)}
${blockHeader}
${rowStateFunctions}
${storeStatsFunction}
var<workgroup> part: array<RowState, 64>;
@compute @workgroup_size(64)
fn main(${entryParams}) {
  ${flatWorkgroup}
${blockStart}
  let local = wg;
  let row = r0_ + local;
  let lane = i32(lid.x);
  var tgt = -1;
  if (local < rows_) { tgt = ${s.y === undefined ? '-1' : checkedIndex(`ld_in${s.y}(row)`, v)}; }
  var state: RowState;
  if (local < rows_) {
    for (var col = lane; col < ${v}; col = col + 64) {
      let zp = logit_terms(ld_zt(local * ${v} + col), col, tgt);
      state = fold(state, zp.x, zp.y);
    }
  }
  part[lane] = state;
  workgroupBarrier();
  if (lane != 0 || local >= rows_) { return; }
  var s: RowState;
  for (var q = 0; q < 64; q++) { s = merge(s, part[q]); }
  store_stats(row, s);
  let columns = stat_columns(s);
  let e = local * ${Coef.Size};
  for (var c = 0; c < ${LINEAR_STATS}; c++) {
    st_coef(e + ${Coef.Stats} + c, columns[c]);
    st_coef(e + ${Coef.Cotangent} + c, ld_in${ct}(row * ${LINEAR_STATS} + c));
  }
  st_coef(e + ${Coef.Target}, f32(tgt));
}`,
    rows,
    k.targets,
  );
  // dZ[row, col] in place of U, by the epilogue
  const cotangent = blockPasses(
    [zt, coef],
    (buffers) => `${buffers}
${epilogueFunctions(k, true)}
${blockHeader}
@compute @workgroup_size(64)
fn main(${entryParams}) {
  ${flatWorkgroup}
${blockStart}
  let flat = wg * 64 + i32(lid.x);
  if (flat >= rows_ * ${v}) { return; }
  let row = flat / ${v};
  let col = flat % ${v};
  let at = row * ${Coef.Size};
  st_zt(flat, logit_dz(ld_zt(flat), col, i32(ld_coef(at + ${Coef.Target})), at));
}`,
    Math.ceil((rows * v) / 64),
  );
  // ∂H_b [rows, D] = dZ · W
  const hidden = blockPasses(
    [s.w, zt, grads],
    (buffers) => `${buffers}
${blockHeader}
fn a_dz(row: i32, q: i32) -> f32 { if (row >= rows_ || q >= ${v}) { return 0.0; } return ld_zt(row * ${v} + q); }
fn b_w(q: i32, col: i32) -> f32 { if (q >= ${v} || col >= ${d}) { return 0.0; } return ld_in${s.w}(q * ${d} + col); }
${tiledProduct('a_dz', 'b_w', v)}
${tiled(`  let t0 = (wg / ${tiles(d)}) * ${TILE};
  let c0 = (wg % ${tiles(d)}) * ${TILE};
  let c = product(t0, c0, tx, ty);
${stores(`      if (row < rows_ && col < ${d}) { st_out1(${packed.h.offset} + (r0_ + row) * ${d} + col, c[i][j]); }`)}`)}`,
    tiles(rows) * tiles(d),
  );
  // ∂W [V, D] (+)= dZᵀ · H_b
  const weights = blockPasses(
    [s.h, zt, grads],
    (buffers) => `${buffers}
${blockHeader}
fn a_dzt(col: i32, q: i32) -> f32 { if (col >= ${v} || q >= rows_) { return 0.0; } return ld_zt(q * ${v} + col); }
fn b_h(q: i32, e: i32) -> f32 { if (q >= rows_ || e >= ${d}) { return 0.0; } return ld_in${s.h}((r0_ + q) * ${d} + e); }
${tiledProduct('a_dzt', 'b_h', rows)}
${tiled(`  let t0 = (wg / ${tiles(d)}) * ${TILE};
  let c0 = (wg % ${tiles(d)}) * ${TILE};
  let c = product(t0, c0, tx, ty);
${stores(`      if (row < ${v} && col < ${d}) {
        let at = ${packed.w.offset} + row * ${d} + col;
        st_out1(at, select(ld_out1(at), 0.0, r0_ == 0) + c[i][j]);
      }`)}`)}`,
    tiles(v) * tiles(d),
  );
  // ∂b (+)= Σ_rows dZ
  const bias = blockPasses(
    [zt, grads],
    (buffers) => `${buffers}
@compute @workgroup_size(64)
fn main(${entryParams}) {
  ${flatWorkgroup}
  let r0 = chunk_start();
  let col = wg * 64 + i32(lid.x);
  if (col >= ${v}) { return; }
  var s = 0.0;
  for (var row = 0; row < min(${rows}, ${n} - r0); row++) { s = s + ld_zt(row * ${v} + col); }
  let at = ${packed.b.offset} + col;
  st_out1(at, select(ld_out1(at), 0.0, r0 == 0) + s);
}`,
    Math.ceil(v / 64),
  );
  const perBlock = Array.from({ length: blocks }, (_, c) =>
    [logits, rowStats, cotangent, hidden, weights, bias].map((passes) => passes[c] as KernelPass),
  ).flat();
  return { passes: [starts.first, ...perBlock], buffers: specs };
}

/**
 * The paired kernel as the stats kernel then the grad kernel (for vocabularies too wide for row
 * blocks): their passes, with bindings pointed at the paired kernel's buffers (each part's scratch
 * after them).
 */
export function renderStatsThenGrad(k: LinearLogitsKernel, maxBindingBytes: number, tile: number): RenderedKernel {
  const s = launchSlots(k.targets, 'statsGrad');
  const operands = k.inputs.slice(0, s.operands);
  const statsInput = { dtype: 'f32' as const, size: k.n * LINEAR_STATS };
  const stats = renderStats({ ...k, pass: 'stats', inputs: operands }, maxBindingBytes);
  const grad = renderGrad(
    { ...k, pass: 'grad', inputs: [...operands, statsInput, k.inputs[s.cotangent as number] as KernelInput] },
    maxBindingBytes,
    tile,
  );
  const own = [
    ...inputSpecs(k.inputs),
    outputSpec(0, k.dtype, k.n * LINEAR_STATS),
    outputSpec(1, k.dtype, packedGradient(k.n, k.d, k.v).size),
  ];
  const scratchOf = (r: RenderedKernel): BufferSpec[] => r.buffers.filter((b) => b.role === 'scratch');
  const statsScratch = scratchOf(stats);
  // a part's buffer i: its operands and outputs as the paired kernel's, its scratch after those
  const remap = (r: RenderedKernel, pass: 'stats' | 'grad', scratchAt: number): KernelPass[] => {
    const paired = pairedBuffers(k.targets, pass);
    const index = (i: number): number => paired[i] ?? scratchAt + (i - paired.length);
    return r.passes.map((p) => ({
      ...p,
      bindings: p.bindings.map((b) => (b.buffer === 'status' ? b : { ...b, buffer: index(b.buffer) })),
    }));
  };
  return {
    passes: [...remap(stats, 'stats', own.length), ...remap(grad, 'grad', own.length + statsScratch.length)],
    buffers: [
      ...own,
      ...statsScratch.map((b) => ({ ...b, name: `stats_${b.name}` })),
      ...scratchOf(grad).map((b) => ({ ...b, name: `grad_${b.name}` })),
    ],
  };
}
