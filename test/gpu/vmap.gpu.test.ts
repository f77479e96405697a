/**
 * @file vmap on the WebGPU backend: per-example gradients of a small classifier (jit(vmap(grad)))
 * in f32 on the GPU against the same code eager in f64 on the CPU.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';

const gpu = await gpuBackend();
afterAll(() => {
  gpu?.dispose();
});

const [batch, features, classes] = [6, 5, 4];
/** One example's loss: cross-entropy of tanh(x·W)'s logits against its label. */
const loss = (w: x.Tensor, feats: x.Tensor, label: x.Tensor): x.Tensor =>
  x.losses.crossEntropy(x.tanh(x.matmul(x.expandDims(feats, 0), w)), x.expandDims(label, 0));
const values = (n: number) => fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n });

describe.runIf(gpu !== undefined)('vmap on WebGPU', () => {
  test('jit(vmap(grad)): per-example gradients in f32 on the GPU against f64 on the CPU', async () => {
    const backend = defined(gpu);
    const perExample = x.vmap(x.grad(loss), { inAxes: [null, 0, 0] });
    const onGpu = x.jit(perExample, { backend });
    await fc.assert(
      fc.asyncProperty(
        values(features * classes),
        values(batch * features),
        fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: batch, maxLength: batch }),
        async (w, f, y) => {
          const wt = x.tensor(Float32Array.from(w), { shape: [features, classes] });
          const ft = x.tensor(Float32Array.from(f), { shape: [batch, features] });
          const yt = x.tensor(Int32Array.from(y), { shape: [batch], dtype: 'i32' });
          const got = onGpu(wt, ft, yt);
          expect(got.shape).toEqual([batch, features, classes]);
          const want = toNumbers(perExample(x.cast(wt, 'f64'), x.cast(ft, 'f64'), yt));
          expectAllClose(await numbersAsync(got), want, { rtol: 1e-3, atol: 1e-5 }, 'per-example gradients');
        },
      ),
      { numRuns: 6 },
    );
  });
});
