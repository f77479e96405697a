/**
 * @file Groups and representations satisfy the homomorphism laws; penalties vanish exactly for
 * functions equivariant by construction and not otherwise; group and frame averaging make any
 * function exactly invariant or equivariant; penalties differentiate through a model's parameters;
 * bad group elements and misuse give clear errors.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { directionsArb, expectAllClose, expectGradientMatchesFd, f64, num, toNumbers } from './support.js';

const E = x.equivariance;
type AnyRep = x.equivariance.Rep<unknown>;

const seedArb = fc.integer({ min: 0, max: 2 ** 30 });
const valuesArb = (n: number) => fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n });

/** Representations with the shape of a tensor they act on. */
const reps: [string, AnyRep, number[]][] = [
  ['SO(2) matrix on the last axis', E.matrixRep(E.so2), [4, 2]],
  ['O(2) matrix', E.matrixRep(E.o2), [3, 2]],
  ['SO(3) matrix', E.matrixRep(E.so3), [5, 3]],
  ['O(3) matrix on axis 0', E.matrixRep(E.o3, { axis: 0 }), [3, 4]],
  ['S(5) on a set axis', E.permutationRep(E.symmetricGroup(5)), [5, 2]],
  ['Z(6) roll', E.rollRep(E.cyclicGroup(6)), [2, 6]],
  ['Z(2) flip', E.flipRep(E.flipGroup), [3, 4]],
  ['C(4) on a grid', E.gridRep(E.c4), [2, 4, 4]],
  ['D(4) on a grid', E.gridRep(E.d4), [4, 4]],
  ['E(3) on coordinates', E.motionRep(E.e3()), [6, 3]],
  ['SE(3) on vectors (no translation)', E.motionRep(E.se3(), { translate: false }), [6, 3]],
  ['positive scaling', E.scaleRep(E.scalingGroup()), [3]],
  ['logit shift', E.shiftRep(E.shiftGroup()), [2, 3]],
  [
    'S(4) on points × SO(3) on coordinates',
    E.productRep(E.productGroup(E.symmetricGroup(4), E.so3), E.permutationRep(E.symmetricGroup(4)), E.matrixRep(E.so3)),
    [4, 3],
  ],
  [
    'scalars ⊕ vectors under SO(3)',
    E.directSum(E.so3, -1, [
      { size: 1, rep: E.trivialRep(E.so3) },
      { size: 3, rep: E.matrixRep(E.so3) },
    ]),
    [2, 4],
  ],
];

describe.each(reps)('%s', (_name, rep, shape) => {
  const size = shape.reduce((a, b) => a * b, 1);
  test('homomorphism: ρ(gh)x = ρ(g)ρ(h)x, ρ(e)x = x, ρ(g⁻¹)ρ(g)x = x', () => {
    fc.assert(
      fc.property(seedArb, valuesArb(size), (seed, v) => {
        const t = f64(v, shape);
        const [g, h] = rep.group.sample(x.random.key(seed), 2);
        const close = (a: x.Tensor, b: x.Tensor, what: string) => {
          expectAllClose(toNumbers(a), toNumbers(b), { rtol: 1e-10, atol: 1e-10 }, what);
        };
        close(rep.act(rep.group.compose(g, h), t), rep.act(g, rep.act(h, t)), 'ρ(gh)');
        close(rep.act(rep.group.identity(), t), t, 'ρ(e)');
        close(rep.act(rep.group.inverse(g), rep.act(g, t)), t, 'ρ(g⁻¹)ρ(g)');
      }),
      { numRuns: 30 },
    );
  });
});

const z = (v: number[], shape: number[]): x.Tensor => f64(v, shape);

/** Determinant of a row-major 2×2 or 3×3 matrix. */
const det = (r: readonly number[]): number =>
  r.length === 4
    ? (r[0] as number) * (r[3] as number) - (r[1] as number) * (r[2] as number)
    : (r[0] as number) * ((r[4] as number) * (r[8] as number) - (r[5] as number) * (r[7] as number)) -
      (r[1] as number) * ((r[3] as number) * (r[8] as number) - (r[5] as number) * (r[6] as number)) +
      (r[2] as number) * ((r[3] as number) * (r[7] as number) - (r[4] as number) * (r[6] as number));

