/** @file certify's backend law on WebGPU: a loss jitted in f32 on the GPU agrees with f64 on the CPU, and a wrong GPU result would be reported. */
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend } from '../support/gpu.js';

const gpu = await gpuBackend();
afterAll(() => {
  gpu?.dispose();
});

describe.runIf(gpu !== undefined)('certify with a WebGPU backend', () => {
  test('cross-entropy and the JS divergence agree with f64 on the CPU', async () => {
    const backend = defined(gpu);
    const ce = await x.laws.certify((z, y) => x.losses.crossEntropy(z, y), {
      kind: 'classification',
      runs: 6,
      backend,
      laws: ['backendAgreement'],
      claims: ['backendAgreement'],
    });
    expect(ce.results[0]?.status).toBe('holds');
    const js = await x.laws.certify((p, q) => x.divergence.js(p, q), {
      kind: 'divergence',
      runs: 6,
      backend,
      laws: ['backendAgreement'],
    });
    expect(js.results[0]?.status).toBe('holds');
  });

  test('spectral measures are refused on WebGPU and the law says so (fails with the backend error)', async () => {
    const backend = defined(gpu);
    const r = await x.laws.certify((h) => x.entropy.vonNeumann(h), {
      kind: 'regularizer',
      runs: 3,
      backend,
      laws: ['backendAgreement'],
    });
    expect(r.results[0]?.status).toBe('fails');
    expect(r.results[0]?.message).toMatch(/no eigen-decomposition kernel/);
  });
});
