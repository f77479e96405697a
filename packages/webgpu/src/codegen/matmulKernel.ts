/**
 * @file WGSL for matmul kernels: C = A·B tiled through workgroup memory. A workgroup of 16×16
 * invocations owns a 64×64 tile of C, each invocation a 4×4 block (four rows, four adjacent
 * columns) held in vec4 registers. k is walked in steps of 32: the A tile is staged as vec4s along
 * k and the B tile as vec4s along n, so the inner loop does 8 vector loads for 64 multiply-adds.
 * Operands are read through their strided views, with zeros past the edges.
 */
import type { MatmulKernel, StridedOperand } from '@xent/core';
import { inputSpecs, outputSpec, renderBuffers } from './buffers.js';
import { entryParams, flatWorkgroup, type RenderedKernel } from './rendered.js';
import { wgslType } from './wgslOps.js';

const TILE = 64;
const STEP = 32;
/** Invocations per workgroup (16×16). */
const THREADS = 256;

/** The base address of operand `name` for batch index `b`. */
function batchBase(name: string, op: StridedOperand, batch: readonly number[]): string {
  const terms = [`${op.offset}`];
  let stride = 1;
  for (let d = batch.length - 1; d >= 0; d--) {
    terms.push(`((b / ${Math.max(1, stride)}) % ${Math.max(1, batch[d] ?? 1)}) * ${op.strides[d] ?? 0}`);
    stride *= batch[d] ?? 1;
  }
  return `let ${name}_base = ${terms.join(' + ')};`;
}

const four = [0, 1, 2, 3] as const;
const lane = ['x', 'y', 'z', 'w'] as const;

export function renderMatmulKernel(k: MatmulKernel, maxBindingBytes: number): RenderedKernel {
  const t = wgslType(k.dtype);
  const v4 = `vec4<${t}>`;
  const zero = `${t}(0)`;
  const batchSize = k.batch.reduce((a, b) => a * b, 1);
  const specs = [...inputSpecs(k.inputs), outputSpec(0, k.dtype, batchSize * k.m * k.n)];
  const nb = k.batch.length;
  const [ar, ac] = [k.a.strides[nb] ?? 0, k.a.strides[nb + 1] ?? 0];
  const [br, bc] = [k.b.strides[nb] ?? 0, k.b.strides[nb + 1] ?? 0];
  const tilesM = Math.ceil(k.m / TILE);
  const tilesN = Math.ceil(k.n / TILE);
  const tiles = Math.max(1, tilesM * tilesN);
  const buffers = renderBuffers(specs, maxBindingBytes, false);
  const code = `${buffers.code}
var<workgroup> tile_a: array<${v4}, ${(TILE * STEP) / 4}>;
var<workgroup> tile_b: array<${v4}, ${(STEP * TILE) / 4}>;
fn a_at(a_base: i32, row: i32, col: i32) -> ${t} {
  if (row >= ${k.m} || col >= ${k.k}) { return ${zero}; }
  return ld_in${k.a.slot}(a_base + row * ${ar} + col * ${ac});
}
fn b_at(b_base: i32, row: i32, col: i32) -> ${t} {
  if (row >= ${k.k} || col >= ${k.n}) { return ${zero}; }
  return ld_in${k.b.slot}(b_base + row * ${br} + col * ${bc});
}
@compute @workgroup_size(16, 16)
fn main(${entryParams}) {
  ${flatWorkgroup}
  if (wg >= ${tilesM * tilesN * batchSize}) { return; }
  let b = wg / ${tiles};
  let tile = wg % ${tiles};
  let row0 = (tile / ${Math.max(1, tilesN)}) * ${TILE};
  let col0 = (tile % ${Math.max(1, tilesN)}) * ${TILE};
  ${batchBase('a', k.a, k.batch)}
  ${batchBase('b', k.b, k.batch)}
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  let flat = ty * 16 + tx;
  ${four.map((i) => `var c${i} = ${v4}(${zero});`).join(' ')}
  for (var k0 = 0; k0 < ${k.k}; k0 = k0 + ${STEP}) {
    for (var e = 0; e < ${(TILE * STEP) / 4 / THREADS}; e++) {
      let q = flat + e * ${THREADS};
      // A: row q / ${STEP / 4}, k from k0 + 4 (q % ${STEP / 4}); B: k q / ${TILE / 4}, columns from col0 + 4 (q % ${TILE / 4})
      let ra = row0 + q / ${STEP / 4};
      let ka = k0 + 4 * (q % ${STEP / 4});
      tile_a[q] = ${v4}(${four.map((c) => `a_at(a_base, ra, ka + ${c})`).join(', ')});
      let kb = k0 + q / ${TILE / 4};
      let cb = col0 + 4 * (q % ${TILE / 4});
      tile_b[q] = ${v4}(${four.map((c) => `b_at(b_base, kb, cb + ${c})`).join(', ')});
    }
    workgroupBarrier();
    for (var kq = 0; kq < ${STEP / 4}; kq++) {
      ${four.map((i) => `let a${i} = tile_a[(ty * 4 + ${i}) * ${STEP / 4} + kq];`).join(' ')}
      ${four.map((d) => `let b${d} = tile_b[(kq * 4 + ${d}) * ${TILE / 4} + tx];`).join(' ')}
      ${four.map((i) => `c${i} = c${i} + ${four.map((d) => `a${i}.${lane[d]} * b${d}`).join(' + ')};`).join('\n      ')}
    }
    workgroupBarrier();
  }
  let cols = col0 + tx * 4;
  ${four
    .map(
      (i) =>
        `if (row0 + ty * 4 + ${i} < ${k.m}) { ${four.map((j) => `if (cols + ${j} < ${k.n}) { st_out0(b * ${k.m * k.n} + (row0 + ty * 4 + ${i}) * ${k.n} + cols + ${j}, c${i}.${lane[j]}); }`).join(' ')} }`,
    )
    .join('\n  ')}
}`;
  return { passes: [{ code, bindings: buffers.bindings, workgroups: tilesM * tilesN * batchSize }], buffers: specs };
}
