/** @file PyTorch's regression losses: MSE, L1, Huber, smooth L1, Poisson NLL and Gaussian NLL, with PyTorch's options. */
import * as x from '@xent/core';
import { type DType, DTypeError, type ShapeT, ShapeError, type Tensor, ValueError } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { LossOf, Reduction, ReductionOptions } from '../types.js';
import { formatShape, nonNegativeOption, positiveOption, reductionSchema } from '../validate.js';
import { anyFloat, hostValues, pairOf } from './args.js';

/** A loss of an input and a target of the same shape, elementwise before the reduction. */
export type PairLoss<O> = <S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  input: Tensor<S, D>,
  target: Tensor<S, D>,
  options?: O & ReductionOptions<R>,
) => LossOf<S, R, D>;

/** A PyTorch-style elementwise loss `terms(input, target, options)`, reduced by 'mean' (over every element), 'sum' or 'none'. */
function pairLoss<O extends object>(
  fn: string,
  fields: Record<string, ReturnType<typeof s.optional>>,
  terms: (a: Tensor, b: Tensor, options: O) => Tensor,
): PairLoss<O> {
  const impl: PairLoss<O> = (input, target, options) => {
    const o = (options ?? {}) as O & ReductionOptions;
    const [a, b] = pairOf(fn, input, target);
    return reduce(terms(a, b, o), o.reduction ?? 'mean') as never;
  };
  return publicFn(
    fn,
    { input: anyFloat, target: anyFloat, options: s.options({ reduction: reductionSchema, ...fields }) },
    impl,
  );
}

/**
 * (x − y)², reduced (PyTorch `F.mse_loss`).
 *
 * @example
 * losses.mseLoss(x.tensor([1, 2], { dtype: 'f64' }), x.tensor([0, 0], { dtype: 'f64' })) // 2.5
 */
export const mseLoss: PairLoss<object> = pairLoss('mseLoss', {}, (a, b) => x.square(x.sub(a, b)));

/**
 * |x − y|, reduced (PyTorch `F.l1_loss`); the gradient at x = y is 0 (sign(0), as PyTorch).
 *
 * @example
 * losses.l1Loss(x.tensor([1, -2], { dtype: 'f64' }), x.tensor([0, 0], { dtype: 'f64' })) // 1.5
 */
export const l1Loss: PairLoss<object> = pairLoss('l1Loss', {}, (a, b) => x.abs(x.sub(a, b)));

/** ½d² where |d| < δ, δ·(|d| − ½δ) elsewhere, for d = x − y. */
function huberOf(d: Tensor, delta: number): Tensor {
  const a = x.abs(d);
  return x.where(x.less(a, delta), x.mul(0.5, x.square(d)), x.mul(delta, x.sub(a, 0.5 * delta)));
}

export interface HuberOptions {
  /** δ > 0 (default 1): quadratic within δ, linear with slope δ beyond. */
  readonly delta?: number;
}

/**
 * Huber loss ½d² for |d| < δ, δ(|d| − ½δ) beyond (Huber 1964; PyTorch `F.huber_loss`).
 *
 * @example
 * losses.huberLoss(x.tensor([0.5, 3], { dtype: 'f64' }), x.tensor([0, 0], { dtype: 'f64' }), { delta: 1 }) // 1.3125
 */
export const huberLoss: PairLoss<HuberOptions> = pairLoss(
  'huberLoss',
  { delta: positiveOption },
  (a, b, o: HuberOptions) => huberOf(x.sub(a, b), o.delta ?? 1),
);

export interface SmoothL1Options {
  /** β ≥ 0 (default 1): quadratic ½d²/β within β, |d| − ½β beyond; β = 0 is the L1 loss. */
  readonly beta?: number;
}

/**
 * Smooth L1 (Girshick 2015; PyTorch `F.smooth_l1_loss`): Huber with δ = β divided by β.
 *
 * @example
 * losses.smoothL1Loss(x.tensor([0.5, 3], { dtype: 'f64' }), x.tensor([0, 0], { dtype: 'f64' })) // 1.3125
 */
export const smoothL1Loss: PairLoss<SmoothL1Options> = pairLoss(
  'smoothL1Loss',
  { beta: nonNegativeOption },
  (a, b, o: SmoothL1Options) => {
    const beta = o.beta ?? 1;
    const d = x.sub(a, b);
    return beta === 0 ? x.abs(d) : x.div(huberOf(d, beta), beta);
  },
);

export interface PoissonNllOptions {
  /** True (default): the input is log λ and the loss is exp(x) − y·x; false: the input is λ and the loss is λ − y·log(λ + eps). */
  readonly logInput?: boolean;
  /** Add Stirling's term y·log y − y + ½·log(2πy) where y > 1 (default false). */
  readonly full?: boolean;
  /** eps > 0 inside log(λ + eps) when logInput is false (default 1e-8). */
  readonly eps?: number;
}

