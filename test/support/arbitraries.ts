/** @file fast-check arbitraries for shapes, value domains, axes and permutations used across the suites. */
import fc from 'fast-check';

/** Value domains that keep prims away from their poles and kinks. */
export type Domain = 'any' | 'positive' | 'aboveMinusOne' | 'nonzero' | 'nonInteger' | 'unit' | 'innerUnit';

const double = (min: number, max: number): fc.Arbitrary<number> =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

export const valueIn = (domain: Domain): fc.Arbitrary<number> => {
  switch (domain) {
    case 'any':
      return double(-3, 3);
    case 'unit':
      return double(-1, 1);
    case 'innerUnit':
      return double(-0.9, 0.9);
    case 'positive':
      return double(0.2, 3);
    case 'aboveMinusOne':
      return double(-0.8, 3);
    case 'nonzero':
      return fc.tuple(fc.boolean(), double(0.2, 3)).map(([s, v]) => (s ? v : -v));
    case 'nonInteger':
      return fc.tuple(fc.integer({ min: -3, max: 2 }), double(0.1, 0.9)).map(([k, f]) => k + f);
  }
};

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Small shapes: rank 0–3, dims 1–3. */
export const shapeArb = (minRank = 0, maxRank = 3): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: 3 }), { minLength: minRank, maxLength: maxRank });

export const valuesArb = (shape: readonly number[], domain: Domain): fc.Arbitrary<number[]> =>
  fc.array(valueIn(domain), { minLength: sizeOf(shape), maxLength: sizeOf(shape) });

/** A sorted subset of the axes of a rank-r shape. */
export const axesArb = (rank: number, minLength = 0): fc.Arbitrary<number[]> =>
  fc.subarray([...Array(rank).keys()], { minLength }).map((a) => [...a].sort((p, q) => p - q));

export const permutationArb = (n: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });

/** Unit-scale random directions of length n (for finite differences and cotangents). */
export const directionArb = (n: number): fc.Arbitrary<number[]> =>
  fc.array(double(-1, 1), { minLength: n, maxLength: n });
