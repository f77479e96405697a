/**
 * @file The optax-named losses jitted on the WebGPU backend, value and gradients in f32 against the
 * same code eager in f64 on the CPU (inputs away from the losses' kinks, where f32 rounding could
 * pick another branch).
 */
import fc from 'fast-check';
import { afterAll, describe, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';
import { awayFromKinks, constantSecond, optaxCases, optaxNormalizesRows } from '../support/optaxCases.js';

const gpu = await gpuBackend();
afterAll(() => {
  gpu?.dispose();
});

const [n, k] = [6, 5];
const values = fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: n * k, maxLength: n * k });
const labels = fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n });
const f32 = (v: readonly number[]): x.Tensor => x.tensor(Float32Array.from(v), { shape: [n, k] });
const push = (v: number): number => (v < 0 ? v - 0.2 : v + 0.2);

describe.runIf(gpu !== undefined)('optax-named losses on WebGPU', () => {
  test.each(Object.entries(optaxCases))('%s: f32 on the GPU against f64 on the CPU', async (name, loss) => {
    const backend = defined(gpu);
    const argnums = constantSecond.has(name) ? [0] : [0, 1];
    const vg = x.valueAndGrad(loss, { argnums });
    const onGpu = x.jit(vg, { backend });
    const kinkFree = awayFromKinks[name] ?? (() => true);
    const round = (v: number[]): number[] => Array.from(Float32Array.from(v));
    const inputs = fc
      .tuple(values, values, labels)
      .map(([a, b, y]): [number[], number[], number[]] =>
        optaxNormalizesRows.has(name) ? [round(a.map(push)), round(b.map(push)), y] : [round(a), round(b), y],
      )
      .filter(([a, b, y]) => kinkFree(a, b, y, k));
    await fc.assert(
      fc.asyncProperty(inputs, async ([a, b, y]) => {
        const yt = x.tensor(Int32Array.from(y), { shape: [n], dtype: 'i32' });
        const [v, g] = onGpu(f32(a), f32(b), yt);
        const [v64, g64] = vg(x.cast(f32(a), 'f64'), x.cast(f32(b), 'f64'), yt);
        expectAllClose(await numbersAsync(v), toNumbers(v64), { rtol: 2e-4, atol: 2e-5 }, 'value');
        for (const [i, gi] of g.entries()) {
          const want = toNumbers(g64[i] as x.Tensor);
          const scale = Math.max(1, ...want.map(Math.abs));
          expectAllClose(await numbersAsync(gi), want, { rtol: 1e-3, atol: 2e-4 * scale }, `gradient ${i}`);
        }
      }),
      { numRuns: 6 },
    );
  });
});
