/** @file KL, reverse KL and Jensen–Shannon divergences, from logits (the stable form) and from probabilities. */
import * as x from '@xent/core';
import type { ShapeT, Tensor, DType } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import { floatTensor, logitsSchema, nonEmpty, reductionSchema, sameAs, simplexArg } from '../validate.js';
import { expectedLog, logOfProbs } from './logSpace.js';

/** Log-probabilities of the two distributions, row by row. */
export type Pair = readonly [Tensor, Tensor];

/** How a divergence reads its two arguments: their names and their log-probabilities. */
export interface Inputs {
  readonly names: readonly [string, string];
  readonly pair: (fn: string, p: Tensor, q: Tensor) => Pair;
}

export const fromLogits: Inputs = {
  names: ['pLogits', 'qLogits'],
  pair: (fn, p, q) => {
    const a = nonEmpty(fn, 'pLogits', p);
    return [x.logSoftmax(a), x.logSoftmax(sameAs(fn, 'qLogits', q, a, 'pLogits'))];
  },
};

export const fromProbs: Inputs = {
  names: ['p', 'q'],
  pair: (fn, p, q) => {
    const a = nonEmpty(fn, 'p', p);
    return [logOfProbs(simplexArg(fn, 'p', a, a, 'p')), logOfProbs(simplexArg(fn, 'q', q, a, 'p'))];
  },
};

/** KL(p‖q) = Σ p·(log p − log q) per row, from log-probabilities. */
export const klRows = ([lp, lq]: Pair): Tensor => x.sub(expectedLog(lp, lp), expectedLog(lp, lq));

/** JS(p, q) = ½KL(p‖m) + ½KL(q‖m), m = (p + q)/2, with log m = logaddexp(log p, log q) − log 2. */
export function jsRows([lp, lq]: Pair): Tensor {
  const lm = x.sub(x.logaddexp(lp, lq), Math.LN2);
  return x.mul(0.5, x.add(klRows([lp, lm]), klRows([lq, lm])));
}

/** Options of the divergences. */
export interface DivergenceOptions<R extends Reduction> {
  /** 'mean' over rows (default; PyTorch's 'batchmean'), 'sum' or 'none'. */
  readonly reduction?: R;
}

/** The signature of a divergence between two distributions given as logits (or probabilities), row by row. */
export type Divergence = <S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  p: Tensor<S, D>,
  q: Tensor<S, D>,
  options?: DivergenceOptions<R>,
) => LossOf<BatchOf<S>, R, D>;

export function divergence(fn: string, inputs: Inputs, rows: (pq: Pair) => Tensor): Divergence {
  const impl: Divergence = (p, q, options = {}) =>
    reduce(rows(inputs.pair(fn, p, q)), options.reduction ?? 'mean') as never;
  const [first, second] = inputs.names;
  return publicFn(
    fn,
    { [first]: logitsSchema, [second]: floatTensor, options: s.options({ reduction: reductionSchema }) },
    impl,
  );
}

/**
 * KL(softmax(a) ‖ softmax(b)) from logits a, b (Kullback & Leibler 1951; catalog D01); ∇_b = softmax(b) − softmax(a).
 *
 * @example
 * divergence.kl(x.log(x.tensor([[0.5, 0.5]])), x.log(x.tensor([[0.9, 0.1]]))) // 0.5108256
 */
export const klDivergence: Divergence = divergence('kl', fromLogits, klRows);

/**
 * KL(softmax(b) ‖ softmax(a)): the reverse (mode-seeking) direction, same argument order as klDivergence (catalog D02).
 *
 * @example
 * divergence.reverseKl(x.log(x.tensor([[0.5, 0.5]])), x.log(x.tensor([[0.9, 0.1]]))) // 0.3680642
 */
export const reverseKlDivergence: Divergence = divergence('reverseKl', fromLogits, ([lp, lq]) => klRows([lq, lp]));

/**
 * Jensen–Shannon divergence of softmax(a) and softmax(b) ∈ [0, log 2] (Lin 1991; catalog D03).
 *
 * @example
 * divergence.js(x.log(x.tensor([[0.5, 0.5]])), x.log(x.tensor([[0.9, 0.1]]))) // 0.1017492
 */
export const jsDivergence: Divergence = divergence('js', fromLogits, jsRows);

/**
 * KL(p‖q) for probability rows (0·log 0 = 0; +Inf where q = 0 < p).
 *
 * @example
 * divergence.klFromProbs(x.tensor([[0.5, 0.5]]), x.tensor([[0.9, 0.1]])) // 0.5108256
 */
export const klDivergenceFromProbs: Divergence = divergence('klFromProbs', fromProbs, klRows);

/**
 * JS(p, q) for probability rows.
 *
 * @example
 * divergence.jsFromProbs(x.tensor([[0.5, 0.5]]), x.tensor([[0.9, 0.1]])) // 0.1017492
 */
export const jsDivergenceFromProbs: Divergence = divergence('jsFromProbs', fromProbs, jsRows);
