/** @file Argument schemas and value checks shared by the losses: each failure is an XentError naming the loss, the argument and both sides. */
import { DTypeError, IndexError, ShapeError, type Tensor, ValueError } from '@xent/core';
import { fail, type Schema, s } from '@xent/core/internal';
import type { Reduction } from './types.js';

export const formatShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** A float tensor of any shape (second arguments, targets, element weights). */
export const floatTensor = s.tensor({ dtype: 'float' });
/** Logits (or probabilities) with the class axis last. */
export const logitsSchema = s.tensor({ dtype: 'float', rank: [1, Infinity] });
/** A float matrix (embeddings [N, d], kernels). */
export const matrixSchema = s.tensor({ dtype: 'float', rank: 2 });
/** Class indices. */
export const labelsSchema = s.tensor({ dtype: ['i32'] });

/** The `reduction` option. */
export const reductionSchema: Schema<Reduction | undefined> = s.optional(s.oneOf(['mean', 'sum', 'none']));
/** An optional finite number > 0 (temperatures, scales). */
export const positiveOption = s.optional(s.finite({ min: 0, minOpen: true }));
/** An optional finite number ≥ 0 (weights, exponents, smoothing). */
export const nonNegativeOption = s.optional(s.finite({ min: 0 }));
/** An optional finite number. */
export const finiteOption = s.optional(s.finite());
/** An optional integer (ignoreIndex). */
export const integerOption = s.optional(s.number({ integer: true }));
/** An optional number in [0, 1) (label smoothing). */
export const unitOpenOption = s.optional(s.number({ min: 0, max: 1, maxOpen: true }));

/** A non-empty tensor whose last axis is non-empty (`what` says what it holds). */
export function nonEmpty(fn: string, arg: string, t: Tensor, what = 'at least one class'): Tensor {
  if (t.rank > 0 && t.shape[t.rank - 1] === 0) fail(ShapeError, fn, arg, what, `shape ${formatShape(t.shape)}`);
  if (t.size === 0) fail(ValueError, fn, arg, 'a non-empty batch', `shape ${formatShape(t.shape)}`);
  return t;
}

/** A tensor of exactly `like`'s shape and dtype (no broadcasting, so [N] never meets [N, 1]). */
export function sameAs(fn: string, arg: string, t: Tensor, like: Tensor, likeName: string): Tensor {
  if (t.rank !== like.rank || t.shape.some((d, i) => d !== like.shape[i]))
    fail(ShapeError, fn, arg, `shape ${formatShape(like.shape)} (the shape of ${likeName})`, formatShape(t.shape));
  if (t.dtype !== like.dtype) fail(DTypeError, fn, arg, `dtype ${like.dtype} (as ${likeName})`, `dtype ${t.dtype}`);
  return t;
}

/** Concrete host values of a tensor, or undefined while tracing (then the checks run as the graph runs). */
const valuesOf = (t: Tensor): ArrayLike<number> | undefined => (t.isTraced ? undefined : t.data());

/**
 * Class indices of shape logits.shape[:-1], each in [0, K) or equal to `ignoreIndex`.
 * Traced labels are checked by the gather that reads them (an IndexError when the values are computed).
 */
export function labelsArg(fn: string, labels: Tensor, logits: Tensor, ignoreIndex?: number): Tensor {
  const batch = logits.shape.slice(0, -1);
  const classes = logits.shape[logits.rank - 1] as number;
  return classLabelsArg(
    fn,
    labels,
    batch,
    classes,
    `logits ${formatShape(logits.shape)} without the class axis`,
    ignoreIndex,
  );
}

/** Class indices of shape `batch` (described by `whose`), each in [0, classes) or equal to `ignoreIndex`. */
export function classLabelsArg(
  fn: string,
  t: Tensor,
  batch: readonly number[],
  classes: number,
  whose: string,
  ignoreIndex?: number,
): Tensor {
  if (t.rank !== batch.length || t.shape.some((d, i) => d !== batch[i]))
    fail(ShapeError, fn, 'labels', `shape ${formatShape(batch)} (${whose})`, formatShape(t.shape));
  const values = valuesOf(t);
  if (values !== undefined) {
    for (let i = 0; i < values.length; i++) {
      const y = values[i] as number;
      if ((y < 0 || y >= classes) && y !== ignoreIndex)
        fail(
          IndexError,
          fn,
          'labels',
          `class indices in [0, ${classes})${ignoreIndex === undefined ? '' : ` or ignoreIndex ${ignoreIndex}`}`,
          `${y} at flat index ${i}`,
        );
    }
  }
  return t;
}

/** Probabilities on the simplex along the last axis: entries ≥ 0 and rows summing to 1 (checked when concrete). */
export function simplexArg(fn: string, arg: string, v: Tensor, like: Tensor, likeName: string): Tensor {
  const t = sameAs(fn, arg, v, like, likeName);
  const values = valuesOf(t);
  if (values === undefined) return t;
  const k = t.shape[t.rank - 1] as number;
  const tol = t.dtype === 'f32' ? 1e-4 : 1e-9;
  for (let r = 0; r * k < values.length; r++) {
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const p = values[r * k + c] as number;
      if (!(p >= 0) || !Number.isFinite(p))
        fail(ValueError, fn, arg, 'probabilities ≥ 0 (a distribution per row)', `${p} at row ${r}, class ${c}`);
      sum += p;
    }
    if (Math.abs(sum - 1) > tol * Math.max(1, k))
      fail(ValueError, fn, arg, 'rows summing to 1 (distributions on the simplex)', `a row ${r} summing to ${sum}`);
  }
  return t;
}

/** Values in [0, 1] (binary targets, soft labels); checked when concrete. */
export function unitIntervalArg(fn: string, arg: string, v: Tensor, like: Tensor, likeName: string): Tensor {
  const t = sameAs(fn, arg, v, like, likeName);
  const values = valuesOf(t);
  if (values !== undefined) {
    for (let i = 0; i < values.length; i++) {
      const p = values[i] as number;
      if (!(p >= 0 && p <= 1)) fail(ValueError, fn, arg, 'values in [0, 1]', `${p} at flat index ${i}`);
    }
  }
  return t;
}

/** A 1-D weight vector of length n with non-negative finite entries (checked when concrete). */
export function weightVectorArg(fn: string, arg: string, t: Tensor, n: number, dtype: string, what: string): Tensor {
  if (t.rank !== 1 || t.shape[0] !== n) fail(ShapeError, fn, arg, `shape [${n}] (${what})`, formatShape(t.shape));
  if (t.dtype !== dtype) fail(DTypeError, fn, arg, `dtype ${dtype} (as the logits)`, `dtype ${t.dtype}`);
  const values = valuesOf(t);
  if (values !== undefined) {
    for (let i = 0; i < values.length; i++) {
      const w = values[i] as number;
      if (!(w >= 0) || !Number.isFinite(w)) fail(ValueError, fn, arg, 'finite weights ≥ 0', `${w} at index ${i}`);
    }
  }
  return t;
}
