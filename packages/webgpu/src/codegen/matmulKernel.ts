/**
 * @file WGSL for matmul kernels: C = A·B by the 64×64 tiled product (`tiledProduct.ts`), one
 * workgroup per tile of C and batch entry. Operands are read through their strided views, with zeros
 * past the edges.
 */
import type { MatmulKernel, StridedOperand } from '@xent/core/internal';
import { inputSpecs, outputSpec, renderBuffers } from './buffers.js';
import { entryParams, flatWorkgroup, type RenderedKernel } from './rendered.js';
import { laneOf, TILE, tiledProduct } from './tiledProduct.js';
import { wgslType } from './wgslOps.js';

/** The base address of operand `name` for batch index `b`, into the private `${name}_base`. */
function batchBase(name: string, op: StridedOperand, batch: readonly number[]): string {
  const terms = [`${op.offset}`];
  let stride = 1;
  for (let d = batch.length - 1; d >= 0; d--) {
    terms.push(`((b / ${Math.max(1, stride)}) % ${Math.max(1, batch[d] ?? 1)}) * ${op.strides[d] ?? 0}`);
    stride *= batch[d] ?? 1;
  }
  return `${name}_base = ${terms.join(' + ')};`;
}

const four = [0, 1, 2, 3] as const;

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
  const tiles = Math.max(1, tilesM * tilesN);
  const buffers = renderBuffers(specs, maxBindingBytes, false);
  const code = `${buffers.code}
var<private> a_base: i32;
var<private> b_base: i32;
fn a_at(row: i32, col: i32) -> ${t} {
  if (row >= ${k.m} || col >= ${k.k}) { return ${zero}; }
  return ld_in${k.a.slot}(a_base + row * ${ar} + col * ${ac});
}
fn b_at(row: i32, col: i32) -> ${t} {
  if (row >= ${k.k} || col >= ${k.n}) { return ${zero}; }
  return ld_in${k.b.slot}(b_base + row * ${br} + col * ${bc});
}
${tiledProduct('a_at', 'b_at', k.k, t)}
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
  let c = product(row0, col0, tx, ty);
  let cols = col0 + tx * 4;
  ${four
    .map(
      (i) =>
        `if (row0 + ty * 4 + ${i} < ${k.m}) { ${four.map((j) => `if (cols + ${j} < ${k.n}) { st_out0(b * ${k.m * k.n} + (row0 + ty * 4 + ${i}) * ${k.n} + cols + ${j}, c[${i}].${laneOf(j)}); }`).join(' ')} }`,
    )
    .join('\n  ')}
}`;
  return { passes: [{ code, bindings: buffers.bindings, workgroups: tilesM * tilesN * batchSize }], buffers: specs };
}
