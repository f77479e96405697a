/**
 * @file Every primitive on the WebGPU backend in f32 against the CPU backend in f64: values and
 * gradients (Σ w ⊙ prim, so every output's cotangent is random), on random cases from the
 * exhaustive test-spec table. Tolerances: the f32 tolerance of the prim's spec, loosened to the
 * accuracy WGSL promises for its builtins (exp, log: a few ulp; sin, cos: 2⁻¹¹ absolute).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { ir, prims } from '@xent/core/internal';
import * as x from 'xent';
import { applyPrim, floatPositions, floatsOf, roundedToF32 } from '../support/cases.js';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose, type Tolerance, toNumbers } from '../support/numeric.js';
import { type PrimCase, primSpecs, type PrimTestSpec } from '../support/primSpecs.js';

type Prim = ir.Prim;

const gpu = await gpuBackend();
afterAll(() => gpu?.dispose());

const specOf = (prim: Prim): PrimTestSpec<unknown> => primSpecs[prim] as PrimTestSpec<unknown>;

/** WGSL's accuracy for builtins is looser than JavaScript's Math; trig is absolute 2⁻¹¹ on [−π, π]. */
function gpuTolerance(prim: Prim, spec: PrimTestSpec<unknown>): Tolerance {
  const trig = prim === 'sin' || prim === 'cos' || prim === 'tanh';
  return { rtol: Math.max(spec.f32.rtol, 1e-5), atol: Math.max(spec.f32.atol, trig ? 5e-4 : 1e-5) };
}

/** Σ w ⊙ prim(...), as f32 (GPU) or f64 (CPU). */
const weighted =
  (prim: Prim, c: PrimCase, w: readonly number[], dtype: 'f32' | 'f64') =>
  (...floats: x.Tensor[]): x.Tensor => {
    const out = applyPrim(prim, c, floats, dtype);
    const asFloat = out.dtype === dtype ? out : x.cast(out, dtype);
    return x.sum(x.mul(asFloat, x.tensor(Float64Array.from(w), { shape: out.shape, dtype })));
  };

/** Prims the WebGPU backend refuses with a BackendError (eigh: WGSL Jacobi is catalog P15 Tier 2). */
const cpuOnly: readonly Prim[] = ['eigh'];

describe.runIf(gpu !== undefined)('webgpu: CPU-only prims are refused clearly', () => {
  test.each(cpuOnly)('%s', (prim) => {
    const backend = defined(gpu);
    const f = x.jit((a: x.Tensor) => x.eigvalsh(a), { backend });
    expect(() =>
      f(
        x.tensor([
          [2, 1],
          [1, 2],
        ]),
      ),
    ).toThrow(/WebGPU backend has no eigen-decomposition kernel/);
    expect(prim).toBe('eigh');
  });
});

describe.runIf(gpu !== undefined).each(prims.filter((p) => !cpuOnly.includes(p)).map((p) => [p] as const))(
  'webgpu: prim %s',
  (prim) => {
    const spec = specOf(prim);
    const tol = gpuTolerance(prim, spec);

    test('f32 on the GPU agrees with f64 on the CPU', async () => {
      const backend = defined(gpu);
      await fc.assert(
        fc.asyncProperty(spec.cases.map(roundedToF32), async (c) => {
          const hi = applyPrim(prim, c, floatsOf(c, 'f64'), 'f64');
          const f = x.jit((...floats: x.Tensor[]) => applyPrim(prim, c, floats, 'f32'), { backend });
          const lo = f(...floatsOf(c, 'f32'));
          expectAllClose(await numbersAsync(lo), toNumbers(hi), tol, `${prim} on the GPU`);
        }),
        { numRuns: 12 },
      );
    });

    test('f32 gradients on the GPU agree with f64 gradients on the CPU', async () => {
      const backend = defined(gpu);
      await fc.assert(
        fc.asyncProperty(spec.cases.map(roundedToF32), fc.integer({ min: 0, max: 2 ** 30 }), async (c, wSeed) => {
          const pos = floatPositions(c);
          if (pos.length === 0 || spec.grad(c) === 'none') return;
          const outSize = applyPrim(prim, c, floatsOf(c, 'f64'), 'f64').size;
          const w = Array.from({ length: outSize }, (_, i) => Math.fround(Math.sin(wSeed + 7 * i)));
          const argnums = pos.map((_, k) => k);
          const hi = x.grad(weighted(prim, c, w, 'f64'), { argnums })(...floatsOf(c, 'f64'));
          const lo = x.jit(x.grad(weighted(prim, c, w, 'f32'), { argnums }), { backend })(...floatsOf(c, 'f32'));
          for (const [k, g] of hi.entries()) {
            const got = await numbersAsync(lo[k] as x.Tensor);
            expectAllClose(
              got,
              toNumbers(g),
              { rtol: 10 * tol.rtol, atol: 10 * tol.atol },
              `${prim} gradient ${k} on the GPU`,
            );
          }
        }),
        { numRuns: 8 },
      );
    });
  },
);
