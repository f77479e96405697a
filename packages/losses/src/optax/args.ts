/** @file Value checks shared by the optax-named losses: ±1 and 0/1 targets, non-negative measures, log-distributions. */
import type { Tensor } from '@xent/core';
import { ShapeError, ValueError } from '@xent/core';
import { fail } from '@xent/core/internal';
import { formatShape, sameAs } from '../validate.js';

/** Concrete host values of a tensor, or undefined while tracing. */
const valuesOf = (t: Tensor): ArrayLike<number> | undefined => (t.isTraced ? undefined : t.data());

/** A tensor of `like`'s shape and dtype whose concrete values all pass `ok` (`expected` says which). */
export function valuesArg(
  fn: string,
  arg: string,
  t: Tensor,
  like: Tensor,
  likeName: string,
  expected: string,
  ok: (v: number) => boolean,
): Tensor {
  const checked = sameAs(fn, arg, t, like, likeName);
  const values = valuesOf(checked);
  if (values !== undefined) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!ok(v)) fail(ValueError, fn, arg, expected, `${v} at flat index ${i}`);
    }
  }
  return checked;
}

/** Targets in {−1, +1} (the binary margin losses). */
export const signTargetsArg = (fn: string, t: Tensor, like: Tensor): Tensor =>
  valuesArg(fn, 'targets', t, like, 'the scores', 'targets in {−1, 1}', (v) => v === 1 || v === -1);

/** Labels in {0, 1}. */
export const binaryLabelsArg = (fn: string, t: Tensor, like: Tensor): Tensor =>
  valuesArg(fn, 'labels', t, like, 'the logits', 'labels in {0, 1}', (v) => v === 0 || v === 1);

/** Finite values ≥ 0 (an unnormalised measure, relevance labels). */
export const nonNegativeArg = (fn: string, arg: string, t: Tensor, like: Tensor, likeName: string): Tensor =>
  valuesArg(fn, arg, t, like, likeName, 'finite values ≥ 0', (v) => v >= 0 && Number.isFinite(v));

/** Log-probabilities along the last axis: entries < +Inf and not NaN, Σ exp = 1 per row (checked when concrete). */
export function logSimplexArg(fn: string, arg: string, t: Tensor, like: Tensor, likeName: string): Tensor {
  const checked = sameAs(fn, arg, t, like, likeName);
  const values = valuesOf(checked);
  if (values === undefined) return checked;
  const k = checked.shape[checked.rank - 1] as number;
  const tol = checked.dtype === 'f32' ? 1e-4 : 1e-9;
  for (let r = 0; r * k < values.length; r++) {
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const v = values[r * k + c] as number;
      if (!(v < Infinity))
        fail(ValueError, fn, arg, 'log-probabilities (< +Inf, not NaN)', `${v} at row ${r}, class ${c}`);
      sum += Math.exp(v);
    }
    if (Math.abs(sum - 1) > tol * Math.max(1, k))
      fail(ValueError, fn, arg, 'rows whose exponentials sum to 1 (log-distributions)', `a row ${r} summing to ${sum}`);
  }
  return checked;
}

/** A tensor of exactly `like`'s shape, any dtype (boolean masks). */
export function sameShapeArg(fn: string, arg: string, t: Tensor, like: Tensor, likeName: string): Tensor {
  if (t.rank !== like.rank || t.shape.some((d, i) => d !== like.shape[i]))
    fail(ShapeError, fn, arg, `shape ${formatShape(like.shape)} (the shape of ${likeName})`, formatShape(t.shape));
  return t;
}
