/** @file Adaptive KL distillation (AKL): forward and reverse KL weighted by the teacher's head and tail gaps. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { expectedLog } from '../information/logSpace.js';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import { floatTensor, logitsSchema, nonEmpty, reductionSchema, sameAs } from '../validate.js';

export interface AdaptiveKlOptions<R extends Reduction = Reduction> {
  /** μ ∈ (0, 1] (default 0.5): the head is the shortest prefix of the teacher's classes with mass ≥ μ. */
  readonly mu?: number;
  /** 'mean' over rows (default), 'sum' or 'none'. */
  readonly reduction?: R;
}

function adaptiveKlImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  studentLogits: Tensor<S, D>,
  teacherLogits: Tensor<S, D>,
  options: AdaptiveKlOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  const fn = 'adaptiveKlLoss';
  const zs = nonEmpty(fn, 'studentLogits', studentLogits);
  const zt = x.stopGradient(sameAs(fn, 'teacherLogits', teacherLogits, zs, 'studentLogits'));
  const [ls, lt] = [x.logSoftmax(zs), x.logSoftmax(zt)];
  const t = x.exp(lt);
  // the teacher's order (descending, ties by lower index: argsort is stable); a class is in the head
  // iff the teacher mass ranked strictly before it is < μ (an exclusive running sum along the order)
  const perm = x.argsort(t, { axis: -1, descending: true });
  const massBefore = x.cumsum(x.gather(t, perm, { axis: -1 }), { axis: -1, exclusive: true });
  const head = x.less(massBefore, options.mu ?? 0.5);
  const gap = x.gather(x.stopGradient(x.abs(x.sub(t, x.exp(ls)))), perm, { axis: -1 });
  const gHead = x.sum(x.where(head, gap, 0), { axis: -1 });
  const gTail = x.sum(x.where(head, 0, gap), { axis: -1 });
  const total = x.add(gHead, gTail);
  const forward = x.sub(expectedLog(lt, lt), expectedLog(lt, ls));
  const reverse = x.sub(expectedLog(ls, ls), expectedLog(ls, lt));
  // s = t: both gaps and both divergences are 0; safeDiv keeps the weights (and the loss) at 0
  const loss = x.add(x.mul(x.safeDiv(gHead, total), forward), x.mul(x.safeDiv(gTail, total), reverse));
  return reduce(loss, options.reduction ?? 'mean') as never;
}

/**
 * Adaptive KL (Wu et al. 2025, "Rethinking Kullback–Leibler Divergence in Knowledge Distillation for
 * Large Language Models"; catalog R07, `[recon]`): per row, the head is the shortest prefix of the
 * classes sorted by teacher probability with mass ≥ μ, the tail the rest; with the gaps
 * g_h = Σ_head |t − s|, g_t = Σ_tail |t − s| (detached), AKL = g_h/(g_h + g_t)·KL(t‖s) +
 * g_t/(g_h + g_t)·KL(s‖t). Class i is in the head iff the teacher mass ranked before it
 * (descending, ties by lower index) is < μ: one stable argsort and an exclusive cumsum per row,
 * O(K log K). 0 iff s = t; the teacher is detached.
 *
 * @example
 * losses.adaptiveKlLoss(x.tensor([[0, 1, 2]], { dtype: 'f64' }), x.tensor([[2, 1, 0]], { dtype: 'f64' }))
 */
export const adaptiveKlLoss = publicFn(
  'adaptiveKlLoss',
  {
    studentLogits: logitsSchema,
    teacherLogits: floatTensor,
    options: s.options({
      mu: s.optional(s.number({ min: 0, max: 1, minOpen: true })),
      reduction: reductionSchema,
    }),
  },
  adaptiveKlImpl,
);
