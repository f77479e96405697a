/**
 * @file Index checks on WebGPU travel with the data: a bad index raises its IndexError in the
 * gradient programs that read it (whatever dead-code elimination keeps), and in every read of a
 * result computed on the device from a buffer whose check failed, however many programs later.
 */
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { ce, i32, logits, repros } from '../support/indexRepros.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';

const gpu = await gpuBackend();
afterAll(() => gpu?.dispose());

describe.runIf(gpu !== undefined)('webgpu: index checks', () => {
  // (a gradient that does not depend on the traced arguments is computed, and checked, as jit traces)
  test.each(repros)('jit: grad of %s is an IndexError when read', async (_name, make, args, message) => {
    const read = async (): Promise<unknown> =>
      x
        .jit(make(), { backend: defined(gpu) })(...args())
        .dataAsync();
    await expect(read()).rejects.toThrow(x.IndexError);
    await expect(read()).rejects.toThrow(message);
  });

  test.each(repros)('eager: grad of %s is an IndexError when read', async (_name, make, args, message) => {
    const values = args(); // made on the CPU, before the default backend changes
    x.setDefaultBackend(defined(gpu));
    try {
      const read = async (): Promise<unknown> => make()(...values).dataAsync();
      await expect(read()).rejects.toThrow(x.IndexError);
      await expect(read()).rejects.toThrow(message);
    } finally {
      x.setDefaultBackend(x.backends.cpu);
    }
  });

  test('a result consumed on the device raises the IndexError of the gather it came from', async () => {
    const backend = defined(gpu);
    const z = backend.upload(logits());
    const out = x.jit((a: x.Tensor, i: x.Tensor) => x.gather(a, i, { axis: -1 }), { backend })(z, i32([[0], [3]]));
    const out2 = x.jit((a: x.Tensor) => x.mul(a, 2), { backend })(out);
    const out3 = x.jit((a: x.Tensor, b: x.Tensor) => x.add(a, x.sum(b)), { backend })(z, out2);
    for (const t of [out3, out2, out])
      await expect(t.dataAsync()).rejects.toThrow("xent.gather: argument 'indices' expected values in [0, 3), got 3");
    // data that did not come from the failed gather is unaffected
    expectAllClose(await numbersAsync(x.jit((a: x.Tensor) => x.mul(a, 2), { backend })(z)), [1, -2, 4, 2, 0, -1], {
      rtol: 0,
      atol: 0,
    });
  });

  const h = x.tensor([
    [0.3, -0.2],
    [0.1, 0.5],
    [-0.4, 0.2],
  ]);
  const w0 = (): x.Tensor =>
    x.tensor([
      [0.1, 0.2, -0.1, 0],
      [0, -0.3, 0.2, 0.1],
    ]);

  /** Ten SGD steps of a linear classifier on the device, reading nothing until the end. */
  const trainer = (backend: x.WebGpuBackend) => {
    const step = x.jit(
      x.grad((w: x.Tensor, y: x.Tensor) => ce(x.matmul(h, w), y)),
      { backend },
    );
    const update = x.jit((w: x.Tensor, g: x.Tensor) => x.sub(w, x.mul(g, 0.5)), { backend });
    return (labelsAt: (t: number) => number[]): x.Tensor => {
      let w = backend.upload(w0());
      for (let t = 0; t < 10; t++) {
        const g = step(w, i32(labelsAt(t)));
        const next = update(w, g);
        g.dispose();
        w.dispose();
        w = next;
      }
      return w;
    };
  };

  test('a 10-step training loop that never reads its intermediates raises at its first read', async () => {
    const w = trainer(defined(gpu))((t) => (t === 3 ? [0, 4, 1] : [0, 3, 1]));
    await expect(w.dataAsync()).rejects.toThrow(x.IndexError);
    await expect(w.dataAsync()).rejects.toThrow("xent.gather: argument 'indices' expected values in [0, 4), got 4");
  });

  test('with valid labels the same loop reads its result (as on the CPU) and returns its buffers', async () => {
    const backend = defined(gpu);
    const train = trainer(backend);
    train(() => [0, 3, 1]).dispose();
    await backend.sync();
    const before = backend.stats();
    const w = train(() => [0, 3, 1]);
    const cpu = (() => {
      const g = x.grad((v: x.Tensor) => ce(x.matmul(h, v), i32([0, 3, 1])));
      let v = w0();
      for (let t = 0; t < 10; t++) v = x.sub(v, x.mul(g(v), 0.5));
      return v;
    })();
    expectAllClose(await numbersAsync(w), toNumbers(cpu), { rtol: 1e-5, atol: 1e-6 }, 'weights');
    w.dispose();
    await backend.sync();
    expect(backend.stats().liveBuffers).toBe(before.liveBuffers);
  });
});
