/**
 * @file A 50-step loop-carried recurrence read through shifts on WebGPU (f32) against an f64 host
 * loop: fuse's duplication bound keeps each WGSL kernel's expression small.
 */
import { afterAll, describe, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose } from '../support/numeric.js';

const gpu = await gpuBackend();
afterAll(() => gpu?.dispose());

const [L, STEPS] = [7, 50];

/** t shifted right by k along its only axis, zeros entering on the left. */
const shift = (t: x.Tensor, k: number): x.Tensor => x.slice(x.pad(t, [[k, 0]]), [0], [L]);

/** s ← ½ (logaddexp(s, shift₁ s) + logaddexp(shift₂ s, ½ s)) − 1, STEPS times. */
function recurrence(s0: x.Tensor): x.Tensor {
  let s = s0;
  for (let t = 0; t < STEPS; t++)
    s = x.sub(x.mul(x.add(x.logaddexp(s, shift(s, 1)), x.logaddexp(shift(s, 2), x.mul(s, 0.5))), 0.5), 1);
  return s;
}

/** The same recurrence on f64 numbers. */
function hostRecurrence(s0: readonly number[]): number[] {
  const lae = (a: number, b: number): number => Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
  let s = [...s0];
  for (let t = 0; t < STEPS; t++) {
    const at = (i: number): number => (i < 0 ? 0 : (s[i] as number));
    s = s.map((v, i) => 0.5 * (lae(v, at(i - 1)) + lae(at(i - 2), 0.5 * v)) - 1);
  }
  return s;
}

describe.skipIf(gpu === undefined)('loop-carried recurrences through shifts on WebGPU', () => {
  test('50 steps, jitted, f32', { timeout: 120_000 }, async () => {
    const s0 = Array.from({ length: L }, (_, i) => Math.fround(Math.sin(i + 1)));
    const f = x.jit(recurrence, { backend: defined(gpu) });
    const got = await numbersAsync(f(x.tensor(Float32Array.from(s0), { shape: [L] })));
    expectAllClose(got, hostRecurrence(s0), { rtol: 1e-4, atol: 1e-4 });
  });
});
