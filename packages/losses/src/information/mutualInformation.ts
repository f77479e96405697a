/** @file Discrete mutual information and conditional entropy from joint tables; information maximisation and Tent on batches. */
import * as x from '@xent/core';
import { fail } from '@xent/core/internal';
import type { ShapeT, Tensor, DType } from '@xent/core';
import { describe, formatShape, logitsArg, numberArg, rules, tensorArg } from '../validate.js';
import { expectedLog, logOfProbs } from './logSpace.js';
import { shannon } from './entropy.js';

/** −Σ p log p over all entries of the last two axes. */
function tableEntropy(p: Tensor): Tensor {
  const flat = x.reshape(p, [...p.shape.slice(0, -2), -1]);
  const logp = logOfProbs(flat);
  return x.neg(expectedLog(logp, logp));
}

/** A joint table [..., X, Y]: entries ≥ 0 summing to 1 over the last two axes (checked when concrete). */
function jointArg(fn: string, v: unknown): Tensor {
  const t = tensorArg(fn, 'joint', v);
  if ((t.dtype !== 'f32' && t.dtype !== 'f64') || t.rank < 2 || t.size === 0)
    fail(x.ShapeError, fn, 'joint', 'a non-empty float table [..., X, Y]', `${t.dtype} ${formatShape(t.shape)}`);
  if (!t.isTraced) {
    const cells = (t.shape[t.rank - 1] as number) * (t.shape[t.rank - 2] as number);
    const values = t.data() as ArrayLike<number>;
    for (let b = 0; b * cells < values.length; b++) {
      let s = 0;
      for (let i = 0; i < cells; i++) {
        const v = values[b * cells + i] as number;
        if (!(v >= 0) || !Number.isFinite(v)) fail(x.ValueError, fn, 'joint', 'probabilities ≥ 0', describe(v));
        s += v;
      }
      if (Math.abs(s - 1) > (t.dtype === 'f32' ? 1e-4 : 1e-9) * Math.max(1, cells))
        fail(x.ValueError, fn, 'joint', 'a table summing to 1', `a table ${b} summing to ${s}`);
    }
  }
  return t;
}

const marginalEntropy = (p: Tensor, axis: number): Tensor => {
  const m = x.sum(p, { axis });
  const logm = logOfProbs(m);
  return x.neg(expectedLog(logm, logm));
};

/**
 * I(X; Y) = H(X) + H(Y) − H(X, Y) ≥ 0 of a joint table [..., X, Y] (catalog E09).
 *
 * @example
 * entropy.mutualInformation(x.tensor([[0.5, 0], [0, 0.5]])) // log 2
 */
export function mutualInformation<D extends DType>(joint: Tensor<ShapeT, D>): Tensor<ShapeT, D> {
  const p = jointArg('entropy.mutualInformation', joint);
  return x.sub(x.add(marginalEntropy(p, -1), marginalEntropy(p, -2)), tableEntropy(p)) as never;
}

/**
 * H(Y ∣ X) = H(X, Y) − H(X) of a joint table [..., X, Y] (catalog E09).
 *
 * @example
 * entropy.conditionalEntropy(x.tensor([[0.25, 0.25], [0.25, 0.25]])) // log 2
 */
export function conditionalEntropy<D extends DType>(joint: Tensor<ShapeT, D>): Tensor<ShapeT, D> {
  const p = jointArg('entropy.conditionalEntropy', joint);
  return x.sub(tableEntropy(p), marginalEntropy(p, -1)) as never;
}

/**
 * Information maximisation on a batch of logits [B, K] (Krause, Perona & Gomes 2010; catalog E10): mean_i H(p_i) − λ·H(mean_i p_i),
 * λ = `diversity` (default 1). ≤ 0 at λ = 1; −L is the mutual information between the sample index
 * and the predicted class. Batch-level: not a mean of per-sample terms.
 *
 * @example
 * entropy.informationMaximization(x.tensor([[4, 0], [0, 4]])) // ≤ 0
 */
export function informationMaximization<D extends DType>(
  logits: Tensor<[number, number], D> | Tensor,
  options: { readonly diversity?: number } = {},
): Tensor<[], D> {
  const fn = 'entropy.informationMaximization';
  const z = logitsArg(fn, 'logits', logits, 2);
  if (z.rank !== 2) fail(x.ShapeError, fn, 'logits', 'a [B, K] matrix', formatShape(z.shape));
  const lambda = numberArg(fn, 'diversity', options.diversity, 1, rules.finite);
  const conditional = x.mean(shannon(z));
  const meanP = x.mean(x.softmax(z), { axis: 0 });
  const logMean = logOfProbs(meanP);
  return x.sub(conditional, x.mul(lambda, x.neg(expectedLog(logMean, logMean)))) as never;
}

/**
 * Tent-style entropy minimisation mean_i H(softmax z_i) over a test batch (Wang et al. 2021; catalog
 * E11). With `threshold` E₀ only samples with H_i < E₀ count (the selection carries no gradient).
 *
 * @example
 * entropy.entropyMinimization(x.tensor([[4, 0], [1, 1]]), { threshold: 0.5 })
 */
export function entropyMinimization<D extends DType>(
  logits: Tensor<ShapeT, D>,
  options: { readonly threshold?: number } = {},
): Tensor<[], D> {
  const fn = 'entropy.entropyMinimization';
  const z = logitsArg(fn, 'logits', logits);
  const h = shannon(z);
  if (options.threshold === undefined) return x.mean(h) as never;
  const e0 = numberArg(fn, 'threshold', options.threshold, 0, rules.positive);
  const keep = x.cast(x.less(x.stopGradient(h), e0), z.dtype);
  return x.safeDiv(x.sum(x.mul(h, keep)), x.sum(keep)) as never;
}
