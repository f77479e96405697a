/** @file The Cramér (squared-CDF, "squared EMD") distance between distributions on ordered bins. */
import * as x from '@xent/core';
import { publicFn } from '@xent/core/internal';
import type { DType, ShapeT, Tensor } from '@xent/core';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import { floatTensor, labelsSchema, logitsSchema } from '../validate.js';
import { ordinalLabelLoss, ordinalPairLoss, type OrdinalOptions, ordinalOptions } from './wasserstein.js';

function cramerOrdinalImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  p: Tensor<S, D>,
  q: Tensor<S, D>,
  options: OrdinalOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  return ordinalPairLoss('cramerOrdinal', p, q, options, x.square) as never;
}

/**
 * Cramér distance Σ_k Δ_k·(F_p(k) − F_q(k))² for probability rows over ordered bins (Cramér 1928;
 * Bellemare et al. 2017; catalog T02): the squared-CDF ("squared EMD") form, smooth in p and q, 0 iff
 * p = q, ≤ W1 on the same grid. Its square root is the ℓ2 CDF metric.
 *
 * @example
 * losses.cramerOrdinal(x.tensor([[0.2, 0.3, 0.5]]), x.tensor([[1, 0, 0]])) // 0.89
 */
export const cramerOrdinal = publicFn(
  'cramerOrdinal',
  { p: logitsSchema, q: floatTensor, options: ordinalOptions },
  cramerOrdinalImpl,
);

function cramerOrdinalLossImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  labels: Tensor<BatchOf<S>>,
  options: OrdinalOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  return ordinalLabelLoss('cramerOrdinalLoss', logits, labels, options, x.square) as never;
}

/**
 * Cramér distance between softmax(z) and the point mass δ_y of an ordinal label (catalog T02):
 * Σ_{k<y} Δ_k·F_p(k)² + Σ_{k≥y} Δ_k·(1 − F_p(k))². Not class-permutation-invariant (order matters).
 *
 * @example
 * losses.cramerOrdinalLoss(x.log(x.tensor([[0.2, 0.3, 0.5]])), x.tensor([0], { dtype: 'i32' })) // 0.89
 */
export const cramerOrdinalLoss = publicFn(
  'cramerOrdinalLoss',
  { logits: logitsSchema, labels: labelsSchema, options: ordinalOptions },
  cramerOrdinalLossImpl,
);
