/**
 * @file Row groups: the row-local address check, which kernels join a group and which are refused
 * (another row, a transpose, a dependency through a non-member), what moves after a group, and the
 * slots of a group's buffers (never shared within the group).
 */
import { describe, expect, test } from 'vitest';
import { formatProgram, type Program } from '@xent/core';
import {
  fuse,
  indexSite,
  ir,
  lit,
  loopVar,
  lower,
  type LoweredProgram,
  programLaunches,
  rowGroups,
  rowLocal,
  scalar,
  type ScalarExpr,
  schedule,
  type ScheduleUnit,
} from '@xent/core/internal';

const { build: B } = ir;
const [N, V] = [4, 8];
const x = ir.makeParamNode({ shape: [N, V], dtype: 'f32' }, 'x');
const lowered = (params: ir.ParamNode[], outputs: ir.Node[]): LoweredProgram =>
  lower(fuse(ir.makeGraph(params, outputs)));
const scheduled = (params: ir.ParamNode[], outputs: ir.Node[]): Program => schedule(lowered(params, outputs));

/** `r` [N] broadcast along each row of [N, V]. */
const perRow = (r: ir.Node): ir.Node => B.broadcast(B.reshape(r, [N, 1]), [N, V]);
const rowMax = B.op('max', { axes: [1] }, [x]);
const rowLse = B.op('logsumexp', { axes: [1] }, [B.sub(x, perRow(rowMax))]);

/** The units as the kernels' output shapes: `[4]` for a launch, `group [4] [4] [4,8]` for a row group. */
const unitsOf = (l: LoweredProgram, units: readonly ScheduleUnit[]): string[] => {
  const shape = (i: number): string => {
    const k = l.kernels[i]?.kernel;
    return k?.kind === 'map' ? `[${k.shape.join(',')}]` : (k?.kind ?? '?');
  };
  return units.map((u) => (u.kind === 'launch' ? shape(u.kernel) : `group ${u.kernels.map(shape).join(' ')}`));
};

const i0 = loopVar(0);
const i1 = loopVar(1);
const i2 = loopVar(2);
const c = (v: number): ScalarExpr => lit(v, 'i32');
const add = (a: ScalarExpr, b: ScalarExpr): ScalarExpr => scalar('add', 'i32', [a, b]);
const sub = (a: ScalarExpr, b: ScalarExpr): ScalarExpr => scalar('sub', 'i32', [a, b]);
const mul = (a: ScalarExpr, b: ScalarExpr): ScalarExpr => scalar('mul', 'i32', [a, b]);

