/** @file PyTorch's likelihood losses on probabilities: NLL of log-probabilities, BCE of probabilities, KL in PyTorch's argument order. */
import * as x from '@xent/core';
import { type DType, type ShapeT, type Tensor, ValueError } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import { finish, hardLabelParams, type LabelOptions, labelled } from '../classification/labelled.js';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction, ReductionOptions } from '../types.js';
import { unitIntervalArg, sameAs } from '../validate.js';
import { anyFloat, hostValues, pairOf } from './args.js';

/**
 * Negative log-likelihood −w_y·x_y of log-probabilities x [..., C] (class axis last) at labels y
 * (PyTorch `F.nll_loss`): class weights, ignoreIndex (default −100, as PyTorch) and a 'mean'
 * weighted by w_y over the kept targets.
 *
 * @example
 * losses.nllLoss(x.logSoftmax(x.tensor([[1, 2, 3]], { dtype: 'f64' })), x.tensor([2], { dtype: 'i32' })) // 0.4076060
 */
export const nllLoss = publicFn('nllLoss', hardLabelParams({}), function nllLoss<
  S extends ShapeT,
  D extends DType,
  R extends Reduction = 'mean',
>(input: Tensor<S, D>, target: Tensor<BatchOf<S>>, options: LabelOptions<R> = {}): LossOf<BatchOf<S>, R, D> {
  const c = labelled('nllLoss', input, target, { ...options, ignoreIndex: options.ignoreIndex ?? -100 }, true);
  return finish(c, x.neg(c.logpy)) as never;
});

/** max(log t, −100), PyTorch's clamp, with NaN kept (NaN ≤ −100 is false) and no log 0 in the gradient. */
function clampedLog(t: Tensor): Tensor {
  const low = x.lessEqual(x.log(t), -100);
  return x.where(low, -100, x.log(x.where(low, 1, t)));
}

export interface BinaryCrossEntropyProbOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** Per-element weights of the input's shape (PyTorch's `weight`). */
  readonly weights?: Tensor;
}

/** Probabilities in [0, 1] (NaN passes, to propagate), checked when concrete. */
function probabilitiesArg(fn: string, t: Tensor): Tensor {
  const values = hostValues(t);
  if (values !== undefined)
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v < 0 || v > 1) fail(ValueError, fn, 'input', 'probabilities in [0, 1]', `${v} at flat index ${i}`);
    }
  return t;
}

/**
 * Binary cross-entropy −w·[y·log x + (1 − y)·log(1 − x)] of probabilities x (PyTorch
 * `F.binary_cross_entropy`), each log clamped to ≥ −100 as PyTorch does, so x = 0 or 1 gives at most
 * 100 per element. The gradient is the derivative of this clamped function: (x − y)/(x(1 − x))
 * where neither log is clamped (PyTorch instead divides by max(x(1 − x), 1e−12) everywhere).
 * Prefer `binaryCrossEntropyWithLogits` when logits are available.
 *
 * @example
 * losses.binaryCrossEntropy(x.tensor([0.5], { dtype: 'f64' }), x.tensor([1], { dtype: 'f64' })) // 0.6931472
 */
export const binaryCrossEntropy = publicFn(
  'binaryCrossEntropy',
  {
    input: anyFloat,
    target: anyFloat,
    options: s.options({ reduction: s.optional(s.oneOf(['mean', 'sum', 'none'])), weights: s.optional(anyFloat) }),
  },
  function binaryCrossEntropy<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    input: Tensor<S, D>,
    target: Tensor<S, D>,
    options: BinaryCrossEntropyProbOptions<R> = {},
  ): LossOf<S, R, D> {
    const fn = 'binaryCrossEntropy';
    const p = probabilitiesArg(fn, pairOf(fn, input, input)[0]);
    const y = unitIntervalArg(fn, 'target', target, p, 'input');
    const terms = x.neg(x.add(x.mul(y, clampedLog(p)), x.mul(x.sub(1, y), clampedLog(x.sub(1, p)))));
    const w = options.weights;
    const weighted = w === undefined ? terms : x.mul(terms, sameAs(fn, 'weights', w, p, 'input'));
    return reduce(weighted, options.reduction ?? 'mean') as never;
  },
);

/** PyTorch's reductions of `klDiv`: those of every loss, and 'batchmean' (the sum over the size of the first axis). */
export type KlDivReduction = Reduction | 'batchmean';

export interface KlDivOptions<R extends KlDivReduction = KlDivReduction> {
  /** 'mean' over every element (default, as PyTorch), 'batchmean' (the KL per sample: sum/N), 'sum' or 'none'. */
  readonly reduction?: R;
  /** The target holds log-probabilities (default false: probabilities). */
  readonly logTarget?: boolean;
}

/** The shape a klDiv reduction leaves. */
export type KlDivLoss<S extends ShapeT, R extends KlDivReduction, D extends DType> = R extends 'none'
  ? Tensor<S, D>
  : Tensor<[], D>;

/**
 * Pointwise KL terms t·(log t − x) of log-probabilities x against a target t (PyTorch
 * `F.kl_div(input, target)`: the input is log q, the target p, giving KL(p ‖ q)); with `logTarget`
 * the target is log p and the terms are e^t·(t − x). A zero target adds exactly 0.
 *
 * @example
 * losses.klDiv(x.log(x.tensor([[0.9, 0.1]], { dtype: 'f64' })), x.tensor([[0.5, 0.5]], { dtype: 'f64' }), { reduction: 'batchmean' }) // 0.5108256
 */
export const klDiv = publicFn(
  'klDiv',
  {
    input: anyFloat,
    target: anyFloat,
    options: s.options({
      reduction: s.optional(s.oneOf(['mean', 'sum', 'none', 'batchmean'])),
      logTarget: s.optional(s.boolean),
    }),
  },
  function klDiv<S extends ShapeT, D extends DType, R extends KlDivReduction = 'mean'>(
    input: Tensor<S, D>,
    target: Tensor<S, D>,
    options: KlDivOptions<R> = {},
  ): KlDivLoss<S, R, D> {
    const [logq, t] = pairOf('klDiv', input, target);
    const terms = (options.logTarget ?? false) ? x.mul(x.exp(t), x.sub(t, logq)) : x.sub(x.xlogy(t, t), x.mul(t, logq));
    const reduction = options.reduction ?? 'mean';
    if (reduction !== 'batchmean') return reduce(terms, reduction) as never;
    return x.div(x.sum(terms), logq.rank === 0 ? 1 : (logq.shape[0] as number)) as never;
  },
);
