/**
 * @file vmap on the WebGPU backend: per-example gradients of a small classifier (jit(vmap(grad))),
 * per-example Hessians (jit(vmap(hessian))) and forward-mode products (jit(vmap(jvp))), in f32 on
 * the GPU against the same code eager in f64 on the CPU.
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

  test('jit(vmap(hessian)) and jit(vmap(jvp)) of the loss in the logits: f32 on the GPU against f64 on the CPU', async () => {
    const backend = defined(gpu);
    const ofLogits = (z: x.Tensor, label: x.Tensor): x.Tensor =>
      x.losses.crossEntropy(x.expandDims(z, 0), x.expandDims(label, 0));
    const hessians = x.vmap(x.hessian(ofLogits));
    const tangentOf = (z: x.Tensor, t: x.Tensor): x.Tensor => x.jvp((u: x.Tensor) => x.softmax(u), [z], [t])[1];
    const jvps = x.vmap(tangentOf);
    const z = x.tensor(
      Float32Array.from({ length: batch * classes }, (_, i) => Math.sin(1.3 * i)),
      {
        shape: [batch, classes],
      },
    );
    const t = x.tensor(
      Float32Array.from({ length: batch * classes }, (_, i) => Math.cos(0.7 * i)),
      {
        shape: [batch, classes],
      },
    );
    const y = x.tensor(
      Int32Array.from({ length: batch }, (_, i) => i % classes),
      { shape: [batch], dtype: 'i32' },
    );
    const h = x.jit(hessians, { backend })(z, y);
    expect(h.shape).toEqual([batch, classes, classes]);
    const z64 = x.cast(z, 'f64');
    expectAllClose(await numbersAsync(h), toNumbers(hessians(z64, y)), { rtol: 1e-3, atol: 1e-5 }, 'Hessians');
    const j = x.jit(jvps, { backend })(z, t);
    expectAllClose(await numbersAsync(j), toNumbers(jvps(z64, x.cast(t, 'f64'))), { rtol: 1e-3, atol: 1e-5 }, 'JVPs');
  });
});
