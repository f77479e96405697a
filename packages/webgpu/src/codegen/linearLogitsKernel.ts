/**
 * @file WGSL for the fused linear-logit kernels, tiled like the matmul shader (a 16×16 workgroup
 * owns a 64×64 tile, each invocation 4×4 of it, k walked in steps of 32 through workgroup memory).
 * Stats: workgroups own 64 rows and a segment of the vocabulary, fold each logit tile into
 * per-invocation online (max, Σexp, Σz, ties, pick) states and write them as partials; a second
 * pass merges each row's partials. Grad: per vocabulary chunk (at most TILE_ELEMENTS logits), dZ_c
 * is formed in a scratch tile, then ∂H += dZ_c·W_c, ∂W_c = dZ_cᵀ·H and ∂b_c = Σ_n dZ_c are tiled
 * products. Passes of every chunk share one shader; each reads its chunk's start from its own
 * 256-byte-aligned binding of a table a first pass writes. StatsGrad: blocks of whole logit rows,
 * so each logit is computed once. Memory: O(N·D + V·D + N) and one tile.
 */
import { type KernelInput, LINEAR_STATS, LinearStat, type LinearLogitsKernel } from '@xent/core';
import { type Binding, type BufferSpec, inputSpecs, outputSpec, renderBuffers } from './buffers.js';
import { prelude } from './prelude.js';
import { entryParams, flatWorkgroup, type KernelPass, type RenderedKernel } from './rendered.js';
import { literal } from './wgslOps.js';

const TILE = 64;
const STEP = 32;
/** Elements of the grad pass's dZ tile (16 MiB of f32). */
const TILE_ELEMENTS = 1 << 22;
/** Workgroups the stats pass aims for (rows × vocabulary segments). */
const STATS_WORKGROUPS = 256;
/** Floats per stats partial: count, max, Σexp(z − max), Σz, ties, pick. */
const PARTIAL = 6;
/** Floats per row of the grad pass's coefficients: lse, max, ties, ct_lse, ct_pick, ct_sum, ct_max, target. */
const COEFFS = 8;
/** The chunk table's stride: one binding offset (256 bytes) per chunk. */
const CHUNK_STRIDE = 64;

/** An f32 literal. */
const f = (v: number): string => literal(v, 'f32', new Set());
const tiles = (n: number): number => Math.max(1, Math.ceil(n / TILE));

/** The softcap and its slope (1 − tanh² as 4e^{−2|x|}/(1 + e^{−2|x|})², without cancellation near |tanh| = 1). */
function capFunctions(k: LinearLogitsKernel): string {
  if (k.softcap === null) return 'fn capped(u: f32) -> f32 { return u; }\nfn slope(u: f32) -> f32 { return 1.0; }';
  const c = f(k.softcap);
  return `${prelude(new Set(['tanh']))}
fn capped(u: f32) -> f32 { return ${c} * xent_tanh(u / ${c}); }
fn slope(u: f32) -> f32 { let e = exp(-2.0 * abs(u / ${c})); return 4.0 * e / ((1.0 + e) * (1.0 + e)); }`;
}

/**
 * A row's running statistics as a WGSL struct, with `fold` (one logit in: the online max, Σexp
 * rescaled to it, Σz, ties at the max and the target's logit) and `merge` (two partial states).
 */
const rowStateFunctions = `struct RowState { count: f32, mx: f32, scaled: f32, total: f32, ties: f32, pick: f32 }
fn fold(s: RowState, z: f32, is_target: bool) -> RowState {
  var r = s;
  r.total = s.total + z;
  if (s.count == 0.0 || z > s.mx) {
    r.scaled = select(s.scaled * exp(s.mx - z), 0.0, s.count == 0.0) + 1.0;
    r.mx = z;
    r.ties = 1.0;
  } else if (z == s.mx) {
    r.scaled = s.scaled + 1.0;
    r.ties = s.ties + 1.0;
  } else {
    r.scaled = s.scaled + exp(z - s.mx);
  }
  r.count = s.count + 1.0;
  if (is_target) { r.pick = z; }
  return r;
}
fn merge(a: RowState, b: RowState) -> RowState {
  if (b.count == 0.0) { return a; }
  if (a.count == 0.0) { return b; }
  let top = max(a.mx, b.mx);
  return RowState(a.count + b.count, top, a.scaled * exp(a.mx - top) + b.scaled * exp(b.mx - top),
    a.total + b.total, select(0.0, a.ties, a.mx == top) + select(0.0, b.ties, b.mx == top), a.pick + b.pick);
}`;