test('matrix representations are orthogonal, with determinant +1 for SO(n) and ±1 for O(n); permutation matrices are permutations', () => {
  fc.assert(
    fc.property(seedArb, (seed) => {
      for (const [group, special] of [
        [E.so2, true],
        [E.o2, false],
        [E.so3, true],
        [E.o3, false],
      ] as const) {
        const rep = E.matrixRep(group);
        const [g] = group.sample(x.random.key(seed), 1) as [number[]];
        const r = rep.matrix?.(g) ?? [];
        const n = Math.round(Math.sqrt(r.length));
        const m = f64(r, [n, n]);
        const eye = Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
        expectAllClose(toNumbers(x.matmul(x.transpose(m), m)), eye, { rtol: 0, atol: 1e-12 }, `${group.name}: RᵀR`);
        if (special) expect(det(r)).toBeCloseTo(1, 12);
        else expect(Math.abs(det(r))).toBeCloseTo(1, 12);
      }
      const p = E.permutationRep(E.symmetricGroup(4));
      const [g] = p.group.sample(x.random.key(seed), 1) as [number[]];
      const pm = p.matrix?.(g) ?? [];
      for (let i = 0; i < 4; i++) {
        expect(pm.slice(4 * i, 4 * i + 4).reduce((a, b) => a + b, 0)).toBe(1);
        expect([0, 1, 2, 3].reduce((a, r) => a + (pm[4 * r + i] as number), 0)).toBe(1);
      }
    }),
    { numRuns: 20 },
  );
});

describe('penalties vanish for equivariant functions and not otherwise', () => {
  test('SO(2): a rotation-equivariant linear map (aI + bJ)x vs a generic linear map', () => {
    fc.assert(
      fc.property(
        valuesArb(8),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.double({ min: 0.1, max: 2, noNaN: true }),
        (v, a, b) => {
          const rep = E.matrixRep(E.so2);
          const equi = (t: x.Tensor) => x.matmul(t, x.transpose(z([a, -b, b, a], [2, 2])));
          const generic = (t: x.Tensor) => x.matmul(t, x.transpose(z([a, -b, 2 * b, a], [2, 2])));
          const input = z(v, [4, 2]);
          fc.pre(num(x.sum(x.square(input))) > 0.1);
          expect(num(E.equivariancePenalty(equi, rep, rep)(input))).toBeLessThan(1e-20);
          expect(num(E.equivariancePenalty(generic, rep, rep)(input))).toBeGreaterThan(1e-6);
        },
      ),
      { numRuns: 30 },
    );
  });

  test('S(n): DeepSets sum pooling is invariant and self-attention without positions is equivariant; positional encodings break both', () => {
    fc.assert(
      fc.property(valuesArb(15), (v) => {
        const set = z(v, [5, 3]);
        const rep = E.permutationRep(E.symmetricGroup(5));
        const w = z([0.3, -0.2, 0.5, 0.1, 0.4, -0.6, 0.2, 0.3, -0.1], [3, 3]);
        const deepSets = (t: x.Tensor) => x.sum(x.tanh(x.matmul(t, w)), { axis: 0 });
        const attention = (t: x.Tensor) => x.matmul(x.softmax(x.matmul(x.matmul(t, w), x.transpose(t))), t);
        const positions = z(
          Array.from({ length: 15 }, (_, i) => Math.sin(i)),
          [5, 3],
        );
        const withPositions = (t: x.Tensor) => attention(x.add(t, positions));
        expect(num(E.invariancePenalty(deepSets, rep)(set))).toBeLessThan(1e-20);
        expect(num(E.equivariancePenalty(attention, rep, rep)(set))).toBeLessThan(1e-20);
        fc.pre(num(x.sum(x.square(set))) > 1);
        expect(num(E.equivariancePenalty(withPositions, rep, rep, { samples: 8 })(set))).toBeGreaterThan(1e-8);
      }),
      { numRuns: 20 },
    );
  });

  test('E(3): a pairwise-distance energy is invariant; a centred-Gram feature too; raw coordinates are not', () => {
    fc.assert(
      fc.property(valuesArb(12), (v) => {
        const cloud = z(v, [4, 3]);
        const rep = E.motionRep(E.e3());
        const energy = (p: x.Tensor) => x.sum(x.exp(x.neg(x.pairwiseDistances(p))));
        const gramFeature = (p: x.Tensor) => x.sum(x.square(E.centeredGram(p)));
        const raw = (p: x.Tensor) => x.sum(x.mul(p, p));
        // Rounding of distances after a random rigid motion: ~1e-15 absolute on values of order 10.
        expect(num(E.invariancePenalty(energy, rep)(cloud))).toBeLessThan(1e-12);
        expect(num(E.invariancePenalty(gramFeature, rep)(cloud))).toBeLessThan(1e-12);
        expect(num(E.invariancePenalty(raw, rep, { samples: 8 })(cloud))).toBeGreaterThan(1e-6);
      }),
      { numRuns: 20 },
    );
  });

  test('relative error, per-example sampling and transforms are supported; a transform is refused by averaging', () => {
    const rep = E.matrixRep(E.so2);
    const generic = (t: x.Tensor) => x.mul(t, z([1, 2], [1, 2]));
    const input = z([1, 0, 0, 1, 1, 1], [3, 2]);
    const rel = num(E.equivariancePenalty(generic, rep, rep, { relative: true })(input));
    const scaled = num(E.equivariancePenalty((t) => x.mul(10, generic(t)), rep, rep, { relative: true })(input));
    expect(rel).toBeCloseTo(scaled, 10);
    expect(num(E.equivariancePenalty(generic, rep, rep, { perExample: true, samples: 3 })(input))).toBeGreaterThan(0);
    const jitter = E.transform('jitter', (k, t) =>
      x.add(t, x.mul(0.1, x.random.normal(k, [...t.shape] as number[], { dtype: 'f64' }))),
    );
    expect(num(E.invariancePenalty((t) => x.sum(t), jitter)(input))).toBeGreaterThan(0);
    expect(() => E.groupAverage((t) => t, jitter as never, 'invariant')).toThrow(
      /averaging needs inverses and composition/,
    );
  });
});

