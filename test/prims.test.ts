/**
 * @file Every primitive, on the compiled CPU backend and on the reference interpreter, driven by
 * the exhaustive test-spec table: values against an independent
 * naive definition; f32 against f64; VJP against f64 central finite differences; the dot-product
 * identity ⟨J t, c⟩ = ⟨t, Jᵀ c⟩ between jvp and vjp; and second order (grad of grad) for smooth prims.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ir, prims } from '@xent/core/internal';
import * as x from 'xent';
import { sizeOf } from './support/arbitraries.js';
import { applyPrim, floatPositions, floatsOf, naiveArray, roundedToF32, withDirections } from './support/cases.js';
import { directionalFd, dot, expectAllClose, toNumbers } from './support/numeric.js';
import { forEachIndex, type PrimCase, primSpecs, type PrimTestSpec } from './support/primSpecs.js';

type Prim = ir.Prim;
type AnyCase = PrimCase;

const specOf = (prim: Prim): PrimTestSpec<unknown> => primSpecs[prim] as PrimTestSpec<unknown>;

/** Σ w ⊙ prim(...) as f64: a scalar whose gradient is the VJP with cotangent w. */
const weighted =
  (prim: Prim, c: AnyCase, w: readonly number[]) =>
  (...floats: x.Tensor[]): x.Tensor => {
    const out = applyPrim(prim, c, floats);
    const asFloat = out.dtype === 'f64' ? out : x.cast(out, 'f64');
    return x.sum(x.mul(asFloat, x.tensor(Float64Array.from(w), { shape: out.shape, dtype: 'f64' })));
  };

const gradTol = { rtol: 1e-6, atol: 1e-7 };

const backends = ['cpu', 'reference'] as const;

