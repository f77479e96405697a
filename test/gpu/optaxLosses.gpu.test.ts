/**
 * @file The optax-named losses jitted on the WebGPU backend in f32 against the same code eager in f64 on the
 * CPU, value and gradients. Their kinks lie within a row (margins at 0 and 1, ties, the sparsemax threshold):
 * each row of a draw is moved onto a grid without them (`offKinks`), a map, never a filter.
 */
import { afterAll, describe, test } from 'vitest';
import { defined, gpuBackend } from '../support/gpu.js';
import { expectGpuParity } from '../support/gpuParity.js';
import { optaxCases } from '../support/optaxCases.js';

const gpu = await gpuBackend();
afterAll(() => {
  gpu?.dispose();
});

describe.runIf(gpu !== undefined)('optax-named losses on WebGPU', () => {
  test.each(Object.entries(optaxCases))('%s: f32 on the GPU against f64 on the CPU', async (_name, loss) => {
    await expectGpuParity(defined(gpu), loss, 5, 3);
  });
});