describe('averaging makes functions exactly symmetric', () => {
  test('group averaging over S(4), D(4) and Z(5): invariant and equivariant outputs from arbitrary functions', () => {
    fc.assert(
      fc.property(valuesArb(16), seedArb, (v, seed) => {
        const w = z(
          Array.from({ length: 16 }, (_, i) => Math.cos(3 * i)),
          [4, 4],
        );
        const arbitrary = (t: x.Tensor) => x.matmul(x.tanh(t), w);
        const sets = E.permutationRep(E.symmetricGroup(4), { axis: 0 });
        const grid = E.gridRep(E.d4);
        const shifts = E.rollRep(E.cyclicGroup(4), { axis: -1 });
        const input = z(v, [4, 4]);
        for (const rep of [sets, grid, shifts] as AnyRep[]) {
          const invariant = E.groupAverage((t) => x.sum(x.square(arbitrary(t))), rep, 'invariant');
          const [g] = rep.group.sample(x.random.key(seed), 1);
          expect(num(invariant(rep.act(g, input)))).toBeCloseTo(num(invariant(input)), 9);
          const equivariant = E.groupAverage(arbitrary, rep, rep);
          expectAllClose(
            toNumbers(equivariant(rep.act(g, input))),
            toNumbers(rep.act(g, equivariant(input))),
            { rtol: 1e-9, atol: 1e-9 },
            rep.name,
          );
        }
      }),
      { numRuns: 15 },
    );
  });

  test('frame averaging: E(3)-invariant and equivariant outputs from arbitrary functions of point clouds; SO(3) frames keep chirality', () => {
    const w = z([0.4, -0.3, 0.8, 0.2, 0.5, -0.7, 0.9, 0.1, 0.3], [3, 3]);
    const arbitrary = (c: x.Tensor) => x.sum(x.tanh(x.matmul(c, w)));
    const vectorField = (c: x.Tensor) => x.sum(x.tanh(x.matmul(c, w)), { axis: 0, keepDims: true });
    // Coordinates of order 1 (a translation by ~2 must not swamp them) with a well-defined PCA frame.
    const cloudArb = fc
      .array(
        fc.tuple(fc.boolean(), fc.double({ min: 0.2, max: 2, noNaN: true })).map(([neg, v]) => (neg ? -v : v)),
        { minLength: 15, maxLength: 15 },
      )
      .filter((v) => E.frameDegeneracy(z(v, [5, 3])) > 1e-3);
    fc.assert(
      fc.property(cloudArb, seedArb, (v, seed) => {
        const cloud = z(v, [5, 3]);
        const [g] = E.e3(2).sample(x.random.key(seed), 1) as [x.equivariance.Motion];
        const moved = E.motionRep(E.e3()).act(g, cloud);
        const inv = E.frameAverage(arbitrary);
        expect(num(inv(moved))).toBeCloseTo(num(inv(cloud)), 8);
        const eq = E.frameAverage(vectorField, { output: 'vector' });
        const rotate = E.motionRep(E.e3(), { translate: false });
        expectAllClose(
          toNumbers(eq(moved)),
          toNumbers(rotate.act(g, eq(cloud))),
          { rtol: 1e-8, atol: 1e-9 },
          'vector output',
        );
        const so3 = E.frameAverage(arbitrary, { group: 'SO(3)' });
        const [r] = E.se3(2).sample(x.random.key(seed + 1), 1) as [x.equivariance.Motion];
        expect(num(so3(E.motionRep(E.se3()).act(r, cloud)))).toBeCloseTo(num(so3(cloud)), 8);
      }),
      { numRuns: 15 },
    );
    const flat = z([0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0], [4, 3]);
    expect(() => E.frameAverage(arbitrary)(flat)).toThrow(/covariance eigenvalues apart/);
  });
});

