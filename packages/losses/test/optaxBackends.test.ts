/**
 * @file The optax-named losses against f64 finite differences in their float arguments, and jitted on the
 * fused CPU backend (f64 and f32) against the reference interpreter in f64 and against eager execution.
 */
import fc from 'fast-check';
import { describe, test } from 'vitest';
import * as x from 'xent';
import { awayFromKinks, constantSecond, optaxCases, optaxNormalizesRows } from '../../../test/support/optaxCases.js';
import {
  batchPairArb,
  directionsArb,
  expectAllClose,
  expectGradientMatchesFd,
  f64,
  i32,
  toNumbers,
} from './support.js';

const second = batchPairArb({ minK: 3, minN: 2, maxN: 6, scale: 3 });
const awayFromZero = second.map(([b, o]) => {
  const push = (v: number): number => (v < 0 ? v - 0.2 : v + 0.2);
  return [{ ...b, z: b.z.map(push) }, o.map(push)] as const;
});

describe.each(Object.entries(optaxCases))('%s', (name, loss) => {
  const kinkFree = awayFromKinks[name];
  const drawn = optaxNormalizesRows.has(name) ? awayFromZero : second;
  const inputs = kinkFree === undefined ? drawn : drawn.filter(([b, o]) => kinkFree(b.z, o, b.y, b.k));
  const argnums = constantSecond.has(name) ? [0] : [0, 1];

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
            1e-6,
          );
        },
      ),
      { numRuns: 8 },
    );
  });

  test('eager, jitted on the reference interpreter and on the fused CPU backend (f64, f32) agree', () => {
    const vg = x.valueAndGrad(loss, { argnums: [0, 1] });
    const reference = x.jit(vg, { backend: 'reference' });
    const fused = x.jit(vg, { backend: 'cpu' });
    fc.assert(
      fc.property(inputs, ([b, o]) => {
        const args = [f64(b.z, [b.n, b.k]), f64(o, [b.n, b.k]), i32(b.y)] as const;
        const [v, g] = reference(...args);
        const [ev, eg] = vg(...args);
        const [fv, fg] = fused(...args);
        for (const [label, value, grads] of [
          ['eager', ev, eg],
          ['fused', fv, fg],
        ] as const) {
          expectAllClose(toNumbers(value), toNumbers(v), { rtol: 1e-10, atol: 1e-12 }, `${label} value f64`);
          grads.forEach((gi, i) => {
            expectAllClose(
              toNumbers(gi),
              toNumbers(g[i] as x.Tensor),
              { rtol: 1e-9, atol: 1e-11 },
              `${label} gradient ${i}`,
            );
          });
        }
        const [v32, g32] = fused(x.cast(args[0], 'f32'), x.cast(args[1], 'f32'), args[2]);
        expectAllClose(toNumbers(v32), toNumbers(v), { rtol: 1e-4, atol: 1e-5 }, 'value f32');
        g32.forEach((gi, i) => {
          const want = toNumbers(g[i] as x.Tensor);
          const scale = Math.max(1, ...want.map(Math.abs));
          expectAllClose(toNumbers(gi), want, { rtol: 1e-4, atol: 1e-4 * scale }, `gradient ${i} f32`);
        });
      }),
      { numRuns: 5 },
    );
  });
});
