/**
 * @file The WebGPU backend for GPU tests. Without an adapter the tests are skipped locally, but
 * with CI=true or XENT_REQUIRE_GPU=1 a missing adapter fails them: CI installs lavapipe.
 */
import * as x from 'xent';

const required = process.env['CI'] === 'true' || process.env['XENT_REQUIRE_GPU'] === '1';

/** A WebGPU backend, or undefined (tests skip) when none is found and none is required. */
export async function gpuBackend(options: x.WebGpuOptions = {}): Promise<x.WebGpuBackend | undefined> {
  try {
    return await x.webgpu(options);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (required)
      throw new Error(`a WebGPU adapter is required here (CI=true or XENT_REQUIRE_GPU=1): ${why}`, { cause: e });
    console.warn(`WebGPU tests skipped: ${why}`);
    return undefined;
  }
}

/** The backend, for tests that only run when it exists. */
export function defined(gpu: x.WebGpuBackend | undefined): x.WebGpuBackend {
  if (gpu === undefined) throw new Error('no WebGPU backend (this test should have been skipped)');
  return gpu;
}

/** The numbers of a tensor, read back from wherever it lives. */
export const numbersAsync = async (t: x.Tensor): Promise<number[]> =>
  Array.from((await t.dataAsync()) as ArrayLike<number>, Number);
