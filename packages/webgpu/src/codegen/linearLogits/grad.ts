/**
 * @file WGSL for the `grad` linear-logit kernel: a first pass gathers each row's coefficients (its
 * stats, their cotangent, its target); then per vocabulary chunk (at most a tile of logits) the
 * epilogue's dZ_c is formed in a scratch tile, and ∂H += dZ_c·W_c, ∂W_c = dZ_cᵀ·H and
 * ∂b_c = Σ_n dZ_c are tiled products. Passes of every chunk share one shader.
 */
import { type LinearLogitsKernel, launchSlots, LINEAR_STATS, packedGradient } from '@xent/core/internal';
import { type BufferSpec, checkedIndex, inputSpecs, outputSpec } from '../buffers.js';
import { entryParams, flatWorkgroup, type KernelPass, type RenderedKernel } from '../rendered.js';
import { TILE, tiledProduct, tiles } from '../tiledProduct.js';
import { Coef, epilogueFunctions } from './epilogue.js';
import { buffersOf, startTable, startTableSize, tiledEntry, tileStores } from './passes.js';
import { logitOperands } from './stats.js';

/** The grad pass with a dZ tile of at most `tile` logits (its vocabulary chunks: multiples of 64 columns, at least one). */
export function renderGrad(k: LinearLogitsKernel, maxBindingBytes: number, tile: number): RenderedKernel {
  const { n, d, v } = k;
  const s = launchSlots(k.targets, 'grad');
  const packed = packedGradient(n, d, v);
  const vc = Math.min(tiles(v) * TILE, Math.max(TILE, Math.floor(tile / Math.max(1, n) / TILE) * TILE));
  const chunks = Math.ceil(v / vc);
  const specs: BufferSpec[] = [
    ...inputSpecs(k.inputs),
    outputSpec(0, k.dtype, packed.size),
    { name: 'dz', dtype: 'f32', size: n * vc, access: 'read_write', role: 'scratch' },
    { name: 'coef', dtype: 'f32', size: n * Coef.Size, access: 'read_write', role: 'scratch' },
    { name: 'chunks', dtype: 'i32', size: startTableSize(chunks), access: 'read_write', role: 'scratch' },
  ];
  const out = s.gradOut as number;
  const [dz, coef, table] = [out + 1, out + 2, out + 3];
  const [stats, ct] = [s.stats as number, s.cotangent as number];
  const rows = buffersOf(specs, [...(s.y === undefined ? [] : [s.y]), stats, ct, coef], maxBindingBytes, k.targets);
  const rowsCode = `${rows.code}
@compute @workgroup_size(64)
fn main(${entryParams}) {
  ${flatWorkgroup}
  let row = wg * 64 + i32(lid.x);
  if (row >= ${n}) { return; }
  let at = row * ${Coef.Size};
  for (var c = 0; c < ${LINEAR_STATS}; c++) {
    st_coef(at + ${Coef.Stats} + c, ld_in${stats}(row * ${LINEAR_STATS} + c));
    st_coef(at + ${Coef.Cotangent} + c, ld_in${ct}(row * ${LINEAR_STATS} + c));
  }
  st_coef(at + ${Coef.Target}, ${s.y === undefined ? '-1.0' : `f32(${checkedIndex(`ld_in${s.y}(row)`, v)})`});
}`;
  const starts = startTable(specs, table, chunks, vc, maxBindingBytes);
  const chunkPasses = starts.each;
  const entry = (body: string): string =>
    tiledEntry(
      `  let v0 = chunk_start();
  let width = min(${vc}, ${v} - v0);`,
      body,
    );
  const stores = (store: string): string => tileStores('r0', store);
  // dZ_c[row, col] for the chunk's columns, by the epilogue
  const cotangent = chunkPasses(
    [s.h, s.w, s.b, coef, dz],
    (buffers) => `${buffers}
${epilogueFunctions(k, true)}
var<private> v0_: i32;
${logitOperands(k, `v - v0_ >= min(${vc}, ${v} - v0_)`)}
${tiledProduct('h_at', 'w_chunk', d)}
fn w_chunk(q: i32, col: i32) -> f32 { return w_at(q, v0_ + col); }
${entry(`  v0_ = v0;
  let r0 = (wg / ${tiles(vc)}) * ${TILE};
  let c0 = (wg % ${tiles(vc)}) * ${TILE};
  let c = product(r0, c0, tx, ty);
${stores(`      if (row < ${n} && col < width) {
        let at = row * ${Coef.Size};
        let tgt = i32(ld_coef(at + ${Coef.Target}));
        st_dz(row * ${vc} + col, logit_dz(c[i][j] + ld_in${s.b}(v0 + col), v0 + col, tgt, at));
      }`)}`)}`,
    tiles(n) * tiles(vc),
  );
  // ∂H [N, D] (+)= dZ_c · W_c
  const hidden = chunkPasses(
    [s.w, dz, out],
    (buffers) => `${buffers}
var<private> v0_: i32;
fn a_dz(row: i32, q: i32) -> f32 { if (row >= ${n} || q >= min(${vc}, ${v} - v0_)) { return 0.0; } return ld_dz(row * ${vc} + q); }
fn b_w(q: i32, col: i32) -> f32 { if (q >= min(${vc}, ${v} - v0_) || col >= ${d}) { return 0.0; } return ld_in${s.w}((v0_ + q) * ${d} + col); }
${tiledProduct('a_dz', 'b_w', vc)}
${entry(`  v0_ = v0;
  let r0 = (wg / ${tiles(d)}) * ${TILE};
  let c0 = (wg % ${tiles(d)}) * ${TILE};
  let c = product(r0, c0, tx, ty);
${stores(`      if (row < ${n} && col < ${d}) {
        let at = ${packed.h.offset} + row * ${d} + col;
        st_out0(at, select(ld_out0(at), 0.0, v0 == 0) + c[i][j]);
      }`)}`)}`,
    tiles(n) * tiles(d),
  );
  // ∂W_c [width, D] = dZ_cᵀ · H
  const weights = chunkPasses(
    [s.h, dz, out],
    (buffers) => `${buffers}
var<private> v0_: i32;
fn a_dzt(row: i32, q: i32) -> f32 { if (row >= min(${vc}, ${v} - v0_) || q >= ${n}) { return 0.0; } return ld_dz(q * ${vc} + row); }
fn b_h(q: i32, col: i32) -> f32 { if (q >= ${n} || col >= ${d}) { return 0.0; } return ld_in${s.h}(q * ${d} + col); }
${tiledProduct('a_dzt', 'b_h', n)}
${entry(`  v0_ = v0;
  let r0 = (wg / ${tiles(d)}) * ${TILE};
  let c0 = (wg % ${tiles(d)}) * ${TILE};
  let c = product(r0, c0, tx, ty);
${stores(`      if (row < width && col < ${d}) { st_out0(${packed.w.offset} + (v0 + row) * ${d} + col, c[i][j]); }`)}`)}`,
    tiles(vc) * tiles(d),
  );
  // ∂b_c = Σ_n dZ_c
  const bias = chunkPasses(
    [dz, out],
    (buffers) => `${buffers}
@compute @workgroup_size(64)
fn main(${entryParams}) {
  ${flatWorkgroup}
  let v0 = chunk_start();
  let col = wg * 64 + i32(lid.x);
  if (col >= min(${vc}, ${v} - v0)) { return; }
  var s = 0.0;
  for (var row = 0; row < ${n}; row++) { s = s + ld_dz(row * ${vc} + col); }
  st_out0(${packed.b.offset} + v0 + col, s);
}`,
    Math.ceil(vc / 64),
  );
  const perChunk = Array.from({ length: chunks }, (_, c) =>
    [cotangent, hidden, weights, bias].map((passes) => passes[c] as KernelPass),
  ).flat();
  return {
    passes: [{ code: rowsCode, bindings: rows.bindings, workgroups: Math.ceil(n / 64) }, starts.first, ...perChunk],
    buffers: specs,
  };
}
