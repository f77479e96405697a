/** @file optax's margin losses: binary and multiclass hinge and perceptron losses. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { type HardLabelLoss, hardLabelLoss } from '../classification/labelled.js';
import { reduce } from '../reduce.js';
import type { LossOf, Reduction, ReductionOptions } from '../types.js';
import { floatTensor, nonEmpty, reductionSchema } from '../validate.js';
import { signTargetsArg } from './args.js';

/** The signature of a binary margin loss: scores, ±1 targets of the same shape, a reduction. */
const binaryParams = {
  scores: s.tensor({ dtype: 'float' }),
  targets: floatTensor,
  options: s.options({ reduction: reductionSchema }),
};

/** A binary margin loss ℓ(s·t) elementwise, then the reduction over every element. */
function binaryMargin(fn: string, margin: (st: Tensor) => Tensor) {
  return <S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    scores: Tensor<S, D>,
    targets: Tensor<S, D>,
    options: ReductionOptions<R> = {},
  ): LossOf<S, R, D> => {
    const z = nonEmpty(fn, 'scores', scores, 'a non-empty tensor');
    const t = signTargetsArg(fn, targets, z);
    return reduce(margin(x.mul(z, t)), options.reduction ?? 'mean') as never;
  };
}

/**
 * Hinge loss max(0, 1 − s·t) with targets t ∈ {−1, 1} (optax `hinge_loss`; Cortes & Vapnik 1995);
 * ∂/∂s = −t where s·t < 1, else 0.
 *
 * @example
 * losses.hingeLoss(x.tensor([0.5, -2], { dtype: 'f64' }), x.tensor([1, 1], { dtype: 'f64' })) // (0.5 + 3)/2 = 1.75
 */
export const hingeLoss = publicFn(
  'hingeLoss',
  binaryParams,
  binaryMargin('hingeLoss', (st) => x.relu(x.sub(1, st))),
);

/**
 * Perceptron loss max(0, −s·t) with targets t ∈ {−1, 1} (optax `perceptron_loss`; Rosenblatt 1958).
 *
 * @example
 * losses.perceptronLoss(x.tensor([0.5, -2], { dtype: 'f64' }), x.tensor([1, 1], { dtype: 'f64' })) // (0 + 2)/2 = 1
 */
export const perceptronLoss = publicFn(
  'perceptronLoss',
  binaryParams,
  binaryMargin('perceptronLoss', (st) => x.relu(x.neg(st))),
);

/** z_y per row from the one-hot targets, without 0·(−Inf) at masked classes. */
export const pickLabel = (z: Tensor, onehot: Tensor): Tensor =>
  x.sum(x.where(x.greater(onehot, 0), z, 0), { axis: -1 });

/**
 * Multiclass hinge loss max_k(z_k + 1 − [k = y]) − z_y (optax `multiclass_hinge_loss`; Crammer &
 * Singer 2001): 0 once z_y leads every other score by 1. ∂/∂z = e_k* − e_y (k* the arg max).
 *
 * @example
 * losses.multiclassHingeLoss(x.tensor([[1, 2, 0]], { dtype: 'f64' }), x.tensor([0], { dtype: 'i32' })) // 2
 */
export const multiclassHingeLoss: HardLabelLoss<object> = hardLabelLoss('multiclassHingeLoss', {}, (c) => {
  const hot = c.onehot();
  return x.sub(x.max(x.sub(x.add(c.logits, 1), hot), { axis: -1 }), pickLabel(c.logits, hot));
});

/**
 * Multiclass perceptron loss max_k z_k − z_y (optax `multiclass_perceptron_loss`; Collins 2002).
 *
 * @example
 * losses.multiclassPerceptronLoss(x.tensor([[1, 2, 0]], { dtype: 'f64' }), x.tensor([0], { dtype: 'i32' })) // 1
 */
export const multiclassPerceptronLoss: HardLabelLoss<object> = hardLabelLoss('multiclassPerceptronLoss', {}, (c) =>
  x.sub(x.max(c.logits, { axis: -1 }), pickLabel(c.logits, c.onehot())),
);
