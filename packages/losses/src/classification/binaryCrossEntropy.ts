/** @file Binary cross-entropy on logits (multi-label), with a positive-class weight and element weights. */
import * as x from '@xent/core';
import { fail } from '@xent/core/internal';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { reduce } from '../reduce.js';
import type { LossOf, Reduction } from '../types.js';
import { logitsArg, reductionArg, sameAs, tensorArg, unitIntervalArg, weightVectorArg } from '../validate.js';

export interface BinaryCrossEntropyOptions<R extends Reduction = Reduction> {
  /** 'mean' over every element (default), 'sum' or 'none'. */
  readonly reduction?: R;
  /** Weight of the positive term per class [C] (the last axis), or one number: pw·y·softplus(−s) + (1 − y)·softplus(s). */
  readonly posWeight?: Tensor | number;
  /** Per-element weights of the logits' shape. */
  readonly weights?: Tensor;
}

/**
 * BCE(s, y) = softplus(s) − y·s = −[y·log σ(s) + (1 − y)·log(1 − σ(s))] (logistic regression; catalog L03), in logit
 * space: finite for s = ±1e4. Targets y ∈ [0, 1] (soft labels allowed). ∂/∂s = σ(s) − y.
 *
 * @example
 * losses.binaryCrossEntropyWithLogits(x.tensor([0, 3]), x.tensor([1, 0])) // mean of log 2 and softplus(3)
 */
export function binaryCrossEntropyWithLogits<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  targets: Tensor<S, D>,
  options: BinaryCrossEntropyOptions<R> = {},
): LossOf<S, R, D> {
  const fn = 'binaryCrossEntropyWithLogits';
  const s = logitsArg(fn, 'logits', logits, 0);
  const y = unitIntervalArg(fn, 'targets', targets, s, 'logits');
  const reduction = reductionArg(fn, options.reduction);
  const pw = options.posWeight;
  let positive: Tensor;
  if (pw === undefined) positive = y;
  else if (typeof pw === 'number') {
    if (!(pw >= 0) || !Number.isFinite(pw)) fail(x.ValueError, fn, 'posWeight', 'a finite number ≥ 0', String(pw));
    positive = x.mul(y, pw);
  } else {
    const last = s.rank === 0 ? 1 : (s.shape[s.rank - 1] as number);
    positive = x.mul(
      y,
      weightVectorArg(fn, 'posWeight', tensorArg(fn, 'posWeight', pw), last, s.dtype, 'one weight per class'),
    );
  }
  // pw·y·softplus(−s) + (1 − y)·softplus(s); with pw = 1 this is softplus(s) − y·s.
  const perElement = x.add(x.mul(positive, x.softplus(x.neg(s))), x.mul(x.sub(1, y), x.softplus(s)));
  const weighted =
    options.weights === undefined ? perElement : x.mul(perElement, sameAs(fn, 'weights', options.weights, s, 'logits'));
  return reduce(weighted, reduction) as never;
}
