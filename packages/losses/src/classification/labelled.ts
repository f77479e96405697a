/** @file Hard-label plumbing shared by the classification losses: validation, log p_y, ignoreIndex and class weights. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { type Params, primitive, publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import {
  integerOption,
  labelsArg,
  labelsSchema,
  logitsSchema,
  nonEmpty,
  reductionSchema,
  weightVectorArg,
} from '../validate.js';

/** Options every hard-label loss accepts (PyTorch vocabulary). */
export interface LabelOptions<R extends Reduction = Reduction> {
  /** 'mean' (default: weighted by class weights, ignored targets left out), 'sum' or 'none'. */
  readonly reduction?: R;
  /** Class weights [K]: sample i counts w_{y_i} times, in the loss and in the mean's denominator. */
  readonly weights?: Tensor;
  /** Targets equal to this index add nothing and are left out of the mean (PyTorch's −100 convention). */
  readonly ignoreIndex?: number;
}

/** Logits with their hard labels, ready for a per-sample loss. */
export interface Labelled {
  readonly logits: Tensor;
  /** log softmax(logits) (after the temperature). */
  readonly logp: Tensor;
  /** log p_y per sample (0 at ignored targets). */
  readonly logpy: Tensor;
  /** One-hot targets [..., K] (all zero at ignored targets), built on first use (most losses need only log p_y). */
  onehot(): Tensor;
  readonly classes: number;
  readonly reduction: Reduction;
  /** Weight of each sample: w_{y_i}, 0 at ignored targets; undefined when every sample weighs 1. */
  readonly sampleWeights: Tensor | undefined;
  /** Class weights [K] if given. */
  readonly classWeights: Tensor | undefined;
  /** False at ignored targets; undefined without ignoreIndex. */
  readonly valid: Tensor | undefined;
}

/** The schemas of the options every hard-label loss takes (`LabelOptions`). */
export const labelOptionFields = {
  reduction: reductionSchema,
  weights: s.optional(s.tensor({ dtype: 'float', rank: 1 })),
  ignoreIndex: integerOption,
} as const;

/** The signature of a hard-label loss: logits, labels and the label options plus the loss's own `fields`. */
export const hardLabelParams = (fields: Params): Params => ({
  logits: logitsSchema,
  labels: labelsSchema,
  options: s.options({ ...labelOptionFields, ...fields }),
});

/**
 * Checks what the schemas cannot (a non-empty batch and class axis, labels of the batch shape and in
 * range, class weights [K]) and computes log p_y in logit space (`logProbs`: the input already holds
 * log-probabilities, taken as they are).
 */
export function labelled(
  fn: string,
  logits: Tensor,
  labels: Tensor,
  options: LabelOptions & { readonly temperature?: number },
  logProbs = false,
): Labelled {
  const z = nonEmpty(fn, 'logits', logits);
  const reduction = options.reduction ?? 'mean';
  const ignoreIndex = options.ignoreIndex;
  const y = labelsArg(fn, labels, z, ignoreIndex);
  const classes = z.shape[z.rank - 1] as number;
  const temperature = options.temperature ?? 1;
  const classWeights =
    options.weights === undefined
      ? undefined
      : weightVectorArg(fn, 'weights', options.weights, classes, z.dtype, 'one weight per class');
  const valid = ignoreIndex === undefined ? undefined : x.notEqual(y, ignoreIndex);
  const unchecked = valid === undefined ? y : x.where(valid, y, 0);
  // traced labels are checked as the program runs, blaming this loss (concrete ones were checked above)
  const ySafe = unchecked.isTraced
    ? primitive('checkIndex', { bound: classes, fn, arg: 'labels' }, unchecked)
    : unchecked;
  const logp = logProbs ? z : x.logSoftmax(z, { temperature });
  const picked = x.squeeze(x.gather(logp, x.expandDims(ySafe, -1), { axis: -1 }), -1);
  const logpy = valid === undefined ? picked : x.where(valid, picked, 0);
  let hot: Tensor | undefined;
  const onehot = (): Tensor => {
    if (hot === undefined) {
      const hit = x.oneHot(ySafe, classes, { dtype: z.dtype });
      hot = valid === undefined ? hit : x.mul(hit, x.cast(x.expandDims(valid, -1), z.dtype));
    }
    return hot;
  };
  const wy =
    classWeights === undefined ? undefined : x.reshape(x.take(classWeights, x.reshape(ySafe, [-1 as never])), y.shape);
  const validF = valid === undefined ? undefined : x.cast(valid, z.dtype);
  const sampleWeights = wy === undefined ? validF : validF === undefined ? wy : x.mul(wy, validF);
  return { logits: z, logp, logpy, onehot, classes, reduction, sampleWeights, classWeights, valid };
}

/**
 * Weights the per-sample losses by w_y (unless `weighted` says they already are), zeroes ignored
 * samples (so a non-finite value there cannot leak) and applies the reduction.
 */
export function finish(c: Labelled, perSample: Tensor, weighted = false): Tensor {
  const w = c.sampleWeights;
  const scaled = weighted || c.classWeights === undefined ? perSample : x.mul(perSample, w as Tensor);
  return reduce(c.valid === undefined ? scaled : x.where(c.valid, scaled, 0), c.reduction, w);
}

/** A hard-label loss: logits [..., K] and i32 labels [...] (the logits without the class axis). */
export type HardLabelLoss<O> = <S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  labels: Tensor<BatchOf<S>>,
  options?: O & LabelOptions<R>,
) => LossOf<BatchOf<S>, R, D>;

/**
 * A hard-label loss from its per-sample terms, declared with its own option schemas `fields` (read,
 * already checked, by `terms`); labels, class weights, ignoreIndex and the reduction are handled here
 * once for every loss.
 */
export function hardLabelLoss<O extends object>(
  fn: string,
  fields: Params,
  terms: (c: Labelled, options: O, fn: string) => Tensor,
): HardLabelLoss<O> {
  const impl: HardLabelLoss<O> = (logits, labels, options) => {
    const o = (options ?? {}) as O & LabelOptions;
    const c = labelled(fn, logits, labels, o);
    return finish(c, terms(c, o, fn)) as never;
  };
  return publicFn(fn, hardLabelParams(fields), impl);
}
