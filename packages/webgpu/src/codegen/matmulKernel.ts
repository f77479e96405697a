/**
 * @file WGSL for matmul kernels: C = A·B tiled through workgroup memory. A workgroup of 16×16
 * invocations owns a 64×64 tile of C (4×4 values each) and walks k in steps of 16, staging the
 * A and B tiles in workgroup memory. Operands are read through their strided views.
 */
import type { MatmulKernel, StridedOperand } from '@xent/core';
import { inputSpecs, outputSpec, renderBuffers } from './buffers.js';
import { entryParams, flatWorkgroup, type RenderedKernel } from './rendered.js';
import { wgslType } from './wgslOps.js';

const TILE = 64;
const STEP = 32;
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

/** 0..PER−1, and a statement per (i, j) of the PER×PER block each invocation accumulates in registers. */
const range = Array.from({ length: PER }, (_, i) => i);
const grid = (statement: (i: number, j: number) => string, separator = ' '): string =>
  range.flatMap((i) => range.map((j) => statement(i, j))).join(separator);

export function renderMatmulKernel(k: MatmulKernel, maxBindingBytes: number): RenderedKernel {
  const t = wgslType(k.dtype);
  const zero = `${t}(0)`;
  const batchSize = k.batch.reduce((a, b) => a * b, 1);
  const specs = [...inputSpecs(k.inputs), outputSpec(0, k.dtype, batchSize * k.m * k.n)];
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
  ${grid((i, j) => `var c${i}_${j} = ${zero};`)}
  for (var k0 = 0; k0 < ${k.k}; k0 = k0 + ${STEP}) {
    // 256 invocations stage TILE×STEP values of A and STEP×TILE of B
    for (var e = 0; e < ${(TILE * STEP) / 256}; e++) {
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
      ${range.map((i) => `let a${i} = tile_a[(ty * ${PER} + ${i}) * ${STEP} + kk];`).join(' ')}
      ${range.map((j) => `let b${j} = tile_b[kk * ${TILE} + tx + ${j * 16}];`).join(' ')}
      ${grid((i, j) => `c${i}_${j} = c${i}_${j} + a${i} * b${j};`)}
    }
    workgroupBarrier();
  }
  ${grid((i, j) => `if (row0 + ty * ${PER} + ${i} < ${k.m} && col0 + tx + ${j * 16} < ${k.n}) { st_out0(b * ${k.m * k.n} + (row0 + ty * ${PER} + ${i}) * ${k.n} + col0 + tx + ${j * 16}, c${i}_${j}); }`, '\n  ')}
}`;
  return { passes: [{ code, bindings: buffers.bindings, workgroups: tilesM * tilesN * batchSize }], buffers: specs };
}
