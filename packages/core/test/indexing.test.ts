/** @file Affine index arithmetic: each helper evaluates to the arithmetic it stands for; affineKey identifies equal forms; IndexSpace's ⌊/⌋, mod and clamp. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { loopVar, type ScalarExpr } from '@xent/core/internal';
import {
  type Affine,
  add,
  affineKey,
  dotStrides,
  IndexSpace,
  konst,
  scale,
  toScalar,
} from '../src/compile/indexing.js';
import { evalIndex, isAffineIndex } from '../../../test/support/indexExpr.js';

const VARS = 3;
const vars: ScalarExpr[] = Array.from({ length: VARS }, (_, k) => loopVar(k));

/** An affine function written down independently of the helpers: c + Σ coefs[k]·i_k. */
interface Spec {
  readonly c: number;
  readonly coefs: readonly number[];
}

const valueOf = (s: Spec, point: readonly number[]): number =>
  s.coefs.reduce((sum, k, v) => sum + k * (point[v] as number), s.c);
/** The canonical Affine of a spec: zero coefficients left out, terms inserted in `order`. */
const affineOf = (s: Spec, order: readonly number[] = [...s.coefs.keys()]): Affine => ({
  c: s.c,
  terms: new Map(order.filter((v) => s.coefs[v] !== 0).map((v) => [vars[v] as ScalarExpr, s.coefs[v] as number])),
});
/** The value of an Affine by its own terms: c + Σ k·atom. */
const direct = (a: Affine, point: readonly number[]): number =>
  [...a.terms].reduce((sum, [atom, k]) => sum + k * evalIndex(atom, point), a.c);
/** The value of toScalar(a) (−0 read as 0: index arithmetic is on integers). */
const evaluated = (a: Affine, point: readonly number[]): number => evalIndex(toScalar(a), point) + 0;

const int = (bound: number): fc.Arbitrary<number> => fc.integer({ min: -bound, max: bound });
const specArb = (c = 50, k = 6): fc.Arbitrary<Spec> =>
  fc.record({ c: int(c), coefs: fc.array(int(k), { minLength: VARS, maxLength: VARS }) });
const pointArb = fc.array(int(20), { minLength: VARS, maxLength: VARS });

describe('affine forms evaluate to their arithmetic', () => {
  test('toScalar(a) at a point is c + Σ k·i', () => {
    fc.assert(
      fc.property(specArb(), pointArb, (s, pt) => {
        expect(evaluated(affineOf(s), pt)).toBe(valueOf(s, pt));
      }),
    );
  });

  test('konst, add, scale and dotStrides', () => {
    fc.assert(
      fc.property(specArb(), specArb(), int(7), pointArb, (s, t, k, pt) => {
        const [a, b] = [affineOf(s), affineOf(t)];
        expect(evaluated(konst(k), pt)).toBe(k);
        const sum = add(a, b);
        expect(evaluated(sum, pt)).toBe(valueOf(s, pt) + valueOf(t, pt));
        expect(direct(sum, pt)).toBe(valueOf(s, pt) + valueOf(t, pt));
        expect([...sum.terms.values()]).not.toContain(0); // cancelled terms are dropped
        expect(evaluated(scale(a, k), pt)).toBe(k * valueOf(s, pt) + 0);
        expect(evaluated(dotStrides([a, b], [k, 3], 11), pt)).toBe(11 + k * valueOf(s, pt) + 3 * valueOf(t, pt));
      }),
    );
  });

  test('examples: 2·i0 + 3 − 2·i0 is the constant 3; scaling by 0 gives 0', () => {
    const a = add(affineOf({ c: 3, coefs: [2, 0, 0] }), affineOf({ c: 0, coefs: [-2, 0, 0] }));
    expect(a.terms.size).toBe(0);
    expect(toScalar(a)).toMatchObject({ op: 'const', imm: 3 });
    expect(scale(affineOf({ c: 4, coefs: [1, 1, 1] }), 0)).toEqual({ c: 0, terms: new Map() });
  });
});

