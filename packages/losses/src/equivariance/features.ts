/** @file Invariant input features: centred Gram matrices and relative representations (pairwise distances are `x.pairwiseDistances`). */
import * as x from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import type { Tensor } from '@xent/core';
import { formatShape } from '../validate.js';

const matrix = s.tensor({ dtype: 'float', rank: 2 });

/** (X − X̄)(X − X̄)ᵀ for points [N, d]: invariant to rotations, reflections and translations of the points. */
export const centeredGram = publicFn('centeredGram', { points: matrix }, (points: Tensor): Tensor => {
  const c = x.sub(points, x.mean(points, { axis: 0, keepDims: true }));
  return x.matmul(c, x.transpose(c));
});

/**
 * Relative representation r(x)_j = cos(x, a_j) against anchors [M, d] (Moschella et al. 2023;
 * catalog S04): invariant to a common orthogonal transform and positive rescaling of embeddings and
 * anchors, not to translations.
 */
export const relativeRepresentation = publicFn(
  'relativeRepresentation',
  { embeddings: matrix, anchors: matrix },
  (embeddings: Tensor, anchors: Tensor): Tensor => {
    if (anchors.shape[1] !== embeddings.shape[1])
      fail(
        x.ShapeError,
        'relativeRepresentation',
        'anchors',
        `a matrix [M, ${embeddings.shape[1]}] (the embeddings' width)`,
        formatShape(anchors.shape),
      );
    if (anchors.dtype !== embeddings.dtype)
      fail(
        x.DTypeError,
        'relativeRepresentation',
        'anchors',
        `dtype ${embeddings.dtype} (as the embeddings)`,
        `dtype ${anchors.dtype}`,
      );
    return x.matmul(x.normalize(embeddings), x.transpose(x.normalize(anchors)));
  },
);
