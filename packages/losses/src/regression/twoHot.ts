/** @file Regression as classification over bins: two-hot targets and their cross-entropy. */
import * as x from '@xent/core';
import { ShapeError, ValueError, type DType, type ShapeT, type Tensor } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import type { LossOf, Reduction } from '../types.js';
import { floatTensor, formatShape, logitsSchema, nonEmpty, reductionSchema } from '../validate.js';
import { binnedCrossEntropy } from './binnedCrossEntropy.js';

const centersSchema = s.array(s.finite(), { minLength: 2 });

/** Bin centres strictly increasing. */
function checkCenters(fn: string, centers: readonly number[]): void {
  centers.forEach((c, i) => {
    if (i > 0 && !(c > (centers[i - 1] as number)))
      fail(ValueError, fn, 'centers', 'strictly increasing bin centres', `${c} after ${centers[i - 1]} at index ${i}`);
  });
}

/** Two-hot weights [..., M] of values [...]: the hat functions of the centres at the clamped value. */
function twoHotOf(values: Tensor, centers: readonly number[]): Tensor {
  const m = centers.length;
  const lo = centers[0] as number;
  const hi = centers[m - 1] as number;
  const v = x.expandDims(x.minimum(x.maximum(values, lo), hi), -1);
  const c = x.tensor(centers, { dtype: values.dtype as 'f32' });
  const prev = x.tensor([lo - 1, ...centers.slice(0, -1)], { dtype: values.dtype as 'f32' });
  const next = x.tensor([...centers.slice(1), hi + 1], { dtype: values.dtype as 'f32' });
  // rising edge (v − c_{k−1})/(c_k − c_{k−1}), falling edge (c_{k+1} − v)/(c_{k+1} − c_k); the end bins have one edge
  const rising = x.where(x.equal(x.iota([m], 0), 0), 1, x.div(x.sub(v, prev), x.sub(c, prev)));
  const falling = x.where(x.equal(x.iota([m], 0), m - 1), 1, x.div(x.sub(next, v), x.sub(next, c)));
  return x.minimum(x.maximum(x.minimum(rising, falling), 0), 1);
}

function twoHotTargetsImpl<S extends ShapeT, D extends DType>(
  values: Tensor<S, D>,
  centers: readonly number[],
): Tensor {
  checkCenters('twoHotTargets', centers);
  return twoHotOf(values, centers);
}

/**
 * Two-hot targets [..., M] for values [...] and M increasing bin centres (catalog L33; Schrittwieser
 * et al. 2020, MuZero's value transform; Farebrother et al. 2024, "Stop Regressing"): weight
 * (c_{i+1} − y)/(c_{i+1} − c_i) on the bin i below y and the rest on i + 1, after clamping y to
 * [c_0, c_{M−1}]. Sums to 1, and Σ_i q_i·c_i = y exactly (for y in range).
 *
 * @example
 * losses.twoHotTargets(x.tensor([0.25], { dtype: 'f64' }), [0, 1, 2]) // [[0.75, 0.25, 0]]
 */
export const twoHotTargets = publicFn(
  'twoHotTargets',
  { values: floatTensor, centers: centersSchema },
  twoHotTargetsImpl,
);

function twoHotLossImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  values: Tensor,
  centers: readonly number[],
  options: { readonly reduction?: R } = {},
): LossOf<ShapeT, R, D> {
  const fn = 'twoHotLoss';
  const z = nonEmpty(fn, 'logits', logits, 'one logit per bin');
  checkCenters(fn, centers);
  if (z.shape[z.rank - 1] !== centers.length)
    fail(ShapeError, fn, 'logits', `${centers.length} bins on the last axis (one per centre)`, formatShape(z.shape));
  return binnedCrossEntropy(fn, z, values, (v) => twoHotOf(v, centers), options.reduction ?? 'mean') as never;
}

/**
 * Cross-entropy H(q, softmax z) against the two-hot targets q of `values` (catalog L33): regression
 * as classification over bins; the prediction is Σ_i p_i·c_i. Targets carry no gradient. HL-Gauss
 * (Gaussian-smoothed targets) is `hlGaussLoss`.
 *
 * @example
 * losses.twoHotLoss(x.tensor([[0, 0, 0]], { dtype: 'f64' }), x.tensor([0.5], { dtype: 'f64' }), [0, 1, 2]) // log 3
 */
export const twoHotLoss = publicFn(
  'twoHotLoss',
  {
    logits: logitsSchema,
    values: floatTensor,
    centers: centersSchema,
    options: s.options({ reduction: reductionSchema }),
  },
  twoHotLossImpl,
);
