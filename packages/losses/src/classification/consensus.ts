/** @file Consensus cross-entropy: CE of every variant's logits against the variants' majority vote. */
import * as x from '@xent/core';
import type { DType, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { nonEmpty, reductionSchema } from '../validate.js';
import { reduce } from '../reduce.js';
import type { Reduction } from '../types.js';

function consensusImpl<D extends DType>(
  logits: Tensor<[number, ...number[]], D> | Tensor,
  options: { readonly reduction?: Reduction } = {},
): Tensor {
  const fn = 'consensusCrossEntropy';
  const z = nonEmpty(fn, 'logits', logits);
  const k = z.shape[z.rank - 1] as number;
  // the vote: the class most variants put first (ties to the lower index), as labels for every variant
  const votes = x.sum(x.oneHot(x.argmax(z, { axis: -1 }), k, { dtype: z.dtype }), { axis: 0 });
  const consensus = x.argmax(votes, { axis: -1 });
  const logp = x.logSoftmax(z);
  const picked = x.squeeze(
    x.gather(logp, x.expandDims(x.broadcastTo(consensus, z.shape.slice(0, -1)), -1), { axis: -1 }),
    -1,
  );
  return reduce(x.neg(x.mean(picked, { axis: 0 })), options.reduction ?? 'mean');
}

/**
 * Consensus cross-entropy (1/V)·Σ_v CE(z^{(v)}, ŷ) for logits [V, ..., K] of V prompt/augmentation
 * variants, ŷ the majority vote of their arg-maxes (ties to the lower class index; no gradient through
 * the vote) (F²C; catalog L24, the CE part — the representation-alignment term is `[recon]` and left to
 * `alignmentLoss`). Invariant to the order of the variants; equals CE when every variant agrees.
 *
 * @example
 * losses.consensusCrossEntropy(x.tensor([[[2, 0, 0]], [[0, 1, 0]], [[3, 0, 1]]], { dtype: 'f64' })) // labels 0
 */
export const consensusCrossEntropy = publicFn(
  'consensusCrossEntropy',
  { logits: s.tensor({ dtype: 'float', rank: [2, Infinity] }), options: s.options({ reduction: reductionSchema }) },
  consensusImpl,
);
