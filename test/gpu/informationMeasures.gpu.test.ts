/**
 * @file The entropies, divergences and information-theoretic losses that no other WebGPU suite holds
 * (probability-space forms, reverse KL, TV, mutual information, convex KL, InfoNCE, MINE) jitted on the
 * WebGPU backend in f32 against the same code eager in f64 on the CPU, value and gradients; the eigh-based
 * measures fail there with a clear error. A last test lists every public function of `losses`, `entropy` and
 * `divergence` that no WebGPU case calls: none may be missing without a stated reason.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend } from '../support/gpu.js';
import { expectGpuParity, fixedInput } from '../support/gpuParity.js';
import { spectralCases } from '../support/lossCases.js';
import { eighCases, moreInformationCases } from '../support/moreLossCases.js';

const gpu = await gpuBackend();
afterAll(() => {
  gpu?.dispose();
});

describe.runIf(gpu !== undefined)('the remaining entropies and divergences on WebGPU', () => {
  // TV's kink p = q spans a row; the whole matrix is one group of distinct entries, as for the other tables
  test.each(Object.entries(moreInformationCases))('%s: f32 on the GPU against f64 on the CPU', async (_name, loss) => {
    await expectGpuParity(defined(gpu), loss, 30, 3);
  });
});

describe.runIf(gpu !== undefined)('eigh-based measures on WebGPU', () => {
  test.each(Object.entries({ ...eighCases, ...spectralCases }))(
    '%s fails with an error naming eigh, not a wrong number',
    (_name, loss) => {
      const onGpu = x.jit(loss, { backend: defined(gpu) });
      const z = fixedInput();
      expect(() => onGpu(z, z, x.zeros([6], { dtype: 'i32' }))).toThrow(/eigen-decomposition.*CPU backend/);
    },
  );
});

/** Public functions with no WebGPU case, each with its reason. */
const noGpuCase: Readonly<Record<string, string>> = {
  'losses.MineAverage': 'a host-side moving average of concrete scores (its graph part is mineBound)',
  'entropy.gaussianMutualInformation': 'a closed form on host numbers, no tensors',
  'entropy.gaussianMutualInformationFromCovariance': 'a closed form on host numbers, no tensors',
};

test('every public loss, entropy and divergence has a WebGPU case or a stated reason', () => {
  const sources = [
    'lossCases',
    'tier2Cases',
    'torchLossCases',
    'transportInformationCases',
    'optaxCases',
    'moreLossCases',
  ].map((f) => readFileSync(new URL(`../support/${f}.ts`, import.meta.url), 'utf8'));
  const text = sources.join('\n');
  const namespaces = [
    ['losses', x.losses, 'L'],
    ['entropy', x.entropy, 'H'],
    ['divergence', x.divergence, 'Dv'],
  ] as const;
  const missing = namespaces.flatMap(([ns, members, alias]) =>
    Object.entries(members)
      .filter(([name, v]) => typeof v === 'function' && !new RegExp(`\\b${alias}\\.${name}\\b`).test(text))
      .map(([name]) => `${ns}.${name}`)
      .filter((name) => !(name in noGpuCase)),
  );
  expect(missing).toEqual([]);
});
