/**
 * @file Every loss (the optax-named ones included) against f64 finite differences in all its float arguments, and the same loss code
 * jitted on the fused CPU backend against the reference interpreter (the semantics) in f64, and in f32
 * against that f64 result; value and gradient.
 */
import fc from 'fast-check';
import { describe, test } from 'vitest';
import * as x from 'xent';
import { detachedSecond, lossCases, normalizesRows, spectralCases } from '../../../test/support/lossCases.js';
import { constantSecond, kinked, optaxCases } from '../../../test/support/optaxCases.js';
import { offKinks } from '../../../test/support/offKinks.js';
import {
  batchPairArb,
  directionsArb,
  expectAllClose,
  expectGradientMatchesFd,
  f64,
  i32,
  toNumbers,
} from './support.js';

const second = batchPairArb({ minK: 3, minN: 2, maxN: 6, scale: 4 });

/** Spectral measures normalise rows: keep every entry at least 0.2 away from 0. */
const awayFromZero = second.map(([b, o]) => {
  const push = (v: number): number => (v < 0 ? v - 0.2 : v + 0.2);
  return [{ ...b, z: b.z.map(push) }, o.map(push)] as const;
});

/**
 * The optax-named cases' draws: away from zero (the draws are mostly exact zeros, on the margin losses'
 * sign kinks), and for the kinked cases moved row by row onto a grid that has no kink (`offKinks`): a
 * map, not a filter, so no run can draw forever.
 */
const onGrid = second.map(([b, o]) => [{ ...b, z: offKinks(b.z, b.k) }, offKinks(o, b.k)] as const);
const optaxInputs = (name: string): typeof second => (kinked.has(name) ? onGrid : awayFromZero);

const cases = [
  ...Object.entries(lossCases).map(
    ([name, loss]) => [name, loss, normalizesRows.has(name) ? awayFromZero : second] as const,
  ),
  ...Object.entries(spectralCases).map(([name, loss]) => [name, loss, awayFromZero] as const),
  ...Object.entries(optaxCases).map(([name, loss]) => [name, loss, optaxInputs(name)] as const),
];

describe.each(cases)('%s', (name, loss, inputs) => {
  const argnums = detachedSecond.has(name) || constantSecond.has(name) ? [0] : [0, 1];
  test(`gradient in float argument(s) ${argnums.join(', ')} matches f64 finite differences`, () => {
    fc.assert(
      fc.property(
        inputs.chain(([b, o]) => fc.tuple(fc.constant([b, o] as const), directionsArb([b.n * b.k, b.n * b.k]))),
        ([[b, o], [d1, d2]]) => {
          const labels = i32(b.y);
          expectGradientMatchesFd(
            (z, t) => loss(z, t, labels),
            [f64(b.z, [b.n, b.k]), f64(o, [b.n, b.k])],
            argnums,
            [d1 as number[], d2 as number[]].slice(0, argnums.length),
            { rtol: 1e-5, atol: 1e-7 },
            'gradient',
            // A small step: standardising near-constant features (Barlow Twins) is strongly curved.
            1e-6,
          );
        },
      ),
      { numRuns: 15 },
    );
  });

  test('jitted on the fused CPU backend (f64 and f32) agrees with the reference interpreter in f64, value and gradients', () => {
    const vg = x.valueAndGrad(loss, { argnums: [0, 1] });
    const reference = x.jit(vg, { backend: 'reference' });
    const fused = x.jit(vg, { backend: 'cpu' });
    fc.assert(
      fc.property(inputs, ([b, o]) => {
        const args = [f64(b.z, [b.n, b.k]), f64(o, [b.n, b.k]), i32(b.y)] as const;
        const [v, g] = reference(...args);
        const [fv, fg] = fused(...args);
        expectAllClose(toNumbers(fv), toNumbers(v), { rtol: 1e-10, atol: 1e-12 }, 'value f64');
        fg.forEach((gi, i) => {
          expectAllClose(toNumbers(gi), toNumbers(g[i] as x.Tensor), { rtol: 1e-9, atol: 1e-11 }, `gradient ${i} f64`);
        });
        const [v32, g32] = fused(x.cast(args[0], 'f32'), x.cast(args[1], 'f32'), args[2]);
        // f32 against f64: relative to the result, with an absolute floor at the gradient's scale
        // (cosine similarities amplify rounding by 1/‖v‖ for short vectors).
        expectAllClose(toNumbers(v32), toNumbers(v), { rtol: 1e-4, atol: 1e-5 }, 'value f32');
        g32.forEach((gi, i) => {
          const want = toNumbers(g[i] as x.Tensor);
          const scale = Math.max(1, ...want.map(Math.abs));
          expectAllClose(toNumbers(gi), want, { rtol: 1e-4, atol: 1e-4 * scale }, `gradient ${i} f32`);
        });
      }),
      { numRuns: 15 },
    );
  });
});
