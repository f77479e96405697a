/** @file Spectral entropies: von Neumann entropy of a normalised Gram/covariance and the Vendi score (orders 1, q, ∞). */
import * as x from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { formatShape, matrixSchema, nonEmpty } from '../validate.js';

/** −Σ λ log λ over the positive eigenvalues (rounding can leave −1e-17 where the spectrum is 0). */
function spectralShannon(lambda: Tensor): Tensor {
  const pos = x.greater(lambda, 0);
  const safe = x.where(pos, lambda, 1);
  return x.neg(x.sum(x.where(pos, x.mul(safe, x.log(safe)), 0), { axis: -1 }));
}

/** The eigenvalues of X̂ᵀX̂/n, computed on the smaller side (X̂X̂ᵀ/n has the same nonzero spectrum). */
function normalizedGramSpectrum(fn: string, t: Tensor): Tensor {
  nonEmpty(fn, 'embeddings', t, 'a matrix [n, d] of row vectors with d ≥ 1');
  const [n, d] = t.shape as [number, number];
  const unit = x.normalize(t);
  const small = d <= n ? x.matmul(x.transpose(unit), unit) : x.matmul(unit, x.transpose(unit));
  return x.eigvalsh(x.div(small, n));
}

/** The von Neumann entropy of `embeddings` on behalf of `fn` (vonNeumann and the regulariser built on it). */
export const vonNeumannOf = (fn: string, embeddings: Tensor): Tensor =>
  spectralShannon(normalizedGramSpectrum(fn, embeddings));

function vonNeumannImpl<D extends DType>(embeddings: Tensor<ShapeT, D>): Tensor<[], D> {
  return vonNeumannOf('vonNeumann', embeddings) as never;
}

/**
 * Von Neumann entropy S(C) = −tr(C log C) = −Σ λ_i log λ_i of C = ĤᵀĤ/N, Ĥ the rows of
 * `embeddings` [N, d] scaled to unit length (so tr C = 1) (Kim et al. 2023; catalog E12). In
 * [0, log min(N, d)]; 0 iff all rows are parallel; invariant to H ↦ HQ for orthogonal Q, to row
 * order and to positive row scales. The eigen-solve runs on the smaller Gram side (CPU backends).
 *
 * @example
 * entropy.vonNeumann(x.tensor([[1, 0], [0, 1]])) // log 2
 */
export const vonNeumann = publicFn('vonNeumann', { embeddings: matrixSchema }, vonNeumannImpl);

/** The order q ≥ 0 of a Vendi score (Infinity allowed). */
const vendiOptions = s.options({ q: s.optional(s.number({ min: 0 })) });

/** The order-q Rényi entropy of a spectrum (1: Shannon, Infinity: −log λ_max). */
function spectralRenyi(lambda: Tensor, q: number): Tensor {
  if (q === 1) return spectralShannon(lambda);
  if (q === Infinity) return x.neg(x.log(x.max(lambda, { axis: -1 })));
  const pos = x.greater(lambda, 0);
  const powers = x.where(pos, x.exp(x.mul(q, x.log(x.where(pos, lambda, 1)))), 0);
  return x.div(x.log(x.sum(powers, { axis: -1 })), 1 - q);
}

function vendiScoreImpl<D extends DType>(
  embeddings: Tensor<ShapeT, D>,
  options: { readonly q?: number } = {},
): Tensor<[], D> {
  return x.exp(spectralRenyi(normalizedGramSpectrum('vendiScore', embeddings), options.q ?? 1)) as never;
}

/**
 * Vendi score VS_q = exp(H_q(λ)) of the eigenvalues λ of K/n for the cosine kernel K_ij = x̂_i·x̂_j
 * of `embeddings` [n, d] (Friedman & Dieng 2023; catalog E13): the effective number of distinct
 * samples, in [1, n]. Order q (default 1): 1 Shannon, ∞ gives 1/λ_max; non-increasing in q.
 * The spectrum comes from the smaller of the n×n and d×d Gram matrices.
 *
 * @example
 * entropy.vendiScore(x.tensor([[1, 0], [1, 0], [0, 1]])) // 1.8898816
 */
export const vendiScore = publicFn('vendiScore', { embeddings: matrixSchema, options: vendiOptions }, vendiScoreImpl);

function vendiScoreFromKernelImpl<D extends DType>(
  kernel: Tensor<ShapeT, D>,
  options: { readonly q?: number } = {},
): Tensor<[], D> {
  const fn = 'vendiScoreFromKernel';
  const k: Tensor = kernel;
  const n = k.shape[0] as number;
  if (k.shape[1] !== n || n === 0)
    fail(x.ShapeError, fn, 'kernel', 'a non-empty square similarity matrix [n, n]', formatShape(k.shape));
  if (!k.isTraced) {
    const v = k.data() as ArrayLike<number>;
    for (let i = 0; i < n; i++)
      if (Math.abs((v[i * n + i] as number) - 1) > 1e-6)
        fail(x.ValueError, fn, 'kernel', 'a unit diagonal (k(x, x) = 1)', `K[${i}, ${i}] = ${v[i * n + i]}`);
  }
  return x.exp(spectralRenyi(x.eigvalsh(x.div(k, n)), options.q ?? 1)) as never;
}

/**
 * Vendi score of a similarity matrix K [n, n] (symmetric, positive semi-definite, unit diagonal):
 * exp(H_q(eig(K/n))). K = I gives n, K = 11ᵀ gives 1.
 *
 * @example
 * entropy.vendiScoreFromKernel(x.tensor([[1, 1, 0], [1, 1, 0], [0, 0, 1]])) // 1.8898816
 */
export const vendiScoreFromKernel = publicFn(
  'vendiScoreFromKernel',
  { kernel: matrixSchema, options: vendiOptions },
  vendiScoreFromKernelImpl,
);
