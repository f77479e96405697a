/** @file Label-noise-robust losses: reverse and symmetric CE, normalised losses (NCE, NFL, any base loss), active–passive pairs. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import { choiceArg, logitsArg, numberArg, reductionArg, rules, sameAs } from '../validate.js';
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
  (c, options: ReverseCrossEntropyOptions, fn) => {
    const a = numberArg(fn, 'logZero', options.logZero, -4, rules.negative);
    return rceTerms(c, a);
  },
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
  (c, options: SymmetricCrossEntropyOptions, fn) => {
    const alpha = numberArg(fn, 'alpha', options.alpha, 0.1, rules.nonNegative);
    const beta = numberArg(fn, 'beta', options.beta, 1, rules.nonNegative);
    const a = numberArg(fn, 'logZero', options.logZero, -4, rules.negative);
    return x.add(x.mul(-alpha, c.logpy), x.mul(beta, rceTerms(c, a)));
  },
);

/**
 * The mean-teacher consistency form ½[H(sg(q_T), p_S) + H(p_S, sg(q_T))] with q_T = softmax of the
 * teacher logits, detached (catalog L15b). Both gradient halves sum to 0 over classes; minimal at p_S = q_T.
 *
 * @example
 * losses.softSymmetricCrossEntropy(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([[0, 1, 1]], { dtype: 'f64' }))
 */
export function softSymmetricCrossEntropy<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  studentLogits: Tensor<S, D>,
  teacherLogits: Tensor<S, D>,
  options: { readonly reduction?: R } = {},
): LossOf<BatchOf<S>, R, D> {
  const fn = 'softSymmetricCrossEntropy';
  const zs = logitsArg(fn, 'studentLogits', studentLogits);
  const zt = x.stopGradient(sameAs(fn, 'teacherLogits', teacherLogits, zs, 'studentLogits'));
  const reduction = reductionArg(fn, options.reduction);
  const logps = x.logSoftmax(zs);
  const logqt = x.logSoftmax(zt);
  const forward = x.neg(expectedLog(logqt, logps));
  const backward = x.neg(expectedLog(logps, logqt));
  return reduce(x.mul(0.5, x.add(forward, backward)), reduction) as never;
}

/**
 * Normalised cross-entropy (−log p_y)/Σ_j(−log p_j) ∈ [0, 1] (Ma et al. 2020; catalog L16):
 * Σ_y NCE(z, y) = 1, the condition for robustness to symmetric label noise.
 *
 * @example
 * losses.normalizedCrossEntropy(x.log(x.tensor([[0.5, 0.25, 0.25]], { dtype: 'f64' })), x.tensor([0], { dtype: 'i32' })) // 0.2
 */
export const normalizedCrossEntropy: HardLabelLoss<object> = hardLabelLoss('normalizedCrossEntropy', (c) =>
  nceTerms(c),
);

/**
 * Normalised focal loss FL(z, y)/Σ_j FL(z, j) (Ma et al. 2020; catalog L16).
 *
 * @example
 * losses.normalizedFocalLoss(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' }), { gamma: 2 })
 */
export const normalizedFocalLoss: HardLabelLoss<{ readonly gamma?: number }> = hardLabelLoss(
  'normalizedFocalLoss',
  (c, options: { readonly gamma?: number }, fn) => {
    const gamma = numberArg(fn, 'gamma', options.gamma, 2, rules.nonNegative);
    return nflTerms(c, gamma);
  },
);

/** A hard-label loss with per-sample output (`reduction: 'none'`). */
export type PerSampleLoss = (logits: Tensor, labels: Tensor, options: { readonly reduction: 'none' }) => Tensor;

/**
 * The normalising wrapper L_norm(z, y) = L(z, y)/Σ_j L(z, j) for any per-sample hard-label loss
 * (catalog L16): it evaluates L once per class, so Σ_y L_norm(z, y) = 1 by construction.
 *
 * @example
 * losses.normalized(losses.crossEntropy, 'crossEntropy')(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' })) // = normalizedCrossEntropy
 */
export function normalized(base: PerSampleLoss, name = base.name || 'loss') {
  return <S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    logits: Tensor<S, D>,
    labels: Tensor<BatchOf<S>>,
    options: { readonly reduction?: R } = {},
  ): LossOf<BatchOf<S>, R, D> => {
    const fn = `normalized(${name})`;
    const c = labelled(fn, logits, labels, {});
    const reduction = reductionArg(fn, options.reduction);
    const z = c.logits;
    const batch = z.shape.slice(0, -1);
    const perClass = Array.from({ length: c.classes }, (_, j) =>
      base(z, x.full(batch, j, { dtype: 'i32' }) as Tensor, { reduction: 'none' }),
    );
    const total = perClass.reduce((a, b) => x.add(a, b));
    const mine = base(z, labels, { reduction: 'none' });
    return reduce(x.div(mine, total), reduction) as never;
  };
}

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
  (c, options: ActivePassiveOptions, fn) => {
    const alpha = numberArg(fn, 'alpha', options.alpha, 1, rules.nonNegative);
    const beta = numberArg(fn, 'beta', options.beta, 1, rules.nonNegative);
    const gamma = numberArg(fn, 'gamma', options.gamma, 2, rules.nonNegative);
    const a = numberArg(fn, 'logZero', options.logZero, -4, rules.negative);
    const active = choiceArg(fn, 'active', options.active, ['nce', 'nfl'], 'nce');
    const passive = choiceArg(fn, 'passive', options.passive, ['rce', 'mae'], 'rce');
    const activeTerm = active === 'nce' ? nceTerms(c) : nflTerms(c, gamma);
    const passiveTerm = passive === 'rce' ? rceTerms(c, a) : maeTerms(c);
    return x.add(x.mul(alpha, activeTerm), x.mul(beta, passiveTerm));
  },
);