/** `store_stats`: a finished row state as the row's five columns of the stats output out0. */
const storeStatsFunction = `fn store_stats(row: i32, s: RowState) {
  let at = row * ${LINEAR_STATS};
  st_out0(at + ${LinearStat.Lse}, s.mx + log(s.scaled));
  st_out0(at + ${LinearStat.Pick}, s.pick);
  st_out0(at + ${LinearStat.Sum}, s.total);
  st_out0(at + ${LinearStat.Max}, s.mx);
  st_out0(at + ${LinearStat.Ties}, s.ties);
}`;

/**
 * A tiled product C[r0.., c0..] = Σ_k A(row, k)·B(k, col) over `depth`, for a 64×64 tile: the
 * invocation's four rows as vec4s of its four columns. `a`/`b` are WGSL functions (zero outside).
 */
function productFunction(a: string, b: string, depth: number): string {
  const four = [0, 1, 2, 3];
  const lane = ['x', 'y', 'z', 'w'];
  return `var<workgroup> tile_a: array<vec4<f32>, ${(TILE * STEP) / 4}>;
var<workgroup> tile_b: array<vec4<f32>, ${(STEP * TILE) / 4}>;
fn product(r0: i32, c0: i32, tx: i32, ty: i32) -> array<vec4<f32>, 4> {
  let flat = ty * 16 + tx;
  var c: array<vec4<f32>, 4>;
  for (var k0 = 0; k0 < ${depth}; k0 = k0 + ${STEP}) {
    for (var e = 0; e < ${(TILE * STEP) / 4 / 256}; e++) {
      let q = flat + e * 256;
      let ra = r0 + q / ${STEP / 4};
      let ka = k0 + 4 * (q % ${STEP / 4});
      tile_a[q] = vec4<f32>(${four.map((j) => `${a}(ra, ka + ${j})`).join(', ')});
      let kb = k0 + q / ${TILE / 4};
      let cb = c0 + 4 * (q % ${TILE / 4});
      tile_b[q] = vec4<f32>(${four.map((j) => `${b}(kb, cb + ${j})`).join(', ')});
    }
    workgroupBarrier();
    for (var kq = 0; kq < ${STEP / 4}; kq++) {
      ${four.map((i) => `let a${i} = tile_a[(ty * 4 + ${i}) * ${STEP / 4} + kq];`).join(' ')}
      ${four.map((d) => `let b${d} = tile_b[(kq * 4 + ${d}) * ${TILE / 4} + tx];`).join(' ')}
      ${four.map((i) => `c[${i}] = c[${i}] + ${four.map((d) => `a${i}.${lane[d] as string} * b${d}`).join(' + ')};`).join('\n      ')}
    }
    workgroupBarrier();
  }
  return c;
}`;
}

/** The logits' operands: h[row, k] and W[v, k] (zero outside), as the left and right of h·Wᵀ. */
const logitOperands = (k: LinearLogitsKernel, vocab: string): string => `
fn h_at(row: i32, q: i32) -> f32 { if (row >= ${k.n} || q >= ${k.d}) { return 0.0; } return ld_in0(row * ${k.d} + q); }
fn w_at(q: i32, v: i32) -> f32 { if (${vocab} || q >= ${k.d}) { return 0.0; } return ld_in1(v * ${k.d} + q); }`;

