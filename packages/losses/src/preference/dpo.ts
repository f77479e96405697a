/** @file Direct preference optimisation: DPO and the entropy-controllable H-DPO, on sequence log-probabilities. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { type Params, publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { LossOf, Reduction } from '../types.js';
import { floatTensor, nonEmpty, positiveOption, reductionSchema, sameAs } from '../validate.js';

export interface DpoOptions<R extends Reduction = Reduction> {
  /** β > 0 (default 0.1): the strength of the implicit KL constraint to the reference. */
  readonly beta?: number;
  /** 'mean' over pairs (default), 'sum' or 'none'. */
  readonly reduction?: R;
}

export interface HDpoOptions<R extends Reduction = Reduction> extends DpoOptions<R> {
  /** α > 0 (default 1, which is DPO): α < 1 sharpens the policy (lower entropy), α > 1 flattens it. */
  readonly alpha?: number;
}

/** The four [B] log-probability tensors (policy chosen/rejected, reference chosen/rejected), checked alike. */
const pairParams = (extra: Params): Params => ({
  policyChosen: floatTensor,
  policyRejected: floatTensor,
  referenceChosen: floatTensor,
  referenceRejected: floatTensor,
  options: s.options({ beta: positiveOption, reduction: reductionSchema, ...extra }),
});

/** −log σ(β·[α·(log π(y_w) − log π(y_l)) − (log π_ref(y_w) − log π_ref(y_l))]), the reference detached. */
function preferenceOf(
  fn: string,
  chosen: Tensor,
  rejected: Tensor,
  refChosen: Tensor,
  refRejected: Tensor,
  alpha: number,
  beta: number,
): Tensor {
  const w = nonEmpty(fn, 'policyChosen', chosen, 'a non-empty last axis');
  const l = sameAs(fn, 'policyRejected', rejected, w, 'policyChosen');
  const rw = x.stopGradient(sameAs(fn, 'referenceChosen', refChosen, w, 'policyChosen'));
  const rl = x.stopGradient(sameAs(fn, 'referenceRejected', refRejected, w, 'policyChosen'));
  const margin = x.sub(x.mul(alpha, x.sub(w, l)), x.sub(rw, rl));
  // −log σ(βm) = softplus(−βm): finite and exact for margins of any size
  return x.softplus(x.mul(-beta, margin));
}

function dpoImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  policyChosen: Tensor<S, D>,
  policyRejected: Tensor<S, D>,
  referenceChosen: Tensor<S, D>,
  referenceRejected: Tensor<S, D>,
  options: DpoOptions<R> = {},
): LossOf<S, R, D> {
  const terms = preferenceOf(
    'dpoLoss',
    policyChosen,
    policyRejected,
    referenceChosen,
    referenceRejected,
    1,
    options.beta ?? 0.1,
  );
  return reduce(terms, options.reduction ?? 'mean') as never;
}

/**
 * DPO, −log σ(β·[(log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))]) (Rafailov et al. 2023,
 * "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"; catalog R09), from
 * sequence log-probabilities [B] (see `sequenceLogProbs`); the reference terms get no gradient.
 * ≥ 0, decreasing in the margin, log 2 at margin 0, invariant to adding a constant to both policy terms.
 *
 * @example
 * losses.dpoLoss(x.tensor([-3], { dtype: 'f64' }), x.tensor([-5], { dtype: 'f64' }), x.tensor([-4], { dtype: 'f64' }), x.tensor([-4], { dtype: 'f64' }), { beta: 0.5 }) // softplus(−1)
 */
export const dpoLoss = publicFn('dpoLoss', pairParams({}), dpoImpl);

function hDpoImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  policyChosen: Tensor<S, D>,
  policyRejected: Tensor<S, D>,
  referenceChosen: Tensor<S, D>,
  referenceRejected: Tensor<S, D>,
  options: HDpoOptions<R> = {},
): LossOf<S, R, D> {
  const terms = preferenceOf(
    'hDpoLoss',
    policyChosen,
    policyRejected,
    referenceChosen,
    referenceRejected,
    options.alpha ?? 1,
    options.beta ?? 0.1,
  );
  return reduce(terms, options.reduction ?? 'mean') as never;
}

/**
 * H-DPO, −log σ(β·[α·log π(y_w) − log π_ref(y_w) − α·log π(y_l) + log π_ref(y_l)]) (Omura et al. 2024,
 * "Entropy Controllable Direct Preference Optimization"; catalog R10, `[recon]`): α < 1 lowers the
 * policy's entropy; α = 1 is DPO exactly.
 *
 * @example
 * losses.hDpoLoss(x.tensor([-3], { dtype: 'f64' }), x.tensor([-5], { dtype: 'f64' }), x.tensor([-4], { dtype: 'f64' }), x.tensor([-4], { dtype: 'f64' }), { alpha: 0.5 })
 */
export const hDpoLoss = publicFn('hDpoLoss', pairParams({ alpha: positiveOption }), hDpoImpl);
