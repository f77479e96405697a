/** @file optax's KL divergences: KL from log-predictions and targets, generalized (convex) KL on unnormalised measures, and KL with log targets. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction, ReductionOptions } from '../types.js';
import { floatTensor, logitsSchema, nonEmpty, reductionSchema } from '../validate.js';
import { logSimplexArg, nonNegativeArg } from './args.js';

const klParams = (second: string) => ({
  logPredictions: logitsSchema,
  [second]: floatTensor,
  options: s.options({ reduction: reductionSchema }),
});

/** t·log q with 0 where t = 0 and log q = −Inf (no 0·∞), the gradient in t still log q elsewhere. */
function targetTimesLog(t: Tensor, logq: Tensor): Tensor {
  const dead = x.equal(logq, -Infinity);
  return x.mul(t, x.where(dead, x.where(x.equal(t, 0), 0, logq), logq));
}

/** Σ_k t·log t − t·log q + q − t per row: the Bregman divergence of x log x − x. */
function generalizedKl(fn: string) {
  return <S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    logPredictions: Tensor<S, D>,
    targets: Tensor<S, D>,
    options: ReductionOptions<R> = {},
  ): LossOf<BatchOf<S>, R, D> => {
    const lq = nonEmpty(fn, 'logPredictions', logPredictions, 'a non-empty last axis');
    const t = nonNegativeArg(fn, 'targets', targets, lq, 'logPredictions');
    const terms = x.add(x.sub(x.xlogy(t, t), targetTimesLog(t, lq)), x.sub(x.exp(lq), t));
    return reduce(x.sum(terms, { axis: -1 }), options.reduction ?? 'mean') as never;
  };
}

/**
 * Generalized KL Σ t·log(t/q) − t + q between non-negative measures t (targets) and q =
 * exp(logPredictions), per row (optax `generalized_kl_divergence`): ≥ 0, 0 iff q = t, equal to
 * KL(t‖q) when both sum to 1. Unlike `divergence.kl` (two logit rows, each normalised), nothing is
 * normalised. ∂/∂log q = q − t.
 *
 * @example
 * losses.generalizedKlDivergence(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([[2, 1]], { dtype: 'f64' })) // 2 log 2 − 1
 */
export const generalizedKlDivergence = publicFn(
  'generalizedKlDivergence',
  klParams('targets'),
  generalizedKl('generalizedKlDivergence'),
);

/** optax's older name (`convex_kl_divergence`) for `generalizedKlDivergence`: the same function. */
export const convexKlDivergence = publicFn(
  'convexKlDivergence',
  klParams('targets'),
  generalizedKl('convexKlDivergence'),
);

/**
 * KL(t‖q) = Σ t·(log t − log q) per row from log-probabilities log q and probabilities t (optax
 * `kl_divergence`; PyTorch `kl_div(log q, t)` before its reduction), 0·log 0 = 0. The log-predictions
 * must be a log-distribution (checked when concrete) and the targets non-negative; ∂/∂log q = −t.
 *
 * @example
 * losses.klDivergence(x.log(x.tensor([[0.5, 0.5]], { dtype: 'f64' })), x.tensor([[0.9, 0.1]], { dtype: 'f64' })) // 0.3680642
 */
export const klDivergence = publicFn('klDivergence', klParams('targets'), function klDivergence<
  S extends ShapeT,
  D extends DType,
  R extends Reduction = 'mean',
>(logPredictions: Tensor<S, D>, targets: Tensor<S, D>, options: ReductionOptions<R> = {}): LossOf<BatchOf<S>, R, D> {
  const fn = 'klDivergence';
  const lq = nonEmpty(fn, 'logPredictions', logPredictions, 'a non-empty last axis');
  logSimplexArg(fn, 'logPredictions', lq, lq, 'logPredictions');
  const t = nonNegativeArg(fn, 'targets', targets, lq, 'logPredictions');
  const terms = x.sub(x.xlogy(t, t), targetTimesLog(t, lq));
  return reduce(x.sum(terms, { axis: -1 }), options.reduction ?? 'mean') as never;
});

/**
 * KL(t‖q) = Σ t·(log t − log q) per row from log-probabilities of both (optax
 * `kl_divergence_with_log_targets`; PyTorch `kl_div(log q, log t, log_target=True)` before its
 * reduction). Both rows must be log-distributions (checked when concrete); `divergence.kl` takes
 * logits instead and normalises them.
 *
 * @example
 * losses.klDivergenceWithLogTargets(x.log(x.tensor([[0.5, 0.5]], { dtype: 'f64' })), x.log(x.tensor([[0.9, 0.1]], { dtype: 'f64' }))) // 0.3680642
 */
export const klDivergenceWithLogTargets = publicFn(
  'klDivergenceWithLogTargets',
  klParams('logTargets'),
  function klDivergenceWithLogTargets<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    logPredictions: Tensor<S, D>,
    logTargets: Tensor<S, D>,
    options: ReductionOptions<R> = {},
  ): LossOf<BatchOf<S>, R, D> {
    const fn = 'klDivergenceWithLogTargets';
    const lq = nonEmpty(fn, 'logPredictions', logPredictions, 'a non-empty last axis');
    logSimplexArg(fn, 'logPredictions', lq, lq, 'logPredictions');
    const lt = logSimplexArg(fn, 'logTargets', logTargets, lq, 'logPredictions');
    // t·(log t − log q) with 0 where t = 0 (log t = −Inf), its gradients finite there
    const dead = x.equal(lt, -Infinity);
    const ls = x.where(dead, 0, lt);
    const terms = x.where(dead, 0, x.mul(x.exp(ls), x.sub(ls, x.where(dead, 0, lq))));
    return reduce(x.sum(terms, { axis: -1 }), options.reduction ?? 'mean') as never;
  },
);