describe('gradients and combined penalties', () => {
  test('the equivariance penalty of a model differentiates through its parameters (f64 finite differences)', () => {
    fc.assert(
      fc.property(valuesArb(4), directionsArb([4]), (wv, [d]) => {
        const input = z([1, 0.5, -0.3, 2, 0.7, -1], [3, 2]);
        const rep = E.matrixRep(E.so2);
        const penaltyOfWeights = (w: x.Tensor) =>
          E.equivariancePenalty((t) => x.tanh(x.matmul(t, w)), rep, rep, { samples: 3 })(input);
        expectGradientMatchesFd(penaltyOfWeights, [z(wv, [2, 2])], [0], [d as number[]]);
      }),
      { numRuns: 20 },
    );
  });

  test('mixed penalties add with their weights; dual ascent raises the multiplier of a violated symmetry only', () => {
    const rep = E.matrixRep(E.so2);
    const input = z([1, 0.5, -0.3, 2], [2, 2]);
    const generic = (t: x.Tensor) => x.mul(t, z([1, 3], [1, 2]));
    const equi = (t: x.Tensor) => x.mul(2, t);
    const pg = E.equivariancePenalty(generic, rep, rep);
    const pe = E.equivariancePenalty(equi, rep, rep);
    const mixed = E.mixedPenalty([
      { penalty: pg, weight: 0.5 },
      { penalty: pe, weight: 2 },
    ]);
    const keys = x.random.split(x.random.key(0), 2);
    expect(num(mixed(input))).toBeCloseTo(0.5 * num(pg(input, keys[0])) + 2 * num(pe(input, keys[1])), 10);
    const dual = new E.ConstrainedPenalties([
      { name: 'generic', penalty: pg, tolerance: 1e-3 },
      { name: 'equivariant', penalty: pe, tolerance: 1e-3 },
    ]);
    for (let step = 0; step < 5; step++) dual.update(dual.values(input, x.random.key(step)));
    expect(dual.lambdas[0]).toBeGreaterThan(0);
    expect(dual.lambdas[1]).toBe(0);
  });
});

