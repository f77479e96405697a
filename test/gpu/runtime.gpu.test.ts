/// <reference types="@webgpu/types" />
/**
 * @file The WebGPU runtime: buffers come back to the pool (10 000 steps leave the live count at
 * its baseline), pipelines are shared, device data stays on the device, and every failure is an
 * XentError with the numbers: over-limit allocation, f64, use after dispose, data of another
 * device, a bad gather index, the device destroyed while work is in flight.
 */
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';

const gpu = await gpuBackend();
afterAll(() => gpu?.dispose());

const ce = (z: x.Tensor, y: x.Tensor): x.Tensor =>
  x.mean(x.sub(x.logsumexp(z, { axis: -1 }), x.squeeze(x.gather(z, x.expandDims(y, -1), { axis: -1 }), -1)));

const logits = (n: number, v: number): x.Tensor =>
  x.tensor(
    Float32Array.from({ length: n * v }, (_, i) => Math.sin(i * 0.7) * 3),
    { shape: [n, v] },
  );
const labels = (n: number, v: number): x.Tensor =>
  x.tensor(
    Int32Array.from({ length: n }, (_, i) => (i * 7) % v),
    { shape: [n] },
  );

describe.runIf(gpu !== undefined)('webgpu runtime', () => {
  test('10 000 steps of a jitted loss and gradient leave the live buffers at their baseline (and do not crash the driver)', async () => {
    const backend = defined(gpu);
    // a two-layer classifier: nine kernels a step, 90 000 launches in all (creating a bind
    // group per launch exhausted lavapipe's descriptors after about 60 000 and crashed Dawn)
    const loss = (w: x.Tensor, h: x.Tensor, y: x.Tensor): x.Tensor => ce(x.matmul(x.tanh(h), w), y);
    const step = x.jit(x.valueAndGrad(loss, { argnums: [0, 1] }), { backend });
    const w = backend.upload(logits(16, 32));
    const h = backend.upload(logits(8, 16));
    const y = labels(8, 32);
    const once = (): x.Tensor[] => {
      const [value, grads] = step(w, h, y) as unknown as [x.Tensor, x.Tensor[]];
      return [value, ...grads];
    };
    for (const t of once()) t.dispose();
    await backend.sync();
    const baseline = backend.stats();
    let last: x.Tensor[] = [];
    for (let i = 0; i < 10_000; i++) {
      for (const t of last) t.dispose();
      last = once();
    }
    const expected = loss(logits(16, 32), logits(8, 16), y);
    expectAllClose(await numbersAsync(last[0] as x.Tensor), toNumbers(expected), { rtol: 1e-5, atol: 1e-6 }, 'loss');
    for (const t of last) t.dispose();
    await backend.sync();
    const after = backend.stats();
    expect(after.liveBuffers).toBe(baseline.liveBuffers);
    expect(after.liveBytes).toBe(baseline.liveBytes);
    // buffers returned at once beyond the pool's per-size cap (8) are destroyed, not hoarded
    expect(after.pooledBuffers).toBeLessThanOrEqual(baseline.pooledBuffers + 8);
    expect(after.pipelines).toBe(baseline.pipelines);
  });

  test('device data stays on the device between calls and is read back asynchronously', async () => {
    const backend = defined(gpu);
    const double = x.jit((t: x.Tensor) => x.mul(t, 2), { backend });
    const a = x.tensor([1, 2, 3]);
    const twice = double(double(a));
    expect(twice.onDevice).toBe(true);
    expect(await twice.toArrayAsync()).toEqual([4, 8, 12]);
    expect(() => twice.data()).toThrow(/dataAsync/);
    // eager operations run on the CPU, which cannot see GPU memory
    expect(() => x.add(twice, 1)).toThrow(x.DeviceDataError);
  });

  test('data of another WebGPU device is refused with a clear error', async () => {
    const backend = defined(gpu);
    const other = defined(await gpuBackend());
    try {
      const t = other.upload(x.tensor([1, 2]));
      expect(() => x.jit((a: x.Tensor) => x.neg(a), { backend })(t)).toThrow(/another device/);
    } finally {
      other.dispose();
    }
  });

  test('using a disposed array is an error, on read and as an argument', async () => {
    const backend = defined(gpu);
    const f = x.jit((t: x.Tensor) => x.exp(t), { backend });
    const out = f(x.tensor([0, 1]));
    out.dispose();
    await expect(out.dataAsync()).rejects.toThrow(/f32\[2\] array on webgpu was disposed/);
    expect(() => f(out)).toThrow(/disposed/);
  });

  test('f64 on the GPU is a clear error', () => {
    const backend = defined(gpu);
    const a = x.tensor([1, 2], { dtype: 'f64' });
    expect(() => x.jit((t: x.Tensor) => x.exp(t), { backend })(a)).toThrow(
      /f64 is not supported on WebGPU.*cast to f32/,
    );
    expect(() => backend.upload(a)).toThrow(/f64 is not supported on WebGPU/);
  });

  test('an allocation over maxBufferSize is refused with the numbers', () => {
    const backend = defined(gpu);
    const n = Math.floor(backend.limits.maxBufferSize / 4) + 64;
    const f = x.jit((t: x.Tensor) => x.broadcastTo(t, [n]), { backend });
    expect(() => f(x.tensor(1))).toThrow(
      new RegExp(`needs ${n * 4} bytes, over this device's maxBufferSize of ${backend.limits.maxBufferSize} bytes`),
    );
  });

  test('a gather index out of range is an IndexError when the results are read', async () => {
    const backend = defined(gpu);
    const [loss] = x.jit(x.valueAndGrad(ce), { backend })(
      logits(3, 10),
      x.tensor(Int32Array.from([1, 10, 2]), { shape: [3] }),
    );
    await expect(loss.dataAsync()).rejects.toThrow(x.IndexError);
    await expect(loss.dataAsync()).rejects.toThrow("argument 'indices' expected values in [0, 10), got 10");
  });

  test('identical kernels share compiled pipelines across programs', async () => {
    const backend = defined(gpu);
    const a = x.tensor([1, 2, 3, 4]);
    await x
      .jit((t: x.Tensor) => x.sin(x.add(t, 0.5)), { backend })(a)
      .dataAsync();
    const before = backend.stats().pipelines;
    await x
      .jit((u: x.Tensor) => x.sin(x.add(u, 0.5)), { backend })(a)
      .dataAsync();
    expect(backend.stats().pipelines).toBe(before);
  });

  test('destroying the device while work is in flight fails reads and later runs, without hanging', async () => {
    const own = defined(await gpuBackend());
    const f = x.jit(x.valueAndGrad(ce), { backend: own });
    const [loss] = f(logits(256, 2000), labels(256, 2000));
    own.device.destroy();
    await expect(loss.dataAsync()).rejects.toThrow(/device was lost/);
    expect(() => f(logits(256, 2000), labels(256, 2000))).toThrow(/device was lost/);
  });
});
