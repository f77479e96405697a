/**
 * @file WGSL for sort kernels (the stable argsort along an axis): a workgroup of 256 invocations
 * owns one line and ranks each element by counting the elements that sort before it, reading the
 * line in blocks of 256 order keys from workgroup memory, then stores the element's index at its
 * rank. Each value becomes a u32 key of the same order (NaN the largest, −0 equal to +0), so the
 * comparisons are exact on every device; the position breaks ties, so the sort is stable. The work
 * is quadratic in the line's length (n²/256 steps per invocation): fast for lines up to a few
 * thousand elements, correct but slow beyond.
 */
import type { SortKernel } from '@xent/core/internal';
import { inputSpecs, outputSpec, renderBuffers } from './buffers.js';
import { WgslEmitter } from './emitter.js';
import { unravel } from './mapKernel.js';
import { prelude } from './prelude.js';
import { entryParams, flatWorkgroup, type RenderedKernel } from './rendered.js';

const WORKGROUP = 256;

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
  const size = k.shape.reduce((a, b) => a * b, 1);
  const len = k.shape[k.axis] ?? 1;
  const lines = len === 0 ? 0 : size / len;
  const specs = [...inputSpecs(k.inputs), outputSpec(0, 'i32', size)];
  const em = new WgslEmitter(new Set(), (slot, at) => `ld_in${slot}(${at})`);
  const value = em.ref(k.value);
  const others = k.shape.map((d, i) => ({ d, i })).filter(({ i }) => i !== k.axis);
  const strides = k.shape.map((_, d) => k.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const lineVars = unravel(
    'wg',
    others.map((o) => o.d),
    0,
  ).map((l, j) => l.replace(/^let i\d+/, `let i${others[j]?.i ?? 0}`));
  const base = others.map(({ i }) => `i${i} * ${strides[i] ?? 1}`).join(' + ') || '0';
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
    `    if (p < ${len}) { st_out0(line + rank * ${strides[k.axis] ?? 1}, p); }`,
    '  }',
    '}',
  ]
    .filter((s) => s !== '')
    .join('\n');
  return { passes: [{ code, bindings: buffers.bindings, workgroups: lines }], buffers: specs };
}