describe('affineKey', () => {
  /** Equal as functions: equal at 0 and at each unit point (for affine functions, that is all of them). */
  const sameFunction = (s: Spec, t: Spec): boolean =>
    [Array<number>(VARS).fill(0), ...vars.map((_, v) => vars.map((_, w) => (w === v ? 1 : 0)))].every(
      (pt) => valueOf(s, pt) === valueOf(t, pt),
    );
  const smallSpecs: Spec[] = [0, 1].flatMap((c) =>
    [-1, 0, 1].flatMap((k0) => [-1, 0, 1].map((k1) => ({ c, coefs: [k0, k1, 0] }))),
  );

  test('over every pair of 18 small forms: equal keys exactly for equal functions', () => {
    let equalPairs = 0;
    for (const s of smallSpecs) {
      for (const t of smallSpecs) {
        const same = sameFunction(s, t);
        expect(affineKey(affineOf(s)) === affineKey(affineOf(t))).toBe(same);
        if (same) equalPairs++;
      }
    }
    expect(equalPairs).toBe(smallSpecs.length);
  });

  test('equal keys iff equal functions, whatever order the terms were inserted in; equal forms give one scalar node', () => {
    fc.assert(
      fc.property(specArb(2, 2), specArb(2, 2), fc.boolean(), (s, t, reversed) => {
        const a = affineOf(s);
        const b = affineOf(t, reversed ? [2, 1, 0] : [0, 1, 2]);
        const same = sameFunction(s, t);
        expect(affineKey(a) === affineKey(b)).toBe(same);
        expect(toScalar(a) === toScalar(b)).toBe(same);
      }),
    );
  });

  test('a sum built in either order has one key', () => {
    fc.assert(
      fc.property(specArb(), specArb(), (s, t) => {
        expect(affineKey(add(affineOf(s), affineOf(t)))).toBe(affineKey(add(affineOf(t), affineOf(s))));
      }),
    );
  });
});

describe('IndexSpace', () => {
  /** Ranges [lo, hi] for the loop vars and a point inside them. */
  const boxArb = fc
    .array(fc.tuple(int(3), fc.integer({ min: 0, max: 6 }), fc.nat()), { minLength: VARS, maxLength: VARS })
    .map((dims) => ({
      ranges: dims.map(([lo, len]) => [lo, lo + len] as const),
      point: dims.map(([lo, len, t]) => lo + (t % (len + 1))),
    }));
  const spaceOf = (ranges: readonly (readonly [number, number])[]): IndexSpace => {
    const space = new IndexSpace();
    ranges.forEach(([lo, hi], v) => space.atom(vars[v] as ScalarExpr, lo, hi));
    return space;
  };

  test('range bounds the value; div, mod and clamp evaluate to ⌊a/s⌋, a mod d ≥ 0 and min(max(a, lo), hi)', () => {
    fc.assert(
      // small forms, so that ranges often end just at or just past a multiple of the divisor
      fc.property(specArb(6, 4), boxArb, fc.integer({ min: 1, max: 8 }), int(30), (s, { ranges, point }, d, lo) => {
        const space = spaceOf(ranges);
        const a = affineOf(s);
        const v = valueOf(s, point);
        const [rlo, rhi] = space.range(a);
        expect(rlo <= v && v <= rhi).toBe(true);
        expect(evaluated(space.div(a, d), point)).toBe(Math.floor(v / d));
        expect(evaluated(space.mod(a, d), point)).toBe(((v % d) + d) % d);
        expect(evaluated(space.clamp(a, lo, lo + d), point)).toBe(Math.min(Math.max(v, lo), lo + d));
      }),
      { numRuns: 500 },
    );
  });

  test('unravelling a row-major flat index (a reshape) gives back each coordinate without division', () => {
    const shapeArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: VARS });
    fc.assert(
      fc.property(shapeArb, fc.nat(), (shape, t) => {
        const space = spaceOf(shape.map((d) => [0, d - 1] as const));
        const coords = shape.map((_, v) => ({ c: 0, terms: new Map([[vars[v] as ScalarExpr, 1]]) }));
        const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
        const flat = dotStrides(coords, strides);
        const point = shape.map((d, i) => Math.floor(t / (i + 1)) % d);
        shape.forEach((d, i) => {
          const back = space.mod(space.div(flat, strides[i] as number), d);
          expect(isAffineIndex(toScalar(back))).toBe(true);
          expect(evaluated(back, point)).toBe(point[i]);
        });
      }),
    );
  });

  test('example: ⌊(3·i0 + i1) / 3⌋ is i0 and (3·i0 + i1) mod 3 is i1 for i1 in [0, 2]; for i1 in [0, 3] they need idiv/mod', () => {
    const a = affineOf({ c: 0, coefs: [3, 1, 0] });
    const exact = spaceOf([
      [0, 4],
      [0, 2],
    ]);
    expect(affineKey(exact.div(a, 3))).toBe(affineKey(affineOf({ c: 0, coefs: [1, 0, 0] })));
    expect(affineKey(exact.mod(a, 3))).toBe(affineKey(affineOf({ c: 0, coefs: [0, 1, 0] })));
    const loose = spaceOf([
      [0, 4],
      [0, 3],
    ]);
    expect(toScalar(loose.div(a, 3)).op).toBe('idiv');
    expect(toScalar(loose.mod(a, 3)).op).toBe('mod');
    expect(loose.range(loose.div(a, 3))).toEqual([0, 5]);
  });
});