describe('rowLocal: an address inside the reader’s own row of a [rows, rowSize] buffer', () => {
  // a reader with loops i0 ∈ [0, 4), i1 ∈ [0, 8)
  const extents = [N, V];

  test.each([
    ['i0 in a per-row buffer', i0, 1],
    ['i0·8 + i1', add(mul(i0, c(8)), i1), 8],
    ['8·i0 + i1 (the literal first)', add(mul(c(8), i0), i1), 8],
    ['i0·8 + (7 − i1) (a negative coefficient)', add(mul(i0, c(8)), sub(c(7), i1)), 8],
    ['i0·16 + i1 + 8 (the second half of a 16-wide row)', add(add(mul(i0, c(16)), i1), c(8)), 16],
    ['i0·8 + i1 + i0·8 − i0·8 (terms that cancel)', sub(add(add(mul(i0, c(8)), i1), mul(i0, c(8))), mul(i0, c(8))), 8],
  ])('accepts %s', (_name, address, rowSize) => {
    expect(rowLocal(address, N, rowSize, extents)).toBe(true);
  });

  test.each([
    ['i0 + 1 (the next row)', add(i0, c(1)), 1],
    ['i0·8 + i1 + 1 (one past the row)', add(add(mul(i0, c(8)), i1), c(1)), 8],
    ['i0·8 + i1 − 1 (one before the row)', sub(add(mul(i0, c(8)), i1), c(1)), 8],
    ['i0·8 − i1 (a negative coefficient reaching the row before)', sub(mul(i0, c(8)), i1), 8],
    ['i1·4 + i0 (a transpose)', add(mul(i1, c(4)), i0), 8],
    ['i1 (row 0 for every row)', i1, 8],
    ['i0·16 + i1 (rows of 16 read as rows of 8)', add(mul(i0, c(16)), i1), 8],
    ['i0·4 + i1 in rows of 4 (i1 runs past the row)', add(mul(i0, c(4)), i1), 4],
    ['i0·8 + i1·i1 (not linear)', add(mul(i0, c(8)), mul(i1, i1)), 8],
    ['i0·8 + i5 (a loop the kernel does not have)', add(mul(i0, c(8)), loopVar(5)), 8],
    [
      'i0·8 + a checked index (not built of loop vars)',
      add(mul(i0, c(8)), scalar('checkIndex', 'i32', [i1], indexSite(V))),
      8,
    ],
    ['i0·8 + i1 ÷ 1 (idiv is not linear here)', add(mul(i0, c(8)), scalar('idiv', 'i32', [i1, c(1)])), 8],
  ])('refuses %s', (_name, address, rowSize) => {
    expect(rowLocal(address, N, rowSize, extents)).toBe(false);
  });

  test('a reduction loop counts with its extent: i0·8 + i2 over i2 ∈ [0, 8) is in the row, over [0, 9) it is not', () => {
    const address = add(mul(i0, c(8)), i2);
    expect(rowLocal(address, N, 8, [N, 3, 8])).toBe(true);
    expect(rowLocal(address, N, 8, [N, 3, 9])).toBe(false);
  });

  test('with one row, i0 is 0: any coefficient, and the rest must still stay in the row', () => {
    expect(rowLocal(add(mul(i0, c(3)), i1), 1, 8, [1, 8])).toBe(true);
    expect(rowLocal(i1, 1, 8, [1, 8])).toBe(true);
    expect(rowLocal(add(i1, c(1)), 1, 8, [1, 8])).toBe(false);
  });
});

describe('rowGroups', () => {
  test('a row max, logsumexp and the map reading both form one group; the [] sum reading them moves after it', () => {
    const l = lowered([x], [B.sum(rowLse, [0]), B.exp(B.sub(B.sub(x, perRow(rowMax)), perRow(rowLse)))]);
    expect(
      unitsOf(
        l,
        [...l.kernels.keys()].map((kernel) => ({ kind: 'launch', kernel })),
      ),
    ).toEqual(['[4]', '[4]', '[]', '[4,8]']);
    expect(unitsOf(l, rowGroups(l.kernels))).toEqual(['group [4] [4] [4,8]', '[]']);
  });

  test('a consumer reading another row (a flip along the rows) stays out', () => {
    const flipped = B.op('flip', { axes: [0] }, [rowMax]);
    const l = lowered([x], [B.exp(B.sub(x, perRow(flipped))), rowLse]);
    expect(unitsOf(l, rowGroups(l.kernels))).toEqual(['group [4] [4]', '[4,8]']);
  });

  test('a consumer reading a row result along its columns (a transpose) stays out', () => {
    const s = ir.makeParamNode({ shape: [N, N], dtype: 'f32' }, 's');
    const m = B.op('max', { axes: [1] }, [s]);
    const lse = B.op('logsumexp', { axes: [1] }, [B.sub(s, B.broadcast(B.reshape(m, [N, 1]), [N, N]))]);
    const l = lowered([s], [B.exp(B.sub(s, B.broadcast(B.reshape(m, [1, N]), [N, N]))), lse]);
    expect(unitsOf(l, rowGroups(l.kernels))).toEqual(['group [4] [4]', '[4,4]']);
  });

  test('a kernel needing a non-member (a [] total of a member) stays after that non-member', () => {
    const total = B.sum(rowLse, [0]);
    const l = lowered([x], [B.exp(B.sub(B.sub(x, perRow(rowMax)), B.broadcast(total, [N, V]))), rowLse]);
    expect(unitsOf(l, rowGroups(l.kernels))).toEqual(['group [4] [4]', '[]', '[4,8]']);
  });

  test('kernels over other rows do not join, and a group of one is a plain launch', () => {
    const y = ir.makeParamNode({ shape: [N + 1, V], dtype: 'f32' }, 'y');
    const l = lowered([x, y], [rowMax, B.op('max', { axes: [1] }, [y])]);
    expect(unitsOf(l, rowGroups(l.kernels))).toEqual(['[4]', '[5]']);
  });

  test('a member passes over at most 8 kernels that move after the group', () => {
    const late = (between: number): string[] => {
      const totals = Array.from({ length: between }, (_, k) => B.sum(B.sin(B.scale(x, k + 2)), [0, 1]));
      const l = lowered([x], [rowMax, ...totals, B.exp(B.sub(x, perRow(rowMax)))]);
      return unitsOf(l, rowGroups(l.kernels));
    };
    expect(late(8)).toEqual(['group [4] [4,8]', ...Array<string>(8).fill('[]')]);
    expect(late(9)).toEqual(['[4]', ...Array<string>(9).fill('[]'), '[4,8]']);
  });

  test('a row-wise elementwise kernel (1-D) joins the reductions over the same rows', () => {
    const p = ir.makeParamNode({ shape: [N], dtype: 'f32' }, 'p');
    const u = B.exp(p);
    const l = lowered([x, p], [u, B.sum(B.mul(x, perRow(u)), [1]), B.exp(B.sub(x, perRow(rowMax)))]);
    expect(unitsOf(l, rowGroups(l.kernels))).toEqual(['group [4] [4] [4] [4,8]']);
  });
});

