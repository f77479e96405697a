/** @file EMO: the earth mover's distance to the next token under the embedding cost 1 − cos(e_i, e_y), in closed form. */
import * as x from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction, ReductionOptions } from '../types.js';
import { formatShape, labelsSchema, logitsSchema, matrixSchema, nonEmpty, reductionSchema } from '../validate.js';
import { oneHotLabels } from './wasserstein.js';

function emoLossImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  labels: Tensor<BatchOf<S>>,
  embeddings: Tensor<ShapeT, D>,
  options: ReductionOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  const fn = 'emoLoss';
  const z = nonEmpty(fn, 'logits', logits);
  const e: Tensor = embeddings;
  const k = z.shape[z.rank - 1] as number;
  if (e.shape[0] !== k || (e.shape[1] as number) < 1)
    fail(x.ShapeError, fn, 'embeddings', `one row per class: [${k}, d] with d ≥ 1`, formatShape(e.shape));
  if (e.dtype !== z.dtype) fail(x.DTypeError, fn, 'embeddings', `dtype ${z.dtype} (as logits)`, `dtype ${e.dtype}`);
  const hot = oneHotLabels(fn, z, labels);
  const batch = z.shape.slice(0, -1);
  const unit = x.normalize(e);
  // EMD(p, δ_y) = Σ_i p_i·(1 − ê_i·ê_y) = 1 − (pᵀÊ)·ê_y: no transport problem to solve
  const flat = (t: Tensor): Tensor => x.matmul(x.reshape(t, [-1, k]), unit);
  const cos = x.sum(x.mul(flat(x.softmax(z)), flat(hot)), { axis: -1 });
  return reduce(x.reshape(x.sub(1, cos), batch), options.reduction ?? 'mean') as never;
}

/**
 * EMO (Ren et al. 2024; catalog T04): the earth mover's distance between softmax(z) and the one-hot
 * next token y under the cost C_iy = 1 − cos(e_i, e_y) of the (frozen) output embeddings [K, d],
 * which is Σ_i p_i·C_iy = 1 − pᵀÊ·ê_y. In [0, 2]; 0 iff all mass is on tokens with cosine 1 to y.
 * Trained alongside cross-entropy (EMO adds it to the MLE loss). Pass constant embeddings (or
 * stopGradient) for the frozen cost of the paper; otherwise the gradient reaches them too.
 *
 * @example
 * losses.emoLoss(x.tensor([[0, 0]]), x.tensor([0], { dtype: 'i32' }), x.tensor([[1, 0], [0, 1]])) // 0.5
 */
export const emoLoss = publicFn(
  'emoLoss',
  {
    logits: logitsSchema,
    labels: labelsSchema,
    embeddings: matrixSchema,
    options: s.options({ reduction: reductionSchema }),
  },
  emoLossImpl,
);
