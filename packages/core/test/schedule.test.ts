/** @file schedule: temporaries freed after their last reader, slots reused, inputs and outputs never freed, peak temporary bytes. */
import { describe, expect, test } from 'vitest';
import { type Program, peakTemporaryBytes } from '@xent/core';
import { fuse, ir, type LaunchStep, lower, schedule, type Step } from '@xent/core/internal';

const { build: B } = ir;
const param = (shape: number[], dtype: ir.DType = 'f32'): ir.ParamNode => ir.makeParamNode({ shape, dtype });
const scheduled = (params: ir.ParamNode[], outputs: ir.Node[]): Program =>
  schedule(lower(fuse(ir.makeGraph(params, outputs))));
const mm = (a: ir.Node, b: ir.Node): ir.Node => B.op('matmul', {}, [a, b]);

const launchText = (s: LaunchStep): string =>
  `${s.outputs.map((o) => `b${o}`).join(', ')} = (${s.inputs.map((i) => `b${i}`).join(', ')})`;
/** The steps as text: `b2 = (b0, b1)` for a launch, `group(b1 = (b0); b2 = (b1))` for a row group, `free b2`. */
const stepsOf = (p: Program): string[] =>
  p.steps.map((s: Step) =>
    s.kind === 'launch'
      ? launchText(s)
      : s.kind === 'rowGroup'
        ? `group(${s.launches.map(launchText).join('; ')})`
        : `free b${s.buffer}`,
  );
const launchesOf = (s: Step): readonly LaunchStep[] =>
  s.kind === 'launch' ? [s] : s.kind === 'rowGroup' ? s.launches : [];

/**
 * Checks buffer lifetimes by replaying the steps: a launch reads only live buffers, a step (a launch
 * or a row group) never writes a slot another buffer it touches has, each temporary is freed once,
 * after its last reader, and no other buffer is freed.
 */
function checkLifetimes(p: Program): void {
  const live = new Set(
    p.buffers.filter((b) => b.source.kind === 'param' || b.source.kind === 'const').map((b) => b.id),
  );
  const freed = new Set<number>();
  const lastRead = new Map<number, number>();
  p.steps.forEach((s, i) => {
    for (const l of launchesOf(s)) for (const b of l.inputs) lastRead.set(b, i);
  });
  const slotOf = (id: number): number | undefined => {
    const src = p.buffers[id]?.source;
    return src?.kind === 'temp' ? src.slot : undefined;
  };
  p.steps.forEach((s, i) => {
    if (s.kind !== 'free') {
      const touched = new Set(launchesOf(s).flatMap((l) => [...l.inputs, ...l.outputs]));
      for (const l of launchesOf(s)) {
        for (const b of l.inputs) expect(live.has(b), `step ${i} reads b${b}`).toBe(true);
        for (const b of l.outputs) {
          const sharing = [...touched].filter((t) => slotOf(b) !== undefined && slotOf(t) === slotOf(b));
          expect(sharing.length, `step ${i} writes a slot another of its buffers has`).toBeLessThanOrEqual(1);
          live.add(b);
        }
      }
    } else {
      expect(p.buffers[s.buffer]?.source.kind).toBe('temp');
      expect(freed.has(s.buffer)).toBe(false);
      expect(lastRead.get(s.buffer) ?? -1).toBeLessThan(i);
      live.delete(s.buffer);
      freed.add(s.buffer);
    }
  });
  const temps = p.buffers.filter((b) => b.source.kind === 'temp').map((b) => b.id);
  expect([...freed].sort()).toEqual(temps.sort());
}

