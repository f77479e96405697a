/** @file Sequence cross-entropy (mean over kept tokens) and perplexity. */
import * as x from '@xent/core';
import type { DType, Tensor } from '@xent/core';
import { type Params, publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { Reduction } from '../types.js';
import { integerOption, labelsSchema } from '../validate.js';
import { crossEntropyOf } from './crossEntropy.js';

export interface SequenceOptions<R extends Reduction = Reduction> {
  /** 'mean' over all kept tokens (default), 'sum', or 'none': one mean per sequence [B]. */
  readonly reduction?: R;
  /** Tokens with this label (padding) are left out. */
  readonly ignoreIndex?: number;
}

/** The signature of a sequence loss taking the given reductions. */
const sequenceParams = (reductions: readonly Reduction[]): Params => ({
  logits: s.tensor({ dtype: 'float', rank: 3 }),
  labels: labelsSchema,
  options: s.options({ reduction: s.optional(s.oneOf(reductions)), ignoreIndex: integerOption }),
});

/** The sequence cross-entropy on behalf of `fn` (its options already checked). */
function sequenceOf(fn: string, logits: Tensor, labels: Tensor, options: SequenceOptions): Tensor {
  const { ignoreIndex } = options;
  const perToken = crossEntropyOf(fn, logits, labels, {
    reduction: 'none',
    ...(ignoreIndex === undefined ? {} : { ignoreIndex }),
  });
  const kept = ignoreIndex === undefined ? x.onesLike(perToken) : x.cast(x.notEqual(labels, ignoreIndex), logits.dtype);
  const reduction = options.reduction ?? 'mean';
  switch (reduction) {
    case 'none':
      return x.safeDiv(x.sum(perToken, { axis: -1 }), x.sum(kept, { axis: -1 }));
    case 'sum':
      return x.sum(perToken);
    case 'mean':
      return reduce(perToken, 'mean', kept);
  }
}

function sequenceCrossEntropyImpl<D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<[number, number, number], D> | Tensor,
  labels: Tensor,
  options: SequenceOptions<R> = {},
): Tensor {
  return sequenceOf('sequenceCrossEntropy', logits, labels, options);
}

/**
 * (1/T)·Σ_t −log p(y_t ∣ y_<t) for logits [B, T, K] and labels [B, T] (language-model likelihood; catalog L32): 'mean'
 * averages over every kept token of the batch, 'none' gives each sequence's mean [B].
 *
 * @example
 * losses.sequenceCrossEntropy(x.zeros([2, 4, 5]), x.tensor([[0, 1, 2, 3], [4, 0, -100, -100]], { dtype: 'i32' }), { ignoreIndex: -100 }) // log 5
 */
export const sequenceCrossEntropy = publicFn(
  'sequenceCrossEntropy',
  sequenceParams(['mean', 'sum', 'none']),
  sequenceCrossEntropyImpl,
);

function perplexityImpl(
  logits: Tensor,
  labels: Tensor,
  options: Omit<SequenceOptions<'mean' | 'none'>, never> = {},
): Tensor {
  return x.exp(sequenceOf('perplexity', logits, labels, options));
}

/**
 * exp(sequence cross-entropy): the perplexity of the batch ('mean') or of each sequence ('none').
 *
 * @example
 * losses.perplexity(x.zeros([1, 3, 5]), x.tensor([[0, 1, 2]], { dtype: 'i32' })) // 5
 */
export const perplexity = publicFn('perplexity', sequenceParams(['mean', 'none']), perplexityImpl);
