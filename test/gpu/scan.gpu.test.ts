/**
 * @file x.scan on the WebGPU backend: an RNN over a sequence and its gradient, jitted and eager, in f32
 * on the GPU against the same code in f64 on the CPU.
 */
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';

const gpu = await gpuBackend();
afterAll(() => {
  gpu?.dispose();
});

const steps = 6;
const seq = (n: number, k: number): Float64Array => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k));

/** h' = tanh(W·h + U·x_t), y_t = Σ h'; the loss is Σ h_T² + Σ y_t². */
const loss = (w: x.Tensor, u: x.Tensor, xs: x.Tensor): x.Tensor => {
  const [h, ys] = x.scan(
    (hc: x.Tensor, xt: x.Tensor) => {
      const next = x.tanh(x.add(x.matmul(w, hc), x.matmul(u, xt)));
      return [next, x.sum(next)] as const;
    },
    x.zeros([4], { dtype: w.dtype }),
    xs,
    { reverse: true },
  );
  return x.add(x.sum(x.mul(h, h)), x.sum(x.mul(ys, ys)));
};

describe.runIf(gpu !== undefined)('scan on WebGPU', () => {
  test('value and gradient, jitted and eager, in f32 on the GPU against f64 on the CPU', async () => {
    const backend = defined(gpu);
    const make = (values: Float64Array, shape: number[], dtype: 'f32' | 'f64'): x.Tensor =>
      x.cast(x.tensor(values, { shape }), dtype);
    const args = (dtype: 'f32' | 'f64'): [x.Tensor, x.Tensor, x.Tensor] => [
      x.mul(make(seq(16, 1), [4, 4], dtype), 0.5),
      make(seq(12, 2), [4, 3], dtype),
      make(seq(steps * 3, 3), [steps, 3], dtype),
    ];
    const f64 = args('f64');
    const want = [
      x.item(loss(...f64)),
      ...x
        .grad(loss, { argnums: [0, 1, 2] })(...f64)
        .flatMap(toNumbers),
    ];
    const onGpu = x.jit(x.valueAndGrad(loss, { argnums: [0, 1, 2] }), { backend });
    const [value, grads] = onGpu(...args('f32'));
    const got = [...(await numbersAsync(value))];
    for (const g of grads) got.push(...(await numbersAsync(g)));
    expectAllClose(got, want, { rtol: 2e-4, atol: 1e-5 }, 'jitted value and gradient');
    const f32 = args('f32');
    const previous = x.getDefaultBackend();
    x.setDefaultBackend(backend);
    try {
      const eager = loss(...f32);
      expect(eager.shape).toEqual([]);
      expectAllClose(await numbersAsync(eager), [want[0] as number], { rtol: 2e-4, atol: 1e-5 }, 'eager value');
    } finally {
      x.setDefaultBackend(previous);
    }
  }, 120_000);
});