describe.each(backends.flatMap((b) => prims.map((p) => [b, p] as const)))('%s backend: prim %s', (backend, prim) => {
  const spec = specOf(prim);
  beforeAll(() => {
    x.setDefaultBackend(x.backends[backend]);
  });
  afterAll(() => {
    x.setDefaultBackend(x.backends.cpu);
  });

  test('matches its naive definition (f64)', () => {
    fc.assert(
      fc.property(spec.cases, (c) => {
        const out = applyPrim(prim, c, floatsOf(c));
        const naive = c.inputs.map(naiveArray);
        const expected: number[] = [];
        forEachIndex(out.shape, (index) => expected.push(spec.naive(naive, c.params, index, out.shape)));
        expectAllClose(toNumbers(out), expected, { rtol: 1e-12, atol: 1e-12 }, `${prim} output`);
      }),
    );
  });

  test('f32 agrees with f64 within its stated tolerance', () => {
    fc.assert(
      fc.property(spec.cases.map(roundedToF32), (c) => {
        const lo = applyPrim(prim, c, floatsOf(c, 'f32'), 'f32');
        const hi = applyPrim(prim, c, floatsOf(c, 'f64'), 'f64');
        expect(lo.shape).toEqual(hi.shape);
        expectAllClose(toNumbers(lo), toNumbers(hi), spec.f32, `${prim} f32 vs f64`);
      }),
    );
  });

  test('f32 gradients agree with f64 gradients', () => {
    fc.assert(
      fc.property(spec.cases.map(roundedToF32), fc.integer({ min: 0, max: 2 ** 30 }), (c, wSeed) => {
        const pos = floatPositions(c);
        if (pos.length === 0 || spec.grad(c) === 'none') return;
        const outSize = sizeOf(applyPrim(prim, c, floatsOf(c)).shape);
        const w = Array.from({ length: outSize }, (_, i) => Math.fround(Math.sin(wSeed + 7 * i)));
        const gradsIn = (dtype: 'f32' | 'f64'): number[][] => {
          const f = (...floats: x.Tensor[]): x.Tensor => {
            const out = applyPrim(prim, c, floats, dtype);
            return x.sum(x.mul(out, x.tensor(Float64Array.from(w), { shape: out.shape, dtype })));
          };
          return x
            .grad(f, { argnums: pos.map((_, k) => k) })(...floatsOf(c, dtype))
            .map(toNumbers);
        };
        const [lo, hi] = [gradsIn('f32'), gradsIn('f64')];
        hi.forEach((g, k) => {
          expectAllClose(lo[k] as number[], g, { rtol: 10 * spec.f32.rtol, atol: 1e-6 }, `${prim} f32 vs f64 gradient`);
        });
      }),
      { numRuns: 30 },
    );
  });

  test('VJP matches central finite differences (f64, random directions)', () => {
    fc.assert(
      fc.property(spec.cases.chain(withDirections), fc.integer({ min: 0, max: 2 ** 30 }), ([c, dirs], wSeed) => {
        const pos = floatPositions(c);
        if (pos.length === 0) return;
        const outSize = sizeOf(applyPrim(prim, c, floatsOf(c)).shape);
        const w = Array.from({ length: outSize }, (_, i) => Math.sin(wSeed + 7 * i));
        const f = weighted(prim, c, w);
        const grads = x.grad(f, { argnums: pos.map((_, k) => k) })(...floatsOf(c));
        const ds = pos.map((i) => dirs[i] as number[]);
        if (spec.grad(c) === 'none') {
          grads.forEach((g) => {
            expect(toNumbers(g).every((v) => v === 0)).toBe(true);
          });
          return;
        }
        const analytic = grads.reduce((s, g, k) => s + dot(toNumbers(g), ds[k] as number[]), 0);
        const fd = directionalFd((...xs) => x.item(f(...xs)), floatsOf(c), ds);
        expectAllClose([analytic], [fd], gradTol, `${prim} ⟨∇f, d⟩ vs finite differences`);
      }),
      { numRuns: 40 },
    );
  });

  test('jvp and vjp satisfy ⟨J t, c⟩ = ⟨t, Jᵀ c⟩, and J t matches finite differences', () => {
    fc.assert(
      fc.property(spec.cases.chain(withDirections), fc.integer({ min: 0, max: 2 ** 30 }), ([c, dirs], cSeed) => {
        const pos = floatPositions(c);
        if (pos.length === 0 || spec.grad(c) === 'none') return;
        const floats = floatsOf(c);
        const asF64 = (...xs: x.Tensor[]): x.Tensor => {
          const out = applyPrim(prim, c, xs);
          return out.dtype === 'f64' ? out : x.cast(out, 'f64');
        };
        const tangents = pos.map((i, k) =>
          x.tensor(Float64Array.from(dirs[i] as number[]), { shape: (floats[k] as x.Tensor).shape, dtype: 'f64' }),
        );
        const [out, jt] = x.jvp(asF64, floats, tangents);
        const cot = Array.from({ length: out.size }, (_, i) => Math.cos(cSeed + 3 * i));
        const [, pullback] = x.vjp(asF64, ...floats);
        const vjps = pullback(x.tensor(Float64Array.from(cot), { shape: out.shape, dtype: 'f64' }));
        const lhs = dot(toNumbers(jt), cot);
        const rhs = vjps.reduce((s, g, k) => s + dot(toNumbers(g), dirs[pos[k] as number] as number[]), 0);
        expectAllClose([lhs], [rhs], { rtol: 1e-10, atol: 1e-10 }, `${prim} dot-product identity`);
        const h = 1e-5;
        const shifted = (sign: number) =>
          toNumbers(asF64(...floats.map((t, k) => x.add(t, x.mul(sign * h, tangents[k] as x.Tensor)))));
        const plus = shifted(1);
        const minus = shifted(-1);
        expectAllClose(
          toNumbers(jt),
          plus.map((p, i) => (p - (minus[i] as number)) / (2 * h)),
          gradTol,
          `${prim} J·t vs finite differences`,
        );
      }),
      { numRuns: 40 },
    );
  });

  test('second order: grad of ⟨∇f, w⟩ matches finite differences of the gradient', () => {
    fc.assert(
      fc.property(spec.cases.chain(withDirections), fc.integer({ min: 0, max: 2 ** 30 }), ([c, dirs], seed) => {
        const pos = floatPositions(c);
        if (pos.length === 0 || spec.grad(c) !== 'smooth') return;
        const outSize = sizeOf(applyPrim(prim, c, floatsOf(c)).shape);
        const w = Array.from({ length: outSize }, (_, i) => Math.sin(seed + 5 * i));
        const f = weighted(prim, c, w);
        const argnums = pos.map((_, k) => k);
        const floats = floatsOf(c);
        const probes = floats.map((t, k) =>
          x.tensor(
            Float64Array.from(t.data(), (_, i) => Math.cos(seed + k + 11 * i)),
            { shape: t.shape, dtype: 'f64' },
          ),
        );
        // g(xs) = Σ_k ⟨∂f/∂x_k, probe_k⟩; its gradient is the Hessian applied to the probes.
        const g = (...xs: x.Tensor[]): x.Tensor =>
          x
            .grad(f, { argnums })(...xs)
            .reduce<x.Tensor>(
              (s, gk, k) => x.add(s, x.sum(x.mul(gk, probes[k] as x.Tensor))),
              x.tensor(0, { dtype: 'f64' }),
            );
        const hess = x.grad(g, { argnums })(...floats);
        const ds = pos.map((i) => dirs[i] as number[]);
        const analytic = hess.reduce((s, hk, k) => s + dot(toNumbers(hk), ds[k] as number[]), 0);
        const fd = directionalFd((...xs) => x.item(g(...xs)), floats, ds);
        expectAllClose([analytic], [fd], { rtol: 1e-5, atol: 1e-6 }, `${prim} second order`);
      }),
      { numRuns: 25 },
    );
  });
});
