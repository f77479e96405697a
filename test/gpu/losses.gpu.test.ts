/**
 * @file Every loss of @xent/losses jitted on the WebGPU backend, value and gradients in f32 against
 * the same code eager in f64 on the CPU: the losses are compositions of primitives, so the fused
 * WGSL kernels serve them unchanged.
 */
import fc from 'fast-check';
import { afterAll, describe, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { lossCases } from '../support/lossCases.js';
import { tier2Cases } from '../support/tier2Cases.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';

const gpu = await gpuBackend();
afterAll(() => {
  gpu?.dispose();
});

const [n, k] = [6, 5];
const values = fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: n * k, maxLength: n * k });
const labels = fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n });
const f32 = (v: readonly number[]): x.Tensor => x.tensor(Float32Array.from(v), { shape: [n, k] });

describe.runIf(gpu !== undefined)('losses on WebGPU', () => {
  test.each(Object.entries({ ...lossCases, ...tier2Cases }))(
    '%s: f32 on the GPU against f64 on the CPU',
    async (_name, loss) => {
      const backend = defined(gpu);
      const vg = x.valueAndGrad(loss, { argnums: [0, 1] });
      const onGpu = x.jit(vg, { backend });
      await fc.assert(
        fc.asyncProperty(values, values, labels, async (a, b, y) => {
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
    },
  );
});
