/**
 * @file x.logcumsumexp on WebGPU (f32) against the CPU backend: extreme values (±1e4, runs of −Inf,
 * +Inf, NaN) in both directions, and lines longer than one 256-wide block (the carried pair).
 */
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';

const gpu = await gpuBackend();
afterAll(() => gpu?.dispose());

const f32 = (v: readonly number[], shape: readonly number[]): x.Tensor =>
  x.tensor(Float32Array.from(v), { shape, dtype: 'f32' });

describe.skipIf(gpu === undefined)('logcumsumexp on WebGPU', () => {
  const cases: readonly { name: string; v: number[]; shape: number[] }[] = [
    { name: 'extremes', v: [1e4, -1e4, 0, -Infinity, -Infinity, 3, Infinity, 2], shape: [2, 4] },
    { name: 'a −Inf prefix and a NaN', v: [-Infinity, -Infinity, NaN, 1, -Infinity, 0, -1, -2], shape: [2, 4] },
    {
      name: 'lines of 1000 (four blocks)',
      v: Array.from({ length: 3000 }, (_, i) => 30 * Math.sin(i * 0.37) - (i % 7 === 0 ? Infinity : 0)),
      shape: [3, 1000],
    },
  ];
  for (const c of cases) {
    for (const reverse of [false, true]) {
      test(`${c.name}, reverse ${String(reverse)}: values and gradients as on the CPU`, async () => {
        const f = (t: x.Tensor): x.Tensor => x.logcumsumexp(t, { axis: -1, reverse });
        const w = f32(
          c.v.map((_, i) => Math.cos(i)),
          c.shape,
        );
        const g = x.grad((t: x.Tensor) => x.sum(x.mul(f(t), w)));
        const arg = f32(c.v, c.shape);
        const onGpu = await numbersAsync(x.jit(f, { backend: defined(gpu) })(arg));
        const onCpu = toNumbers(x.jit(f)(arg));
        expect(onGpu.map(Number.isNaN)).toEqual(onCpu.map(Number.isNaN));
        expectAllClose(onGpu, onCpu, { rtol: 2e-6, atol: 1e-5 }, 'values');
        const gGpu = await numbersAsync(x.jit(g, { backend: defined(gpu) })(arg));
        const gCpu = toNumbers(x.jit(g)(arg));
        expect(gGpu.map(Number.isNaN)).toEqual(gCpu.map(Number.isNaN));
        // Signed terms cancel: both f32 gradients are within 1e-4·Σ_i |ḡ_i| e^{x_j − y_i} of each other
        const [lines, n] = c.shape as [number, number];
        const ys = onCpu;
        const xs = Array.from(Float32Array.from(c.v));
        const ws = Array.from(Float32Array.from(c.v.map((_, i) => Math.cos(i))));
        for (let r = 0; r < lines; r++) {
          for (let j = 0; j < n; j++) {
            const at = r * n + j;
            if (Number.isNaN(gCpu[at])) continue;
            let scale = 0;
            for (let i = 0; i < n; i++) {
              if (reverse ? i > j : i < j) continue;
              const e = Math.exp((xs[at] as number) - (ys[r * n + i] as number));
              if (Number.isFinite(e)) scale += Math.abs(ws[r * n + i] as number) * e;
            }
            expect(Math.abs((gGpu[at] as number) - (gCpu[at] as number))).toBeLessThanOrEqual(1e-4 * scale + 1e-6);
          }
        }
      });
    }
  }
});
