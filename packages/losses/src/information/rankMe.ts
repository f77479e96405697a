/** @file RankMe: the effective rank exp(H(σ/Σσ)) of an embedding matrix from its singular values. */
import * as x from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { matrixSchema, nonEmpty } from '../validate.js';

/** Singular values of t [n, d]: √ of the eigenvalues of the smaller Gram matrix (rounding's −1e-17 reads as 0; NaN stays NaN). */
function singularValues(t: Tensor): Tensor {
  const [n, d] = t.shape as [number, number];
  const gram = d <= n ? x.matmul(x.transpose(t), t) : x.matmul(t, x.transpose(t));
  const lambda = x.eigvalsh(gram);
  return x.safeSqrt(lambda);
}

function rankMeImpl<D extends DType>(
  embeddings: Tensor<ShapeT, D>,
  options: { readonly eps?: number } = {},
): Tensor<[], D> {
  const t = nonEmpty('rankMe', 'embeddings', embeddings, 'a matrix [n, d] of row vectors with d ≥ 1');
  const sigma = singularValues(t);
  const p = x.add(x.div(sigma, x.sum(sigma)), options.eps ?? 1e-7);
  return x.exp(x.neg(x.sum(x.mul(p, x.log(p))))) as never;
}

/**
 * RankMe effective rank exp(−Σ p_i log p_i), p_i = σ_i/Σσ + ε, of the singular values σ of `embeddings`
 * [n, d] (Garrido et al. 2023; RepGeom; catalog E14): in [1, min(n, d)] for ε = 0, d for orthogonal
 * columns of equal norm; invariant to orthogonal maps of either side and to scaling. ε (default 1e-7, as
 * RankMe) keeps log p finite. The spectrum comes from the smaller Gram side (eigh: CPU backends).
 *
 * @example
 * entropy.rankMe(x.tensor([[1, 0], [0, 1]], { dtype: 'f64' }), { eps: 0 }) // 2
 */
export const rankMe = publicFn(
  'rankMe',
  { embeddings: matrixSchema, options: s.options({ eps: s.optional(s.finite({ min: 0 })) }) },
  rankMeImpl,
);
