/**
 * @file WGSL for sort kernels (the stable argsort along an axis). Each value becomes a u32 key of
 * the same order (NaN the largest, −0 equal to +0), so comparisons are exact on every device, and
 * the position breaks ties, so the sort is stable. Lines up to `RANK_MAX` long: a workgroup of 256
 * invocations owns a line and ranks each element by counting the elements that sort before it,
 * reading the line in blocks of 256 keys from workgroup memory (n²/256 steps per invocation), then
 * stores the element's index at its rank. Longer lines: a merge sort over (key, index) pairs in a
 * scratch buffer, one invocation per element and one pass per doubling of the sorted runs, each
 * element placed by a binary search in its partner run (O(n log² n) work in all).
 */
import type { SortKernel } from '@xent/core/internal';
import { axisLines } from './axisLines.js';
import { type BufferSpec, inputSpecs, outputSpec, renderBuffers } from './buffers.js';
import { WgslEmitter } from './emitter.js';
import { prelude } from './prelude.js';
import { entryParams, flatWorkgroup, type RenderedKernel } from './rendered.js';

const WORKGROUP = 256;

/** The longest line the one-pass ranking kernel sorts; longer lines are merge-sorted in passes. */
export const RANK_MAX = 1024;

/** The order key of an f32: its bits made monotone as u32 (negatives complemented), ±0 one key, every NaN the largest. */
const floatKey = [
  'fn xent_sort_key(x: f32) -> u32 {',
  '  let b = bitcast<u32>(x);',
  '  if ((b & 0x7fffffffu) > 0x7f800000u) { return 0xffffffffu; }',
  '  if ((b & 0x7fffffffu) == 0u) { return 0x80000000u; }',
  '  if ((b & 0x80000000u) != 0u) { return ~b; }',
  '  return b | 0x80000000u;',
  '}',
].join('\n');

/** The order key of an i32: the sign bit flipped (no arithmetic, so INT_MIN and INT_MAX are exact). */
const intKey = 'fn xent_sort_key(x: i32) -> u32 { return bitcast<u32>(x) ^ 0x80000000u; }';

export function renderSortKernel(k: SortKernel, maxBindingBytes: number): RenderedKernel {
  return (k.shape[k.axis] ?? 1) > RANK_MAX ? renderMergeSort(k, maxBindingBytes) : renderRankSort(k, maxBindingBytes);
}

function renderRankSort(k: SortKernel, maxBindingBytes: number): RenderedKernel {
  const size = k.shape.reduce((a, b) => a * b, 1);
  const { count: lines, length: len, vars: lineVars, base, stride } = axisLines(k.shape, k.axis, 'wg');
  const specs = [...inputSpecs(k.inputs), outputSpec(0, 'i32', size)];
  const em = new WgslEmitter(new Set(), (slot, at) => `ld_in${slot}(${at})`);
  const value = em.ref(k.value);
  const buffers = renderBuffers(specs, maxBindingBytes, em.checks);
  // The key of the element at position `at` of the line (the value's lets in a scope of their own).
  const keyAt = (at: string, into: string): string[] => [
    `    if (${at} < ${len}) {`,
    `      let i${k.axis} = ${at};`,
    ...em.lines.outer.map((l) => `      ${l}`),
    `      ${into} = xent_sort_key(${value});`,
    '    }',
  ];
  // the element at position jj with key o sorts before ours (key mine at position p)
  const before = k.descending ? 'o > mine || (o == mine && jj < p)' : 'o < mine || (o == mine && jj < p)';
  const code = [
    prelude(em.used),
    buffers.code,
    k.value.dtype === 'i32' ? intKey : floatKey,
    `var<workgroup> block: array<u32, ${WORKGROUP}>;`,
    `@compute @workgroup_size(${WORKGROUP})`,
    `fn main(${entryParams}) {`,
    `  ${flatWorkgroup}`,
    `  if (wg >= ${lines}) { return; }`,
    ...lineVars.map((l) => `  ${l}`),
    `  let line = ${base};`,
    `  for (var b0 = 0; b0 < ${len}; b0 = b0 + ${WORKGROUP}) {`,
    '    let p = b0 + i32(lid.x);',
    '    var mine = 0u;',
    ...keyAt('p', 'mine'),
    '    var rank = 0;',
    `    for (var c0 = 0; c0 < ${len}; c0 = c0 + ${WORKGROUP}) {`,
    '      let q = c0 + i32(lid.x);',
    '      var other = 0u;',
    ...keyAt('q', 'other').map((l) => `  ${l}`),
    '      workgroupBarrier();',
    '      block[lid.x] = other;',
    '      workgroupBarrier();',
    `      let m = min(${WORKGROUP}, ${len} - c0);`,
    '      for (var j = 0; j < m; j = j + 1) {',
    '        let o = block[j];',
    '        let jj = c0 + j;',
    `        if (${before}) { rank = rank + 1; }`,
    '      }',
    '    }',
    `    if (p < ${len}) { st_out0(line + rank * ${stride}, p); }`,
    '  }',
    '}',
  ]
    .filter((s) => s !== '')
    .join('\n');
  return { passes: [{ code, bindings: buffers.bindings, workgroups: lines }], buffers: specs };
}

