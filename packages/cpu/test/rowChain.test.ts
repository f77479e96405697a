/**
 * @file The CPU row chain: which row groups run as one WebAssembly chain and which fall back to
 * their members in turn, the rows per block (whole rows in about 192 KiB, aligned for 1-D
 * elementwise members), and results equal to the reference on both paths.
 */
import { describe, expect, test } from 'vitest';
import { groupLocalBuffers, type RowGroupStep } from '@xent/core/internal';
import * as x from 'xent';
import { blockRows, rowChain } from '../src/wasm/rowChain.js';
import { expectAllClose, toNumbers } from '../../../test/support/numeric.js';

const logits = (n: number, v: number): x.Tensor =>
  x.tensor(
    Float32Array.from({ length: n * v }, (_, i) => Math.sin(i * 0.37) * 3),
    { shape: [n, v] },
  );
const labels = (n: number, v: number): x.Tensor =>
  x.tensor(
    Int32Array.from({ length: n }, (_, i) => (i * 7) % v),
    { shape: [n] },
  );

const groupOf = (p: x.Program): RowGroupStep => {
  const g = p.steps.find((s): s is RowGroupStep => s.kind === 'rowGroup');
  if (g === undefined) throw new Error('no row group');
  return g;
};

const ce = x.valueAndGrad((z: x.Tensor, y: x.Tensor) => x.losses.crossEntropy(z, y));
const entropy = x.valueAndGrad((z: x.Tensor) => x.mean(x.entropy.shannon(z)));

/** Bytes per row of the buffers a group touches that hold whole rows. */
const rowBytes = (g: RowGroupStep, p: x.Program): number =>
  [...new Set(g.launches.flatMap((l) => [...l.inputs, ...l.outputs]))]
    .map((b) => p.buffers[b] as x.Program['buffers'][number])
    .filter((b) => b.size % g.rows === 0)
    .reduce((sum, b) => sum + (b.size / g.rows) * { f64: 8, f32: 4, i32: 4, bool: 1 }[b.dtype], 0);

describe('blocks of rows', () => {
  test('W1 (1024 × 32768): a row of logits and of gradient is 256 KiB, so a block is one row', () => {
    const [n, v] = [1024, 32768];
    const p = x.jit(ce).program(x.tensor(new Float32Array(n * v), { shape: [n, v] }), labels(n, v));
    const g = groupOf(p);
    expect(rowChain(g, false, new Set())?.align).toBe(1);
    expect(blockRows(g, 1)).toBe(1);
  });

  test.each([
    [4096, 1024],
    [203, 300],
  ])('entropy [%i, %i]: the most whole rows within 192 KiB', (n, v) => {
    const p = x.jit(entropy).program(logits(n, v));
    const g = groupOf(p);
    const block = blockRows(g, 1);
    const bytes = rowBytes(g, p);
    expect(block * bytes).toBeLessThanOrEqual(192 * 1024);
    // one more row would not fit, or the block is every row
    expect(block === g.rows || (block + 1) * bytes > 192 * 1024).toBe(true);
  });

  test('a group with a 1-D elementwise member starts its ranges and blocks at multiples of 4', () => {
    const f = (z: x.Tensor, q: x.Tensor): x.Tensor[] => {
      const u = x.exp(q);
      return [u, x.sum(x.mul(z, x.expandDims(u, -1)), { axis: -1 }), x.softmax(z)];
    };
    for (const v of [300, 70_000]) {
      const g = groupOf(x.jit(f).program(logits(37, v), x.tensor(new Float32Array(37))));
      expect(rowChain(g, false, new Set())?.align).toBe(4);
      const block = blockRows(g, 4);
      expect(block % 4).toBe(0);
      expect(block).toBeGreaterThanOrEqual(4);
    }
  });
});

describe('chain or members in turn', () => {
  test('the cross-entropy and entropy gradient groups run as chains', () => {
    expect(rowChain(groupOf(x.jit(ce).program(logits(37, 1000), labels(37, 1000))), true, new Set())).toBeDefined();
    expect(rowChain(groupOf(x.jit(entropy).program(logits(37, 1000))), false, new Set())).toBeDefined();
  });

  test('f64 logits do not vectorise: the members run in turn, and equal the reference', () => {
    const [z, y] = [x.cast(logits(41, 5), 'f64'), labels(41, 5)];
    const backend = x.createCpuBackend({ threads: 3 });
    const p = x.jit(ce, { backend }).program(z, y);
    expect(rowChain(groupOf(p), true, new Set())).toBeUndefined();
    const got = x.jit(ce, { backend })(z, y);
    const want = x.jit(ce, { backend: 'reference' })(z, y);
    got.forEach((t, i) => {
      expectAllClose(toNumbers(t), toNumbers(want[i] as x.Tensor), { rtol: 1e-5, atol: 1e-9 });
    });
  });

  test('a group whose buffers outnumber a pool job’s arguments falls back; one that fits does not', () => {
    const g = groupOf(x.jit(entropy).program(logits(37, 1000)));
    const repeated = (times: number): RowGroupStep => ({
      ...g,
      launches: Array.from({ length: times }, () => g.launches).flat(),
    });
    const buffers = g.launches.reduce((sum, l) => sum + l.inputs.length + l.outputs.length, 0);
    // a pool job carries 128 arguments: the offsets, then scratch, chunk, lo and hi
    const fits = Math.floor(124 / buffers);
    expect(rowChain(repeated(fits), false, new Set())).toBeDefined();
    expect(rowChain(repeated(fits + 1), false, new Set())).toBeUndefined();
  });

  test('group-local buffers take a block of rows per thread in the scratch, and results equal the reference', () => {
    const [n, v] = [203, 300];
    const backend = x.createCpuBackend({ threads: 3 });
    const p = x.jit(entropy, { backend }).program(logits(n, v));
    const at = p.steps.findIndex((s) => s.kind === 'rowGroup');
    const g = p.steps[at] as RowGroupStep;
    const locals = groupLocalBuffers(p, at);
    // the temporaries the group writes and nothing after it reads: per-row values and whole rows
    expect(locals.size).toBeGreaterThan(1);
    for (const b of locals) expect(p.buffers[b]?.source.kind).toBe('temp');
    const chain = rowChain(g, false, locals);
    const block = blockRows(g, 1);
    const perRow = [...locals].map((b) => ((p.buffers[b]?.size ?? 0) / g.rows) * 4);
    expect(chain?.threadBytes).toBe(perRow.reduce((sum, r) => sum + Math.ceil((block * r) / 64) * 64, 0));
    const got = x.jit(entropy, { backend })(logits(n, v));
    const want = x.jit(entropy, { backend: 'reference' })(logits(n, v));
    got.forEach((t, i) => {
      expectAllClose(toNumbers(t), toNumbers(want[i] as x.Tensor), { rtol: 2e-5, atol: 1e-9 });
    });
  });
});
