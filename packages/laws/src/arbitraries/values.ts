/** @file Arbitraries for shapes and values: dims, broadcast-compatible pairs, numbers in a domain, directions. */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import fc from 'fast-check';
import { arbitrary, count, MAX_DRAWN, MAX_RANK, refuseSize } from '../schemas.js';

/**
 * Value domains: bounded reals, positive, the unit interval, magnitudes kept away from 0 (kinks, poles),
 * and large magnitudes (from the scale up to `largest`, log-uniform, either sign).
 */
export type Domain = 'bounded' | 'positive' | 'unit' | 'awayFromZero' | 'large';

/** The largest magnitude drawn for a valid input: logits of ±1e4 are extreme but valid. */
export const largest = 1e4;

const domainSchema = s.oneOf(['bounded', 'positive', 'unit', 'awayFromZero', 'large']);

/** A scale argument: finite, and far enough from 0 that every domain's bounds (scale·1e-2 for 'positive') are > 0. */
export const positiveScale = s.finite({ min: 1e-300 });

const double = (min: number, max: number): fc.Arbitrary<number> =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

function valueImpl(domain: Domain = 'bounded', scale = 5): fc.Arbitrary<number> {
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

/** One number of `domain`, within ±scale (default 5); 'large' ones lie between the scale and `largest`. */
export const value = publicFn(
  'value',
  { domain: s.optional(domainSchema), scale: s.optional(positiveScale) },
  valueImpl,
);

/** Mostly `ordinary` numbers, and large magnitudes (the 'large' domain, ±`largest` included) for a third of them. */
export const withLarge = publicFn(
  'withLarge',
  { ordinary: arbitrary, scale: positiveScale },
  (ordinary: fc.Arbitrary<number>, scale: number): fc.Arbitrary<number> =>
    fc.oneof(
      { withCrossShrink: true },
      { arbitrary: ordinary, weight: 2 },
      { arbitrary: value('large', scale), weight: 1 },
    ),
);

/** `n` numbers of `domain`. */
export const values = publicFn(
  'values',
  { n: count(0), domain: s.optional(domainSchema), scale: s.optional(positiveScale) },
  (n: number, domain: Domain = 'bounded', scale = 5): fc.Arbitrary<number[]> =>
    fc.array(valueImpl(domain, scale), { minLength: n, maxLength: n }),
);

/** The ranks and dims of drawn shapes, checked on behalf of `fn` (each minimum at most its maximum). */
function shapeBounds(
  fn: string,
  options: { minRank?: number; maxRank?: number; maxDim?: number },
): { minRank: number; maxRank: number; maxDim: number } {
  const minRank = options.minRank ?? 0;
  const maxRank = options.maxRank ?? Math.max(3, minRank);
  if (minRank > maxRank) fail(x.ValueError, fn, 'minRank', `at most maxRank (${maxRank})`, String(minRank));
  return { minRank, maxRank, maxDim: options.maxDim ?? 4 };
}

const drawShape = (b: { minRank: number; maxRank: number; maxDim: number }): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: b.maxDim }), { minLength: b.minRank, maxLength: b.maxRank });

/** A shape of rank minRank..maxRank (default 0..3) with dims 1..maxDim (default 4). */
export const shape = publicFn(
  'shape',
  {
    options: s.options({
      minRank: s.optional(count(0, MAX_RANK, 'dims', 'the highest rank of a drawn shape')),
      maxRank: s.optional(count(0, MAX_RANK, 'dims', 'the highest rank of a drawn shape')),
      maxDim: s.optional(count(1)),
    }),
  },
  (options: { minRank?: number; maxRank?: number; maxDim?: number } = {}): fc.Arbitrary<number[]> =>
    drawShape(shapeBounds('shape', options)),
);

/** Two shapes that broadcast together (numpy rules): some dims of the second set to 1 or dropped in front. */
export const broadcastPair = publicFn(
  'broadcastPair',
  {
    options: s.options({
      maxRank: s.optional(count(1, MAX_RANK, 'dims', 'the highest rank of a drawn shape')),
      maxDim: s.optional(count(1)),
    }),
  },
  (options: { maxRank?: number; maxDim?: number } = {}): fc.Arbitrary<[number[], number[]]> =>
    drawShape(shapeBounds('broadcastPair', { minRank: 1, ...options })).chain((a) =>
      fc
        .tuple(
          fc.array(fc.boolean(), { minLength: a.length, maxLength: a.length }),
          fc.integer({ min: 0, max: a.length }),
        )
        .map(([ones, drop]): [number[], number[]] => [a, a.map((d, i) => (ones[i] === true ? 1 : d)).slice(drop)]),
    ),
);

/** Random directions with entries in [−1, 1] (for finite differences, tangents and cotangents). */
export const direction = publicFn('direction', { n: count(0) }, (n: number): fc.Arbitrary<number[]> =>
  fc.array(valueImpl('bounded', 1), { minLength: n, maxLength: n }),
);

/** A tensor of `shape` with values of `domain` (f64 by default; f32 values are rounded first). */
export const tensor = publicFn(
  'tensor',
  {
    shape: s.shape,
    domain: s.optional(domainSchema),
    options: s.options({ scale: s.optional(positiveScale), dtype: s.optional(s.oneOf(['f32', 'f64'])) }),
  },
  (
    shape: readonly number[],
    domain: Domain = 'bounded',
    options: { readonly scale?: number; readonly dtype?: 'f32' | 'f64' } = {},
  ): fc.Arbitrary<Tensor> => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size > MAX_DRAWN) refuseSize('tensor', 'shape', 'entries', MAX_DRAWN, size);
    return fc
      .array(valueImpl(domain, options.scale ?? 5), { minLength: size, maxLength: size })
      .map((v) => x.tensor(Float64Array.from(v), { shape, dtype: options.dtype ?? 'f64' }));
  },
);