/** Declarations for some of a kernel's buffers; bindings point back into the kernel's buffer list. */
function buffersOf(
  specs: readonly BufferSpec[],
  which: readonly number[],
  maxBindingBytes: number,
  status: boolean,
): { code: string; bindings: Binding[] } {
  const r = renderBuffers(
    which.map((i) => specs[i] as BufferSpec),
    maxBindingBytes,
    status,
  );
  return {
    code: r.code,
    bindings: r.bindings.map((b) => (b.buffer === 'status' ? b : { ...b, buffer: which[b.buffer] as number })),
  };
}

/**
 * Passes that run once per entry of a start table (vocabulary chunks or row blocks): the table's
 * writer pass, and a maker of per-entry passes whose shaders read their start as `chunk_start()`.
 */
function startTable(
  specs: readonly BufferSpec[],
  table: number,
  count: number,
  stride: number,
  maxBindingBytes: number,
) {
  const name = (specs[table] as BufferSpec).name;
  const writer = buffersOf(specs, [table], maxBindingBytes, false);
  const first: KernelPass = {
    code: `${writer.code}
@compute @workgroup_size(64)
fn main(${entryParams}) {
  for (var c = i32(lid.x); c < ${count}; c = c + 64) { st_${name}(c * ${CHUNK_STRIDE}, c * ${stride}); }
}`,
    bindings: writer.bindings,
    workgroups: 1,
  };
  const each = (which: number[], body: (code: string) => string, workgroups: number, status = false): KernelPass[] => {
    const base = buffersOf(specs, which, maxBindingBytes, status);
    return Array.from({ length: count }, (_, c) => {
      const bound = chunkBinding(base.bindings, table, c);
      return { code: body(`${base.code}\n${bound.code}`), bindings: bound.bindings, workgroups };
    });
  };
  return { first, each };
}

/** A 16×16 tiled entry point: `prologue`, the invocation's tile coordinates, then `body`. */
const tiledEntry = (prologue: string, body: string): string => `@compute @workgroup_size(16, 16)
fn main(${entryParams}) {
  ${flatWorkgroup}
${prologue}
  let tx = i32(lid.x);
  let ty = i32(lid.y);
${body}
}`;

/** `store` for each of the invocation's 4×4 entries (`row`, `col`) of the tile at (`rowStart`, c0). */
const tileStores = (rowStart: string, store: string): string => `  for (var i = 0; i < 4; i++) {
    for (var j = 0; j < 4; j++) {
      let row = ${rowStart} + ty * 4 + i;
      let col = c0 + tx * 4 + j;
${store}
    }
  }`;

/** A pass whose shader reads its chunk start `chunk_start()` from binding `slot` at chunk `c`'s offset. */
function chunkBinding(bindings: readonly Binding[], table: number, c: number): { code: string; bindings: Binding[] } {
  return {
    code: `@group(0) @binding(${bindings.length}) var<storage, read_write> xent_chunk: array<i32>;
fn chunk_start() -> i32 { return xent_chunk[0]; }`,
    bindings: [...bindings, { buffer: table, offsetBytes: c * CHUNK_STRIDE * 4, sizeBytes: 4, readOnly: false }],
  };
}

