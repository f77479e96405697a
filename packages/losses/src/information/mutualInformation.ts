/** @file Discrete mutual information and conditional entropy from joint tables; information maximisation and Tent on batches. */
import * as x from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import type { ShapeT, Tensor, DType } from '@xent/core';
import { finiteOption, logitsSchema, matrixSchema, nonEmpty, positiveOption } from '../validate.js';
import { expectedLog, logOfProbs } from './logSpace.js';
import { shannonOf } from './entropy.js';

/** −Σ p log p over all entries of the last two axes. */
function tableEntropy(p: Tensor): Tensor {
  const flat = x.reshape(p, [...p.shape.slice(0, -2), -1]);
  const logp = logOfProbs(flat);
  return x.neg(expectedLog(logp, logp));
}

/** A joint table [..., X, Y]: entries ≥ 0 summing to 1 over the last two axes (checked when concrete). */
function jointArg(fn: string, t: Tensor): Tensor {
  nonEmpty(fn, 'joint', t, 'a non-empty table [..., X, Y]');
  if (!t.isTraced) {
    const cells = (t.shape[t.rank - 1] as number) * (t.shape[t.rank - 2] as number);
    const values = t.data() as ArrayLike<number>;
    for (let b = 0; b * cells < values.length; b++) {
      let total = 0;
      for (let i = 0; i < cells; i++) {
        const v = values[b * cells + i] as number;
        if (!(v >= 0) || !Number.isFinite(v)) fail(x.ValueError, fn, 'joint', 'probabilities ≥ 0', String(v));
        total += v;
      }
      if (Math.abs(total - 1) > (t.dtype === 'f32' ? 1e-4 : 1e-9) * Math.max(1, cells))
        fail(x.ValueError, fn, 'joint', 'a table summing to 1', `a table ${b} summing to ${total}`);
    }
  }
  return t;
}

const marginalEntropy = (p: Tensor, axis: number): Tensor => {
  const m = x.sum(p, { axis });
  const logm = logOfProbs(m);
  return x.neg(expectedLog(logm, logm));
};

function mutualInformationImpl<D extends DType>(joint: Tensor<ShapeT, D>): Tensor<ShapeT, D> {
  const p = jointArg('mutualInformation', joint);
  return x.sub(x.add(marginalEntropy(p, -1), marginalEntropy(p, -2)), tableEntropy(p)) as never;
}

/**
 * I(X; Y) = H(X) + H(Y) − H(X, Y) ≥ 0 of a joint table [..., X, Y] (catalog E09).
 *
 * @example
 * entropy.mutualInformation(x.tensor([[0.5, 0], [0, 0.5]])) // log 2
 */
export const mutualInformation = publicFn(
  'mutualInformation',
  { joint: s.tensor({ dtype: 'float', rank: [2, Infinity] }) },
  mutualInformationImpl,
);

function conditionalEntropyImpl<D extends DType>(joint: Tensor<ShapeT, D>): Tensor<ShapeT, D> {
  const p = jointArg('conditionalEntropy', joint);
  return x.sub(tableEntropy(p), marginalEntropy(p, -1)) as never;
}

/**
 * H(Y ∣ X) = H(X, Y) − H(X) of a joint table [..., X, Y] (catalog E09).
 *
 * @example
 * entropy.conditionalEntropy(x.tensor([[0.25, 0.25], [0.25, 0.25]])) // log 2
 */
export const conditionalEntropy = publicFn(
  'conditionalEntropy',
  { joint: s.tensor({ dtype: 'float', rank: [2, Infinity] }) },
  conditionalEntropyImpl,
);

function informationMaximizationImpl<D extends DType>(
  logits: Tensor<[number, number], D> | Tensor,
  options: { readonly diversity?: number } = {},
): Tensor<[], D> {
  const fn = 'informationMaximization';
  const z = nonEmpty(fn, 'logits', logits);
  const lambda = options.diversity ?? 1;
  const conditional = x.mean(shannonOf(fn, z));
  const meanP = x.mean(x.softmax(z), { axis: 0 });
  const logMean = logOfProbs(meanP);
  return x.sub(conditional, x.mul(lambda, x.neg(expectedLog(logMean, logMean)))) as never;
}

/**
 * Information maximisation on a batch of logits [B, K] (Krause, Perona & Gomes 2010; catalog E10): mean_i H(p_i) − λ·H(mean_i p_i),
 * λ = `diversity` (default 1). ≤ 0 at λ = 1; −L is the mutual information between the sample index
 * and the predicted class. Batch-level: not a mean of per-sample terms.
 *
 * @example
 * entropy.informationMaximization(x.tensor([[4, 0], [0, 4]])) // ≤ 0
 */
export const informationMaximization = publicFn(
  'informationMaximization',
  { logits: matrixSchema, options: s.options({ diversity: finiteOption }) },
  informationMaximizationImpl,
);

function entropyMinimizationImpl<D extends DType>(
  logits: Tensor<ShapeT, D>,
  options: { readonly threshold?: number } = {},
): Tensor<[], D> {
  const fn = 'entropyMinimization';
  const h = shannonOf(fn, logits);
  if (options.threshold === undefined) return x.mean(h) as never;
  const keep = x.cast(x.less(x.stopGradient(h), options.threshold), logits.dtype);
  return x.safeDiv(x.sum(x.mul(h, keep)), x.sum(keep)) as never;
}

/**
 * Tent-style entropy minimisation mean_i H(softmax z_i) over a test batch (Wang et al. 2021; catalog
 * E11). With `threshold` E₀ only samples with H_i < E₀ count (the selection carries no gradient).
 *
 * @example
 * entropy.entropyMinimization(x.tensor([[4, 0], [1, 1]]), { threshold: 0.5 })
 */
export const entropyMinimization = publicFn(
  'entropyMinimization',
  { logits: logitsSchema, options: s.options({ threshold: positiveOption }) },
  entropyMinimizationImpl,
);
