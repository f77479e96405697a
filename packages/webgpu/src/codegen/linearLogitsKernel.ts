/**
 * @file WGSL for the fused linear-logit kernels, tiled like the matmul shader (a 16×16 workgroup
 * owns a 64×64 tile, each invocation 4×4 of it, k walked in steps of 32 through workgroup memory).
 * Stats: workgroups own 64 rows and a segment of the vocabulary, fold each logit tile into
 * per-invocation online (max, Σexp, Σz, ties, pick) states and write them as partials; a second
 * pass merges each row's partials. Grad: per vocabulary chunk (at most TILE_ELEMENTS logits), dZ_c
 * is formed in a scratch tile, then ∂H += dZ_c·W_c, ∂W_c = dZ_cᵀ·H and ∂b_c = Σ_n dZ_c are tiled
 * products. Passes of every chunk share one shader; each reads its chunk's start from its own
 * 256-byte-aligned binding of a table a first pass writes. Memory: O(N·D + V·D + N) and one tile.
 */
import { LINEAR_STATS, LinearStat, type LinearLogitsKernel } from '@xent/core';
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

/** A pass whose shader reads its chunk start `chunk_start()` from binding `slot` at chunk `c`'s offset. */
function chunkBinding(bindings: readonly Binding[], table: number, c: number): { code: string; bindings: Binding[] } {
  return {
    code: `@group(0) @binding(${bindings.length}) var<storage, read_write> xent_chunk: array<i32>;
fn chunk_start() -> i32 { return xent_chunk[0]; }`,
    bindings: [...bindings, { buffer: table, offsetBytes: c * CHUNK_STRIDE * 4, sizeBytes: 4 }],
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
@compute @workgroup_size(16, 16)
fn main(${entryParams}) {
  ${flatWorkgroup}
  if (wg >= ${rowTiles * segments}) { return; }
  let r0 = (wg / ${segments}) * ${TILE};
  let segment = wg % ${segments};
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  var count: array<f32, 4>; var mx: array<f32, 4>; var scaled: array<f32, 4>;
  var total: array<f32, 4>; var ties: array<f32, 4>; var pick: array<f32, 4>; var tgt: array<i32, 4>;
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
        if (v < ${k.v}) {
          let z = capped(c[i][j] + ld_in2(v));
          total[i] = total[i] + z;
          if (count[i] == 0.0 || z > mx[i]) {
            scaled[i] = select(scaled[i] * exp(mx[i] - z), 0.0, count[i] == 0.0) + 1.0;
            mx[i] = z;
            ties[i] = 1.0;
          } else if (z == mx[i]) {
            scaled[i] = scaled[i] + 1.0;
            ties[i] = ties[i] + 1.0;
          } else {
            scaled[i] = scaled[i] + exp(z - mx[i]);
          }
          count[i] = count[i] + 1.0;
          if (v == tgt[i]) { pick[i] = z; }
        }
      }
    }
  }
  for (var i = 0; i < 4; i++) {
    let row = r0 + ty * 4 + i;
    if (row < ${k.n}) {
      let at = ((row * ${segments} + segment) * 16 + tx) * ${PARTIAL};
      st_partial(at, count[i]); st_partial(at + 1, mx[i]); st_partial(at + 2, scaled[i]);
      st_partial(at + 3, total[i]); st_partial(at + 4, ties[i]); st_partial(at + 5, pick[i]);
    }
  }
}`;
  const merge = buffersOf(specs, [partial, out], maxBindingBytes, false);
  const mergeCode = `${merge.code}
@compute @workgroup_size(64)
fn main(${entryParams}) {
  ${flatWorkgroup}
  let row = wg * 64 + i32(lid.x);
  if (row >= ${k.n}) { return; }
  var seen = 0.0; var mx = 0.0; var scaled = 0.0; var total = 0.0; var ties = 0.0; var pick = 0.0;
  for (var p = 0; p < ${segments * 16}; p++) {
    let at = (row * ${segments * 16} + p) * ${PARTIAL};
    let count = ld_partial(at);
    if (count > 0.0) {
      let m = ld_partial(at + 1);
      let top = select(max(mx, m), m, seen == 0.0);
      scaled = select(scaled * exp(mx - top), 0.0, seen == 0.0) + ld_partial(at + 2) * exp(m - top);
      ties = select(select(0.0, ties, mx == top), 0.0, seen == 0.0) + select(0.0, ld_partial(at + 4), m == top);
      mx = top;
      seen = seen + count;
      total = total + ld_partial(at + 3);
      pick = pick + ld_partial(at + 5);
    }
  }
  let at = row * ${LINEAR_STATS};
  st_out0(at + ${LinearStat.Lse}, mx + log(scaled));
  st_out0(at + ${LinearStat.Pick}, pick);
  st_out0(at + ${LinearStat.Sum}, total);
  st_out0(at + ${LinearStat.Max}, mx);
  st_out0(at + ${LinearStat.Ties}, ties);
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
  const starts = buffersOf(specs, [table], maxBindingBytes, false);
  const startsCode = `${starts.code}
@compute @workgroup_size(64)
fn main(${entryParams}) {
  for (var c = i32(lid.x); c < ${chunks}; c = c + 64) { st_chunks(c * ${CHUNK_STRIDE}, c * ${vc}); }
}`;
  const chunkPasses = (which: number[], body: (code: string) => string, workgroups: number): KernelPass[] => {
    const base = buffersOf(specs, which, maxBindingBytes, false);
    return Array.from({ length: chunks }, (_, c) => {
      const bound = chunkBinding(base.bindings, table, c);
      return { code: body(`${base.code}\n${bound.code}`), bindings: bound.bindings, workgroups };
    });
  };
  const entry = (body: string): string => `@compute @workgroup_size(16, 16)
fn main(${entryParams}) {
  ${flatWorkgroup}
  let v0 = chunk_start();
  let width = min(${vc}, ${v} - v0);
  let tx = i32(lid.x);
  let ty = i32(lid.y);
${body}
}`;
  const stores = (store: string): string => `  for (var i = 0; i < 4; i++) {
    for (var j = 0; j < 4; j++) {
      let row = r0 + ty * 4 + i;
      let col = c0 + tx * 4 + j;
${store}
    }
  }`;
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
    passes: [
      { code: rowsCode, bindings: rows.bindings, workgroups: Math.ceil(n / 64) },
      { code: startsCode, bindings: starts.bindings, workgroups: 1 },
      ...perChunk,
    ],
    buffers: specs,
  };
}

export function renderLinearLogitsKernel(k: LinearLogitsKernel, maxBindingBytes: number): RenderedKernel {
  return k.pass === 'stats' ? renderStats(k, maxBindingBytes) : renderGrad(k, maxBindingBytes);
}
