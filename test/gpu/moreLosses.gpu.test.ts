/**
 * @file The losses that no other WebGPU suite holds (targets helpers, metrics, EMO, Sinkhorn, dCov/dCor,
 * CTC's forward probabilities, …) jitted on the WebGPU backend in f32 against the same code eager in f64 on
 * the CPU, value and gradients. Draws are moved off the kinks by a map (`offKinks`), never a filter.
 */
import { afterAll, describe, test } from 'vitest';
import { defined, gpuBackend } from '../support/gpu.js';
import { expectGpuParity } from '../support/gpuParity.js';
import { moreLossCases } from '../support/moreLossCases.js';

const gpu = await gpuBackend();
afterAll(() => {
  gpu?.dispose();
});

describe.runIf(gpu !== undefined)('the remaining losses on WebGPU', () => {
  // their kinks span rows (coincident rows of dCov/dCor, zero rows of EMO's embeddings): the whole matrix is one group
  test.each(Object.entries(moreLossCases))('%s: f32 on the GPU against f64 on the CPU', async (_name, loss) => {
    await expectGpuParity(defined(gpu), loss, 30, 3);
  });
});
