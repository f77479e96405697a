/** @file Orthogonal projection loss (OPL): same-class features parallel, different-class features orthogonal. */
import * as x from '@xent/core';
import type { DType, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { classLabelsArg, labelsSchema, matrixSchema, nonEmpty, nonNegativeOption } from '../validate.js';

function oplImpl<D extends DType>(
  features: Tensor<[number, number], D> | Tensor,
  labels: Tensor,
  options: { readonly gamma?: number } = {},
): Tensor {
  const fn = 'orthogonalProjectionLoss';
  const f = nonEmpty(fn, 'features', features, 'at least one feature');
  const n = f.shape[0] as number;
  const y = classLabelsArg(fn, labels, [n], 2 ** 31 - 1, `the rows of features [${n}, …]`);
  const unit = x.normalize(f);
  const cos = x.matmul(unit, x.transpose(unit));
  const same = x.equal(x.expandDims(y, 1), x.expandDims(y, 0));
  const offDiagonal = x.equal(x.eye(n, { dtype: 'i32' }), 0);
  const pos = x.cast(x.where(same, offDiagonal, false), f.dtype);
  const neg = x.cast(x.equal(same, false), f.dtype);
  // means over the pairs present (0 when a batch has none, as the reference implementation's ε does)
  const sMean = x.safeDiv(x.sum(x.mul(pos, cos)), x.sum(pos));
  const dMean = x.safeDiv(x.sum(x.mul(neg, cos)), x.sum(neg));
  return x.add(x.sub(1, sMean), x.mul(options.gamma ?? 0.5, x.abs(dMean)));
}

/**
 * Orthogonal projection loss (1 − s) + γ·|d| (Ranasinghe et al. 2021, "Orthogonal Projection Loss";
 * catalog L28) for features [N, d] and integer labels [N]: s is the mean cosine over same-class pairs
 * i ≠ j, d over different-class pairs (a batch-level loss, added to CE). ∈ [0, 2 + γ]; 0 when each
 * class's features are parallel and the classes orthogonal; invariant to positive per-sample scales,
 * rotations, batch order and class relabelling. A batch without such pairs gives that mean 0.
 *
 * @example
 * losses.orthogonalProjectionLoss(x.tensor([[1, 0], [2, 0], [0, 3]], { dtype: 'f64' }), x.tensor([0, 0, 1], { dtype: 'i32' })) // 0
 */
export const orthogonalProjectionLoss = publicFn(
  'orthogonalProjectionLoss',
  { features: matrixSchema, labels: labelsSchema, options: s.options({ gamma: nonNegativeOption }) },
  oplImpl,
);
