/**
 * @file WGSL for scan kernels (cumsum, logcumsumexp): a workgroup of 256 invocations owns one line along the
 * scanned axis and walks it in blocks of 256, each block scanned in workgroup memory
 * (Hillis–Steele, 8 steps) and offset by the carry of the blocks before it; the scan op is a
 * monoid on a small state (a sum, or the online (max, Σ exp) pair).
 */
import type { ScanKernel, ScanOp } from '@xent/core/internal';
import { axisLines } from './axisLines.js';
import { inputSpecs, outputSpec, renderBuffers } from './buffers.js';
import { WgslEmitter } from './emitter.js';
import { type Helper, prelude } from './prelude.js';
import { entryParams, flatWorkgroup, type RenderedKernel } from './rendered.js';
import { wgslType } from './wgslOps.js';

const WORKGROUP = 256;

/**
 * A scan op as a monoid on WGSL state variables: the state's parts, its identity, one element as a
 * state, `a ⊕ b` written into `a`, and the running result from a state.
 */
interface ScanMonoid {
  readonly parts: readonly string[];
  readonly identity: readonly string[];
  lift(v: string): readonly string[];
  /** Statements setting the state named by prefix `a` to a ⊕ b. */
  combine(a: string, b: string): string[];
  result(a: string): string;
}

const scanMonoids: { readonly [O in ScanOp]: (t: string, used: Set<Helper>) => ScanMonoid } = {
  sum: (t) => ({
    parts: ['v'],
    identity: [`${t}(0)`],
    lift: (v) => [v],
    combine: (a, b) => [`${a}_v = ${b}_v + ${a}_v;`],
    result: (a) => `${a}_v`,
  }),
  // The online (max, Σ exp) pair; equal maxima (±Inf included) take factor 1 so no Inf − Inf appears.
  logsumexp: (_t, used) => {
    used.add('max');
    used.add('inf');
    return {
      parts: ['m', 's'],
      identity: ['-xent_inf()', '0.0'],
      lift: (v) => [v, '1.0'],
      combine: (a, b) => [
        `{ let mn = xent_max(${a}_m, ${b}_m);`,
        `  let f1 = select(exp(${a}_m - mn), 1.0, ${a}_m == mn);`,
        `  let f2 = select(exp(${b}_m - mn), 1.0, ${b}_m == mn);`,
        `  ${a}_s = ${a}_s * f1 + ${b}_s * f2; ${a}_m = mn; }`,
      ],
      result: (a) => `select(${a}_m + log(${a}_s), -xent_inf(), ${a}_m == -xent_inf() && ${a}_s == 0.0)`,
    };
  },
};

export function renderScanKernel(k: ScanKernel, maxBindingBytes: number): RenderedKernel {
  const size = k.shape.reduce((a, b) => a * b, 1);
  const { count: lines, length: len, vars: lineVars, base, stride } = axisLines(k.shape, k.axis, 'wg');
  const t = wgslType(k.value.dtype);
  const specs = [...inputSpecs(k.inputs), outputSpec(0, k.value.dtype, size)];
  const em = new WgslEmitter(new Set(), (slot, at) => `ld_in${slot}(${at})`);
  const value = em.ref(k.value);
  const mo = scanMonoids[k.op](t, em.used);
  const position = k.reverse ? `${len - 1} - p` : 'p';
  const buffers = renderBuffers(specs, maxBindingBytes, em.checks);
  const each = (f: (part: string, i: number) => string): string[] => mo.parts.map(f);
  const code = [
    prelude(em.used),
    buffers.code,
    ...each((q) => `var<workgroup> block_${q}: array<${t}, ${WORKGROUP}>;`),
    `@compute @workgroup_size(${WORKGROUP})`,
    `fn main(${entryParams}) {`,
    `  ${flatWorkgroup}`,
    `  if (wg >= ${lines}) { return; }`,
    ...lineVars.map((l) => `  ${l}`),
    `  let line = ${base};`,
    ...each((q, i) => `  var carry_${q} = ${mo.identity[i] ?? ''};`),
    `  for (var b0 = 0; b0 < ${len}; b0 = b0 + ${WORKGROUP}) {`,
    '    let p = b0 + i32(lid.x);',
    ...each((q, i) => `    var x_${q} = ${mo.identity[i] ?? ''};`),
    `    if (p < ${len}) {`,
    `      let i${k.axis} = ${position};`,
    ...em.lines.outer.map((l) => `      ${l}`),
    `      let v = ${value};`,
    ...each((q, i) => `      x_${q} = ${mo.lift('v')[i] ?? ''};`),
    '    }',
    ...each((q) => `    block_${q}[lid.x] = x_${q};`),
    '    workgroupBarrier();',
    `    for (var w = 1u; w < ${WORKGROUP}u; w = w << 1u) {`,
    ...each((q, i) => `      var add_${q} = ${mo.identity[i] ?? ''};`),
    `      if (lid.x >= w) { ${each((q) => `add_${q} = block_${q}[lid.x - w];`).join(' ')} }`,
    '      workgroupBarrier();',
    ...each((q) => `      var own_${q} = block_${q}[lid.x];`),
    ...mo.combine('own', 'add').map((l) => `      ${l}`),
    ...each((q) => `      block_${q}[lid.x] = own_${q};`),
    '      workgroupBarrier();',
    '    }',
    ...each((q) => `    var out_${q} = block_${q}[lid.x];`),
    ...mo.combine('out', 'carry').map((l) => `    ${l}`),
    `    if (p < ${len}) { st_out0(line + (${position}) * ${stride}, ${mo.result('out')}); }`,
    ...each((q) => `    var last_${q} = block_${q}[${WORKGROUP - 1}];`),
    ...mo.combine('carry', 'last').map((l) => `    ${l}`),
    '    workgroupBarrier();',
    '  }',
    '}',
  ]
    .filter((s) => s !== '')
    .join('\n');
  return { passes: [{ code, bindings: buffers.bindings, workgroups: lines }], buffers: specs };
}
