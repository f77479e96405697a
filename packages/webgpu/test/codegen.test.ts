/**
 * @file WGSL generation without a GPU: which helpers a kernel carries, how special values are
 * made, how big buffers are bound in chunks, how reductions, matmuls and scans are laid out.
 * (Whether the WGSL is right is tested by running it: test/gpu.)
 */
import { describe, expect, test } from 'vitest';
import { type Kernel, programLaunches } from '@xent/core/internal';
import * as x from 'xent';
import { renderKernel } from '../src/codegen/renderKernel.js';

const LIMIT = 128 * 2 ** 20;

/** The kernels of a function's program for these arguments. */
const kernelsOf = (f: (...a: x.Tensor[]) => x.Tensor | x.Tensor[], ...args: x.Tensor[]): Kernel[] =>
  programLaunches(x.jit(f).program(...args)).map((s) => s.kernel);

const only = (ks: readonly Kernel[]): Kernel => {
  expect(ks).toHaveLength(1);
  return ks[0] as Kernel;
};

const f32 = (shape: readonly number[]): x.Tensor =>
  x.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)),
    { shape },
  );

const helpersIn = (code: string): string[] => [...code.matchAll(/fn (xent_\w+)\(/g)].map((m) => m[1] as string).sort();

describe('helpers', () => {
  test('a kernel carries exactly the helpers it calls, dependencies included', () => {
    const a = f32([4, 5]);
    const plain = renderKernel(only(kernelsOf((t) => x.add(x.mul(t, t), 1), a)), LIMIT);
    expect(helpersIn(plain.passes[0]?.code ?? '')).toEqual([]);
    const log1p = renderKernel(only(kernelsOf((t) => x.log1p(t), a)), LIMIT);
    expect(helpersIn(log1p.passes[0]?.code ?? '')).toEqual(['xent_inf', 'xent_log', 'xent_log1p', 'xent_nan']);
    const tanh = renderKernel(only(kernelsOf((t) => x.tanh(t), a)), LIMIT);
    expect(helpersIn(tanh.passes[0]?.code ?? '')).toEqual(['xent_expm1', 'xent_tanh']);
  });

  test('NaN and ±Inf are made from bits, never written as literals or tested with x != x', () => {
    const a = f32([3]);
    const code =
      renderKernel(only(kernelsOf((t) => x.where(x.less(t, 0), -Infinity, NaN), a)), LIMIT).passes[0]?.code ?? '';
    expect(code).toContain('bitcast<f32>(xent_inf_bits)');
    expect(code).toContain('bitcast<f32>(xent_nan_bits)');
    expect(code).not.toMatch(/\b(nan|inf|NaN|Infinity)\b(?!_)/);
    expect(code).not.toMatch(/(\w+) != \1\b/);
  });
});

describe('bindings', () => {
  test('a buffer over the binding limit is bound as chunks, each within the limit and 256-byte aligned', () => {
    const n = 10_000;
    const limit = 4096;
    const rendered = renderKernel(only(kernelsOf((t) => x.exp(t), f32([n]))), limit);
    const pass = rendered.passes[0];
    const input = pass?.bindings.filter((b) => b.buffer === 0) ?? [];
    expect(input).toHaveLength(Math.ceil((n * 4) / limit));
    for (const b of input) {
      expect(b.sizeBytes).toBeLessThanOrEqual(limit);
      expect(b.offsetBytes % 256).toBe(0);
    }
    expect(input.reduce((s, b) => s + b.sizeBytes, 0)).toBe(n * 4);
    // every chunk is declared and the accessor picks among them
    expect(pass?.code.match(/var<storage, read> in0_\d+/g)).toHaveLength(input.length);
  });

  test('a gather binds the status array its index checks write', () => {
    const z = f32([3, 7]);
    const y = x.tensor(Int32Array.from([1, 2, 6]), { shape: [3] });
    const k = kernelsOf((a, b) => x.gather(a, x.expandDims(b, -1), { axis: -1 }), z, y);
    const pass = renderKernel(only(k), LIMIT).passes[0];
    expect(pass?.bindings.at(-1)?.buffer).toBe('status');
    expect(pass?.code).toContain('xent_check(');
  });
});

describe('layouts', () => {
  test('softmax cross-entropy forward: one reduction kernel over the logits with the online (max, Σexp) pair', () => {
    const z = f32([64, 1000]);
    const y = x.tensor(
      Int32Array.from({ length: 64 }, (_, i) => i),
      { shape: [64] },
    );
    const ce = (a: x.Tensor, b: x.Tensor): x.Tensor =>
      x.mean(x.sub(x.logsumexp(a, { axis: -1 }), x.squeeze(x.gather(a, x.expandDims(b, -1), { axis: -1 }), -1)));
    const rows = kernelsOf(ce, z, y).filter((k) => k.kind === 'map' && k.reduce?.op === 'logsumexp');
    expect(rows).toHaveLength(1);
    const code = renderKernel(rows[0] as Kernel, LIMIT).passes[0]?.code ?? '';
    expect(code).toContain('var<workgroup> red_acc_m');
    expect(code).toContain('var<workgroup> red_acc_s');
  });

  test('many rows: one workgroup per row; few long rows: partials per (row, part), then a combining pass', () => {
    const many = renderKernel(only(kernelsOf((t) => x.sum(t, { axis: 1 }), f32([2048, 300]))), LIMIT);
    expect(many.passes).toHaveLength(1);
    expect(many.passes[0]?.workgroups).toBe(2048);
    // short rows get small workgroups (about 32 elements an invocation), long rows 256 invocations
    expect(many.passes[0]?.code).toContain('@workgroup_size(32)');
    const long = renderKernel(only(kernelsOf((t) => x.max(t, { axis: 1 }), f32([2048, 9000]))), LIMIT);
    expect(long.passes[0]?.code).toContain('@workgroup_size(256)');
    const few = renderKernel(only(kernelsOf((t) => x.logsumexp(t, { axis: 1 }), f32([3, 50_000]))), LIMIT);
    expect(few.passes).toHaveLength(2);
    const parts = (few.passes[0]?.workgroups ?? 0) / 3;
    expect(parts).toBeGreaterThan(1);
    expect(few.passes[1]?.workgroups).toBe(3);
    // the (max, Σexp) partials: two scratch buffers of rows × parts
    expect(few.buffers.filter((b) => b.role === 'scratch').map((b) => b.size)).toEqual([3 * parts, 3 * parts]);
  });

  test('matmul: 64×64 tiles staged in workgroup memory, one workgroup per tile and batch', () => {
    const k = only(kernelsOf((a, b) => x.matmul(a, b), f32([2, 100, 30]), f32([2, 30, 130])));
    const r = renderKernel(k, LIMIT);
    expect(r.passes[0]?.workgroups).toBe(2 * Math.ceil(100 / 64) * Math.ceil(130 / 64));
    expect(r.passes[0]?.code).toContain('var<workgroup> tile_a');
    expect(r.passes[0]?.code).toContain('var<workgroup> tile_b');
  });

  test('cumsum: one workgroup per line, scanned in blocks', () => {
    const k = only(kernelsOf((t) => x.cumsum(t, { axis: 1 }), f32([5, 1000, 3])));
    const r = renderKernel(k, LIMIT);
    expect(r.passes[0]?.workgroups).toBe(15);
    expect(r.passes[0]?.code).toContain('var<workgroup> block');
  });

  test('zero-sized loops still render valid index arithmetic (no division or remainder by 0); empty outputs launch nothing', () => {
    // a reduction over an empty axis: a non-empty output over a loop with a zero extent
    const k = only(kernelsOf((t) => x.sum(x.exp(t), { axis: 1 }), f32([4, 0])));
    expect(renderKernel(k, LIMIT).passes[0]?.code).not.toMatch(/[/%] 0\b/);
    expect(kernelsOf((t) => x.exp(t), f32([0, 4]))).toEqual([]);
  });
});
