/** @file A loss jitted on the WebGPU backend in f32 against the same code eager in f64 on the CPU: value and gradients on fresh draws. */
import fc from 'fast-check';
import * as x from 'xent';
import type { LossCase } from './lossCases.js';
import { numbersAsync } from './gpu.js';
import { expectAllClose, toNumbers } from './numeric.js';
import { offKinks } from './offKinks.js';

const [n, k] = [6, 5];
const draws = fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: n * k, maxLength: n * k });
const labels = fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n });
const f32 = (v: readonly number[]): x.Tensor => x.tensor(Float32Array.from(v), { shape: [n, k] });

/**
 * Checks `loss` (z, o [6, 5], labels [6]) on `numRuns` draws, each float argument moved off the kinks by
 * `offKinks` in groups of `group` entries (5: row by row; 30: the whole matrix). One jit, reused.
 */
export async function expectGpuParity(
  backend: x.WebGpuBackend,
  loss: LossCase,
  group: number,
  numRuns: number,
): Promise<void> {
  const vg = x.valueAndGrad(loss, { argnums: [0, 1] });
  const onGpu = x.jit(vg, { backend });
  await fc.assert(
    fc.asyncProperty(draws, draws, labels, async (a, b, y) => {
      const [z, o] = [f32(offKinks(a, group)), f32(offKinks(b, group))];
      const yt = x.tensor(Int32Array.from(y), { shape: [n], dtype: 'i32' });
      const [v, g] = onGpu(z, o, yt);
      const [v64, g64] = vg(x.cast(z, 'f64'), x.cast(o, 'f64'), yt);
      // f32 rounding (6e-8) through a few dozen operations, WGSL's exp/log (a few ulp) and reductions of ≤ 30
      // terms in another order than the CPU's: ~1e-5 relative on values (2e-4 leaves a margin of 20); gradients
      // also divide by norms, distances and sums (cosines, dCor, 1/Σ), hence 1e-3 relative with a floor at their scale
      expectAllClose(await numbersAsync(v), toNumbers(v64), { rtol: 2e-4, atol: 2e-5 }, 'value');
      for (const [i, gi] of g.entries()) {
        const want = toNumbers(g64[i] as x.Tensor);
        const scale = Math.max(1, ...want.map(Math.abs));
        expectAllClose(await numbersAsync(gi), want, { rtol: 1e-3, atol: 2e-4 * scale }, `gradient ${i}`);
      }
    }),
    { numRuns },
  );
}

/** A fixed [6, 5] f32 input off every kink, for tests that only need one. */
export const fixedInput = (): x.Tensor =>
  f32(
    offKinks(
      Array.from({ length: n * k }, (_, i) => Math.sin(i)),
      n * k,
    ),
  );