describe('schedule with row groups', () => {
  test('a group is one step; formatProgram shows its members in braces', () => {
    const p = scheduled([x], [B.sum(rowLse, [0]), B.exp(B.sub(B.sub(x, perRow(rowMax)), perRow(rowLse)))]);
    expect(p.steps.map((s) => s.kind)).toEqual(['rowGroup', 'free', 'launch', 'free']);
    expect(programLaunches(p)).toHaveLength(4);
    const text = formatProgram(p);
    expect(text).toMatch(/\n {2}rowGroup rows 4 \{\n {4}b\d+ = map\[4\]/);
    expect(text).toMatch(/\n {2}\}\n {2}free b/);
  });

  test('no two buffers a group touches share a slot, though a slot freed inside it would fit', () => {
    // rowMax is last read by the logsumexp, and the row sum after it has its size: alone, they would share a slot
    const rowSum = B.sum(B.mul(x, perRow(rowLse)), [1]);
    const p = scheduled([x], [B.sum(rowSum, [0])]);
    const group = p.steps[0];
    expect(group?.kind).toBe('rowGroup');
    if (group?.kind !== 'rowGroup') return;
    const touched = new Set(group.launches.flatMap((l) => [...l.inputs, ...l.outputs]));
    const slots = [...touched].flatMap((b) => {
      const src = p.buffers[b]?.source;
      return src?.kind === 'temp' ? [src.slot] : [];
    });
    expect(slots).toHaveLength(3);
    expect(new Set(slots).size).toBe(3);
    // freed only after the group, then the [] sum reads the row sums
    expect(p.steps.map((s) => s.kind)).toEqual(['rowGroup', 'free', 'free', 'launch', 'free']);
  });

  test('every buffer a launch reads was written by an earlier launch, and frees follow the last reader', () => {
    const total = B.sum(rowLse, [0]);
    const p = scheduled([x], [B.exp(B.sub(B.sub(x, perRow(rowMax)), B.broadcast(total, [N, V]))), rowLse]);
    const live = new Set(p.buffers.filter((b) => b.source.kind === 'param').map((b) => b.id));
    for (const s of p.steps) {
      const launches = s.kind === 'launch' ? [s] : s.kind === 'rowGroup' ? s.launches : [];
      for (const l of launches) {
        for (const b of l.inputs) expect(live.has(b), `b${b} is read while live`).toBe(true);
        for (const b of l.outputs) live.add(b);
      }
      if (s.kind === 'free') live.delete(s.buffer);
    }
  });
});
