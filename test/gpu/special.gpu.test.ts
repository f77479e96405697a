/**
 * @file The special functions in f32 on WebGPU (the WGSL prelude helpers) against the golden
 * file's 50-digit references at the inputs rounded to f32, and at the edge values (±0, ±Inf, NaN,
 * poles) against the CPU backend: within the f32 bounds docs/concepts.md states.
 */
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { toNumbers } from '../support/numeric.js';
import { type Bound, specialCases, within, worst } from '../support/specialGolden.js';

const gpu = await gpuBackend();
afterAll(() => gpu?.dispose());

/**
 * WGSL's exp and log are a few ulp (not correctly rounded) and the helpers add a few roundings of
 * their own: 8 ulp relative for erf, erfc and erfinv; 32 ulp of max(|value|, 1) for lgamma and
 * polygamma, absolute where they cross zero (Stirling's value at x + m ≥ 8 less log Π(x + k) cancels).
 */
const gpuBound = (floor: number): Bound => ({
  rtol: (floor < 1 ? 8 : 32) * 2 ** -23,
  floor: Math.max(floor, 2 ** -126),
});

const f32 = (v: readonly number[]): x.Tensor => x.tensor(Float32Array.from(v), { shape: [v.length], dtype: 'f32' });

describe.runIf(gpu !== undefined).each(specialCases)('webgpu: $name in f32', (c) => {
  test('values are within the f32 bound of the references rounded to f32', async () => {
    const got = await numbersAsync(x.jit(c.op, { backend: defined(gpu) })(f32(c.data.x32)));
    const w = worst(got, c.data.ref32.map(Math.fround), c.data.x32, gpuBound(c.f64.floor));
    expect(w.ratio, `worst at x = ${w.at}`).toBeLessThanOrEqual(1);
  }, 120_000);

  test('edge values (±0, ±Inf, NaN, poles) are the CPU backend’s', async () => {
    const edges = c.data.edges.filter((v) => Math.abs(v) < 3e38 || !Number.isFinite(v));
    const got = await numbersAsync(x.jit(c.op, { backend: defined(gpu) })(f32(edges)));
    const want = toNumbers(c.op(f32(edges)));
    edges.forEach((v, i) => {
      expect(within(got[i] as number, want[i] as number, gpuBound(1)), `${c.name}(${v}) = ${got[i]}`).toBe(true);
    });
  }, 120_000);
});
