/** @file Knowledge distillation: Hinton's temperature-scaled forward KL and the reverse-KL (mode-seeking) form. */
import * as x from '@xent/core';
import type { ShapeT, Tensor, DType } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import { floatTensor, logitsSchema, nonEmpty, positiveOption, reductionSchema, sameAs } from '../validate.js';
import { expectedLog } from '../information/logSpace.js';

export interface DistillationOptions<R extends Reduction = Reduction> {
  /** τ > 0 (default 1): both distributions are softmax(z/τ). */
  readonly temperature?: number;
  readonly reduction?: R;
}

/** The signature of both distillation losses. */
const distillationParams = {
  studentLogits: logitsSchema,
  teacherLogits: floatTensor,
  options: s.options({ temperature: positiveOption, reduction: reductionSchema }),
};

function pair(fn: string, student: Tensor, teacher: Tensor, options: DistillationOptions) {
  const zs = nonEmpty(fn, 'studentLogits', student);
  const zt = x.stopGradient(sameAs(fn, 'teacherLogits', teacher, zs, 'studentLogits'));
  const temperature = options.temperature ?? 1;
  const reduction = options.reduction ?? 'mean';
  return { logps: x.logSoftmax(zs, { temperature }), logpt: x.logSoftmax(zt, { temperature }), temperature, reduction };
}

function distillationLossImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  studentLogits: Tensor<S, D>,
  teacherLogits: Tensor<S, D>,
  options: DistillationOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  const { logps, logpt, temperature, reduction } = pair('distillationLoss', studentLogits, teacherLogits, options);
  const kl = x.sub(expectedLog(logpt, logpt), expectedLog(logpt, logps));
  return reduce(x.mul(temperature * temperature, kl), reduction) as never;
}

/**
 * Hinton distillation τ²·KL(softmax(z_T/τ) ‖ softmax(z_S/τ)) per sample (catalog R05); the teacher is
 * detached. ∇_{z_S} = τ·(p_S^τ − p_T^τ): the τ² keeps gradient magnitudes comparable across τ.
 *
 * @example
 * losses.distillationLoss(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([[3, 2, 1]], { dtype: 'f64' }), { temperature: 2 })
 */
export const distillationLoss = publicFn('distillationLoss', distillationParams, distillationLossImpl);

function reverseKlDistillationLossImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  studentLogits: Tensor<S, D>,
  teacherLogits: Tensor<S, D>,
  options: DistillationOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  const { logps, logpt, temperature, reduction } = pair(
    'reverseKlDistillationLoss',
    studentLogits,
    teacherLogits,
    options,
  );
  const kl = x.sub(expectedLog(logps, logps), expectedLog(logps, logpt));
  return reduce(x.mul(temperature * temperature, kl), reduction) as never;
}

/**
 * Reverse-KL distillation τ²·KL(softmax(z_S/τ) ‖ softmax(z_T/τ)) (Gu et al. 2024, MiniLLM; catalog R06): mode-seeking;
 * ∇_{z_S} KL(p‖t) = p⊙(log p − log t − KL) at τ = 1. Not convex in z_S.
 *
 * @example
 * losses.reverseKlDistillationLoss(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([[3, 2, 1]], { dtype: 'f64' }))
 */
export const reverseKlDistillationLoss = publicFn(
  'reverseKlDistillationLoss',
  distillationParams,
  reverseKlDistillationLossImpl,
);
