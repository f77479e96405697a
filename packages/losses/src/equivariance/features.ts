/** @file Invariant input features: centred Gram matrices and relative representations (pairwise distances are `x.pairwiseDistances`). */
import * as x from '@xent/core';
import { fail } from '@xent/core/internal';
import type { Tensor } from '@xent/core';
import { formatShape } from '../validate.js';

/** (X − X̄)(X − X̄)ᵀ for points [N, d]: invariant to rotations, reflections and translations of the points. */
export function centeredGram(points: Tensor): Tensor {
  if (points.rank !== 2)
    fail(x.ShapeError, 'equivariance.centeredGram', 'points', 'a matrix [N, d]', formatShape(points.shape));
  const c = x.sub(points, x.mean(points, { axis: 0, keepDims: true }));
  return x.matmul(c, x.transpose(c));
}

/**
 * Relative representation r(x)_j = cos(x, a_j) against anchors [M, d] (Moschella et al. 2023;
 * catalog S04): invariant to a common orthogonal transform and positive rescaling of embeddings and
 * anchors, not to translations.
 */
export function relativeRepresentation(embeddings: Tensor, anchors: Tensor): Tensor {
  const fn = 'equivariance.relativeRepresentation';
  if (embeddings.rank !== 2) fail(x.ShapeError, fn, 'embeddings', 'a matrix [N, d]', formatShape(embeddings.shape));
  if (anchors.rank !== 2 || anchors.shape[1] !== embeddings.shape[1])
    fail(x.ShapeError, fn, 'anchors', `a matrix [M, ${embeddings.shape[1]}]`, formatShape(anchors.shape));
  return x.matmul(x.normalize(embeddings), x.transpose(x.normalize(anchors)));
}