test.each<[string, () => unknown, RegExp]>([
  [
    'a non-orthogonal "rotation"',
    () => E.matrixRep(E.so2).act([1, 0.1, 0, 1], f64([1, 2], [1, 2])),
    /expected an orthogonal matrix/,
  ],
  [
    'a reflection given to SO(3)',
    () => E.so3.check([1, 0, 0, 0, 1, 0, 0, 0, -1]),
    /expected a rotation \(det = \+1\), got det = -1/,
  ],
  ['an element of the wrong shape', () => E.so3.check([1, 0, 0, 1]), /a 3×3 matrix as 9 finite numbers/],
  [
    'SO(3) on an axis of size 5',
    () => E.matrixRep(E.so3).act(E.so3.identity(), f64([1, 2, 3, 4, 5], [1, 5])),
    /size 3 along axis -1/,
  ],
  [
    'zero samples',
    () => E.equivariancePenalty((t) => t, E.matrixRep(E.so2), 'invariant', { samples: 0 }),
    /^xent\.equivariancePenalty: argument 'samples' expected an integer in \[1, 65536\], got 0$/,
  ],
  ['a permutation that is not one', () => E.symmetricGroup(3).check([0, 0, 1]), /a permutation of 0..2/],
  [
    'a symmetric group of 2³¹ points (it used to allocate them)',
    () => E.symmetricGroup(2 ** 31),
    /^xent\.symmetricGroup: argument 'n' expected at most 1048576 points \(the largest n of S\(n\) and Z\(n\)\), got 2147483648 points$/,
  ],
  [
    'a sample of S(2²⁰) of more than 2²⁰ numbers',
    () => E.symmetricGroup(2 ** 20).sample(x.random.key(0), 2),
    /^xent\.equivariance\.S\(1048576\)\.sample: argument 'n' expected at most 1048576 numbers/,
  ],
  [
    'more than 2¹⁶ samples at once',
    () => E.so2.sample(x.random.key(0), 2 ** 16 + 1),
    /^xent\.equivariance\.SO\(2\)\.sample: argument 'n' expected at most 65536 samples \(.*\), got 65537 samples$/,
  ],
  ['a sample with a key that is not one', () => E.so3.sample(7 as never, 2), /argument 'key' expected a key/],
  ['a negative group size', () => E.cyclicGroup(-3), /^xent\.cyclicGroup: argument 'n'/],
  [
    'the zero quaternion (it used to become the identity)',
    () => E.rotationFromQuaternion([0, 0, 0, 0]),
    /^xent\.rotationFromQuaternion: argument 'q' expected a non-zero quaternion, got \[0, 0, 0, 0\]$/,
  ],
  [
    'a zero quaternion among tensors of them',
    () => E.rotation3dOfQuaternion(f64([1, 0, 0, 0, 0, 0, 0, 0], [2, 4])),
    /^xent\.rotation3dOfQuaternion: argument 'q' expected non-zero quaternions .*at quaternion 1$/,
  ],
  [
    'a model that is not a function',
    () => E.invariancePenalty(3 as never, E.matrixRep(E.so2)),
    /^xent\.invariancePenalty: argument 'f'/,
  ],
  ['a group that is not one', () => E.matrixRep({} as never), /^xent\.matrixRep: argument 'group'/],
  [
    'a permutation group given to matrixRep',
    () => E.matrixRep(E.symmetricGroup(4)),
    /^xent\.matrixRep: argument 'group' expected a group of n×n matrices/,
  ],
  [
    'reps of different groups in and out',
    () => E.equivariancePenalty((t) => t, E.matrixRep(E.so2), E.matrixRep(E.so3)),
    /^xent\.equivariancePenalty: argument 'repOut' expected a representation of SO\(2\)/,
  ],
  [
    'a negative tolerance',
    () => E.frameAverage((t) => t, { tolerance: -1 }),
    /^xent\.frameAverage: argument 'tolerance'/,
  ],
  [
    'a negative term tolerance',
    () => new E.ConstrainedPenalties([{ name: 'a', penalty: (t) => x.sum(t), tolerance: -1 }]),
    /^xent\.ConstrainedPenalties: argument 'tolerance'/,
  ],
  [
    'a term without its penalty',
    () => new E.ConstrainedPenalties([{ name: 'a', tolerance: 0 } as never]),
    /^xent\.ConstrainedPenalties: argument 'terms\[0\]\.penalty'/,
  ],
  [
    'grid axes that coincide',
    () => E.gridRep(E.d4, { axes: [1, 1] }),
    /^xent\.gridRep: argument 'axes' expected two distinct axes/,
  ],
  [
    'a direct sum whose block acts on another group',
    () => E.directSum(E.so3, -1, [{ size: 2, rep: E.matrixRep(E.so2) }]),
    /^xent\.directSum: argument 'blocks\[0\]\.rep' expected a representation of SO\(3\)/,
  ],
  [
    'a product rep over another product group',
    () => E.productRep(E.productGroup(E.so2, E.so3), E.matrixRep(E.so3), E.matrixRep(E.so2)),
    /^xent\.productRep: argument 'group'/,
  ],
  [
    'a penalty called without a tensor',
    () => E.invariancePenalty((t) => t, E.matrixRep(E.so2))([1, 2] as never),
    /^xent\.invariancePenalty: argument 'input' expected a floating-point/,
  ],
  [
    'an exact average over more than 2¹⁶ elements',
    () => E.groupAverage((t) => t, E.rollRep(E.cyclicGroup(2 ** 17)), 'invariant')(f64([1, 2], [2])),
    /^xent\.groupAverage: argument 'repIn' expected at most 65536 group elements \(an exact average over Z\(131072\) calls f once per element\), got 131072 group elements$/,
  ],
  [
    'the elements of a product of two groups of 2²⁰ (2⁴⁰ pairs)',
    () => E.productGroup(E.cyclicGroup(2 ** 20), E.cyclicGroup(2 ** 20)).elements?.(),
    /^xent\.equivariance\.Z\(1048576\) × Z\(1048576\)\.elements: argument 'group' expected at most 1048576 elements \(.*\), got 1099511627776 elements$/,
  ],
])('%s is a clear XentError', (_name, f, message) => {
  expect(f).toThrow(x.XentError);
  expect(f).toThrow(message);
});

