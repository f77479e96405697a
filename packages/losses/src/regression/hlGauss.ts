/** @file HL-Gauss: histogram targets of a Gaussian around the value, and their cross-entropy. */
import * as x from '@xent/core';
import { ShapeError, ValueError, type DType, type ShapeT, type Tensor } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import type { LossOf, Reduction } from '../types.js';
import { floatTensor, formatShape, logitsSchema, nonEmpty, reductionSchema } from '../validate.js';
import { binnedCrossEntropy } from './binnedCrossEntropy.js';

/** The bins of HL-Gauss: explicit edges, or `bins` equal bins on [min, max]; and the Gaussian's σ. */
export interface HlGaussBins {
  /** Strictly increasing bin edges e_0 < … < e_K (K bins); excludes min/max/bins. */
  readonly edges?: readonly number[];
  /** Lower end of `bins` equal bins (with `max` and `bins`, instead of `edges`). */
  readonly min?: number;
  /** Upper end of `bins` equal bins. */
  readonly max?: number;
  /** Number of equal bins on [min, max]. */
  readonly bins?: number;
  /** Standard deviation σ > 0 of the Gaussian smoothing the value (the paper uses 0.75 bin widths). */
  readonly sigma: number;
}

/** HL-Gauss bins plus the reduction of the loss. */
export interface HlGaussLossOptions<R extends Reduction = 'mean'> extends HlGaussBins {
  readonly reduction?: R;
}

const binFields = {
  edges: s.optional(s.array(s.finite(), { minLength: 2 })),
  min: s.optional(s.finite()),
  max: s.optional(s.finite()),
  bins: s.optional(s.number({ integer: true, min: 1, max: 1 << 24 })),
  // required, but checked after the other keys so that a bad key is the one an error names
  sigma: s.optional(s.finite({ min: 0, minOpen: true })),
};

/** σ, which the schema leaves optional. */
function sigmaOf(fn: string, o: { readonly sigma?: number }): number {
  if (o.sigma === undefined) fail(ValueError, fn, 'sigma', 'a finite number > 0 (required)', 'undefined');
  return o.sigma;
}

/** The edges e_0 < … < e_K from either form of the options (exactly one form, complete). */
function edgesOf(fn: string, o: HlGaussBins): readonly number[] {
  const range = [o.min, o.max, o.bins];
  const edges = o.edges;
  if (edges !== undefined) {
    if (range.some((v) => v !== undefined))
      fail(ValueError, fn, 'options', 'either edges or min/max/bins, not both', 'both');
    edges.forEach((e, i) => {
      if (i > 0 && !(e > (edges[i - 1] as number)))
        fail(ValueError, fn, 'edges', 'strictly increasing bin edges', `${e} after ${edges[i - 1]} at index ${i}`);
    });
    return edges;
  }
  const [lo, hi, k] = range;
  if (lo === undefined || hi === undefined || k === undefined)
    fail(ValueError, fn, 'options', 'edges, or all of min, max and bins', `min ${lo}, max ${hi}, bins ${k}`);
  if (!(hi > lo)) fail(ValueError, fn, 'max', `a number > min (${lo})`, `${hi}`);
  return Array.from({ length: k + 1 }, (_, i) => (i === k ? hi : lo + ((hi - lo) * i) / k));
}

/** Φ(b) − Φ(a) for a ≤ b, from erfc of the tail both lie in: no cancellation far from 0. */
function normalMass(a: Tensor, b: Tensor): Tensor {
  const r = Math.SQRT1_2;
  // upper tail Q(a) − Q(b) when a > 0, lower tail Φ(b) − Φ(a) = Q(−b) − Q(−a) otherwise, Q(t) = ½·erfc(t/√2)
  const upper = x.sub(x.erfc(x.mul(a, r)), x.erfc(x.mul(b, r)));
  const lower = x.sub(x.erfc(x.mul(b, -r)), x.erfc(x.mul(a, -r)));
  return x.mul(0.5, x.where(x.greater(a, 0), upper, lower));
}

/** HL-Gauss targets [..., K] of values [...]: the bins' share of the mass of N(y, σ²) on [e_0, e_K]. */
function hlGaussOf(values: Tensor, edges: readonly number[], sigma: number): Tensor {
  const dtype = values.dtype as 'f32';
  const v = x.expandDims(values, -1);
  const t = (e: readonly number[]): Tensor => x.div(x.sub(x.tensor(e, { dtype }), v), sigma);
  const k = edges.length - 1;
  // p_i = [Φ((e_{i+1} − y)/σ) − Φ((e_i − y)/σ)] / [Φ((e_K − y)/σ) − Φ((e_0 − y)/σ)]
  const bins = normalMass(t(edges.slice(0, k)), t(edges.slice(1)));
  const total = normalMass(t([edges[0] as number]), t([edges[k] as number]));
  return x.div(bins, total);
}

function hlGaussTargetsImpl<S extends ShapeT, D extends DType>(values: Tensor<S, D>, options: HlGaussBins): Tensor {
  const fn = 'hlGaussTargets';
  return hlGaussOf(values, edgesOf(fn, options), sigmaOf(fn, options));
}

/**
 * HL-Gauss targets [..., K] for values [...] (catalog L33; Imani & White 2018, "Improving Regression
 * Performance with Distributional Losses"; Farebrother et al. 2024, "Stop Regressing"): bin i gets
 * the mass of N(y, σ²) on [e_i, e_{i+1}], renormalised over [e_0, e_K]. Rows sum to 1; σ → 0 tends
 * to the one-hot of the bin holding y. Differences of Φ come from erfc in the tail both ends lie
 * in, so values many σ outside the range keep their relative precision; a value so far out that
 * all of its mass on [e_0, e_K] underflows (about 13σ in f32, 38σ in f64) gives a NaN row.
 *
 * @example
 * losses.hlGaussTargets(x.tensor([0.5], { dtype: 'f64' }), { edges: [0, 1], sigma: 0.3 }) // [[1]]
 */
export const hlGaussTargets = publicFn(
  'hlGaussTargets',
  { values: floatTensor, options: s.options(binFields) },
  hlGaussTargetsImpl,
);

function hlGaussLossImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  logits: Tensor<S, D>,
  values: Tensor,
  options: HlGaussLossOptions<R>,
): LossOf<ShapeT, R, D> {
  const fn = 'hlGaussLoss';
  const z = nonEmpty(fn, 'logits', logits, 'one logit per bin');
  const edges = edgesOf(fn, options);
  const sigma = sigmaOf(fn, options);
  if (z.shape[z.rank - 1] !== edges.length - 1)
    fail(ShapeError, fn, 'logits', `${edges.length - 1} bins on the last axis (one per bin)`, formatShape(z.shape));
  return binnedCrossEntropy(fn, z, values, (v) => hlGaussOf(v, edges, sigma), options.reduction ?? 'mean') as never;
}

/**
 * Cross-entropy H(q, softmax z) against the HL-Gauss targets q of `values` (catalog L33; Farebrother
 * et al. 2024, "Stop Regressing"): regression as classification over bins with Gaussian label
 * smoothing; the prediction is Σ_i p_i·c_i over the bin centres. Targets carry no gradient.
 *
 * @example
 * losses.hlGaussLoss(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([1], { dtype: 'f64' }), { min: 0, max: 2, bins: 2, sigma: 0.5 }) // log 2
 */
export const hlGaussLoss = publicFn(
  'hlGaussLoss',
  {
    logits: logitsSchema,
    values: floatTensor,
    options: s.options({ ...binFields, reduction: reductionSchema }),
  },
  hlGaussLossImpl,
);
