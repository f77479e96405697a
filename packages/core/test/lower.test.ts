/** @file lower: kernel kinds, the buffers and addresses of a map kernel's loads through views, reduction loops, matmul strides. */
import { describe, expect, test } from 'vitest';
import {
  fuse,
  ir,
  type LoweredKernel,
  type LoweredProgram,
  lower,
  type MapKernel,
  type ScalarExpr,
  scalarToposort,
} from '@xent/core/internal';
import { evalIndex, isAffineIndex, pointsOf } from '../../../test/support/indexExpr.js';

const { build: B } = ir;
const param = (shape: number[], name?: string): ir.ParamNode => ir.makeParamNode({ shape, dtype: 'f32' }, name);
const lowered = (params: ir.ParamNode[], outputs: ir.Node[]): LoweredProgram =>
  lower(fuse(ir.makeGraph(params, outputs)));

/** The single kernel of a program, which must be a map kernel. */
function mapKernel(params: ir.ParamNode[], out: ir.Node): [MapKernel, LoweredKernel] {
  const { kernels } = lowered(params, [out]);
  expect(kernels).toHaveLength(1);
  const k = kernels[0] as LoweredKernel;
  expect(k.kernel.kind).toBe('map');
  return [k.kernel as MapKernel, k];
}

const loadsIn = (roots: readonly ScalarExpr[]): ScalarExpr[] => scalarToposort(roots).filter((e) => e.op === 'load');

/** The one load of a kernel's expressions: the graph node its slot stands for and its address expression. */
function onlyLoad(k: LoweredKernel, roots: readonly ScalarExpr[]): { node: ir.Node | undefined; address: ScalarExpr } {
  const loads = loadsIn(roots);
  expect(loads).toHaveLength(1);
  const l = loads[0] as ScalarExpr;
  return { node: k.inputs[l.imm], address: l.args[0] as ScalarExpr };
}

/** The address at each point of the loop nest `shape` (output loop vars, then reduction loop vars), row-major. */
const addresses = (address: ScalarExpr, shape: readonly number[]): number[] =>
  pointsOf(shape).map((v) => evalIndex(address, v));

