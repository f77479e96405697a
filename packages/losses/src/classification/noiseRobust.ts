/** @file Label-noise-robust losses: reverse and symmetric CE, normalised losses (NCE, NFL, any base loss), active–passive pairs. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import {
  floatTensor,
  labelsSchema,
  logitsSchema,
  nonEmpty,
  nonNegativeOption,
  reductionSchema,
  sameAs,
} from '../validate.js';
import { expectedLog } from '../information/logSpace.js';
import { focalOf } from './focal.js';
import { maeTerms } from './squareLosses.js';
import { type HardLabelLoss, hardLabelLoss, type Labelled, labelled } from './labelled.js';

/** −A·(1 − p_y): RCE with log 0 := A. */
const rceTerms = (c: Labelled, a: number): Tensor => x.mul(a, x.expm1(c.logpy));

/** log p_y/Σ_j log p_j. */
const nceTerms = (c: Labelled): Tensor => x.div(c.logpy, x.sum(c.logp, { axis: -1 }));

/** FL(z, y)/Σ_j FL(z, j). */
const nflTerms = (c: Labelled, gamma: number): Tensor =>
  x.div(focalOf(c.logpy, gamma), x.sum(focalOf(c.logp, gamma), { axis: -1 }));

/** A < 0: the value RCE gives to log 0. */
const logZeroOption = s.optional(s.finite({ max: 0, maxOpen: true }));

export interface ReverseCrossEntropyOptions {
  /** A < 0 (default −4): the value given to log 0. */
  readonly logZero?: number;
}

/**
 * Reverse cross-entropy −Σ_k p_k·log(e_y)_k with log 0 := A, = −A·(1 − p_y) ∈ [0, −A] (Wang et al.
 * 2019; catalog L14). Symmetric: Σ_y RCE(z, y) = −A·(K − 1).
 *
 * @example
 * losses.reverseCrossEntropy(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' })) // 4·(1 − p_y)
 */
export const reverseCrossEntropy: HardLabelLoss<ReverseCrossEntropyOptions> = hardLabelLoss(
  'reverseCrossEntropy',
  { logZero: logZeroOption },
  (c, options: ReverseCrossEntropyOptions) => rceTerms(c, options.logZero ?? -4),
);

export interface SymmetricCrossEntropyOptions extends ReverseCrossEntropyOptions {
  /** Weight of CE (default 0.1). */
  readonly alpha?: number;
  /** Weight of RCE (default 1). */
  readonly beta?: number;
}

/**
 * Symmetric CE α·CE + β·RCE (Wang et al. 2019; catalog L15a): gradient (α − A·β·p_y)·(p − e_y).
 *
 * @example
 * losses.symmetricCrossEntropy(x.log(x.tensor([[0.5, 0.25, 0.25]], { dtype: 'f64' })), x.tensor([0], { dtype: 'i32' })) // 2.0693147
 */
export const symmetricCrossEntropy: HardLabelLoss<SymmetricCrossEntropyOptions> = hardLabelLoss(
  'symmetricCrossEntropy',
  { alpha: nonNegativeOption, beta: nonNegativeOption, logZero: logZeroOption },
  (c, options: SymmetricCrossEntropyOptions) =>
    x.add(x.mul(-(options.alpha ?? 0.1), c.logpy), x.mul(options.beta ?? 1, rceTerms(c, options.logZero ?? -4))),
);

function softSymmetricCrossEntropyImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  studentLogits: Tensor<S, D>,
  teacherLogits: Tensor<S, D>,
  options: { readonly reduction?: R } = {},
): LossOf<BatchOf<S>, R, D> {
  const fn = 'softSymmetricCrossEntropy';
  const zs = nonEmpty(fn, 'studentLogits', studentLogits);
  const zt = x.stopGradient(sameAs(fn, 'teacherLogits', teacherLogits, zs, 'studentLogits'));
  const logps = x.logSoftmax(zs);
  const logqt = x.logSoftmax(zt);
  const forward = x.neg(expectedLog(logqt, logps));
  const backward = x.neg(expectedLog(logps, logqt));
  return reduce(x.mul(0.5, x.add(forward, backward)), options.reduction ?? 'mean') as never;
}

/**
 * The mean-teacher consistency form ½[H(sg(q_T), p_S) + H(p_S, sg(q_T))] with q_T = softmax of the
 * teacher logits, detached (catalog L15b). Both gradient halves sum to 0 over classes; minimal at p_S = q_T.
 *
 * @example
 * losses.softSymmetricCrossEntropy(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([[0, 1, 1]], { dtype: 'f64' }))
 */
export const softSymmetricCrossEntropy = publicFn(
  'softSymmetricCrossEntropy',
  { studentLogits: logitsSchema, teacherLogits: floatTensor, options: s.options({ reduction: reductionSchema }) },
  softSymmetricCrossEntropyImpl,
);

