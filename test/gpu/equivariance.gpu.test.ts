/** @file Symmetry penalties and group averages jitted on WebGPU agree with f64 on the CPU, values and gradients through a model's weights. */
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';

const gpu = await gpuBackend();
afterAll(() => {
  gpu?.dispose();
});

const E = x.equivariance;
const f64 = (v: readonly number[], shape: readonly number[]): x.Tensor =>
  x.tensor(Float64Array.from(v), { shape, dtype: 'f64' });

describe.runIf(gpu !== undefined)('equivariance on WebGPU', () => {
  const cases: [string, (w: x.Tensor, input: x.Tensor) => x.Tensor, number[]][] = [
    [
      'SO(3) equivariance penalty of a linear layer',
      (w, t) =>
        E.equivariancePenalty((u) => x.tanh(x.matmul(u, w)), E.matrixRep(E.so3), E.matrixRep(E.so3), { samples: 3 })(t),
      [5, 3],
    ],
    [
      'E(3) invariance penalty of an energy',
      (w, t) => E.invariancePenalty((u) => x.sum(x.tanh(x.matmul(u, w))), E.motionRep(E.e3()), { samples: 3 })(t),
      [5, 3],
    ],
    [
      'Z(5)-averaged readout',
      (w, t) =>
        x.sum(E.groupAverage((u) => x.tanh(x.matmul(u, w)), E.rollRep(E.cyclicGroup(5), { axis: 0 }), 'invariant')(t)),
      [5, 3],
    ],
  ];
  test.each(cases)('%s: f32 on the GPU vs f64 on the CPU', async (_name, f, shape) => {
    const backend = defined(gpu);
    const w = f64(
      Array.from({ length: 9 }, (_, i) => Math.sin(1.3 * i)),
      [3, 3],
    );
    const input = f64(
      Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(0.7 * i) * 2),
      shape,
    );
    const vg = x.valueAndGrad(f);
    const [v64, g64] = vg(w, input);
    const [v32, g32] = x.jit(vg, { backend })(x.cast(w, 'f32'), x.cast(input, 'f32'));
    expectAllClose(await numbersAsync(v32), toNumbers(v64), { rtol: 1e-3, atol: 1e-5 }, 'value');
    expectAllClose(await numbersAsync(g32), toNumbers(g64), { rtol: 1e-3, atol: 1e-4 }, 'gradient');
    expect(toNumbers(v64)[0]).toBeGreaterThanOrEqual(0);
  });
});
