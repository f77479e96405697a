/** @file Argument checks and option schemas shared by the PyTorch-named losses: paired inputs, ±1 targets, integer lengths, class weights. */
import { type DType, IndexError, type Tensor, ValueError } from '@xent/core';
import { fail, s } from '@xent/core/internal';
import { finiteOption, floatTensor, nonEmpty, reductionSchema, sameAs, weightVectorArg } from '../validate.js';

/** A float tensor of any rank (the schemas of input, target, and the other elementwise operands). */
export const anyFloat = floatTensor;

/** The options of a loss with a reduction only. */
export const reductionOnly = s.options({ reduction: reductionSchema });

/** The options of a margin loss: a reduction and a finite margin. */
export const marginOptions = s.options({ reduction: reductionSchema, margin: finiteOption });

/** An optional `weights` option of class weights [C]. */
export const classWeightsSchema = s.optional(s.tensor({ dtype: 'float', rank: 1 }));

/** The `weights` option checked as one weight per class, in the scores' dtype. */
export const classWeightsArg = (fn: string, w: Tensor, classes: number, dtype: DType): Tensor =>
  weightVectorArg(fn, 'weights', w, classes, dtype, 'one weight per class');

/** A non-empty float `input` and a `target` of exactly its shape and dtype (PyTorch broadcasts with a warning; xent refuses). */
export function pairOf(fn: string, input: Tensor, target: Tensor, targetArg = 'target'): [Tensor, Tensor] {
  const a = input.rank === 0 ? input : nonEmpty(fn, 'input', input, 'a non-empty last axis');
  return [a, sameAs(fn, targetArg, target, a, 'input')];
}

/** Concrete host values, or undefined while tracing. */
export const hostValues = (t: Tensor): ArrayLike<number> | undefined => (t.isTraced ? undefined : t.data());

/** Targets of `like`'s shape and dtype, each −1 or 1 (checked when concrete). */
export function signTargets(fn: string, arg: string, t: Tensor, like: Tensor, likeName: string): Tensor {
  const checked = sameAs(fn, arg, t, like, likeName);
  const values = hostValues(checked);
  if (values !== undefined)
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v !== 1 && v !== -1) fail(ValueError, fn, arg, 'labels −1 or 1', `${v} at flat index ${i}`);
    }
  return checked;
}

/** Values of `t` within [lo, hi] (checked when concrete), as class indices or lengths. */
export function indicesWithin(fn: string, arg: string, t: Tensor, lo: number, hi: number, what: string): Tensor {
  const values = hostValues(t);
  if (values !== undefined)
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!(v >= lo && v <= hi)) fail(IndexError, fn, arg, `${what} in [${lo}, ${hi}]`, `${v} at flat index ${i}`);
    }
  return t;
}
