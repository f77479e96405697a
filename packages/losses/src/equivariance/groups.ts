/**
 * @file Groups: identity, composition, inverse, seeded sampling and (for finite groups) enumeration.
 * Elements are plain data (a matrix as row-major numbers, a permutation, a shift), so samples are
 * constants in a traced loss and print readably.
 */
import * as x from '@xent/core';
import { describe, fail, publicFn, s } from '@xent/core/internal';
import type { RandomKey } from '@xent/core';
import { checkSample, count, MAX_GROUP_SIZE, refuseSize } from './args.js';

import { fn, type Group, isGroup, uniforms } from './group.js';
import { so2 } from './matrixGroups.js';

export { type Group, isGroup } from './group.js';
export {
  e3,
  matMul,
  type Motion,
  o2,
  o3,
  rotation2dOfAngle,
  rotation3dOfQuaternion,
  rotationFromQuaternion,
  se3,
  so2,
  so3,
  transposed,
} from './matrixGroups.js';

/** A group (`equivariance.so3`, `equivariance.symmetricGroup(n)`...). */
export const groupSchema = s.custom(
  'a group (equivariance.so3, equivariance.symmetricGroup(n), …)',
  isGroup,
  () => so2,
);

/** The trivial group {e}. */
export const trivialGroup: Group<null> = {
  name: 'trivial',
  identity: () => null,
  compose: () => null,
  inverse: () => null,
  sample: (key, n) => Array.from({ length: checkSample('trivial', key, n) }, () => null),
  elements: () => [null],
  check: () => null,
};

// ---- permutations, shifts, flips, grid rotations ----

/** n of S(n) and Z(n): a positive integer, at most `MAX_GROUP_SIZE` (`what` n counts). */
const groupSize = (what: string) => ({ n: count(1, MAX_GROUP_SIZE, what, 'the largest n of S(n) and Z(n)') });

/** S_n (n ≤ 2²⁰): g acts on an axis by (g·x)[i] = x[g[i]]; composition follows from that action. */
export const symmetricGroup = publicFn('symmetricGroup', groupSize('points'), (n: number): Group<number[]> => {
  const name = `S(${n})`;
  return {
    name,
    identity: () => [...Array(n).keys()],
    compose: (g, h) => g.map((gi) => h[gi] as number),
    inverse: (g) => {
      const inv = new Array<number>(n);
      g.forEach((gi, i) => (inv[gi] = i));
      return inv;
    },
    sample: (key, count) =>
      Array.from({ length: checkSample(name, key, count, n) }, (_, i) =>
        Array.from(x.random.permutation(x.random.foldIn(key, i), n).data()),
      ),
    ...(n <= 6 ? { elements: () => permutationsOf(n) } : {}),
    check: (g) => {
      if (
        !Array.isArray(g) ||
        g.length !== n ||
        (g as number[])
          .slice()
          .sort((a, b) => a - b)
          .some((v, i) => v !== i)
      )
        fail(
          x.ValueError,
          fn(name),
          'g',
          `a permutation of 0..${n - 1}`,
          Array.isArray(g) ? `[${g.join(', ')}]` : describe(g),
        );
      return g as number[];
    },
  };
});