/**
 * Poisson negative log-likelihood of counts y (PyTorch `F.poisson_nll_loss`, its argument order:
 * input then target): exp(x) − y·x with logInput, x − y·log(x + eps) without, plus Stirling's
 * approximation of log y! where y > 1 when `full`.
 *
 * @example
 * losses.poissonNllLoss(x.tensor([0], { dtype: 'f64' }), x.tensor([2], { dtype: 'f64' })) // 1.0
 */
export const poissonNllLoss: PairLoss<PoissonNllOptions> = pairLoss(
  'poissonNllLoss',
  { logInput: s.optional(s.boolean), full: s.optional(s.boolean), eps: positiveOption },
  (a, y, o: PoissonNllOptions) => {
    const base =
      (o.logInput ?? true) ? x.sub(x.exp(a), x.mul(y, a)) : x.sub(a, x.mul(y, x.log(x.add(a, o.eps ?? 1e-8))));
    if (!(o.full ?? false)) return base;
    // y·log y − y + ½·log(2πy) where y > 1, 0 elsewhere (y is replaced by 2 there so no log 0 reaches the gradient)
    const big = x.greater(y, 1);
    const ys = x.where(big, y, 2);
    const stirling = x.add(x.sub(x.mul(ys, x.log(ys)), ys), x.mul(0.5, x.log(x.mul(2 * Math.PI, ys))));
    return x.add(base, x.where(big, stirling, 0));
  },
);

export interface GaussianNllOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** Add the constant ½·log 2π (default false). */
  readonly full?: boolean;
  /** eps > 0 (default 1e-6): the variance is clamped to ≥ eps in the value, its gradient passing unchanged (as PyTorch). */
  readonly eps?: number;
}

/** The variance, of the input's shape, of its shape without the last axis, or with a last axis of 1 (checked ≥ 0 when concrete). */
function varianceArg(fn: string, v: Tensor, input: Tensor): Tensor {
  const dims = input.shape;
  const same = v.rank === input.rank && v.shape.every((d, i) => d === dims[i]);
  const lastOne =
    v.rank === input.rank && v.shape[v.rank - 1] === 1 && v.shape.slice(0, -1).every((d, i) => d === dims[i]);
  const dropped = v.rank === input.rank - 1 && v.shape.every((d, i) => d === dims[i]);
  if (!same && !lastOne && !dropped)
    fail(
      ShapeError,
      fn,
      'variance',
      `shape ${formatShape(dims)}, ${formatShape([...dims.slice(0, -1), 1])} or ${formatShape(dims.slice(0, -1))} (from input)`,
      formatShape(v.shape),
    );
  if (v.dtype !== input.dtype) fail(DTypeError, fn, 'variance', `dtype ${input.dtype} (as input)`, `dtype ${v.dtype}`);
  const values = hostValues(v);
  if (values !== undefined)
    for (let i = 0; i < values.length; i++)
      if ((values[i] as number) < 0)
        fail(ValueError, fn, 'variance', 'variances ≥ 0', `${values[i]} at flat index ${i}`);
  return dropped ? x.expandDims(v, -1) : v;
}

function gaussianNllLossImpl<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  input: Tensor<S, D>,
  target: Tensor<S, D>,
  variance: Tensor,
  options: GaussianNllOptions<R> = {},
): LossOf<S, R, D> {
  const fn = 'gaussianNllLoss';
  const [mu, y] = pairOf(fn, input, target);
  const v = varianceArg(fn, variance, mu);
  const eps = options.eps ?? 1e-6;
  // max(v, eps) in the value, identity in the gradient: v + stopGradient(max(v, eps) − v)
  const clamped = x.add(v, x.stopGradient(x.sub(x.maximum(v, eps), v)));
  const terms = x.mul(0.5, x.add(x.log(clamped), x.div(x.square(x.sub(mu, y)), clamped)));
  const full = (options.full ?? false) ? x.add(terms, 0.5 * Math.log(2 * Math.PI)) : terms;
  return reduce(full, options.reduction ?? 'mean') as never;
}

/**
 * Gaussian negative log-likelihood ½(log max(σ², eps) + (x − y)²/max(σ², eps)) (PyTorch
 * `F.gaussian_nll_loss`, argument order input, target, variance): one variance per element, or one
 * per row ([..., 1] or the input's shape without its last axis).
 *
 * @example
 * losses.gaussianNllLoss(x.tensor([0], { dtype: 'f64' }), x.tensor([1], { dtype: 'f64' }), x.tensor([1], { dtype: 'f64' })) // 0.5
 */
export const gaussianNllLoss = publicFn(
  'gaussianNllLoss',
  {
    input: anyFloat,
    target: anyFloat,
    variance: anyFloat,
    options: s.options({ reduction: reductionSchema, full: s.optional(s.boolean), eps: positiveOption }),
  },
  gaussianNllLossImpl,
);
