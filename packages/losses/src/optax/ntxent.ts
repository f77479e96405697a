/** @file optax's NT-Xent (SimCLR) loss over a batch of embeddings grouped by label. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { ShapeError } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import { formatShape, labelsSchema, matrixSchema, nonEmpty, positiveOption } from '../validate.js';

export interface NtXentOptions {
  /** τ > 0 (default 0.07, optax's): similarities are divided by it. */
  readonly temperature?: number;
}

/**
 * NT-Xent (Chen et al. 2020; optax `ntxent`): with S_ij = cos(e_i, e_j)/τ, every positive pair (i, j)
 * (same label, i ≠ j) contributes −log(e^{S_ij}/(e^{S_ij} + Σ_{k: label_k ≠ label_i} e^{S_ik})), and
 * the loss is their mean: one number. Squared norms are clipped below at the dtype's machine ε
 * (optax's rule). A batch without a positive pair gives 0 with a zero gradient (optax: NaN).
 *
 * @example
 * losses.ntxent(x.tensor([[1, 0], [1, 0.1], [0, 1], [0.1, 1]], { dtype: 'f64' }), x.tensor([0, 0, 1, 1], { dtype: 'i32' }))
 */
export const ntxent = publicFn(
  'ntxent',
  { embeddings: matrixSchema, labels: labelsSchema, options: s.options({ temperature: positiveOption }) },
  function ntxent<D extends DType>(
    embeddings: Tensor<ShapeT, D>,
    labels: Tensor,
    options: NtXentOptions = {},
  ): Tensor<[], D> {
    const fn = 'ntxent';
    const e: Tensor = nonEmpty(fn, 'embeddings', embeddings, 'embeddings [N, d] with d ≥ 1');
    const n = e.shape[0] as number;
    const l: Tensor = labels;
    if (l.rank !== 1 || l.shape[0] !== n)
      fail(ShapeError, fn, 'labels', `shape [${n}] (one label per embedding)`, formatShape(l.shape));
    const eps = e.dtype === 'f64' ? 2 ** -52 : 2 ** -23;
    const unit = x.div(e, x.sqrt(x.maximum(x.sum(x.square(e), { axis: -1, keepDims: true }), eps)));
    const sim = x.div(x.matmul(unit, x.transpose(unit)), options.temperature ?? 0.07);
    const same = x.equal(x.expandDims(l, 1), x.expandDims(l, 0));
    const idx = x.arange(n, { dtype: 'i32' });
    const self = x.cast(x.equal(x.expandDims(idx, 1), x.expandDims(idx, 0)), e.dtype);
    const positive = x.greater(x.sub(x.cast(same, e.dtype), self), 0);
    const negatives = x.maskedLogsumexp(sim, x.equal(same, false), { axis: -1, keepDims: true });
    const pairLoss = x.sub(x.logaddexp(sim, negatives), sim);
    const total = x.sum(x.where(positive, pairLoss, 0));
    return x.safeDiv(total, x.sum(x.cast(positive, e.dtype)), 0) as never;
  },
);
