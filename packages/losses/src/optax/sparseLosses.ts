/** @file Losses of the sparse projections: binary and multiclass sparsemax losses, and Fenchel–Young losses. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { type HardLabelLoss, hardLabelLoss } from '../classification/labelled.js';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction, ReductionOptions } from '../types.js';
import { floatTensor, logitsSchema, nonEmpty, reductionSchema, simplexArg } from '../validate.js';
import { binaryLabelsArg } from './args.js';
import { pickLabel } from './margin.js';
import { entmax15Of, sparsemaxOf } from './sparsemax.js';

/** sparse_plus(v): 0 for v ≤ −1, (v + 1)²/4 on (−1, 1), v for v ≥ 1 (C¹; NaN stays NaN). */
function sparsePlus(v: Tensor): Tensor {
  const inner = x.div(x.square(x.add(x.clip(v, -1, 1), 1)), 4);
  return x.where(x.greaterEqual(v, 1), v, inner);
}

/**
 * Binary sparsemax loss sparse_plus(±z) (optax `sparsemax_loss`; Blondel et al. 2020, §4.4), with
 * labels y ∈ {0, 1}: 0 iff sparse_sigmoid(z) = y, i.e. z ≥ 1 for y = 1 and z ≤ −1 for y = 0.
 *
 * @example
 * losses.sparsemaxLoss(x.tensor([0, 2], { dtype: 'f64' }), x.tensor([1, 1], { dtype: 'f64' })) // (¼ + 0)/2 = 0.125
 */
export const sparsemaxLoss = publicFn(
  'sparsemaxLoss',
  { logits: s.tensor({ dtype: 'float' }), labels: floatTensor, options: s.options({ reduction: reductionSchema }) },
  function sparsemaxLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    logits: Tensor<S, D>,
    labels: Tensor<S, D>,
    options: ReductionOptions<R> = {},
  ): LossOf<S, R, D> {
    const fn = 'sparsemaxLoss';
    const z = nonEmpty(fn, 'logits', logits, 'a non-empty tensor');
    const y = binaryLabelsArg(fn, labels, z);
    return reduce(sparsePlus(x.where(x.equal(y, 1), x.neg(z), z)), options.reduction ?? 'mean') as never;
  },
);

/** ⟨p, z⟩ over the support only (no 0·(−Inf) outside it). */
const supportDot = (p: Tensor, support: Tensor, z: Tensor): Tensor =>
  x.sum(x.mul(p, x.where(support, z, 0)), { axis: -1 });

/** ⟨z, y⟩ per row with 0 where y = 0 and z = −Inf; the gradient in y is still z elsewhere. */
function targetDot(z: Tensor, y: Tensor): Tensor {
  const safe = x.where(x.equal(z, -Infinity), x.where(x.equal(y, 0), 0, z), z);
  return x.sum(x.mul(safe, y), { axis: -1 });
}

/**
 * Multiclass sparsemax loss ⟨p, z⟩ − ½‖p‖² + ½ − z_y with p = sparsemax(z) (optax
 * `multiclass_sparsemax_loss`; Martins & Astudillo 2016): ≥ 0, 0 iff sparsemax(z) = e_y,
 * ∇_z = sparsemax(z) − e_y. Sort-free: O(K²) per row.
 *
 * @example
 * losses.multiclassSparsemaxLoss(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([0], { dtype: 'i32' })) // 0.25
 */
export const multiclassSparsemaxLoss: HardLabelLoss<object> = hardLabelLoss('multiclassSparsemaxLoss', {}, (c) => {
  const { p, support, shifted } = sparsemaxOf(c.logits);
  const conjugate = x.add(x.sub(supportDot(p, support, shifted), x.mul(0.5, x.sum(x.square(p), { axis: -1 }))), 0.5);
  return x.sub(conjugate, pickLabel(shifted, c.onehot()));
});

/** The regularisers Ω of `fenchelYoungLoss`. */
export type FenchelYoungRegularizer = 'softmax' | 'sparsemax' | 'entmax15';

export interface FenchelYoungOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** Ω (default 'softmax'): Shannon negentropy, ½‖p‖² (sparsemax) or the Tsallis 1.5 negentropy (1.5-entmax). */
  readonly regularizer?: FenchelYoungRegularizer;
}

/**
 * m·(1 − Σy) with m = max z (a constant for the gradient): the sparse forms work on z − m, and this
 * restores ⟨z, y⟩ = ⟨z − m, y⟩ + m·Σy, so the gradient in y is ∇Ω(y) − z off the simplex too.
 */
