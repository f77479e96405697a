/** @file optax's sigmoid focal loss (binary and multi-label), with its focal weight in log space. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { LossOf, Reduction, ReductionOptions } from '../types.js';
import { floatTensor, nonEmpty, nonNegativeOption, reductionSchema, unitIntervalArg } from '../validate.js';

export interface SigmoidFocalOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** α ∈ [0, 1] weighs positives by α and negatives by 1 − α; absent (default): no weighting. */
  readonly alpha?: number;
  /** γ ≥ 0 (default 2); γ = 0 is binary cross-entropy. */
  readonly gamma?: number;
}

/**
 * Sigmoid focal loss α_t·(1 − p_t)^γ·BCE(z, y) elementwise, with p = σ(z), 1 − p_t = (1 − y)·p +
 * y·(1 − p) and BCE = softplus(z) − y·z (optax `sigmoid_focal_loss`; Lin et al. 2017). Labels are
 * in [0, 1] (soft labels allowed). log(1 − p_t) is a weighted logsumexp of log σ(±z), so logits
 * of ±1e4 stay finite. The labels are treated as constants: no gradient flows to them.
 *
 * @example
 * losses.sigmoidFocalLoss(x.tensor([0], { dtype: 'f64' }), x.tensor([1], { dtype: 'f64' })) // ¼·log 2 = 0.1732868
 */
export const sigmoidFocalLoss = publicFn(
  'sigmoidFocalLoss',
  {
    logits: s.tensor({ dtype: 'float' }),
    labels: floatTensor,
    options: s.options({
      alpha: s.optional(s.finite({ min: 0, max: 1 })),
      gamma: nonNegativeOption,
      reduction: reductionSchema,
    }),
  },
  function sigmoidFocalLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    logits: Tensor<S, D>,
    labels: Tensor<S, D>,
    options: SigmoidFocalOptions<R> = {},
  ): LossOf<S, R, D> {
    const fn = 'sigmoidFocalLoss';
    const z = nonEmpty(fn, 'logits', logits, 'a non-empty tensor');
    const y = x.stopGradient(unitIntervalArg(fn, 'labels', labels, z, 'logits'));
    const gamma = options.gamma ?? 2;
    const bce = x.sub(x.softplus(z), x.mul(y, z));
    const logOneMinusPt = x.weightedLogsumexp(
      x.stack([x.logSigmoid(z), x.logSigmoid(x.neg(z))], -1),
      x.stack([x.sub(1, y), y], -1),
      { axis: -1 },
    );
    const focal = gamma === 0 ? bce : x.mul(bce, x.exp(x.mul(gamma, logOneMinusPt)));
    const alpha = options.alpha;
    const weighted = alpha === undefined ? focal : x.mul(focal, x.add(x.mul(alpha, y), x.mul(1 - alpha, x.sub(1, y))));
    return reduce(weighted, options.reduction ?? 'mean') as never;
  },
);
