/**
 * @file sort, argsort, topK, argmax and argmin on the WebGPU backend against the CPU backend: f32
 * lines with ties, NaN, ±Inf and −0 (stability tells −0 from +0), i32 with INT_MIN and INT_MAX,
 * lines longer than a workgroup's block, the sorted axis first or last, and top-k gradients.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { RANK_MAX } from '../../packages/webgpu/src/codegen/sortKernel.js';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';

const gpu = await gpuBackend();
afterAll(() => gpu?.dispose());

const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 1, -1, 2.5, -7, 1e-40];

/** Equal as numbers, NaN equal to NaN, −0 told apart from +0. */
const sameNumbers = (got: readonly number[], want: readonly number[]): boolean =>
  got.length === want.length && got.every((g, i) => Object.is(g, want[i]));

describe.runIf(gpu !== undefined)('webgpu sort', () => {
  test('sort, argsort, argmax and argmin of f32 lines equal the CPU backend (ties, NaN, ±Inf, −0; either axis, either direction)', async () => {
    const backend = defined(gpu);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 10_000 }),
        async (n, rows, descending, first, seed) => {
          const shape = first ? [n, rows] : [rows, n];
          const values = Float32Array.from({ length: n * rows }, (_, i) => {
            const r = (i * 7919 + seed * 104729) % 31;
            return r < SPECIAL.length ? (SPECIAL[r] as number) : (r % 13) - 6;
          });
          const t = x.tensor(values, { shape });
          const axis = first ? 0 : 1;
          const f = (u: x.Tensor) => {
            const s = x.sort(u, { axis, descending });
            return [s.values, s.indices, x.argmax(u, { axis }), x.argmin(u, { axis })] as const;
          };
          const got = x.jit(f, { backend })(t);
          const want = x.jit(f, { backend: 'cpu' })(t);
          for (let i = 0; i < 4; i++) {
            const g = await numbersAsync(got[i] as x.Tensor);
            expect(sameNumbers(g, toNumbers(want[i] as x.Tensor)), `output ${i}`).toBe(true);
          }
        },
      ),
      { numRuns: 10 },
    );
  });

  test('lines longer than one ranking pass takes are merge-sorted in passes, equal to the CPU backend (f32 and i32)', async () => {
    const backend = defined(gpu);
    expect(RANK_MAX).toBe(1024);
    for (const [n, rows, first, descending, dtype] of [
      [1025, 2, false, false, 'f32'],
      [3000, 1, true, true, 'f32'],
      [2049, 3, false, true, 'i32'],
      [1500, 2, true, false, 'i32'],
    ] as const) {
      const shape = first ? [n, rows] : [rows, n];
      const values = Array.from({ length: n * rows }, (_, i) => {
        const r = (i * 7919) % 37;
        if (dtype === 'i32') return r === 0 ? -2147483648 : r === 1 ? 2147483647 : (r % 17) - 8;
        return r < SPECIAL.length ? (SPECIAL[r] as number) : (r % 17) - 8 + (r % 3) * 0.25;
      });
      const t =
        dtype === 'f32'
          ? x.tensor(Float32Array.from(values), { shape })
          : x.tensor(Int32Array.from(values), { shape, dtype });
      const axis = first ? 0 : 1;
      const f = (u: x.Tensor) => {
        const s = x.sort(u, { axis, descending });
        return [s.values, s.indices] as const;
      };
      const got = x.jit(f, { backend })(t);
      const want = x.jit(f, { backend: 'cpu' })(t);
      expect(sameNumbers(await numbersAsync(got[1]), toNumbers(want[1])), `indices n=${n}`).toBe(true);
      expect(sameNumbers(await numbersAsync(got[0]), toNumbers(want[0])), `values n=${n}`).toBe(true);
    }
  });

  test('empty tensors, lines of one, and k = 0', async () => {
    const backend = defined(gpu);
    for (const shape of [
      [0, 5],
      [2, 0],
      [3, 1],
    ]) {
      const size = shape.reduce((a, b) => a * b, 1);
      const t = x.tensor(
        new Float32Array(size).map((_, i) => -i),
        { shape },
      );
      const r = x.jit((u: x.Tensor) => x.sort(u).indices, { backend })(t);
      expect(r.shape).toEqual(shape);
      expect(await numbersAsync(r)).toEqual(new Array<number>(size).fill(0));
    }
    const top = x.jit((u: x.Tensor) => x.topK(u, 0).values, { backend })(
      x.tensor(Float32Array.from([1, 2]), { shape: [1, 2] }),
    );
    expect(top.shape).toEqual([1, 0]);
  });

  test('i32 with INT_MIN and INT_MAX sorts exactly', async () => {
    const backend = defined(gpu);
    const big = [5, -2147483648, 2147483647, 7, -2147483648, 0, 2147483647, -1, 3, 3];
    const t = x.tensor(Int32Array.from(big), { shape: [2, 5], dtype: 'i32' });
    for (const descending of [false, true]) {
      const f = (u: x.Tensor) => {
        const s = x.sort(u, { axis: -1, descending });
        return [s.values, s.indices, x.argmin(u), x.argmax(u)] as const;
      };
      const got = x.jit(f, { backend })(t);
      const want = x.jit(f, { backend: 'reference' })(t);
      for (let i = 0; i < 4; i++)
        expect(await numbersAsync(got[i] as x.Tensor)).toEqual(toNumbers(want[i] as x.Tensor));
    }
  });

  test('topK values, indices and gradient equal the CPU backend', async () => {
    const backend = defined(gpu);
    const values = Float32Array.from({ length: 4 * 300 }, (_, i) => Math.sin(1.7 * i) * 10);
    const t = x.tensor(values, { shape: [4, 300] });
    const w = x.tensor(
      Float32Array.from({ length: 4 * 5 }, (_, i) => Math.cos(i)),
      { shape: [4, 5] },
    );
    for (const largest of [true, false]) {
      const f = (u: x.Tensor) => {
        const r = x.topK(u, 5, { largest });
        return [
          r.values,
          r.indices,
          x.grad((v: x.Tensor) => x.sum(x.mul(x.topK(v, 5, { largest }).values, w)))(u),
        ] as const;
      };
      const got = x.jit(f, { backend })(t);
      const want = x.jit(f, { backend: 'cpu' })(t);
      expect(await numbersAsync(got[1])).toEqual(toNumbers(want[1]));
      expectAllClose(await numbersAsync(got[0]), toNumbers(want[0]), { rtol: 0, atol: 0 });
      expectAllClose(await numbersAsync(got[2]), toNumbers(want[2]), { rtol: 1e-6, atol: 1e-6 });
    }
  });
});
