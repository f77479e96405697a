/** @file Argument checks shared by the losses: each failure is an XentError naming the loss, the argument and both sides. */
import { DTypeError, type FloatDType, type ShapeT, IndexError, ShapeError, type Tensor, ValueError } from '@xent/core';
import { fail } from '@xent/core/internal';
import type { Reduction } from './types.js';

export const formatShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

export function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  if (v instanceof Object && 'shape' in v && 'dtype' in v) {
    const t = v as Tensor;
    return `a ${t.dtype} tensor of shape ${formatShape(t.shape)}`;
  }
  return typeof v;
}

/** A tensor argument (anything else is a ValueError). */
export function tensorArg(fn: string, arg: string, v: unknown): Tensor {
  if (!(v instanceof Object) || !('node' in v) || !('shape' in v)) fail(ValueError, fn, arg, 'a Tensor', describe(v));
  return v as Tensor;
}

/** Logits: a float tensor with a non-empty class axis last and a non-empty batch. */
export function logitsArg(fn: string, arg: string, v: unknown, minRank = 1): Tensor<ShapeT, FloatDType> {
  const t = tensorArg(fn, arg, v);
  if (t.dtype !== 'f32' && t.dtype !== 'f64')
    fail(DTypeError, fn, arg, 'an f32 or f64 tensor of logits', `dtype ${t.dtype}`);
  if (t.rank < minRank)
    fail(ShapeError, fn, arg, `rank ≥ ${minRank} with the class axis last`, `shape ${formatShape(t.shape)}`);
  if (t.rank > 0 && t.shape[t.rank - 1] === 0)
    fail(ShapeError, fn, arg, 'at least one class', `shape ${formatShape(t.shape)}`);
  if (t.size === 0) fail(ValueError, fn, arg, 'a non-empty batch', `shape ${formatShape(t.shape)}`);
  return t as Tensor<ShapeT, FloatDType>;
}

/** A float tensor of exactly `like`'s shape and dtype (no broadcasting, so [N] never meets [N, 1]). */
export function sameAs(fn: string, arg: string, v: unknown, like: Tensor, likeName: string): Tensor {
  const t = tensorArg(fn, arg, v);
  if (t.rank !== like.rank || t.shape.some((d, i) => d !== like.shape[i]))
    fail(ShapeError, fn, arg, `shape ${formatShape(like.shape)} (the shape of ${likeName})`, formatShape(t.shape));
  if (t.dtype !== like.dtype) fail(DTypeError, fn, arg, `dtype ${like.dtype} (as ${likeName})`, `dtype ${t.dtype}`);
  return t;
}

/** Concrete host values of a tensor, or undefined while tracing (then the checks run as the graph runs). */
const valuesOf = (t: Tensor): ArrayLike<number> | undefined => (t.isTraced ? undefined : t.data());

/**
 * Class indices: i32 of shape logits.shape[:-1], each in [0, K) or equal to `ignoreIndex`.
 * Traced labels are checked by the gather that reads them (an IndexError when the values are computed).
 */
export function labelsArg(fn: string, v: unknown, logits: Tensor, ignoreIndex?: number): Tensor {
  const batch = logits.shape.slice(0, -1);
  const classes = logits.shape[logits.rank - 1] as number;
  return classLabelsArg(
    fn,
    v,
    batch,
    classes,
    `logits ${formatShape(logits.shape)} without the class axis`,
    ignoreIndex,
  );
}

/** Class indices of shape `batch` (described by `whose`), each in [0, classes) or equal to `ignoreIndex`. */
export function classLabelsArg(
  fn: string,
  v: unknown,
  batch: readonly number[],
  classes: number,
  whose: string,
  ignoreIndex?: number,
): Tensor {
  const t = tensorArg(fn, 'labels', v);
  if (t.dtype !== 'i32')
    fail(
      DTypeError,
      fn,
      'labels',
      'an i32 tensor of class indices',
      `dtype ${t.dtype} (cast with x.cast(labels, 'i32'))`,
    );
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
export function simplexArg(fn: string, arg: string, v: unknown, like: Tensor, likeName: string): Tensor {
  const t = sameAs(fn, arg, v, like, likeName);
  const values = valuesOf(t);
  if (values === undefined) return t;
  const k = t.shape[t.rank - 1] as number;
  const tol = t.dtype === 'f32' ? 1e-4 : 1e-9;
  for (let r = 0; r * k < values.length; r++) {
    let s = 0;
    for (let c = 0; c < k; c++) {
      const p = values[r * k + c] as number;
      if (!(p >= 0) || !Number.isFinite(p))
        fail(ValueError, fn, arg, 'probabilities ≥ 0 (a distribution per row)', `${p} at row ${r}, class ${c}`);
      s += p;
    }
    if (Math.abs(s - 1) > tol * Math.max(1, k))
      fail(ValueError, fn, arg, 'rows summing to 1 (distributions on the simplex)', `a row ${r} summing to ${s}`);
  }
  return t;
}

/** Values in [0, 1] (binary targets, soft labels); checked when concrete. */
export function unitIntervalArg(fn: string, arg: string, v: unknown, like: Tensor, likeName: string): Tensor {
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
export function weightVectorArg(fn: string, arg: string, v: unknown, n: number, dtype: string, what: string): Tensor {
  const t = tensorArg(fn, arg, v);
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

/** One of the allowed option strings (missing → `fallback`). */
export function choiceArg<T extends string>(
  fn: string,
  arg: string,
  v: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (v === undefined) return fallback;
  if (!allowed.includes(v as T)) fail(ValueError, fn, arg, allowed.map((a) => `'${a}'`).join(' or '), describe(v));
  return v as T;
}

export const reductionArg = (fn: string, v: unknown): Reduction =>
  choiceArg<Reduction>(fn, 'reduction', v, ['mean', 'sum', 'none'], 'mean');

export interface NumberRule {
  /** Inclusive or exclusive bounds, as text for the message and as a predicate. */
  readonly text: string;
  readonly ok: (v: number) => boolean;
}

/** A numeric option checked against its domain (missing → `fallback`). */
export function numberArg(fn: string, arg: string, v: unknown, fallback: number, rule: NumberRule): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || Number.isNaN(v) || !rule.ok(v)) fail(ValueError, fn, arg, rule.text, describe(v));
  return v;
}

export const rules = {
  positive: { text: 'a finite number > 0', ok: (v: number) => v > 0 && Number.isFinite(v) },
  nonNegative: { text: 'a finite number ≥ 0', ok: (v: number) => v >= 0 && Number.isFinite(v) },
  finite: { text: 'a finite number', ok: (v: number) => Number.isFinite(v) },
  negative: { text: 'a finite number < 0', ok: (v: number) => v < 0 && Number.isFinite(v) },
  unitOpen: { text: 'a number in [0, 1)', ok: (v: number) => v >= 0 && v < 1 },
  unitClosed: { text: 'a number in [0, 1]', ok: (v: number) => v >= 0 && v <= 1 },
  qOpenUnit: { text: 'a number in (0, 1]', ok: (v: number) => v > 0 && v <= 1 },
  integerIndex: { text: 'an integer', ok: (v: number) => Number.isInteger(v) },
  atLeastOneInteger: { text: 'an integer ≥ 1', ok: (v: number) => Number.isInteger(v) && v >= 1 },
} as const satisfies Record<string, NumberRule>;
