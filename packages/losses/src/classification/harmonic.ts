/** @file The harmonic loss: a softmax over −n·log distances to class prototypes. */
import * as x from '@xent/core';
import { DTypeError, ShapeError, type DType, type Tensor } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import type { Reduction } from '../types.js';
import { formatShape, labelsSchema, matrixSchema, positiveOption } from '../validate.js';
import { crossEntropyOf } from './crossEntropy.js';
import { type LabelOptions, labelOptionFields } from './labelled.js';

export interface HarmonicOptions<R extends Reduction = Reduction> extends LabelOptions<R> {
  /** The harmonic exponent n > 0 (default 1): p_k ∝ d_k^{−n}. */
  readonly exponent?: number;
  /** ε > 0 added to the squared distances (default 1e-12), so a point on its prototype has a finite logit. */
  readonly eps?: number;
}

function harmonicImpl<D extends DType, R extends Reduction = 'mean'>(
  embeddings: Tensor<[number, number], D> | Tensor,
  prototypes: Tensor,
  labels: Tensor,
  options: HarmonicOptions<R> = {},
): Tensor {
  const fn = 'harmonicLoss';
  const { exponent, eps, ...labelOptions } = options;
  if (prototypes.dtype !== embeddings.dtype)
    fail(DTypeError, fn, 'prototypes', `dtype ${embeddings.dtype} (as embeddings)`, `dtype ${prototypes.dtype}`);
  if (prototypes.shape[1] !== embeddings.shape[1] || prototypes.shape[0] === 0)
    fail(
      ShapeError,
      fn,
      'prototypes',
      `shape [K ≥ 1, ${embeddings.shape[1]}] (the embeddings' dimension)`,
      formatShape(prototypes.shape),
    );
  const d2 = x.pairwiseDistances(embeddings, prototypes, { squared: true });
  // p = softmax(−n·log d) = softmax(−(n/2)·log(d² + ε))
  const logits = x.mul(-(exponent ?? 1) / 2, x.log(x.add(d2, eps ?? 1e-12)));
  return crossEntropyOf(fn, logits, labels, labelOptions);
}

/**
 * Harmonic loss −log p_y with p_k = d_k^{−n}/Σ_j d_j^{−n}, d_k = ‖x − w_k‖ (Baek et al. 2025, "Harmonic
 * Loss Trains Interpretable AI Models"; catalog L27), for embeddings [N, d], prototypes [K, d] and
 * labels [N]: cross-entropy of the logits −n·log d (so class weights, ignoreIndex and the reduction are
 * crossEntropy's). Invariant to a common scaling, translation and rotation of embeddings and
 * prototypes (up to ε); → 0 as x → w_y.
 *
 * @example
 * losses.harmonicLoss(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([[1, 0], [0, 2]], { dtype: 'f64' }), x.tensor([0], { dtype: 'i32' })) // log 1.5
 */
export const harmonicLoss = publicFn(
  'harmonicLoss',
  {
    embeddings: matrixSchema,
    prototypes: matrixSchema,
    labels: labelsSchema,
    options: s.options({ ...labelOptionFields, exponent: positiveOption, eps: positiveOption }),
  },
  harmonicImpl,
);
