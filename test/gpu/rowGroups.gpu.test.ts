/**
 * @file Row groups on WebGPU: the gradient programs of cross-entropy and Shannon entropy hold a row
 * group, whose members the GPU runs one after another, and their values equal the reference.
 */
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';

const gpu = await gpuBackend();
afterAll(() => {
  gpu?.dispose();
});

const losses: readonly (readonly [string, (z: x.Tensor, y: x.Tensor) => x.Tensor])[] = [
  ['crossEntropy', (z, y) => x.losses.crossEntropy(z, y)],
  ['crossEntropy with label smoothing', (z, y) => x.losses.crossEntropy(z, y, { labelSmoothing: 0.1 })],
  ['entropy.shannon (mean)', (z) => x.mean(x.entropy.shannon(z))],
];

describe.runIf(gpu !== undefined)('webgpu row groups', () => {
  test.each(losses)('%s: value and gradient equal the reference', async (_name, loss) => {
    const backend = defined(gpu);
    const [n, v] = [37, 300];
    const z = x.tensor(
      Float32Array.from({ length: n * v }, (_, i) => Math.sin(i * 0.37) * 4),
      { shape: [n, v] },
    );
    const y = x.tensor(
      Int32Array.from({ length: n }, (_, i) => (i * 7) % v),
      { shape: [n] },
    );
    const f = x.valueAndGrad(loss);
    expect(
      x
        .jit(f, { backend })
        .program(z, y)
        .steps.some((s) => s.kind === 'rowGroup'),
    ).toBe(true);
    const got = x.jit(f, { backend })(z, y);
    const want = x.jit(f, { backend: 'reference' })(z, y);
    for (const [i, t] of got.entries())
      expectAllClose(await numbersAsync(t), toNumbers(want[i] as x.Tensor), { rtol: 1e-5, atol: 1e-7 }, `output ${i}`);
  });
});
