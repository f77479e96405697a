/** @file Representation regularisers: Barlow Twins redundancy reduction, two-view alignment, and the VNE regulariser. */
import * as x from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import type { Tensor, DType } from '@xent/core';
import { vonNeumannOf } from '../information/spectral.js';
import {
  finiteOption,
  floatTensor,
  formatShape,
  matrixSchema,
  nonEmpty,
  nonNegativeOption,
  sameAs,
} from '../validate.js';

function views(fn: string, a: Tensor, b: Tensor): [Tensor, Tensor] {
  const ta = nonEmpty(fn, 'a', a, 'embeddings [N, d] with d ≥ 1');
  return [ta, sameAs(fn, 'b', b, ta, 'a')];
}

/**
 * Each feature standardised over the batch, (z − mean)/√(var + ε) with the population variance
 * (BatchNorm's form). With ε = 0 a constant feature becomes 0 with a zero gradient (safeSqrt and
 * safeDiv, where plain std would give 0·∞), but a feature constant only up to rounding is blown up
 * to ±1 noise; ε > 0 keeps it near 0.
 */
function standardize(z: Tensor, eps: number): Tensor {
  const centered = x.sub(z, x.mean(z, { axis: 0, keepDims: true }));
  return x.safeDiv(centered, x.safeSqrt(x.add(x.variance(z, { axis: 0, keepDims: true }), eps)));
}

function barlowTwinsImpl<D extends DType>(
  a: Tensor<[number, number], D> | Tensor,
  b: Tensor<[number, number], D> | Tensor,
  options: { readonly lambda?: number; readonly eps?: number } = {},
): Tensor<[], D> {
  const fn = 'barlowTwins';
  const [ta, tb] = views(fn, a, b);
  const lambda = options.lambda ?? 5e-3;
  const eps = options.eps ?? 1e-5;
  const n = ta.shape[0] as number;
  if (n < 2)
    fail(x.ShapeError, fn, 'a', 'a batch of at least 2 (features are standardised over it)', formatShape(ta.shape));
  const d = ta.shape[1] as number;
  const c = x.div(x.matmul(x.transpose(standardize(ta, eps)), standardize(tb, eps)), n);
  const eye = x.oneHot(x.arange(d, { dtype: 'i32' }), d, { dtype: ta.dtype });
  const onDiag = x.sum(x.square(x.sub(1, x.sum(x.mul(c, eye), { axis: -1 }))));
  const offDiag = x.sum(x.mul(x.square(c), x.sub(1, eye)));
  return x.add(onDiag, x.mul(lambda, offDiag)) as never;
}

/**
 * Barlow Twins Σ_i (1 − C_ii)² + λ·Σ_{i≠j} C_ij² with C = z̃_Aᵀz̃_B/B the cross-correlation of the
 * batch-standardised views [B, d] (Zbontar et al. 2021; catalog S01); λ default 5·10⁻³, ε (added to
 * each feature's variance) default 1e-5. Batch-level. Invariant to positive per-feature affine maps
 * of either view (exactly at ε = 0).
 *
 * @example
 * losses.barlowTwins(x.tensor([[1, 1], [1, -1], [-1, 1], [-1, -1]]), x.tensor([[1, 1], [1, -1], [-1, 1], [-1, -1]])) // ≈ 0
 */
export const barlowTwins = publicFn(
  'barlowTwins',
  { a: matrixSchema, b: floatTensor, options: s.options({ lambda: nonNegativeOption, eps: nonNegativeOption }) },
  barlowTwinsImpl,
);

function alignmentLossImpl<D extends DType>(
  a: Tensor<[number, number], D> | Tensor,
  b: Tensor<[number, number], D> | Tensor,
  options: { readonly distance?: 'cosine' | 'l2'; readonly stopGradient?: boolean } = {},
): Tensor<[], D> {
  const fn = 'alignmentLoss';
  const [ta, raw] = views(fn, a, b);
  const tb = options.stopGradient === false ? raw : x.stopGradient(raw);
  if (options.distance !== 'l2') return x.mean(x.sub(1, x.cosineSimilarity(ta, tb))) as never;
  return x.mean(x.sum(x.square(x.sub(ta, tb)), { axis: -1 })) as never;
}

/**
 * View alignment mean_i d(a_i, sg(b_i)) between two views [N, d] (Grill et al. 2020, BYOL-style; catalog S05): 'cosine' (default)
 * 1 − cos, or 'l2' ‖a − b‖². The second view is detached unless `stopGradient: false`.
 *
 * @example
 * losses.alignmentLoss(x.tensor([[1, 0]]), x.tensor([[0, 1]])) // 1 − cos = 1
 */
export const alignmentLoss = publicFn(
  'alignmentLoss',
  {
    a: matrixSchema,
    b: floatTensor,
    options: s.options({ distance: s.optional(s.oneOf(['cosine', 'l2'])), stopGradient: s.optional(s.boolean) }),
  },
  alignmentLossImpl,
);

function vneRegularizerImpl<D extends DType>(
  embeddings: Tensor<[number, number], D> | Tensor,
  options: { readonly alpha?: number; readonly maximize?: boolean } = {},
): Tensor<[], D> {
  const alpha = options.alpha ?? 1;
  const entropy = vonNeumannOf('vneRegularizer', embeddings);
  return x.mul(options.maximize === false ? alpha : -alpha, entropy) as never;
}

/**
 * The VNE regulariser −α·S(C) (maximising the von Neumann entropy of the normalised embedding
 * covariance: decorrelation, isotropy, rank) or +α·S(C) with `maximize: false` (compression)
 * (Kim et al. 2023; catalog S02). Add it to a task loss.
 *
 * @example
 * losses.vneRegularizer(x.tensor([[1, 0], [0, 1]]), { alpha: 0.1 }) // −0.1·log 2
 */
export const vneRegularizer = publicFn(
  'vneRegularizer',
  { embeddings: matrixSchema, options: s.options({ alpha: finiteOption, maximize: s.optional(s.boolean) }) },
  vneRegularizerImpl,
);