test('sizes over a limit are ResourceErrors that say what was asked and the limit', () => {
  const caught = (f: () => unknown): unknown => {
    try {
      f();
    } catch (e) {
      return e;
    }
    return undefined;
  };
  const big = caught(() => E.symmetricGroup(2 ** 31));
  expect(big).toBeInstanceOf(x.ResourceError);
  expect(big).toMatchObject({ requested: 2 ** 31, limit: 2 ** 20 });
  expect(caught(() => E.cyclicGroup(5).sample(x.random.key(0), 2 ** 17))).toMatchObject({
    requested: 2 ** 17,
    limit: 2 ** 16,
  });
});

test('a quaternion is normalised whatever its scale: huge and tiny ones give the same rotation as the unit one', () => {
  fc.assert(
    fc.property(valuesArb(4), fc.constantFrom(1e-300, 1e300), (q, scale) => {
      fc.pre(Math.hypot(...q) > 0.3);
      const unit = E.rotationFromQuaternion(q);
      expectAllClose(E.rotationFromQuaternion(q.map((v) => v * scale)), unit, { rtol: 1e-12, atol: 1e-12 }, 'host');
      expectAllClose(
        toNumbers(
          E.rotation3dOfQuaternion(
            f64(
              q.map((v) => v * scale),
              [4],
            ),
          ),
        ),
        unit,
        { rtol: 1e-12, atol: 1e-12 },
        'tensor',
      );
    }),
    { numRuns: 20 },
  );
});

test('differentiable parametrisations: SO(2) angles and SO(3) quaternions give the sampled matrices, with f64 gradients through the parameters', () => {
  fc.assert(
    fc.property(
      fc.double({ min: -3, max: 3, noNaN: true }),
      valuesArb(4),
      directionsArb([1, 4]),
      (angle, q, [da, dq]) => {
        fc.pre(Math.hypot(...q) > 0.3);
        const r2 = toNumbers(E.rotation2dOfAngle(f64([angle], [])));
        expectAllClose(
          r2,
          [Math.cos(angle), -Math.sin(angle), Math.sin(angle), Math.cos(angle)],
          { rtol: 1e-12, atol: 1e-12 },
          'SO(2)',
        );
        expectAllClose(
          toNumbers(E.rotation3dOfQuaternion(f64(q, [4]))),
          E.rotationFromQuaternion(q),
          { rtol: 1e-12, atol: 1e-12 },
          'SO(3)',
        );
        const rep = E.matrixRep(E.so3);
        const points = f64([1, 2, 0.5, -1, 0, 2], [2, 3]);
        const moved = (qt: x.Tensor) =>
          x.sum(
            x.square(
              x.sub(rep.actByMatrix?.(E.rotation3dOfQuaternion(qt), points) ?? points, f64([1, 0, 0, 0, 1, 0], [2, 3])),
            ),
          );
        expectGradientMatchesFd(moved, [f64(q, [4])], [0], [dq as number[]]);
        const spun = (t: x.Tensor) => x.sum(x.matmul(E.rotation2dOfAngle(t), f64([1, 2], [2, 1])));
        expectGradientMatchesFd(spun, [f64([angle], [])], [0], [da as number[]]);
      },
    ),
    { numRuns: 20 },
  );
});
