/** @file Arbitraries for shapes and values: dims, broadcast-compatible pairs, numbers in a domain, directions. */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';
import fc from 'fast-check';

/**
 * Value domains: bounded reals, positive, the unit interval, magnitudes kept away from 0 (kinks, poles),
 * and large magnitudes (from the scale up to `largest`, log-uniform, either sign).
 */
export type Domain = 'bounded' | 'positive' | 'unit' | 'awayFromZero' | 'large';

/** The largest magnitude drawn for a valid input: logits of ±1e4 are extreme but valid. */
export const largest = 1e4;

const double = (min: number, max: number): fc.Arbitrary<number> =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** One number of `domain`, within ±scale (default 5); 'large' ones lie between the scale and `largest`. */
export function value(domain: Domain = 'bounded', scale = 5): fc.Arbitrary<number> {
  switch (domain) {
    case 'bounded':
      return double(-scale, scale);
    case 'positive':
      return double(scale * 1e-2, scale);
    case 'unit':
      return double(0, 1);
    case 'awayFromZero':
      return fc.tuple(fc.boolean(), double(scale * 0.04, scale)).map(([s, v]) => (s ? -v : v));
    case 'large': {
      // A log-uniform magnitude whose exponent overshoots and is clamped, so that ±`largest` itself is
      // drawn often; it shrinks towards the scale, so a counterexample shows the smallest magnitude that fails.
      const low = Math.log10(scale);
      const high = Math.max(low, Math.log10(largest));
      return fc
        .tuple(fc.boolean(), double(low, high + (high - low) / 8))
        .map(([s, e]) => (s ? -1 : 1) * 10 ** Math.min(e, high));
    }
  }
}

/** Mostly `ordinary` numbers, and large magnitudes (the 'large' domain, ±`largest` included) for a third of them. */
export const withLarge = (ordinary: fc.Arbitrary<number>, scale: number): fc.Arbitrary<number> =>
  fc.oneof(
    { withCrossShrink: true },
    { arbitrary: ordinary, weight: 2 },
    { arbitrary: value('large', scale), weight: 1 },
  );

/** `n` numbers of `domain`. */
export const values = (n: number, domain: Domain = 'bounded', scale = 5): fc.Arbitrary<number[]> =>
  fc.array(value(domain, scale), { minLength: n, maxLength: n });

/** A shape of rank minRank..maxRank with dims 1..maxDim. */
export const shape = (options: { minRank?: number; maxRank?: number; maxDim?: number } = {}): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: options.maxDim ?? 4 }), {
    minLength: options.minRank ?? 0,
    maxLength: options.maxRank ?? 3,
  });

/** Two shapes that broadcast together (numpy rules): some dims of the second set to 1 or dropped in front. */
export const broadcastPair = (
  options: { maxRank?: number; maxDim?: number } = {},
): fc.Arbitrary<[number[], number[]]> =>
  shape({ minRank: 1, ...options }).chain((a) =>
    fc
      .tuple(
        fc.array(fc.boolean(), { minLength: a.length, maxLength: a.length }),
        fc.integer({ min: 0, max: a.length }),
      )
      .map(([ones, drop]): [number[], number[]] => [a, a.map((d, i) => (ones[i] === true ? 1 : d)).slice(drop)]),
  );

/** Random directions with entries in [−1, 1] (for finite differences, tangents and cotangents). */
export const direction = (n: number): fc.Arbitrary<number[]> => values(n, 'bounded', 1);

/** A tensor of `shape` with values of `domain` (f64 by default; f32 values are rounded first). */
export const tensor = (
  shape: readonly number[],
  domain: Domain = 'bounded',
  options: { readonly scale?: number; readonly dtype?: 'f32' | 'f64' } = {},
): fc.Arbitrary<Tensor> =>
  values(
    shape.reduce((a, b) => a * b, 1),
    domain,
    options.scale ?? 5,
  ).map((v) => x.tensor(Float64Array.from(v), { shape, dtype: options.dtype ?? 'f64' }));
