/** @file Sequence log-probabilities log π(y) = Σ_t log p(y_t ∣ y_<t) from per-token logits: the plumbing of DPO-style losses. */
import * as x from '@xent/core';
import type { DType, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { crossEntropyOf } from '../classification/crossEntropy.js';
import { integerOption, labelsSchema } from '../validate.js';

export interface SequenceLogProbOptions {
  /** Tokens with this label (padding, the prompt) add nothing. */
  readonly ignoreIndex?: number;
  /** Divide by the number of kept tokens (a per-token mean, as SimPO and IPO use); default false (the sum DPO uses). */
  readonly average?: boolean;
}

function sequenceLogProbsImpl<D extends DType>(
  logits: Tensor<[number, number, number], D> | Tensor,
  labels: Tensor,
  options: SequenceLogProbOptions = {},
): Tensor {
  const fn = 'sequenceLogProbs';
  const { ignoreIndex } = options;
  const perToken = crossEntropyOf(fn, logits, labels, {
    reduction: 'none',
    ...(ignoreIndex === undefined ? {} : { ignoreIndex }),
  });
  const total = x.neg(x.sum(perToken, { axis: -1 }));
  if (options.average !== true) return total;
  const kept = ignoreIndex === undefined ? x.onesLike(perToken) : x.cast(x.notEqual(labels, ignoreIndex), logits.dtype);
  return x.safeDiv(total, x.sum(kept, { axis: -1 }));
}

/**
 * log π(y) = Σ_t log softmax(z_t)_{y_t} per sequence, for logits [B, T, K] (already aligned: z_t scores
 * token y_t) and labels [B, T]: a [B] tensor, 0 for a sequence whose tokens are all ignored. The
 * inputs of `dpoLoss` and `hDpoLoss`; its gradient is −(softmax(z_t) − e_{y_t}) per kept token.
 *
 * @example
 * losses.sequenceLogProbs(x.zeros([1, 3, 4], { dtype: 'f64' }), x.tensor([[0, 1, -100]], { dtype: 'i32' }), { ignoreIndex: -100 }) // 2·log ¼
 */
export const sequenceLogProbs = publicFn(
  'sequenceLogProbs',
  {
    logits: s.tensor({ dtype: 'float', rank: 3 }),
    labels: labelsSchema,
    options: s.options({ ignoreIndex: integerOption, average: s.optional(s.boolean) }),
  },
  sequenceLogProbsImpl,
);
