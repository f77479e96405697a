/**
 * @file A jitted training step of a two-layer MLP { w1, b1, w2, b2 } (loss, gradients, global-norm clipping
 * and an optimizer update with a tensor learning rate) on WebGPU against the same jitted step on the CPU in
 * f32, over several steps with parameters and state kept on the device; traced once on each backend. Global-norm
 * clipping of huge, NaN and Inf gradients as on the CPU.
 */
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';

const gpu = await gpuBackend();
afterAll(() => {
  gpu?.dispose();
});

interface Mlp {
  readonly w1: x.Tensor;
  readonly b1: x.Tensor;
  readonly w2: x.Tensor;
  readonly b2: x.Tensor;
}

const loss = (p: Mlp, input: x.Tensor, labels: x.Tensor): x.Tensor =>
  x.losses.crossEntropy(x.add(x.matmul(x.tanh(x.add(x.matmul(input, p.w1), p.b1)), p.w2), p.b2), labels);

const [kx, ky, k1, k2] = x.random.split(x.random.key(3), 4) as [x.RandomKey, x.RandomKey, x.RandomKey, x.RandomKey];
const input = x.random.normal(kx, [32, 6]);
const labels = x.random.categorical(ky, x.zeros([32, 4]));
const init: Mlp = {
  w1: x.random.normal(k1, [6, 16], { scale: 0.5 }),
  b1: x.full([16], 0.1),
  w2: x.random.normal(k2, [16, 4], { scale: 0.5 }),
  b2: x.zeros([4]),
};

describe.runIf(gpu !== undefined)('optimizers on WebGPU', () => {
  const cases: [string, x.optim.Optimizer, number][] = [
    ['sgd with Nesterov momentum', x.optim.sgd({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }), 0.1],
    ['adamw', x.optim.adamw({ lr: 0.01 }), 0.01],
  ];
  test.each(cases)(
    '%s: a jitted MLP step over 5 steps, f32 on the GPU against f32 on the CPU',
    async (_, opt, lr0) => {
      const backend = defined(gpu);
      type State = x.optim.OptimizerState<x.optim.OptimizerName, Mlp>;
      const train = (p: Mlp, s: State, h: x.Tensor, y: x.Tensor, lr: x.Tensor) => {
        const [value, grads] = x.valueAndGrad(loss)(p, h, y);
        return { ...opt.step(p, x.optim.clipByGlobalNorm(grads, 1), s, { lr }), loss: value };
      };
      const onGpu = x.jit(train, { backend });
      const onCpu = x.jit(train);
      const [h, y] = [backend.upload(input), backend.upload(labels)];
      let [gp, gs]: [Mlp, State] = [init, opt.init(init)];
      let [cp, cs]: [Mlp, State] = [init, opt.init(init)];
      const tol = { rtol: 2e-3, atol: 2e-4 };
      for (let i = 0; i < 5; i++) {
        const lr = x.tensor(lr0 * 0.7 ** i); // a new learning rate each step, the same trace
        const g = onGpu(gp, gs, h, y, lr);
        const c = onCpu(cp, cs, input, labels, lr);
        ({ params: gp, state: gs } = g);
        ({ params: cp, state: cs } = c);
        expect(g.params.w1.onDevice).toBe(true);
        expectAllClose(await numbersAsync(g.loss), toNumbers(c.loss), tol, `loss at step ${i}`);
      }
      const [gpuLeaves, cpuLeaves] = [x.tree.leaves({ gp, gs }), x.tree.leaves({ cp, cs })];
      for (const [k, t] of gpuLeaves.entries())
        expectAllClose(
          await numbersAsync(t),
          toNumbers(cpuLeaves[k] as x.Tensor),
          tol,
          `leaf ${k} of params and state`,
        );
      expect([onGpu.cacheSize, onCpu.cacheSize]).toEqual([1, 1]);
    },
    300_000,
  );

  test('global-norm clipping on the GPU: huge f32 values do not overflow, NaN and Inf propagate as on the CPU', async () => {
    const backend = defined(gpu);
    const clip = (t: { a: x.Tensor; b: x.Tensor[] }) => ({
      norm: x.optim.globalNorm(t),
      clipped: x.optim.clipByGlobalNorm(t, 1),
    });
    const [onGpu, onCpu] = [x.jit(clip, { backend }), x.jit(clip)];
    for (const special of [2e30, NaN, Infinity]) {
      const tree = { a: x.tensor([3e30, -4e30]), b: [x.tensor([special]), x.tensor([[1e-3, 0]])] };
      const [g, c] = [x.tree.leaves(onGpu(tree)), x.tree.leaves(onCpu(tree))];
      for (const [k, t] of g.entries())
        expectAllClose(
          await numbersAsync(t),
          toNumbers(c[k] as x.Tensor),
          { rtol: 1e-5, atol: 1e-7 },
          `${special}: ${k}`,
        );
    }
  }, 300_000);
});
