/**
 * @file Every primitive through every WebGPU kernel section, against the reference interpreter in
 * f32: elementwise primitives per element (the inner loop), per row (an outer section) and after a
 * reduction (the epilogue); index and reduction primitives per element and per row; every primitive
 * through spec cases. The CPU side of the same cases is packages/cpu/test/backendPaths.test.ts.
 */
import { afterAll, describe, test } from 'vitest';
import * as x from 'xent';
import { pathCases } from '../support/backendPaths.js';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';

const gpu = await gpuBackend();
afterAll(() => gpu?.dispose());

/** WGSL's builtins are less accurate than Math's (trig: 2⁻¹¹ absolute on [−π, π]). */
const tol = { rtol: 1e-4, atol: 2e-3 };

/** Cases the WebGPU backend runs: no f64, and no eigen-decomposition (a CPU-only kernel). */
const cases = pathCases(16, 37, 2).filter((c) => !c.dtypes.includes('f64') && c.prim !== 'eigh');

describe.runIf(gpu !== undefined).each(cases.map((c) => [c.name, c] as const))('webgpu: %s', (_name, c) => {
  test('equals the reference', async () => {
    const want = x.jit(c.f, { backend: 'reference' })(...c.args);
    const got = x.jit(c.f, { backend: defined(gpu) })(...c.args);
    expectAllClose(await numbersAsync(got), toNumbers(want), tol, `${c.name} on WebGPU`);
  });
});