describe('loads through views (p is [2, 3], row-major: p[i, j] is at 3i + j)', () => {
  const p = param([2, 3], 'p');

  const v = param([3], 'v');
  const q = param([4, 5], 'q');

  const flat = param([6], 'flat');
  const r = param([2, 3, 4], 'r');

  // affine: whether the address must be free of ⌊/⌋ and mod (null: not asserted)
  test.each<[string, ir.ParamNode, ir.Node, number[], boolean | null]>([
    // out[i, j] = p[j, i]: address 3j + i
    ['transpose [1, 0]', p, B.transpose(p, [1, 0]), [0, 3, 1, 4, 2, 5], true],
    // out[i, j, k] = r[k, i, j] for r of shape [2, 3, 4]: address 12k + 4i + j
    [
      'transpose [1, 2, 0]',
      r,
      B.transpose(r, [1, 2, 0]),
      pointsOf([3, 4, 2]).map(([i = 0, j = 0, k = 0]) => 12 * k + 4 * i + j),
      true,
    ],
    // out[i, j] = v[j]: stride 0 along the new axis
    ['broadcast [3] → [2, 3]', v, B.broadcast(v, [2, 3]), [0, 1, 2, 0, 1, 2], true],
    // out[i, j] = q[i + 1, j + 2] at 5(i + 1) + j + 2
    [
      'slice [1:3, 2:5] of a [4, 5]',
      q,
      B.op('slice', { start: [1, 2], end: [3, 5] }, [q]),
      [7, 8, 9, 12, 13, 14],
      true,
    ],
    // splitting a dim: out[i, j] = flat[3i + j]
    ['reshape [6] → [2, 3]', flat, B.reshape(flat, [2, 3]), [0, 1, 2, 3, 4, 5], true],
    // regrouping a contiguous buffer reads it in order (today as 3⌊k/3⌋ + k mod 3, not simplified to k)
    ['reshape [2, 3] → [3, 2]', p, B.reshape(p, [3, 2]), [0, 1, 2, 3, 4, 5], null],
    ['reshape [2, 3] → [6]', p, B.reshape(p, [6]), [0, 1, 2, 3, 4, 5], null],
    // out[k] = pᵀ[⌊k/2⌋, k mod 2] = p[k mod 2, ⌊k/2⌋]
    ['reshape of a transpose', p, B.reshape(B.transpose(p, [1, 0]), [6]), [0, 3, 1, 4, 2, 5], false],
    // out[i, j] = p[i, 2 − j]
    ['flip axis 1', p, B.op('flip', { axes: [1] }, [p]), [2, 1, 0, 5, 4, 3], true],
  ])('%s', (_name, leaf, view, expected, affine) => {
    const [kernel, k] = mapKernel([leaf], B.neg(view));
    expect(kernel.shape).toEqual(view.type.shape);
    const { node, address } = onlyLoad(k, kernel.outputs);
    expect(node).toBe(leaf);
    expect(addresses(address, kernel.shape)).toEqual(expected);
    if (affine !== null) expect(isAffineIndex(address)).toBe(affine);
  });

  test('a [2, 1] column broadcast to [2, 3] repeats along the rows', () => {
    const c = param([2, 1], 'c');
    const [kernel, k] = mapKernel([c], B.exp(B.broadcast(c, [2, 3])));
    expect(addresses(onlyLoad(k, kernel.outputs).address, [2, 3])).toEqual([0, 0, 0, 1, 1, 1]);
  });

  test('two inputs: each load addresses its own buffer, at its own strides', () => {
    const a = param([3, 2], 'a');
    const [kernel, k] = mapKernel([a, p], B.add(a, B.transpose(p, [1, 0])));
    const loads = loadsIn(kernel.outputs);
    expect(loads).toHaveLength(2);
    expect(kernel.inputs).toEqual([
      { dtype: 'f32', size: 6 },
      { dtype: 'f32', size: 6 },
    ]);
    const bySlot = new Map(loads.map((l) => [k.inputs[l.imm], addresses(l.args[0] as ScalarExpr, [3, 2])]));
    expect(bySlot.get(a)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(bySlot.get(p)).toEqual([0, 3, 1, 4, 2, 5]);
  });
});

describe('reductions', () => {
  const p = param([2, 3], 'p');

  test('a row sum: a loop over the 2 rows, an inner reduction over the 3 columns, the output is acc', () => {
    const [kernel, k] = mapKernel([p], B.sum(B.exp(p), [1]));
    expect(kernel.shape).toEqual([2]);
    expect(kernel.reduce?.shape).toEqual([3]);
    expect(kernel.reduce?.op).toBe('sum');
    expect(kernel.reduce?.body.op).toBe('exp');
    expect(kernel.outputs.map((o) => o.op)).toEqual(['acc']);
    const { node, address } = onlyLoad(k, [kernel.reduce?.body as ScalarExpr]);
    expect(node).toBe(p);
    // vars: i0 the row, i1 the column: 3·i0 + i1
    expect(addresses(address, [2, 3])).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test('a column max: the loop runs over columns, the reduction var over rows', () => {
    const [kernel, k] = mapKernel([p], B.op('max', { axes: [0] }, [p]));
    expect([kernel.shape, kernel.reduce?.shape, kernel.reduce?.op]).toEqual([[3], [2], 'max']);
    // vars: i0 the column, i1 the row: i0 + 3·i1
    expect(addresses(onlyLoad(k, [kernel.reduce?.body as ScalarExpr]).address, [3, 2])).toEqual([0, 3, 1, 4, 2, 5]);
  });

  test('a logsumexp over every axis is a rank-0 loop with a [2, 3] reduction', () => {
    const [kernel] = mapKernel([p], B.op('logsumexp', { axes: [0, 1] }, [p]));
    expect([kernel.shape, kernel.reduce?.shape, kernel.reduce?.op]).toEqual([[], [2, 3], 'logsumexp']);
  });

  test('an elementwise root over the reduction is a second output of the same kernel, reading acc', () => {
    const y = param([2], 'y');
    const s = B.op('logsumexp', { axes: [1] }, [p]);
    const { kernels } = lowered([p, y], [s, B.sub(s, y)]);
    expect(kernels).toHaveLength(1);
    const kernel = kernels[0]?.kernel as MapKernel;
    expect(kernel.outputs.map((o) => o.op)).toEqual(['acc', 'sub']);
    expect(kernel.outputs[1]?.args.map((a) => a.op)).toEqual(['acc', 'load']);
  });
});

describe('kernel kinds', () => {
  test('matmul of a transposed operand: a strided view of its buffer', () => {
    const at = param([3, 2], 'at');
    const b = param([3, 4], 'b');
    const { kernels } = lowered([at, b], [B.op('matmul', {}, [B.transpose(at, [1, 0]), b])]);
    expect(kernels).toHaveLength(1);
    const k = kernels[0] as LoweredKernel;
    expect(k.inputs).toEqual([at, b]);
    expect(k.kernel).toMatchObject({
      kind: 'matmul',
      batch: [],
      m: 2,
      k: 3,
      n: 4,
      // A[i, k] = at[k, i] at 2k + i: rows stride 1, columns stride 2
      a: { slot: 0, offset: 0, strides: [1, 2] },
      b: { slot: 1, offset: 0, strides: [4, 1] },
    });
  });

  test('a cumsum is a scan kernel over its inlined input, then a map kernel', () => {
    const x = param([2, 3], 'x');
    const c = B.op('cumsum', { axis: 1, reverse: true }, [B.exp(x)]);
    const { kernels } = lowered([x], [B.neg(c)]);
    expect(kernels.map((k) => k.kernel.kind)).toEqual(['scan', 'map']);
    const scan = kernels[0]?.kernel;
    expect(scan).toMatchObject({ kind: 'scan', shape: [2, 3], axis: 1, reverse: true });
    expect(scan?.kind === 'scan' ? scan.value.op : undefined).toBe('exp');
    expect(kernels[1]?.inputs).toEqual([c]);
  });

  test('a matmul reads a sliced operand in place: A[i, k] = a[i + 1, k] at offset 3, strides [3, 1]', () => {
    const a = param([4, 3], 'a');
    const b = param([3, 2], 'b');
    const sliced = B.op('slice', { start: [1, 0], end: [3, 3] }, [a]);
    const { kernels } = lowered([a, b], [B.op('matmul', {}, [sliced, b])]);
    expect(kernels.map((k) => k.kernel.kind)).toEqual(['matmul']);
    expect(kernels[0]?.inputs).toEqual([a, b]);
    expect(kernels[0]?.kernel).toMatchObject({ a: { slot: 0, offset: 3, strides: [3, 1] } });
  });

  test('a batched operand that splits a transposed axis is a strided view: A[t, i, k] = p[3i + k, t] at 6i + 2k + t', () => {
    const p = param([6, 2], 'p');
    const b = param([2, 3, 4], 'b');
    const a = B.reshape(B.transpose(p, [1, 0]), [2, 2, 3]);
    const { kernels } = lowered([p, b], [B.op('matmul', {}, [a, b])]);
    expect(kernels.map((k) => k.kernel.kind)).toEqual(['matmul']);
    expect(kernels[0]?.inputs).toEqual([p, b]);
    expect(kernels[0]?.kernel).toMatchObject({ batch: [2], a: { slot: 0, offset: 0, strides: [1, 6, 2] } });
  });

  // a reshape keeps row-major order: a reshaped buffer is read in place (regression: lowering threw
  // on the ⌊/⌋ and mod of the unravelled index, and fuse had let it through)
  test.each<[string, number[], number[], number[], number[]]>([
    ['flattening a [2, 3, 4] to [6, 4]', [2, 3, 4], [6, 4], [4, 5], [4, 1]],
    ['splitting a [6, 4] into [2, 3, 4] (batched)', [6, 4], [2, 3, 4], [2, 4, 5], [12, 4, 1]],
    ['regrouping a [3, 4] as [4, 3]', [3, 4], [4, 3], [3, 2], [3, 1]],
  ])('a matmul of a buffer %s reads it in place', (_name, shape, reshaped, right, strides) => {
    const p = param(shape, 'p');
    const b = param(right, 'b');
    const { kernels } = lowered([p, b], [B.op('matmul', {}, [B.reshape(p, reshaped), b])]);
    expect(kernels.map((k) => k.kernel.kind)).toEqual(['matmul']);
    expect(kernels[0]?.inputs).toEqual([p, b]);
    expect(kernels[0]?.kernel).toMatchObject({ a: { slot: 0, offset: 0, strides } });
  });

  test('a flip of a flip reads the buffer in place (strides [2, 1])', () => {
    const a = param([3, 2], 'a');
    const b = param([2, 4], 'b');
    const twice = B.op('flip', { axes: [0] }, [B.op('flip', { axes: [0] }, [a])]);
    const { kernels } = lowered([a, b], [B.op('matmul', {}, [twice, b])]);
    expect(kernels.map((k) => k.kernel.kind)).toEqual(['matmul']);
    expect(kernels[0]?.kernel).toMatchObject({ a: { slot: 0, offset: 0, strides: [2, 1] } });
  });

  // Operands no strided view addresses: a reshape regrouping a non-contiguous view (its address
  // needs ⌊/⌋ and mod), and a flip (a negative stride, which the matmul kernels do not take).
  const a = param([3, 2], 'a');
  const v = param([3], 'v');
  test.each<[string, ir.ParamNode, ir.Node]>([
    ['reshape [3, 2] of the transpose of a [3, 2]', a, B.reshape(B.transpose(a, [1, 0]), [3, 2])],
    ['reshape [3, 2] of a [3] broadcast to [2, 3]', v, B.reshape(B.broadcast(v, [2, 3]), [3, 2])],
    ['flip axis 0 of a [3, 2]', a, B.op('flip', { axes: [0] }, [a])],
  ])('a matmul of a %s reads a copy a map kernel writes first, contiguously', (_name, leaf, operand) => {
    const b = param([2, 4], 'b');
    const { kernels } = lowered([leaf, b], [B.op('matmul', {}, [operand, b])]);
    expect(kernels.map((k) => k.kernel.kind)).toEqual(['map', 'matmul']);
    expect(kernels[0]?.inputs).toEqual([leaf]);
    expect(kernels[0]?.outputs).toEqual([operand]);
    expect(kernels[1]?.inputs).toEqual([operand, b]);
    expect(kernels[1]?.kernel).toMatchObject({ a: { slot: 0, offset: 0, strides: [2, 1] } });
  });
});
