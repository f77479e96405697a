/** @file Laws of divergences D(p, q) and entropies H(p) given as logits, and of regularisers R(embeddings). */
import type { Tensor } from '@xent/core';
import { ShapeError } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import fc from 'fast-check';
import {
  checkLogitOptions,
  type ClassificationCase,
  classificationOf,
  type LogitOptions,
  logitOptionsSchema,
  logitPairOf,
  softmaxOf,
} from '../arbitraries/distributions.js';
import { permutation } from '../arbitraries/groups.js';
import { values } from '../arbitraries/values.js';
import {
  brief,
  ensureBackend,
  f64,
  isClose,
  numbers,
  requireTolerance,
  type Tolerance,
  toleranceSchema,
  total,
} from '../numeric.js';
import { MAX_DRAWN, refuseSize } from '../schemas.js';

/** A divergence between the softmax distributions of two logit tensors [B, K] (per row or reduced). */
export type Divergence = (p: Tensor, q: Tensor) => Tensor;
/** An entropy of the softmax distribution of logits [B, K] (per row or reduced). */
export type Entropy = (logits: Tensor) => Tensor;
/** A regulariser of embeddings [N, d]. */
export type Regularizer = (embeddings: Tensor) => Tensor;

/** D(p, q) ≥ 0 for every pair. */
export const divergenceNonNegative = publicFn(
  'divergenceNonNegative',
  { d: s.fn, options: logitOptionsSchema, atol: s.optional(s.finite({ min: 0 })) },
  (
    d: Divergence,
    options: LogitOptions = {},
    atol = 1e-12,
  ): fc.IPropertyWithHooks<[[ClassificationCase, number[]]]> => {
    checkLogitOptions('divergenceNonNegative', options);
    ensureBackend();
    return fc.property(logitPairOf(options), ([c, other]) => {
      const v = numbers(d(f64(c.logits, [c.batch, c.classes]), f64(other, [c.batch, c.classes])));
      const bad = v.find((t) => !(t >= -atol));
      if (bad !== undefined) throw new Error(`D(p, q) = ${bad} < 0 for p = ${brief(c.logits)}, q = ${brief(other)}`);
    });
  },
);

/** D(p, p) = 0, and D(p, q) > 0 when the distributions differ (by more than 1e-3 in some entry). */
export const divergenceZeroIffEqual = publicFn(
  'divergenceZeroIffEqual',
  { d: s.fn, options: logitOptionsSchema, atol: s.optional(s.finite({ min: 0 })) },
  (
    d: Divergence,
    options: LogitOptions = {},
    atol = 1e-10,
  ): fc.IPropertyWithHooks<[[ClassificationCase, number[]]]> => {
    checkLogitOptions('divergenceZeroIffEqual', options);
    ensureBackend();
    return fc.property(logitPairOf(options), ([c, other]) => {
      const shape = [c.batch, c.classes];
      const p = f64(c.logits, shape);
      const same = total(d(p, p));
      if (Math.abs(same) > atol) throw new Error(`D(p, p) = ${same} ≠ 0 for p = ${brief(c.logits)}`);
      const row = (z: readonly number[], r: number): number[] => softmaxOf(z.slice(r * c.classes, (r + 1) * c.classes));
      const differ = Array.from({ length: c.batch }, (_, r) => {
        const [p1, q1] = [row(c.logits, r), row(other, r)];
        return p1.some((v, i) => Math.abs(v - (q1[i] as number)) > 1e-3);
      });
      const apart = numbers(d(p, f64(other, shape)));
      if (differ.every(Boolean) && apart.some((v) => !(v > 0)))
        throw new Error(`D(p, q) = ${brief(apart)} for distinct p = ${brief(c.logits)}, q = ${brief(other)}`);
    });
  },
);

