/** @file Laws of divergences D(p, q) and entropies H(p) given as logits, and of regularisers R(embeddings). */
import type { Tensor } from '@xent/core';
import fc from 'fast-check';
import {
  type ClassificationCase,
  classification,
  type LogitOptions,
  logitPair,
  softmaxRow,
} from '../arbitraries/distributions.js';
import { permutation } from '../arbitraries/groups.js';
import { values } from '../arbitraries/values.js';
import { brief, close, ensureBackend, f64, numbers, type Tolerance, total } from '../numeric.js';

/** A divergence between the softmax distributions of two logit tensors [B, K] (per row or reduced). */
export type Divergence = (p: Tensor, q: Tensor) => Tensor;
/** An entropy of the softmax distribution of logits [B, K] (per row or reduced). */
export type Entropy = (logits: Tensor) => Tensor;
/** A regulariser of embeddings [N, d]. */
export type Regularizer = (embeddings: Tensor) => Tensor;

/** D(p, q) ≥ 0 for every pair. */
export function divergenceNonNegative(
  d: Divergence,
  options: LogitOptions = {},
  atol = 1e-12,
): fc.IPropertyWithHooks<[[ClassificationCase, number[]]]> {
  ensureBackend();
  return fc.property(logitPair(options), ([c, other]) => {
    const v = numbers(d(f64(c.logits, [c.batch, c.classes]), f64(other, [c.batch, c.classes])));
    const bad = v.find((t) => !(t >= -atol));
    if (bad !== undefined) throw new Error(`D(p, q) = ${bad} < 0 for p = ${brief(c.logits)}, q = ${brief(other)}`);
  });
}

/** D(p, p) = 0, and D(p, q) > 0 when the distributions differ (by more than 1e-3 in some entry). */
export function divergenceZeroIffEqual(
  d: Divergence,
  options: LogitOptions = {},
  atol = 1e-10,
): fc.IPropertyWithHooks<[[ClassificationCase, number[]]]> {
  ensureBackend();
  return fc.property(logitPair(options), ([c, other]) => {
    const shape = [c.batch, c.classes];
    const p = f64(c.logits, shape);
    const same = total(d(p, p));
    if (Math.abs(same) > atol) throw new Error(`D(p, p) = ${same} ≠ 0 for p = ${brief(c.logits)}`);
    const row = (z: readonly number[], r: number): number[] => softmaxRow(z.slice(r * c.classes, (r + 1) * c.classes));
    const differ = Array.from({ length: c.batch }, (_, r) => {
      const [p1, q1] = [row(c.logits, r), row(other, r)];
      return p1.some((v, i) => Math.abs(v - (q1[i] as number)) > 1e-3);
    });
    const apart = numbers(d(p, f64(other, shape)));
    if (differ.every(Boolean) && apart.some((v) => !(v > 0)))
      throw new Error(`D(p, q) = ${brief(apart)} for distinct p = ${brief(c.logits)}, q = ${brief(other)}`);
  });
}

/** 0 ≤ H(softmax z) ≤ log K per row, with H = log K at uniform logits. */
export function entropyBounds(
  h: Entropy,
  options: LogitOptions = {},
  tol: Tolerance = { rtol: 1e-9, atol: 1e-10 },
): fc.IPropertyWithHooks<[ClassificationCase]> {
  ensureBackend();
  return fc.property(classification(options), (c) => {
    const v = numbers(h(f64(c.logits, [c.batch, c.classes])));
    const top = Math.log(c.classes);
    const bad = v.find((t) => !(t >= -tol.atol && t <= top + tol.atol + tol.rtol * top));
    if (bad !== undefined) throw new Error(`H = ${bad} outside [0, log ${c.classes}] at z = ${brief(c.logits)}`);
    const uniform = numbers(h(f64(new Array<number>(c.classes).fill(0.3), [1, c.classes])))[0] as number;
    if (!close(uniform, top, tol)) throw new Error(`H(uniform) = ${uniform} but log K = ${top}`);
  });
}

/** f(c·x) = f(x) for every c > 0 (regularisers of directions: cosine similarities, normalised spectra). */
export function scaleInvariant(
  f: Regularizer,
  shape: readonly [number, number] = [4, 3],
  tol: Tolerance = { rtol: 1e-8, atol: 1e-10 },
): fc.IPropertyWithHooks<[number[], number]> {
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
      if (!close(b, a, tol)) throw new Error(`f(${c}·x) = ${b} but f(x) = ${a} for x = ${brief(v)}`);
    },
  );
}

/** f(PX) = f(X) for a permutation P of the rows (batch order does not matter). */
export function rowPermutationInvariant(
  f: Regularizer,
  shape: readonly [number, number] = [4, 3],
  tol: Tolerance = { rtol: 1e-9, atol: 1e-11 },
): fc.IPropertyWithHooks<[number[], number[]]> {
  ensureBackend();
  const [n, d] = shape;
  return fc.property(values(n * d, 'awayFromZero', 2), permutation(n), (v, perm) => {
    const a = total(f(f64(v, shape)));
    const moved = perm.flatMap((r) => v.slice(r * d, (r + 1) * d));
    const b = total(f(f64(moved, shape)));
    if (!close(b, a, tol)) throw new Error(`f(PX) = ${b} but f(X) = ${a} for P = ${brief(perm)}`);
  });
}
