/**
 * @file WebGPU limits: the smallest binding cap (256 bytes) splits work into 64-element chunks and sums
 * right (a cap under it looped forever, a negative one gave wrong sums: both are now option errors);
 * buffers, bindings and dispatches over the device's limits are ResourceErrors with the numbers; a bad
 * `upload` argument is a ValueError naming it.
 */
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { caught } from '../support/caught.js';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';

const gpu = await gpuBackend();
const smallest = gpu === undefined ? undefined : await gpuBackend({ caps: { maxStorageBufferBindingSize: 256 } });
const oneWorkgroup =
  gpu === undefined ? undefined : await gpuBackend({ caps: { maxComputeWorkgroupsPerDimension: 1 } });
afterAll(() => {
  gpu?.dispose();
  smallest?.dispose();
  oneWorkgroup?.dispose();
});

describe.runIf(gpu !== undefined)('webgpu limits', () => {
  test('a 256-byte binding cap (64 f32 a chunk) sums 300 values over 5 chunks exactly', async () => {
    const backend = defined(smallest);
    const values = Float32Array.from({ length: 300 }, (_, i) => (i % 7) - 3);
    const expected = values.reduce((a, v) => a + v, 0);
    const total = x.jit((t: x.Tensor) => x.sum(x.mul(t, 2)), { backend })(x.tensor(values));
    expect(await numbersAsync(total)).toEqual([2 * expected]);
  });

  test('a buffer over maxBufferSize is a ResourceError with the bytes and the limit', () => {
    const backend = defined(gpu);
    const n = Math.floor(backend.limits.maxBufferSize / 4) + 64;
    const e = caught(() => x.jit((t: x.Tensor) => x.broadcastTo(t, [n]), { backend })(x.tensor(1)), x.ResourceError);
    expect([e.requested, e.limit, e.limitName]).toEqual([n * 4, backend.limits.maxBufferSize, 'maxBufferSize']);
  });

  test('a dispatch over the workgroup cap is a ResourceError, not a hang', () => {
    const backend = defined(oneWorkgroup);
    const e = caught(
      () => x.jit((t: x.Tensor) => x.exp(t), { backend })(x.tensor(new Float32Array(4096))),
      x.ResourceError,
    );
    expect(e.limit).toBe(1);
    expect(e.requested).toBeGreaterThan(1);
    expect(e.message).toMatch(/^xent\.webgpu: a kernel needs \d+ workgroups, over the 1×1 this device can dispatch/);
  });

  test('upload checks its argument', () => {
    const backend = defined(gpu);
    expect(() => backend.upload(3 as unknown as x.Tensor)).toThrow(x.ValueError);
    expect(() => backend.upload(3 as unknown as x.Tensor)).toThrow(
      "xent.upload: argument 't' expected a Tensor, got number 3",
    );
  });
});