function renderStats(k: LinearLogitsKernel, maxBindingBytes: number): RenderedKernel {
  const rowTiles = tiles(k.n);
  const vocabTiles = tiles(k.v);
  const segments = Math.min(vocabTiles, Math.max(1, Math.floor(STATS_WORKGROUPS / rowTiles)));
  const perSegment = Math.ceil(vocabTiles / segments);
  const specs: BufferSpec[] = [
    ...inputSpecs(k.inputs),
    outputSpec(0, k.dtype, k.n * LINEAR_STATS),
    { name: 'partial', dtype: 'f32', size: k.n * segments * 16 * PARTIAL, access: 'read_write', role: 'scratch' },
  ];
  const out = k.inputs.length;
  const partial = out + 1;
  const inputs = k.inputs.map((_, i) => i);
  const tileBuffers = buffersOf(specs, [...inputs, partial], maxBindingBytes, k.targets);
  const target = k.targets ? `xent_check(ld_in3(row), ${k.v})` : '-1';
  const tileCode = `${tileBuffers.code}
${capFunctions(k)}
${logitOperands(k, `v >= ${k.v}`)}
${productFunction('h_at', 'w_at', k.d)}
${rowStateFunctions}
@compute @workgroup_size(16, 16)
fn main(${entryParams}) {
  ${flatWorkgroup}
  if (wg >= ${rowTiles * segments}) { return; }
  let r0 = (wg / ${segments}) * ${TILE};
  let segment = wg % ${segments};
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  var state: array<RowState, 4>;
  var tgt: array<i32, 4>;
  for (var i = 0; i < 4; i++) {
    let row = r0 + ty * 4 + i;
    tgt[i] = -1;
    if (row < ${k.n}) { tgt[i] = ${target}; }
  }
  let first = segment * ${perSegment};
  let end = min(first + ${perSegment}, ${vocabTiles});
  for (var t = first; t < end; t++) {
    let c0 = t * ${TILE};
    let c = product(r0, c0, tx, ty);
    for (var i = 0; i < 4; i++) {
      for (var j = 0; j < 4; j++) {
        let v = c0 + tx * 4 + j;
        if (v < ${k.v}) { state[i] = fold(state[i], capped(c[i][j] + ld_in2(v)), v == tgt[i]); }
      }
    }
  }
  for (var i = 0; i < 4; i++) {
    let row = r0 + ty * 4 + i;
    if (row < ${k.n}) {
      let at = ((row * ${segments} + segment) * 16 + tx) * ${PARTIAL};
      let s = state[i];
      st_partial(at, s.count); st_partial(at + 1, s.mx); st_partial(at + 2, s.scaled);
      st_partial(at + 3, s.total); st_partial(at + 4, s.ties); st_partial(at + 5, s.pick);
    }
  }
}`;
  const merge = buffersOf(specs, [partial, out], maxBindingBytes, false);
  const mergeCode = `${merge.code}
${rowStateFunctions}
${storeStatsFunction}
@compute @workgroup_size(64)
fn main(${entryParams}) {
  ${flatWorkgroup}
  let row = wg * 64 + i32(lid.x);
  if (row >= ${k.n}) { return; }
  var s: RowState;
  for (var p = 0; p < ${segments * 16}; p++) {
    let at = (row * ${segments * 16} + p) * ${PARTIAL};
    s = merge(s, RowState(ld_partial(at), ld_partial(at + 1), ld_partial(at + 2), ld_partial(at + 3),
      ld_partial(at + 4), ld_partial(at + 5)));
  }
  store_stats(row, s);
}`;
  return {
    passes: [
      { code: tileCode, bindings: tileBuffers.bindings, workgroups: rowTiles * segments },
      { code: mergeCode, bindings: merge.bindings, workgroups: Math.ceil(k.n / 64) },
    ],
    buffers: specs,
  };
}