/**
 * Normalised cross-entropy (−log p_y)/Σ_j(−log p_j) ∈ [0, 1] (Ma et al. 2020; catalog L16):
 * Σ_y NCE(z, y) = 1, the condition for robustness to symmetric label noise.
 *
 * @example
 * losses.normalizedCrossEntropy(x.log(x.tensor([[0.5, 0.25, 0.25]], { dtype: 'f64' })), x.tensor([0], { dtype: 'i32' })) // 0.2
 */
export const normalizedCrossEntropy: HardLabelLoss<object> = hardLabelLoss('normalizedCrossEntropy', {}, nceTerms);

/**
 * Normalised focal loss FL(z, y)/Σ_j FL(z, j) (Ma et al. 2020; catalog L16).
 *
 * @example
 * losses.normalizedFocalLoss(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' }), { gamma: 2 })
 */
export const normalizedFocalLoss: HardLabelLoss<{ readonly gamma?: number }> = hardLabelLoss(
  'normalizedFocalLoss',
  { gamma: nonNegativeOption },
  (c, options: { readonly gamma?: number }) => nflTerms(c, options.gamma ?? 2),
);

/** A hard-label loss with per-sample output (`reduction: 'none'`). */
export type PerSampleLoss = (logits: Tensor, labels: Tensor, options: { readonly reduction: 'none' }) => Tensor;

function normalizedImpl(base: PerSampleLoss, name: string = base.name || 'loss') {
  const fn = `normalized(${name})`;
  const loss = <S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    logits: Tensor<S, D>,
    labels: Tensor<BatchOf<S>>,
    options: { readonly reduction?: R } = {},
  ): LossOf<BatchOf<S>, R, D> => {
    const c = labelled(fn, logits, labels, {});
    const z = c.logits;
    const batch = z.shape.slice(0, -1);
    const perClass = Array.from({ length: c.classes }, (_, j) =>
      base(z, x.full(batch, j, { dtype: 'i32' }) as Tensor, { reduction: 'none' }),
    );
    const total = perClass.reduce((a, b) => x.add(a, b));
    const mine = base(z, labels, { reduction: 'none' });
    return reduce(x.div(mine, total), options.reduction ?? 'mean') as never;
  };
  return publicFn(
    fn,
    { logits: logitsSchema, labels: labelsSchema, options: s.options({ reduction: reductionSchema }) },
    loss,
  );
}

/**
 * The normalising wrapper L_norm(z, y) = L(z, y)/Σ_j L(z, j) for any per-sample hard-label loss
 * (catalog L16): it evaluates L once per class, so Σ_y L_norm(z, y) = 1 by construction. The
 * returned loss checks its own arguments and names itself `normalized(<name>)` in errors.
 *
 * @example
 * losses.normalized(losses.crossEntropy, 'crossEntropy')(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' })) // = normalizedCrossEntropy
 */
export const normalized = publicFn('normalized', { base: s.fn, name: s.optional(s.string) }, normalizedImpl);

export interface ActivePassiveOptions {
  /** The active (normalised) term: 'nce' (default) or 'nfl'. */
  readonly active?: 'nce' | 'nfl';
  /** The passive (bounded) term: 'rce' (default) or 'mae'. */
  readonly passive?: 'rce' | 'mae';
  /** Weight of the active term (default 1). */
  readonly alpha?: number;
  /** Weight of the passive term (default 1). */
  readonly beta?: number;
  /** γ of NFL (default 2). */
  readonly gamma?: number;
  /** A of RCE (default −4). */
  readonly logZero?: number;
}

/**
 * Active–passive loss α·L_active + β·L_passive, e.g. NCE+RCE, NCE+MAE (Ma et al. 2020; catalog L17).
 *
 * @example
 * losses.activePassiveLoss(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' }), { active: 'nce', passive: 'mae' })
 */
export const activePassiveLoss: HardLabelLoss<ActivePassiveOptions> = hardLabelLoss(
  'activePassiveLoss',
  {
    active: s.optional(s.oneOf(['nce', 'nfl'])),
    passive: s.optional(s.oneOf(['rce', 'mae'])),
    alpha: nonNegativeOption,
    beta: nonNegativeOption,
    gamma: nonNegativeOption,
    logZero: logZeroOption,
  },
  (c, options: ActivePassiveOptions) => {
    const activeTerm = (options.active ?? 'nce') === 'nce' ? nceTerms(c) : nflTerms(c, options.gamma ?? 2);
    const passiveTerm = (options.passive ?? 'rce') === 'rce' ? rceTerms(c, options.logZero ?? -4) : maeTerms(c);
    return x.add(x.mul(options.alpha ?? 1, activeTerm), x.mul(options.beta ?? 1, passiveTerm));
  },
);