const maxTimesDeficit = (z: Tensor, y: Tensor): Tensor => {
  const m = x.stopGradient(x.max(z, { axis: -1 }));
  return x.mul(x.where(x.equal(m, -Infinity), 0, m), x.sub(1, x.sum(y, { axis: -1 })));
};

/** Ω*(z) + Ω(y) − ⟨z, y⟩ per row, each regulariser in the form that is finite at −Inf scores. */
const fenchelYoungRows: { readonly [K in FenchelYoungRegularizer]: (z: Tensor, y: Tensor) => Tensor } = {
  // LSE(z) + Σ y log y − ⟨z, y⟩ = Σ y log y − Σ y log p + LSE(z)·(1 − Σy): KL(y ‖ softmax z) on the simplex
  softmax: (z, y) => {
    const logp = x.logSoftmax(z);
    const dead = x.equal(logp, -Infinity);
    const cross = x.sum(x.mul(y, x.where(dead, x.where(x.equal(y, 0), 0, logp), logp)), { axis: -1 });
    const offSimplex = x.mul(x.logsumexp(z, { axis: -1 }), x.sub(1, x.sum(y, { axis: -1 })));
    return x.add(x.sub(x.sum(x.xlogy(y, y), { axis: -1 }), cross), offSimplex);
  },
  // ⟨p, z⟩ − ½‖p‖² + ½‖y‖² − ⟨z, y⟩
  sparsemax: (z, y) => {
    const { p, support, shifted } = sparsemaxOf(z);
    const half = (t: Tensor): Tensor => x.mul(0.5, x.sum(x.square(t), { axis: -1 }));
    const rows = x.sub(x.add(x.sub(supportDot(p, support, shifted), half(p)), half(y)), targetDot(shifted, y));
    return x.add(rows, maxTimesDeficit(z, y));
  },
  // ⟨p, z⟩ − (4/3)(Σp^{3/2} − 1) + (4/3)(Σy^{3/2} − 1) − ⟨z, y⟩, with p^{3/2} = root³ on the support
  entmax15: (z, y) => {
    const { p, root, support, shifted } = entmax15Of(z);
    const tsallisP = x.sum(x.mul(root, x.square(root)), { axis: -1 });
    const tsallisY = x.sum(x.pow(y, 1.5), { axis: -1 });
    const omegas = x.mul(4 / 3, x.sub(tsallisY, tsallisP));
    const rows = x.sub(x.add(supportDot(p, support, shifted), omegas), targetDot(shifted, y));
    return x.add(rows, maxTimesDeficit(z, y));
  },
};

/**
 * Fenchel–Young loss L_Ω(z; y) = Ω*(z) + Ω(y) − ⟨z, y⟩ for probability targets y (Blondel, Martins &
 * Niculae 2020; optax `make_fenchel_young_loss`). ≥ 0, 0 iff y = ŷ_Ω(z) (softmax, sparsemax or
 * 1.5-entmax of z), ∇_z = ŷ_Ω(z) − y; softmax gives KL(y‖softmax z). optax's loss is Ω*(z) − ⟨z, y⟩
 * without Ω(y): the same for one-hot targets (Ω(e_y) = 0) and the same gradient in z, but it is not 0
 * at ŷ = y for soft targets. sparsemax and 1.5-entmax cost O(K²) per row.
 *
 * @example
 * losses.fenchelYoungLoss(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([[1, 0]], { dtype: 'f64' }), { regularizer: 'sparsemax' }) // 0.25
 */
export const fenchelYoungLoss = publicFn(
  'fenchelYoungLoss',
  {
    scores: logitsSchema,
    targets: floatTensor,
    options: s.options({
      regularizer: s.optional(s.oneOf(['softmax', 'sparsemax', 'entmax15'])),
      reduction: reductionSchema,
    }),
  },
  function fenchelYoungLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    scores: Tensor<S, D>,
    targets: Tensor<S, D>,
    options: FenchelYoungOptions<R> = {},
  ): LossOf<BatchOf<S>, R, D> {
    const fn = 'fenchelYoungLoss';
    const z = nonEmpty(fn, 'scores', scores);
    const y = simplexArg(fn, 'targets', targets, z, 'scores');
    return reduce(fenchelYoungRows[options.regularizer ?? 'softmax'](z, y), options.reduction ?? 'mean') as never;
  },
);
