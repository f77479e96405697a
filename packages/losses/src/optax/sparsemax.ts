/**
 * @file sparsemax and 1.5-entmax along the last axis, without a sort: each entry's membership of the
 * support is decided by a pairwise test over the row (O(K²) time and memory per row of K entries),
 * then the threshold τ is a closed form over the support, differentiated exactly.
 */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn } from '@xent/core/internal';
import { logitsSchema, nonEmpty } from '../validate.js';

/** A sparse projection of a row: the probabilities, the support (bool) and the row-max-shifted scores. */
export interface SparseProjection {
  readonly p: Tensor;
  /** p^{1/(α−1)}'s base: [z − τ]₊ for sparsemax (= p), [z/2 − τ]₊ for 1.5-entmax (p = root²). */
  readonly root: Tensor;
  readonly support: Tensor;
  readonly shifted: Tensor;
}

/** z − max z per row (the max a constant for the gradient; an all −Inf row stays −Inf). */
function shiftRows(z: Tensor): Tensor {
  const peak = x.stopGradient(x.max(z, { axis: -1, keepDims: true }));
  return x.sub(z, x.where(x.equal(peak, -Infinity), 0, peak));
}

/** Pairwise [u_j ≥ u_i] as [..., i, j], the counts |T_i| and the row entries u_j as [..., 1, j]. */
function pairwise(u: Tensor) {
  const uj = x.expandDims(u, -2);
  const above = x.greaterEqual(uj, x.expandDims(u, -1));
  const count = x.sum(x.cast(above, u.dtype), { axis: -1 });
  return { above, count, uj };
}

/** NaN where a row holds NaN or +Inf or has an empty support (an all −Inf row), else p. */
function poisoned(z: Tensor, k: Tensor, p: Tensor): Tensor {
  const bad = x.sum(x.where(x.less(z, Infinity), 0, 1), { axis: -1, keepDims: true });
  return x.where(x.greater(x.add(bad, x.where(x.equal(k, 0), 1, 0)), 0), NaN, p);
}

/**
 * sparsemax(z) = argmin_{p ∈ Δ} ‖p − z‖² = [z − τ]₊ (Martins & Astudillo 2016). i ∈ S iff
 * 1 + |T_i|·z_i > Σ_{T_i} z_j with T_i = {j : z_j ≥ z_i}; τ = (Σ_S z − 1)/|S|, so the Jacobian is
 * diag(s) − ssᵀ/|S| (s the support indicator).
 */
export function sparsemaxOf(z: Tensor): SparseProjection {
  const shifted = shiftRows(z);
  const fixed = x.stopGradient(shifted);
  const { above, count, uj } = pairwise(fixed);
  const top = x.sum(x.where(above, uj, 0), { axis: -1 });
  const support = x.greater(x.add(1, x.mul(count, fixed)), top);
  const k = x.sum(x.cast(support, z.dtype), { axis: -1, keepDims: true });
  const inS = x.where(support, shifted, 0);
  const tau = x.div(x.sub(x.sum(inS, { axis: -1, keepDims: true }), 1), x.maximum(k, 1));
  const root = x.where(support, x.sub(inS, tau), 0);
  return { p: poisoned(z, k, root), root, support, shifted };
}

/**
 * 1.5-entmax(z) = [z/2 − τ]₊² (Peters et al. 2019). With u = z/2 and T_i as for sparsemax, i ∈ S iff
 * τ(T_i) ≤ u_i where τ(T) = mean_T u − √((1 − Σ_T (u − mean_T u)²)/|T|) (their sorted test, one
 * row at a time); on S, τ is the same closed form, which satisfies Σ_S (u − τ)² = 1 identically,
 * so its derivative is the implicit one: ∂τ/∂u_i = (u_i − τ)/Σ_S (u − τ).
 */
export function entmax15Of(z: Tensor): SparseProjection {
  const shifted = shiftRows(z);
  const u = x.div(shifted, 2);
  const fixed = x.stopGradient(u);
  const { above, count, uj } = pairwise(fixed);
  const mean = x.div(x.sum(x.where(above, uj, 0), { axis: -1, keepDims: true }), x.expandDims(count, -1));
  const centred = x.sum(x.where(above, x.square(x.sub(x.where(above, uj, 0), mean)), 0), { axis: -1 });
  const tauT = x.sub(x.squeeze(mean, -1), x.sqrt(x.maximum(x.div(x.sub(1, centred), count), 0)));
  const support = x.lessEqual(tauT, fixed);
  const k = x.sum(x.cast(support, z.dtype), { axis: -1, keepDims: true });
  const inS = x.where(support, u, 0);
  const kk = x.maximum(k, 1);
  const meanS = x.div(x.sum(inS, { axis: -1, keepDims: true }), kk);
  const ss = x.sum(x.where(support, x.square(x.sub(inS, meanS)), 0), { axis: -1, keepDims: true });
  const tau = x.sub(meanS, x.sqrt(x.div(x.sub(1, ss), kk)));
  const root = x.where(support, x.sub(inS, tau), 0);
  return { p: poisoned(z, k, x.square(root)), root, support, shifted };
}

const projectionParams = { z: logitsSchema };

/**
 * sparsemax along the last axis (Martins & Astudillo 2016; optax `projections.projection_simplex`,
 * `jax.nn.sparsemax`-style): the Euclidean projection onto the simplex, exactly 0 outside a support.
 * Sort-free: O(K²) time and memory per row of K entries. Shift-invariant; NaN or +Inf in a row, or a
 * row of −Inf only, gives a NaN row; −Inf entries get 0.
 *
 * @example
 * losses.sparsemax(x.tensor([[1, 0.5, -1]], { dtype: 'f64' })) // [[0.75, 0.25, 0]]
 */
export const sparsemax = publicFn('sparsemax', projectionParams, function sparsemax<
  S extends ShapeT,
  D extends DType,
>(z: Tensor<S, D>): Tensor<S, D> {
  return sparsemaxOf(nonEmpty('sparsemax', 'z', z)).p as never;
});

/**
 * 1.5-entmax along the last axis (Peters, Niculae & Martins 2019): [z/2 − τ]₊², between softmax and
 * sparsemax. Sort-free: O(K²) time and memory per row. Same edge cases as `sparsemax`.
 *
 * @example
 * losses.entmax15(x.tensor([[0, 0]], { dtype: 'f64' })) // [[0.5, 0.5]]
 */
export const entmax15 = publicFn('entmax15', projectionParams, function entmax15<
  S extends ShapeT,
  D extends DType,
>(z: Tensor<S, D>): Tensor<S, D> {
  return entmax15Of(nonEmpty('entmax15', 'z', z)).p as never;
});
