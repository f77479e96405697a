/**
 * @file WGSL for matmul kernels: C = A·B tiled through workgroup memory. A workgroup of 16×16
 * invocations owns a 64×64 tile of C (4×4 values each) and walks k in steps of 16, staging the
 * A and B tiles in workgroup memory. Operands are read through their strided views.
 */
import type { MatmulKernel, StridedOperand } from '@xent/core';
import { type BufferSpec, renderBuffers } from './buffers.js';
import { entryParams, flatWorkgroup, type RenderedKernel } from './rendered.js';
import { wgslType } from './wgslOps.js';

const TILE = 64;
const STEP = 16;
const PER = 4;

/** `let` lines computing the base address of operand `name` for batch index `b`. */
function batchBase(name: string, op: StridedOperand, batch: readonly number[]): string {
  const terms = [`${op.offset}`];
  let stride = 1;
  for (let d = batch.length - 1; d >= 0; d--) {
    terms.push(`((b / ${Math.max(1, stride)}) % ${Math.max(1, batch[d] ?? 1)}) * ${op.strides[d] ?? 0}`);
    stride *= batch[d] ?? 1;
  }
  return `let ${name}_base = ${terms.join(' + ')};`;
}

export function renderMatmulKernel(k: MatmulKernel, maxBindingBytes: number): RenderedKernel {
  const t = wgslType(k.dtype);
  const zero = `${t}(0)`;
  const batchSize = k.batch.reduce((a, b) => a * b, 1);
  const specs: BufferSpec[] = [
    ...k.inputs.map((b, i) => ({
      name: `in${i}`,
      dtype: b.dtype,
      size: b.size,
      access: 'read' as const,
      role: 'input' as const,
    })),
    { name: 'out0', dtype: k.dtype, size: batchSize * k.m * k.n, access: 'read_write', role: 'output' },
  ];
  const nb = k.batch.length;
  const [ar, ac] = [k.a.strides[nb] ?? 0, k.a.strides[nb + 1] ?? 0];
  const [br, bc] = [k.b.strides[nb] ?? 0, k.b.strides[nb + 1] ?? 0];
  const tilesM = Math.ceil(k.m / TILE);
  const tilesN = Math.ceil(k.n / TILE);
  const buffers = renderBuffers(specs, maxBindingBytes, false);
  const code = `${buffers.code}
var<workgroup> tile_a: array<${t}, ${TILE * STEP}>;
var<workgroup> tile_b: array<${t}, ${STEP * TILE}>;
@compute @workgroup_size(16, 16)
fn main(${entryParams}) {
  ${flatWorkgroup}
  if (wg >= ${tilesM * tilesN * batchSize}) { return; }
  let b = wg / ${Math.max(1, tilesM * tilesN)};
  let tile = wg % ${Math.max(1, tilesM * tilesN)};
  let row0 = (tile / ${Math.max(1, tilesN)}) * ${TILE};
  let col0 = (tile % ${Math.max(1, tilesN)}) * ${TILE};
  ${batchBase('a', k.a, k.batch)}
  ${batchBase('b', k.b, k.batch)}
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  let flat = ty * 16 + tx;
  var acc: array<${t}, ${PER * PER}>;
  for (var i = 0; i < ${PER * PER}; i++) { acc[i] = ${zero}; }
  for (var k0 = 0; k0 < ${k.k}; k0 = k0 + ${STEP}) {
    // 256 invocations stage 64×16 values of A and 16×64 of B, 4 each
    for (var e = 0; e < 4; e++) {
      let idx = flat + e * 256;
      let ia = idx / ${STEP};
      let ka = idx % ${STEP};
      var va = ${zero};
      if (row0 + ia < ${k.m} && k0 + ka < ${k.k}) { va = ld_in${k.a.slot}(a_base + (row0 + ia) * ${ar} + (k0 + ka) * ${ac}); }
      tile_a[idx] = va;
      let kb = idx / ${TILE};
      let jb = idx % ${TILE};
      var vb = ${zero};
      if (k0 + kb < ${k.k} && col0 + jb < ${k.n}) { vb = ld_in${k.b.slot}(b_base + (k0 + kb) * ${br} + (col0 + jb) * ${bc}); }
      tile_b[idx] = vb;
    }
    workgroupBarrier();
    for (var kk = 0; kk < ${STEP}; kk++) {
      var av: array<${t}, ${PER}>;
      for (var i = 0; i < ${PER}; i++) { av[i] = tile_a[(ty * ${PER} + i) * ${STEP} + kk]; }
      for (var j = 0; j < ${PER}; j++) {
        let bv = tile_b[kk * ${TILE} + tx + j * 16];
        for (var i = 0; i < ${PER}; i++) { acc[i * ${PER} + j] = acc[i * ${PER} + j] + av[i] * bv; }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0; i < ${PER}; i++) {
    let r = row0 + ty * ${PER} + i;
    if (r >= ${k.m}) { break; }
    for (var j = 0; j < ${PER}; j++) {
      let c = col0 + tx + j * 16;
      if (c < ${k.n}) { st_out0(b * ${k.m * k.n} + r * ${k.n} + c, acc[i * ${PER} + j]); }
    }
  }
}`;
  return { passes: [{ code, bindings: buffers.bindings, workgroups: tilesM * tilesN * batchSize }], buffers: specs };
}
