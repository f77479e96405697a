/** @file Plackett–Luce distillation (PLD): a list-wise loss over the teacher's class order, label first. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { labelled, finish, type LabelOptions, labelOptionFields } from '../classification/labelled.js';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import { floatTensor, labelsSchema, logitsSchema, positiveOption, sameAs } from '../validate.js';

export interface PlackettLuceOptions<R extends Reduction = Reduction> extends LabelOptions<R> {
  /** Temperature of the teacher's softmax (default 1). */
  readonly temperature?: number;
}

function pldImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  studentLogits: Tensor<S, D>,
  teacherLogits: Tensor<S, D>,
  labels: Tensor<BatchOf<S>>,
  options: PlackettLuceOptions<R> = {},
): LossOf<BatchOf<S>, R, D> {
  const fn = 'plackettLuceLoss';
  const { temperature, ...labelOptions } = options;
  const c = labelled(fn, studentLogits, labels, labelOptions);
  const z = c.logp;
  const t = x.stopGradient(
    x.softmax(sameAs(fn, 'teacherLogits', teacherLogits, c.logits, 'studentLogits'), { temperature: temperature ?? 1 }),
  );
  // the order π: the label first (a key above every probability), then descending t, ties by lower
  // index (argsort is stable); ignored samples have no label (any order, their loss is dropped)
  const perm = x.argsort(x.where(x.greater(c.onehot(), 0), 2, t), { axis: -1, descending: true });
  const zp = x.gather(z, perm, { axis: -1 });
  // LSE_{j≥k} z_{π_j}: a reverse running log-sum-exp along the order
  const lse = x.logcumsumexp(zp, { axis: -1, reverse: true });
  // a −Inf logit removes its class (the library's convention): its own term is dropped, and it adds
  // e^{−∞} = 0 to the others' suffixes; a masked label keeps its +Inf term (as CE)
  const alive = x.gather(x.where(x.greater(z, -Infinity), true, x.greater(c.onehot(), 0)), perm, { axis: -1 });
  const tp = x.gather(t, perm, { axis: -1 });
  const terms = x.where(alive, x.mul(tp, x.sub(lse, x.where(alive, zp, 0))), 0);
  return finish(c, x.sum(terms, { axis: -1 })) as never;
}

/**
 * Plackett–Luce distillation L = Σ_k t_{π_k}·[LSE_{j≥k} z_{π_j} − z_{π_k}] (Bassam et al. 2025,
 * "Plackett–Luce Distillation"; catalog R01), the order π putting the label first and the other classes
 * by descending teacher probability t = softmax(teacherLogits/τ) (detached; ties by lower class index).
 * One stable argsort and a reverse `logcumsumexp` per row: O(K log K), fit for vocabularies. A −Inf
 * logit removes its class from the order. Convex, shift-invariant, gradient rows sum to 0;
 * teacher weights e_y give CE; the first term is t_y·CE.
 *
 * @example
 * losses.plackettLuceLoss(x.tensor([[0, 1, 2]], { dtype: 'f64' }), x.tensor([[0, 2, 1]], { dtype: 'f64' }), x.tensor([0], { dtype: 'i32' })) // 1.0903936
 */
export const plackettLuceLoss = publicFn(
  'plackettLuceLoss',
  {
    studentLogits: logitsSchema,
    teacherLogits: floatTensor,
    labels: labelsSchema,
    options: s.options({ ...labelOptionFields, temperature: positiveOption }),
  },
  pldImpl,
);
