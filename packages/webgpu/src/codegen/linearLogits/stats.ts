/**
 * @file WGSL for the `stats` linear-logit kernel: workgroups own 64 rows and a segment of the
 * vocabulary, fold each logit tile of h·Wᵀ + b into per-invocation row states (through the
 * epilogue's z and pick term) and write them as partials; a second pass merges each row's partials.
 */
import { LINEAR_STATS, type LinearLogitsKernel, launchSlots } from '@xent/core/internal';
import { type BufferSpec, checkedIndex, inputSpecs, outputSpec } from '../buffers.js';
import { entryParams, flatWorkgroup, type RenderedKernel } from '../rendered.js';
import { TILE, tiledProduct, tiles } from '../tiledProduct.js';
import { epilogueFunctions } from './epilogue.js';
import { buffersOf } from './passes.js';
import { rowStateFunctions, storeStatsFunction } from './rowState.js';

/** Workgroups the stats pass aims for (rows × vocabulary segments). */
const STATS_WORKGROUPS = 256;
/** Floats per stats partial: count, max, Σexp(z − max), Σz, ties, pick. */
const PARTIAL = 6;

/** The logits' operands: h[row, q] and W[v, q] (zero outside), as the left and right of h·Wᵀ. */
export const logitOperands = (k: LinearLogitsKernel, vocab: string): string => {
  const s = launchSlots(k.targets, k.pass);
  return `
fn h_at(row: i32, q: i32) -> f32 { if (row >= ${k.n} || q >= ${k.d}) { return 0.0; } return ld_in${s.h}(row * ${k.d} + q); }
fn w_at(q: i32, v: i32) -> f32 { if (${vocab} || q >= ${k.d}) { return 0.0; } return ld_in${s.w}(v * ${k.d} + q); }`;
};

export function renderStats(k: LinearLogitsKernel, maxBindingBytes: number): RenderedKernel {
  const s = launchSlots(k.targets, 'stats');
  const rowTiles = tiles(k.n);
  const vocabTiles = tiles(k.v);
  const segments = Math.min(vocabTiles, Math.max(1, Math.floor(STATS_WORKGROUPS / rowTiles)));
  const perSegment = Math.ceil(vocabTiles / segments);
  const specs: BufferSpec[] = [
    ...inputSpecs(k.inputs),
    outputSpec(0, k.dtype, k.n * LINEAR_STATS),
    { name: 'partial', dtype: 'f32', size: k.n * segments * 16 * PARTIAL, access: 'read_write', role: 'scratch' },
  ];
  const out = s.statsOut as number;
  const partial = out + 1;
  const inputs = k.inputs.map((_, i) => i);
  const tileBuffers = buffersOf(specs, [...inputs, partial], maxBindingBytes, k.targets);
  const target = s.y === undefined ? '-1' : checkedIndex(`ld_in${s.y}(row)`, k.v);
  const tileCode = `${tileBuffers.code}
${epilogueFunctions(k, false)}
${logitOperands(k, `v >= ${k.v}`)}
${tiledProduct('h_at', 'w_at', k.d)}
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
        if (v < ${k.v}) {
          let zp = logit_terms(c[i][j] + ld_in${s.b}(v), v, tgt[i]);
          state[i] = fold(state[i], zp.x, zp.y);
        }
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
