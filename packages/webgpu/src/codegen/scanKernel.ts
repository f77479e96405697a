/**
 * @file WGSL for scan kernels (cumsum): a workgroup of 256 invocations owns one line along the
 * scanned axis and walks it in blocks of 256, each block scanned in workgroup memory
 * (Hillis–Steele, 8 steps) and offset by the carry of the blocks before it.
 */
import type { ScanKernel } from '@xent/core/internal';
import { inputSpecs, outputSpec, renderBuffers } from './buffers.js';
import { WgslEmitter } from './emitter.js';
import { unravel } from './mapKernel.js';
import { prelude } from './prelude.js';
import { entryParams, flatWorkgroup, type RenderedKernel } from './rendered.js';
import { wgslType } from './wgslOps.js';

const WORKGROUP = 256;

export function renderScanKernel(k: ScanKernel, maxBindingBytes: number): RenderedKernel {
  const size = k.shape.reduce((a, b) => a * b, 1);
  const len = k.shape[k.axis] ?? 1;
  const lines = size / Math.max(1, len);
  const t = wgslType(k.value.dtype);
  const specs = [...inputSpecs(k.inputs), outputSpec(0, k.value.dtype, size)];
  const em = new WgslEmitter(new Set(), (slot, at) => `ld_in${slot}(${at})`);
  const value = em.ref(k.value);
  // loop vars: the line number unravelled over the other axes, and the position along the axis
  const others = k.shape.map((d, i) => ({ d, i })).filter(({ i }) => i !== k.axis);
  const strides = k.shape.map((_, d) => k.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const lineVars = unravel(
    'wg',
    others.map((o) => o.d),
    0,
  ).map((l, j) => l.replace(/^let i\d+/, `let i${others[j]?.i ?? 0}`));
  const base = others.map(({ i }) => `i${i} * ${strides[i] ?? 1}`).join(' + ') || '0';
  const position = k.reverse ? `${len - 1} - p` : 'p';
  const buffers = renderBuffers(specs, maxBindingBytes, em.checks);
  const zero = `${t}(0)`;
  const code = [
    prelude(em.used),
    buffers.code,
    `var<workgroup> block: array<${t}, ${WORKGROUP}>;`,
    `@compute @workgroup_size(${WORKGROUP})`,
    `fn main(${entryParams}) {`,
    `  ${flatWorkgroup}`,
    `  if (wg >= ${lines}) { return; }`,
    ...lineVars.map((l) => `  ${l}`),
    `  let line = ${base};`,
    `  var carry = ${zero};`,
    `  for (var b0 = 0; b0 < ${len}; b0 = b0 + ${WORKGROUP}) {`,
    '    let p = b0 + i32(lid.x);',
    `    var x = ${zero};`,
    `    if (p < ${len}) {`,
    `      let i${k.axis} = ${position};`,
    ...em.lines.outer.map((l) => `      ${l}`),
    `      x = ${value};`,
    '    }',
    '    block[lid.x] = x;',
    '    workgroupBarrier();',
    `    for (var w = 1u; w < ${WORKGROUP}u; w = w << 1u) {`,
    `      var add = ${zero};`,
    '      if (lid.x >= w) { add = block[lid.x - w]; }',
    '      workgroupBarrier();',
    '      block[lid.x] = block[lid.x] + add;',
    '      workgroupBarrier();',
    '    }',
    `    if (p < ${len}) { st_out0(line + (${position}) * ${strides[k.axis] ?? 1}, carry + block[lid.x]); }`,
    `    carry = carry + block[${WORKGROUP - 1}];`,
    '    workgroupBarrier();',
    '  }',
    '}',
  ]
    .filter((s) => s !== '')
    .join('\n');
  return { passes: [{ code, bindings: buffers.bindings, workgroups: lines }], buffers: specs };
}