function permutationsOf(n: number): number[][] {
  if (n === 0) return [[]];
  return permutationsOf(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}

/** Z_n (n ≤ 2²⁰) as shifts by s places (roll). */
export const cyclicGroup = publicFn('cyclicGroup', groupSize('shifts'), (n: number): Group<number> => {
  const name = `Z(${n})`;
  const mod = (v: number): number => ((v % n) + n) % n;
  return {
    name,
    identity: () => 0,
    compose: (g, h) => mod(g + h),
    inverse: (g) => mod(-g),
    sample: (key, count) => uniforms(key, checkSample(name, key, count)).map((u) => Math.min(n - 1, Math.floor(u * n))),
    elements: () => [...Array(n).keys()],
    check: (g) => {
      if (!Number.isInteger(g)) fail(x.ValueError, fn(name), 'g', 'an integer shift', describe(g));
      return mod(g as number);
    },
  };
});

/** Z_2 as "flip or not". */
export const flipGroup: Group<boolean> = {
  name: 'Z(2) flips',
  identity: () => false,
  compose: (g, h) => g !== h,
  inverse: (g) => g,
  sample: (key, n) => uniforms(key, checkSample('flipGroup', key, n)).map((u) => u < 0.5),
  elements: () => [false, true],
  check: (g) => {
    if (typeof g !== 'boolean') fail(x.ValueError, fn('flipGroup'), 'g', 'a boolean', describe(g));
    return g;
  },
};

/** D_4 on square grids: k quarter turns after an optional flip, {k, flip}; C_4 is the subgroup without flips. */
export interface GridElement {
  readonly turns: number;
  readonly flip: boolean;
}

function gridGroup(withFlips: boolean): Group<GridElement> {
  const name = withFlips ? 'D(4)' : 'C(4)';
  const all: GridElement[] = [0, 1, 2, 3].flatMap((turns) =>
    (withFlips ? [false, true] : [false]).map((flip) => ({ turns, flip })),
  );
  return {
    name,
    identity: () => ({ turns: 0, flip: false }),
    // r^a F^f r^b F^h = r^(a + (f ? −b : b)) F^(f xor h), since F r F = r⁻¹.
    compose: (g, h) => ({ turns: (((g.turns + (g.flip ? -h.turns : h.turns)) % 4) + 4) % 4, flip: g.flip !== h.flip }),
    inverse: (g) => (g.flip ? g : { turns: (4 - g.turns) % 4, flip: false }),
    sample: (key, n) =>
      uniforms(key, checkSample(name, key, n)).map(
        (u) => all[Math.min(all.length - 1, Math.floor(u * all.length))] as GridElement,
      ),
    elements: () => all.slice(),
    check: (g) => {
      const e = (typeof g === 'object' && g !== null ? g : {}) as { turns?: unknown; flip?: unknown };
      if (!Number.isInteger(e.turns) || typeof e.flip !== 'boolean' || (!withFlips && e.flip))
        fail(x.ValueError, fn(name), 'g', withFlips ? '{ turns, flip }' : '{ turns, flip: false }', describe(g));
      return { turns: (((e.turns as number) % 4) + 4) % 4, flip: e.flip };
    },
  };
}

export const c4 = gridGroup(false);
export const d4 = gridGroup(true);

/** Positive scalings c > 0, sampled log-uniformly in [e^−range, e^range] (default range 1; at most 700, where e^range is still finite). */
export const scalingGroup = publicFn(
  'scalingGroup',
  { range: s.optional(s.number({ min: 0, max: 700 })) },
  (range = 1): Group<number> => ({
    name: 'R+ scaling',
    identity: () => 1,
    compose: (g, h) => g * h,
    inverse: (g) => 1 / g,
    sample: (key, n) => uniforms(key, checkSample('scalingGroup', key, n)).map((u) => Math.exp(range * (2 * u - 1))),
    check: (g) => {
      if (typeof g !== 'number' || !(g > 0) || !Number.isFinite(g))
        fail(x.ValueError, fn('scalingGroup'), 'g', 'a finite number > 0', describe(g));
      return g;
    },
  }),
);

/** The real line under addition: adding a constant to logits (the loss symmetry), sampled in ±range (default 10). */
export const shiftGroup = publicFn(
  'shiftGroup',
  { range: s.optional(s.finite({ min: 0 })) },
  (range = 10): Group<number> => ({
    name: 'R shifts',
    identity: () => 0,
    compose: (g, h) => g + h,
    inverse: (g) => -g,
    sample: (key, n) => uniforms(key, checkSample('shiftGroup', key, n)).map((u) => range * (2 * u - 1)),
    check: (g) => {
      if (typeof g !== 'number' || !Number.isFinite(g))
        fail(x.ValueError, fn('shiftGroup'), 'g', 'a finite number', describe(g));
      return g;
    },
  }),
);

function productGroupImpl<A, B>(a: Group<A>, b: Group<B>): Group<[A, B]> {
  const name = `${a.name} × ${b.name}`;
  return {
    name,
    identity: () => [a.identity(), b.identity()],
    compose: (g, h) => [a.compose(g[0], h[0]), b.compose(g[1], h[1])],
    inverse: (g) => [a.inverse(g[0]), b.inverse(g[1])],
    sample: (key, n) => {
      checkSample(name, key, n);
      const [k1, k2] = x.random.split(key) as [RandomKey, RandomKey];
      const sb = b.sample(k2, n);
      return a.sample(k1, n).map((ga, i) => [ga, sb[i] as B]);
    },
    ...(a.elements !== undefined && b.elements !== undefined
      ? {
          elements: () => {
            const [ea, eb] = [a.elements?.() ?? [], b.elements?.() ?? []];
            // The pairs are counted before they are made: |G|·|H| of two large finite groups is huge.
            if (ea.length * eb.length > MAX_GROUP_SIZE)
              refuseSize(
                fn(`${name}.elements`),
                'group',
                'elements',
                MAX_GROUP_SIZE,
                ea.length * eb.length,
                'the largest group size',
              );
            return ea.flatMap((ga) => eb.map((gb): [A, B] => [ga, gb]));
          },
        }
      : {}),
    check: (g) => {
      if (!Array.isArray(g) || g.length !== 2) fail(x.ValueError, fn(name), 'g', 'a pair [g1, g2]', describe(g));
      return [a.check(g[0]), b.check(g[1])];
    },
  };
}

/** G × H: pairs acting componentwise. */
export const productGroup = publicFn('productGroup', { a: groupSchema, b: groupSchema }, productGroupImpl);