/**
 * The merge sort of long lines. Scratch `pairs` holds two regions of (key, index) pairs, one per
 * element; the first pass writes each element's pair into region 0, then pass j merges runs of 2ʲ
 * from region j mod 2 into the other (the last pass stores the indices into the output instead).
 */
function renderMergeSort(k: SortKernel, maxBindingBytes: number): RenderedKernel {
  const size = k.shape.reduce((a, b) => a * b, 1);
  const n = k.shape[k.axis] ?? 1;
  const scratch: BufferSpec = { name: 'pairs', dtype: 'i32', size: 4 * size, access: 'read_write', role: 'scratch' };
  const specs = [...inputSpecs(k.inputs), outputSpec(0, 'i32', size), scratch];
  const em = new WgslEmitter(new Set(), (slot, at) => `ld_in${slot}(${at})`);
  const value = em.ref(k.value);
  const { vars: lineVars, base, stride } = axisLines(k.shape, k.axis, 'li');
  const buffers = renderBuffers(specs, maxBindingBytes, em.checks);
  const workgroups = Math.ceil(size / WORKGROUP);
  // element e of the flat [lines, n] order: its line li and position p; pair (region r) at 2·(r·size + e)
  const head = [
    `  let e = wg * ${WORKGROUP} + i32(lid.x);`,
    `  if (e >= ${size}) { return; }`,
    `  let li = e / ${n};`,
    `  let p = e % ${n};`,
  ];
  const shader = (body: readonly string[]): string =>
    [
      prelude(em.used),
      buffers.code,
      k.value.dtype === 'i32' ? intKey : floatKey,
      // (ka, ia) sorts strictly before (kb, ib): by key (reversed when descending), then by index
      'fn xent_before(ka: u32, ia: i32, kb: u32, ib: i32) -> bool {',
      `  return ${k.descending ? 'ka > kb' : 'ka < kb'} || (ka == kb && ia < ib);`,
      '}',
      `@compute @workgroup_size(${WORKGROUP})`,
      `fn main(${entryParams}) {`,
      `  ${flatWorkgroup}`,
      ...head,
      ...body,
      '}',
    ]
      .filter((l) => l !== '')
      .join('\n');
  const init = shader([
    ...lineVars.map((l) => `  ${l}`),
    `  let i${k.axis} = p;`,
    ...em.lines.outer.map((l) => `  ${l}`),
    `  st_pairs(2 * e, bitcast<i32>(xent_sort_key(${value})));`,
    '  st_pairs(2 * e + 1, p);',
  ]);
  const merge = (width: number, from: number, last: boolean): string => {
    const src = from * size;
    const dst = (1 - from) * size;
    return shader([
      `  let mine = bitcast<u32>(ld_pairs(2 * (${src} + e)));`,
      `  let idx = ld_pairs(2 * (${src} + e) + 1);`,
      `  let run = p / ${width};`,
      `  let partner = (run ^ 1) * ${width};`,
      `  let plen = clamp(${n} - partner, 0, ${width});`,
      '  // how many of the partner run sort before this pair (the run is sorted: a binary search)',
      '  var lo = 0;',
      '  var hi = plen;',
      '  loop {',
      '    if (lo >= hi) { break; }',
      '    let mid = (lo + hi) / 2;',
      `    let pos = 2 * (${src} + li * ${n} + partner + mid);`,
      '    if (xent_before(bitcast<u32>(ld_pairs(pos)), ld_pairs(pos + 1), mine, idx)) { lo = mid + 1; } else { hi = mid; }',
      '  }',
      `  let q = (run & ~1) * ${width} + (p - run * ${width}) + lo;`,
      ...(last
        ? [...lineVars.map((l) => `  ${l}`), `  st_out0(${base} + q * ${stride}, idx);`]
        : [
            `  st_pairs(2 * (${dst} + li * ${n} + q), bitcast<i32>(mine));`,
            `  st_pairs(2 * (${dst} + li * ${n} + q) + 1, idx);`,
          ]),
    ]);
  };
  const passes = [{ code: init, bindings: buffers.bindings, workgroups }];
  let from = 0;
  for (let width = 1; width < n; width *= 2) {
    passes.push({ code: merge(width, from, width * 2 >= n), bindings: buffers.bindings, workgroups });
    from = 1 - from;
  }
  return { passes, buffers: specs };
}
