/** @file Sequence cross-entropy (mean over kept tokens) and perplexity. */
import * as x from '@xent/core';
import type { ShapeT, Tensor, DType } from '@xent/core';
import { reduce } from '../reduce.js';
import type { Reduction } from '../types.js';
import { crossEntropy } from './crossEntropy.js';
import { choiceArg, logitsArg } from '../validate.js';

export interface SequenceOptions<R extends Reduction = Reduction> {
  /** 'mean' over all kept tokens (default), 'sum', or 'none': one mean per sequence [B]. */
  readonly reduction?: R;
  /** Tokens with this label (padding) are left out. */
  readonly ignoreIndex?: number;
}

/** Per-sequence (token sum, kept-token count) of the token cross-entropies. */
function tokenTotals(fn: string, logits: Tensor, labels: Tensor, ignoreIndex: number | undefined) {
  const z = logitsArg(fn, 'logits', logits, 3);
  const perToken = crossEntropy(z, labels as Tensor<ShapeT, 'i32'>, {
    reduction: 'none',
    ...(ignoreIndex === undefined ? {} : { ignoreIndex }),
  });
  const kept = ignoreIndex === undefined ? x.onesLike(perToken) : x.cast(x.notEqual(labels, ignoreIndex), z.dtype);
  return { perToken, kept };
}

/**
 * (1/T)·Σ_t −log p(y_t ∣ y_<t) for logits [B, T, K] and labels [B, T] (language-model likelihood; catalog L32): 'mean'
 * averages over every kept token of the batch, 'none' gives each sequence's mean [B].
 *
 * @example
 * losses.sequenceCrossEntropy(x.zeros([2, 4, 5]), x.tensor([[0, 1, 2, 3], [4, 0, -100, -100]], { dtype: 'i32' }), { ignoreIndex: -100 }) // log 5
 */
export function sequenceCrossEntropy<D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<[number, number, number], D> | Tensor,
  labels: Tensor,
  options: SequenceOptions<R> = {},
): Tensor {
  const fn = 'sequenceCrossEntropy';
  const { perToken, kept } = tokenTotals(fn, logits, labels, options.ignoreIndex);
  switch (options.reduction ?? 'mean') {
    case 'none':
      return x.safeDiv(x.sum(perToken, { axis: -1 }), x.sum(kept, { axis: -1 }));
    case 'sum':
      return x.sum(perToken);
    default:
      return reduce(perToken, 'mean', kept);
  }
}

/**
 * exp(sequence cross-entropy): the perplexity of the batch ('mean') or of each sequence ('none').
 *
 * @example
 * losses.perplexity(x.zeros([1, 3, 5]), x.tensor([[0, 1, 2]], { dtype: 'i32' })) // 5
 */
export function perplexity(
  logits: Tensor,
  labels: Tensor,
  options: Omit<SequenceOptions<'mean' | 'none'>, never> = {},
): Tensor {
  choiceArg('perplexity', 'reduction', options.reduction, ['mean', 'none'], 'mean');
  return x.exp(sequenceCrossEntropy(logits, labels, options));
}