function renderGrad(k: LinearLogitsKernel, maxBindingBytes: number): RenderedKernel {
  const { n, d, v } = k;
  const vc = Math.min(tiles(v) * TILE, Math.max(TILE, Math.floor(TILE_ELEMENTS / Math.max(1, n) / TILE) * TILE));
  const chunks = Math.ceil(v / vc);
  const first = k.targets ? 4 : 3;
  const specs: BufferSpec[] = [
    ...inputSpecs(k.inputs),
    outputSpec(0, k.dtype, n * d + v * d + v),
    { name: 'dz', dtype: 'f32', size: n * vc, access: 'read_write', role: 'scratch' },
    { name: 'coef', dtype: 'f32', size: n * COEFFS, access: 'read_write', role: 'scratch' },
    { name: 'chunks', dtype: 'i32', size: chunks * CHUNK_STRIDE, access: 'read_write', role: 'scratch' },
  ];
  const out = k.inputs.length;
  const [dz, coef, table] = [out + 1, out + 2, out + 3];
  // per row: lse, max, ties, ct_lse, ct_pick, ct_sum, ct_max, target (−1 without)
  const rows = buffersOf(specs, [...(k.targets ? [3] : []), first, first + 1, coef], maxBindingBytes, k.targets);
  const stat = (slot: number, c: number): string => `ld_in${slot}(row * ${LINEAR_STATS} + ${c})`;
  const rowsCode = `${rows.code}
@compute @workgroup_size(64)
fn main(${entryParams}) {
  ${flatWorkgroup}
  let row = wg * 64 + i32(lid.x);
  if (row >= ${n}) { return; }
  let at = row * ${COEFFS};
  st_coef(at, ${stat(first, LinearStat.Lse)});
  st_coef(at + 1, ${stat(first, LinearStat.Max)});
  st_coef(at + 2, ${stat(first, LinearStat.Ties)});
  st_coef(at + 3, ${stat(first + 1, LinearStat.Lse)});
  st_coef(at + 4, ${stat(first + 1, LinearStat.Pick)});
  st_coef(at + 5, ${stat(first + 1, LinearStat.Sum)});
  st_coef(at + 6, ${stat(first + 1, LinearStat.Max)});
  st_coef(at + 7, ${k.targets ? `f32(xent_check(ld_in3(row), ${v}))` : '-1.0'});
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
  // dZ_c[row, col] for the chunk's columns: (ct_lse·p + ct_pick·[v = y] + ct_sum + ct_max·[z = max]/ties)·s′(u)
  const cotangent = chunkPasses(
    [0, 1, 2, coef, dz],
    (buffers) => `${buffers}
${capFunctions(k)}
var<private> v0_: i32;
${logitOperands(k, `v - v0_ >= min(${vc}, ${v} - v0_)`)}
${productFunction('h_at', 'w_chunk', d)}
fn w_chunk(q: i32, col: i32) -> f32 { return w_at(q, v0_ + col); }
${entry(`  v0_ = v0;
  let r0 = (wg / ${tiles(vc)}) * ${TILE};
  let c0 = (wg % ${tiles(vc)}) * ${TILE};
  let c = product(r0, c0, tx, ty);
${stores(`      if (row < ${n} && col < width) {
        let at = row * ${COEFFS};
        let u = c[i][j] + ld_in2(v0 + col);
        let z = capped(u);
        let p = exp(z - ld_coef(at));
        var g = ld_coef(at + 5);
        ${k.filter ? `if (p >= ${f(2 ** -24)}) { g = g + ld_coef(at + 3) * p; }` : 'g = g + ld_coef(at + 3) * p;'}
        if (f32(v0 + col) == ld_coef(at + 7)) { g = g + ld_coef(at + 4); }
        if (ld_coef(at + 6) != 0.0 && z == ld_coef(at + 1)) { g = g + ld_coef(at + 6) / ld_coef(at + 2); }
        st_dz(row * ${vc} + col, g * slope(u));
      }`)}`)}`,
    tiles(n) * tiles(vc),
  );
  // ∂H [N, D] (+)= dZ_c · W_c
  const hidden = chunkPasses(
    [1, dz, out],
    (buffers) => `${buffers}
var<private> v0_: i32;
fn a_dz(row: i32, q: i32) -> f32 { if (row >= ${n} || q >= min(${vc}, ${v} - v0_)) { return 0.0; } return ld_dz(row * ${vc} + q); }
fn b_w(q: i32, col: i32) -> f32 { if (q >= min(${vc}, ${v} - v0_) || col >= ${d}) { return 0.0; } return ld_in1((v0_ + q) * ${d} + col); }
${productFunction('a_dz', 'b_w', vc)}
${entry(`  v0_ = v0;
  let r0 = (wg / ${tiles(d)}) * ${TILE};
  let c0 = (wg % ${tiles(d)}) * ${TILE};
  let c = product(r0, c0, tx, ty);
${stores(`      if (row < ${n} && col < ${d}) {
        let at = row * ${d} + col;
        st_out0(at, select(ld_out0(at), 0.0, v0 == 0) + c[i][j]);
      }`)}`)}`,
    tiles(n) * tiles(d),
  );
  // ∂W_c [width, D] = dZ_cᵀ · H
  const weights = chunkPasses(
    [0, dz, out],
    (buffers) => `${buffers}
var<private> v0_: i32;
fn a_dzt(row: i32, q: i32) -> f32 { if (row >= min(${vc}, ${v} - v0_) || q >= ${n}) { return 0.0; } return ld_dz(q * ${vc} + row); }
fn b_h(q: i32, col: i32) -> f32 { if (q >= ${n} || col >= ${d}) { return 0.0; } return ld_in0(q * ${d} + col); }
${productFunction('a_dzt', 'b_h', n)}
${entry(`  v0_ = v0;
  let r0 = (wg / ${tiles(d)}) * ${TILE};
  let c0 = (wg % ${tiles(d)}) * ${TILE};
  let c = product(r0, c0, tx, ty);
${stores(`      if (row < width && col < ${d}) { st_out0(${n * d} + (v0 + row) * ${d} + col, c[i][j]); }`)}`)}`,
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
  st_out0(${n * d + v * d} + v0 + col, s);
}`,
    Math.ceil(vc / 64),
  );
  const perChunk = Array.from({ length: chunks }, (_, c) => [
    cotangent[c] as KernelPass,
    hidden[c] as KernelPass,
    weights[c] as KernelPass,
    bias[c] as KernelPass,
  ]).flat();
  return {
    passes: [{ code: rowsCode, bindings: rows.bindings, workgroups: Math.ceil(n / 64) }, starts.first, ...perChunk],
    buffers: specs,
  };
}