describe('a chain of four 4×4 matmuls (three temporaries)', () => {
  const x = param([4, 4]);
  const t1 = mm(x, x);
  const t2 = mm(t1, t1);
  const t3 = mm(t2, t2);
  const p = scheduled([x], [mm(t3, t3)]);

  test('each temporary is freed right after the launch that last reads it', () => {
    expect(stepsOf(p)).toEqual(['b1 = (b0)', 'b2 = (b1)', 'free b1', 'b3 = (b2)', 'free b2', 'b4 = (b3)', 'free b3']);
    checkLifetimes(p);
  });

  test('two slots alternate: t1 and t3 share one, t2 (alive with both) has the other', () => {
    expect(p.buffers.map((b) => b.source)).toEqual([
      { kind: 'param', index: 0 },
      { kind: 'temp', slot: 0 },
      { kind: 'temp', slot: 1 },
      { kind: 'temp', slot: 0 },
      { kind: 'output' },
    ]);
    expect(p.slots).toEqual([
      { dtype: 'f32', size: 16 },
      { dtype: 'f32', size: 16 },
    ]);
    expect(p.outputs).toEqual([4]);
  });

  test('peak temporary bytes: 2 slots × 16 f32 elements × 4 bytes', () => {
    expect(peakTemporaryBytes(p)).toBe(128);
  });
});

test('an f64 chain counts 8 bytes per element', () => {
  const x = param([4, 4], 'f64');
  const t1 = mm(x, x);
  expect(peakTemporaryBytes(scheduled([x], [mm(mm(t1, t1), x)]))).toBe(2 * 16 * 8);
});

test('a slot is reused only by a temporary of its size: [2, 4], [2, 4], then [2, 2] takes a third slot', () => {
  const [x, w, v, u, s] = [param([2, 3]), param([3, 4]), param([4, 4]), param([4, 2]), param([2, 2])];
  const p = scheduled([x, w, v, u, s], [mm(mm(mm(mm(x, w), v), u), s)]);
  expect(p.slots).toEqual([
    { dtype: 'f32', size: 8 },
    { dtype: 'f32', size: 8 },
    { dtype: 'f32', size: 4 },
  ]);
  // the slots' total: (8 + 8 + 4) · 4 bytes, though at most 8 + 8 elements are alive at once
  expect(peakTemporaryBytes(p)).toBe(80);
  checkLifetimes(p);
});

describe('program inputs and outputs are never freed', () => {
  test('an output that a later kernel reads stays, and is not a temporary', () => {
    const x = param([4, 4]);
    const t1 = mm(x, x);
    const p = scheduled([x], [t1, mm(t1, x)]);
    expect(stepsOf(p)).toEqual(['b1 = (b0)', 'b2 = (b1, b0)']);
    expect(p.buffers.map((b) => b.source.kind)).toEqual(['param', 'output', 'output']);
    expect(p.slots).toEqual([]);
    expect(peakTemporaryBytes(p)).toBe(0);
  });

  test('a parameter returned as an output is its own buffer, and a constant array is a buffer given to the program', () => {
    const x = param([2, 3]);
    const c = B.constant(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], 'f32');
    const p = scheduled([x], [x, B.add(x, c)]);
    expect(p.outputs).toEqual([0, 2]);
    expect(p.buffers.map((b) => b.source.kind)).toEqual(['param', 'const', 'output']);
    expect(p.steps.filter((s) => s.kind === 'free')).toEqual([]);
  });

  test('a temporary read by several kernels is freed after the last of them', () => {
    const x = param([4, 4]);
    const t = mm(x, x);
    const p = scheduled([x], [mm(t, x), mm(x, t), B.exp(t)]);
    expect(stepsOf(p)).toEqual(['b1 = (b0)', 'b2 = (b1, b0)', 'b3 = (b0, b1)', 'b4 = (b1)', 'free b1']);
    checkLifetimes(p);
  });
});

test('a row group frees its temporaries after the whole group, none sharing a slot inside it', () => {
  const x = param([4, 8]);
  const col = (r: ir.Node): ir.Node => B.broadcast(B.reshape(r, [4, 1]), [4, 8]);
  const m = B.op('max', { axes: [1] }, [x]);
  const lse = B.op('logsumexp', { axes: [1] }, [B.sub(x, col(m))]);
  const p = scheduled([x], [B.sum(B.sum(B.mul(x, col(lse)), [1]), [0])]);
  expect(stepsOf(p)).toEqual([
    'group(b1 = (b0); b2 = (b0, b1); b3 = (b0, b2))',
    'free b1',
    'free b2',
    'b4 = (b3)',
    'free b3',
  ]);
  checkLifetimes(p);
});