/** 0 ≤ H(softmax z) ≤ log K per row, with H = log K at uniform logits. */
export const entropyBounds = publicFn(
  'entropyBounds',
  { h: s.fn, options: logitOptionsSchema, tol: toleranceSchema },
  (
    h: Entropy,
    options: LogitOptions = {},
    tol: Tolerance = { rtol: 1e-9, atol: 1e-10 },
  ): fc.IPropertyWithHooks<[ClassificationCase]> => {
    checkLogitOptions('entropyBounds', options);
    requireTolerance('entropyBounds', tol);
    ensureBackend();
    return fc.property(classificationOf(options), (c) => {
      const v = numbers(h(f64(c.logits, [c.batch, c.classes])));
      const top = Math.log(c.classes);
      const bad = v.find((t) => !(t >= -tol.atol && t <= top + tol.atol + tol.rtol * top));
      if (bad !== undefined) throw new Error(`H = ${bad} outside [0, log ${c.classes}] at z = ${brief(c.logits)}`);
      const uniform = numbers(h(f64(new Array<number>(c.classes).fill(0.3), [1, c.classes])))[0] as number;
      if (!isClose(uniform, top, tol)) throw new Error(`H(uniform) = ${uniform} but log K = ${top}`);
    });
  },
);

/** The arguments of a law on a regulariser: the regulariser, the embeddings' shape [N, d], and a tolerance. */
const regularizerLaw = { f: s.fn, shape: s.optional(s.shape), tol: toleranceSchema };

/** The shape is [N, d] with N, d ≥ 1 and at most `MAX_DRAWN` entries; the tolerance has both keys. */
function checkRegularizerLaw(fn: string, shape: readonly number[] | undefined, tol: Tolerance | undefined): void {
  if (shape !== undefined) {
    if (shape.length !== 2 || shape.some((d) => d < 1))
      fail(ShapeError, fn, 'shape', 'the shape [N, d] of the embeddings (N, d ≥ 1)', `[${shape.join(', ')}]`);
    const size = (shape[0] as number) * (shape[1] as number);
    if (size > MAX_DRAWN) refuseSize(fn, 'shape', 'entries', MAX_DRAWN, size);
  }
  requireTolerance(fn, tol);
}

/** f(c·x) = f(x) for every c > 0 (regularisers of directions: cosine similarities, normalised spectra). */
export const scaleInvariant = publicFn(
  'scaleInvariant',
  regularizerLaw,
  (
    f: Regularizer,
    shape: readonly [number, number] = [4, 3],
    tol: Tolerance = { rtol: 1e-8, atol: 1e-10 },
  ): fc.IPropertyWithHooks<[number[], number]> => {
    checkRegularizerLaw('scaleInvariant', shape, tol);
    ensureBackend();
    return fc.property(
      values(shape[0] * shape[1], 'awayFromZero', 2),
      fc.double({ min: 0.01, max: 100, noNaN: true }),
      (v, c) => {
        const a = total(f(f64(v, shape)));
        const b = total(
          f(
            f64(
              v.map((t) => t * c),
              shape,
            ),
          ),
        );
        if (!isClose(b, a, tol)) throw new Error(`f(${c}·x) = ${b} but f(x) = ${a} for x = ${brief(v)}`);
      },
    );
  },
);

/** f(PX) = f(X) for a permutation P of the rows (batch order does not matter). */
export const rowPermutationInvariant = publicFn(
  'rowPermutationInvariant',
  regularizerLaw,
  (
    f: Regularizer,
    shape: readonly [number, number] = [4, 3],
    tol: Tolerance = { rtol: 1e-9, atol: 1e-11 },
  ): fc.IPropertyWithHooks<[number[], number[]]> => {
    checkRegularizerLaw('rowPermutationInvariant', shape, tol);
    ensureBackend();
    const [n, d] = shape;
    return fc.property(values(n * d, 'awayFromZero', 2), permutation(n), (v, perm) => {
      const a = total(f(f64(v, shape)));
      const moved = perm.flatMap((r) => v.slice(r * d, (r + 1) * d));
      const b = total(f(f64(moved, shape)));
      if (!isClose(b, a, tol)) throw new Error(`f(PX) = ${b} but f(X) = ${a} for P = ${brief(perm)}`);
    });
  },
);