/** Rows per block of the paired kernel: whole logit rows for at most TILE_ELEMENTS, at least one 64-row tile. */
const blockRows = (k: LinearLogitsKernel): number =>
  Math.min(k.n, Math.max(TILE, Math.floor(TILE_ELEMENTS / Math.max(1, k.v) / TILE) * TILE));

/** Widest vocabulary the paired kernel takes in row blocks (a 64-row block of it is 4 tiles). */
const MAX_BLOCK_VOCAB = (4 * TILE_ELEMENTS) / TILE;

/**
 * The paired kernel by blocks of rows whose whole logit rows fit one tile: per block, U = H_b·Wᵀ + b
 * into a scratch tile, one workgroup per row reduces it to the row's stats (written out) and dZ
 * coefficients, dZ replaces U in place, then ∂H_b = dZ·W, ∂W += dZᵀ·H_b and ∂b += Σ_rows dZ. Each
 * logit is computed once. Blocks share every shader, reading their first row from a table.
 */
function renderStatsGrad(k: LinearLogitsKernel, maxBindingBytes: number): RenderedKernel {
  const { n, d, v } = k;
  const rows = blockRows(k);
  const blocks = Math.ceil(n / rows);
  const ct = k.targets ? 4 : 3;
  const specs: BufferSpec[] = [
    ...inputSpecs(k.inputs),
    outputSpec(0, k.dtype, n * LINEAR_STATS),
    outputSpec(1, k.dtype, n * d + v * d + v),
    { name: 'zt', dtype: 'f32', size: rows * v, access: 'read_write', role: 'scratch' },
    { name: 'coef', dtype: 'f32', size: rows * COEFFS, access: 'read_write', role: 'scratch' },
    { name: 'blocks', dtype: 'i32', size: blocks * CHUNK_STRIDE, access: 'read_write', role: 'scratch' },
  ];
  const [stats, grads] = [ct + 1, ct + 2];
  const [zt, coef, table] = [ct + 3, ct + 4, ct + 5];
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
    [0, 1, 2, zt],
    (buffers) => `${buffers}
${blockHeader}
fn h_blk(row: i32, q: i32) -> f32 { if (row >= rows_ || q >= ${d}) { return 0.0; } return ld_in0((r0_ + row) * ${d} + q); }
fn w_t(q: i32, col: i32) -> f32 { if (col >= ${v} || q >= ${d}) { return 0.0; } return ld_in1(col * ${d} + q); }
${productFunction('h_blk', 'w_t', d)}
${tiled(`  let t0 = (wg / ${tiles(v)}) * ${TILE};
  let c0 = (wg % ${tiles(v)}) * ${TILE};
  let c = product(t0, c0, tx, ty);
${stores(`      if (row < rows_ && col < ${v}) { st_zt(row * ${v} + col, c[i][j] + ld_in2(col)); }`)}`)}`,
    tiles(rows) * tiles(v),
  );
  // one workgroup per row: online (max, Σexp, Σz, ties, pick) per invocation, merged in workgroup memory
  const rowStats = blockPasses(
    [...(k.targets ? [3] : []), ct, stats, zt, coef],
    (buffers) => `${buffers}
${capFunctions(k)}
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
  if (local < rows_) { tgt = ${k.targets ? `xent_check(ld_in3(row), ${v})` : '-1'}; }
  var state: RowState;
  if (local < rows_) {
    for (var col = lane; col < ${v}; col = col + 64) { state = fold(state, capped(ld_zt(local * ${v} + col)), col == tgt); }
  }
  part[lane] = state;
  workgroupBarrier();
  if (lane != 0 || local >= rows_) { return; }
  var s: RowState;
  for (var q = 0; q < 64; q++) { s = merge(s, part[q]); }
  store_stats(row, s);
  let o = row * ${LINEAR_STATS};
  let e = local * ${COEFFS};
  st_coef(e, s.mx + log(s.scaled)); st_coef(e + 1, s.mx); st_coef(e + 2, s.ties);
  st_coef(e + 3, ld_in${ct}(o + ${LinearStat.Lse})); st_coef(e + 4, ld_in${ct}(o + ${LinearStat.Pick}));
  st_coef(e + 5, ld_in${ct}(o + ${LinearStat.Sum})); st_coef(e + 6, ld_in${ct}(o + ${LinearStat.Max}));
  st_coef(e + 7, f32(tgt));
}`,
    rows,
    k.targets,
  );
  // dZ[row, col] in place of U: (ct_lse·p + ct_pick·[v = y] + ct_sum + ct_max·[z = max]/ties)·s′(u)
  const cotangent = blockPasses(
    [zt, coef],
    (buffers) => `${buffers}
${capFunctions(k)}
${blockHeader}
@compute @workgroup_size(64)
fn main(${entryParams}) {
  ${flatWorkgroup}
${blockStart}
  let flat = wg * 64 + i32(lid.x);
  if (flat >= rows_ * ${v}) { return; }
  let row = flat / ${v};
  let col = flat % ${v};
  let at = row * ${COEFFS};
  let u = ld_zt(flat);
  let z = capped(u);
  let p = exp(z - ld_coef(at));
  var g = ld_coef(at + 5);
  ${k.filter ? `if (p >= ${f(2 ** -24)}) { g = g + ld_coef(at + 3) * p; }` : 'g = g + ld_coef(at + 3) * p;'}
  if (f32(col) == ld_coef(at + 7)) { g = g + ld_coef(at + 4); }
  if (ld_coef(at + 6) != 0.0 && z == ld_coef(at + 1)) { g = g + ld_coef(at + 6) / ld_coef(at + 2); }
  st_zt(flat, g * slope(u));
}`,
    Math.ceil((rows * v) / 64),
  );
  // ∂H_b [rows, D] = dZ · W
  const hidden = blockPasses(
    [1, zt, grads],
    (buffers) => `${buffers}
${blockHeader}
fn a_dz(row: i32, q: i32) -> f32 { if (row >= rows_ || q >= ${v}) { return 0.0; } return ld_zt(row * ${v} + q); }
fn b_w(q: i32, col: i32) -> f32 { if (q >= ${v} || col >= ${d}) { return 0.0; } return ld_in1(q * ${d} + col); }
${productFunction('a_dz', 'b_w', v)}
${tiled(`  let t0 = (wg / ${tiles(d)}) * ${TILE};
  let c0 = (wg % ${tiles(d)}) * ${TILE};
  let c = product(t0, c0, tx, ty);
${stores(`      if (row < rows_ && col < ${d}) { st_out1((r0_ + row) * ${d} + col, c[i][j]); }`)}`)}`,
    tiles(rows) * tiles(d),
  );
  // ∂W [V, D] (+)= dZᵀ · H_b
  const weights = blockPasses(
    [0, zt, grads],
    (buffers) => `${buffers}
${blockHeader}
fn a_dzt(col: i32, q: i32) -> f32 { if (col >= ${v} || q >= rows_) { return 0.0; } return ld_zt(q * ${v} + col); }
fn b_h(q: i32, e: i32) -> f32 { if (q >= rows_ || e >= ${d}) { return 0.0; } return ld_in0((r0_ + q) * ${d} + e); }
${productFunction('a_dzt', 'b_h', rows)}
${tiled(`  let t0 = (wg / ${tiles(d)}) * ${TILE};
  let c0 = (wg % ${tiles(d)}) * ${TILE};
  let c = product(t0, c0, tx, ty);
${stores(`      if (row < ${v} && col < ${d}) {
        let at = ${n * d} + row * ${d} + col;
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
  let at = ${n * d + v * d} + col;
  st_out1(at, select(ld_out1(at), 0.0, r0 == 0) + s);
}`,
    Math.ceil(v / 64),
  );
  const perBlock = Array.from({ length: blocks }, (_, c) =>
    [logits, rowStats, cotangent, hidden, weights, bias].map((passes) => passes[c] as KernelPass),
  ).flat();
  return {
    passes: [starts.first, ...perBlock],
    buffers: specs,
  };
}

/**
 * The paired kernel as the stats kernel then the grad kernel (for vocabularies too wide for row
 * blocks): their passes, with bindings pointed at the paired kernel's buffers.
 */
function renderStatsThenGrad(k: LinearLogitsKernel, maxBindingBytes: number): RenderedKernel {
  const ct = k.targets ? 4 : 3;
  const operands = k.inputs.slice(0, ct);
  const statsInput = { dtype: 'f32' as const, size: k.n * LINEAR_STATS };
  const stats = renderStats({ ...k, pass: 'stats', inputs: operands }, maxBindingBytes);
  const grad = renderGrad(
    { ...k, pass: 'grad', inputs: [...operands, statsInput, k.inputs[ct] as KernelInput] },
    maxBindingBytes,
  );
  const own = [
    ...inputSpecs(k.inputs),
    outputSpec(0, k.dtype, k.n * LINEAR_STATS),
    outputSpec(1, k.dtype, k.n * k.d + k.v * k.d + k.v),
  ];
  const scratchOf = (r: RenderedKernel) => r.buffers.filter((b) => b.role === 'scratch');
  const statsScratch = scratchOf(stats);
  // buffer i of a part's list → its index in the paired list (operands keep theirs; scratch follows the outputs)
  const statsIndex = (i: number): number => (i < ct ? i : i === ct ? ct + 1 : own.length + (i - ct - 1));
  const gradIndex = (i: number): number =>
    i < ct
      ? i
      : i === ct
        ? ct + 1
        : i === ct + 1
          ? ct
          : i === ct + 2
            ? ct + 2
            : own.length + statsScratch.length + (i - ct - 3);
  const remap = (r: RenderedKernel, index: (i: number) => number): KernelPass[] =>
    r.passes.map((p) => ({
      ...p,
      bindings: p.bindings.map((b) => (b.buffer === 'status' ? b : { ...b, buffer: index(b.buffer) })),
    }));
  return {
    passes: [...remap(stats, statsIndex), ...remap(grad, gradIndex)],
    buffers: [
      ...own,
      ...statsScratch.map((b) => ({ ...b, name: `stats_${b.name}` })),
      ...scratchOf(grad).map((b) => ({ ...b, name: `grad_${b.name}` })),
    ],
  };
}

export function renderLinearLogitsKernel(k: LinearLogitsKernel, maxBindingBytes: number): RenderedKernel {
  switch (k.pass) {
    case 'stats':
      return renderStats(k, maxBindingBytes);
    case 'grad':
      return renderGrad(k, maxBindingBytes);
    case 'statsGrad':
      return k.v <= MAX_BLOCK_VOCAB ? renderStatsGrad(k, maxBindingBytes) : renderStatsThenGrad(k, maxBindingBytes);
  }
}
