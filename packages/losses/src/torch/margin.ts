/** @file PyTorch's margin losses: soft margin, multi-class and multi-label margins, margin ranking, hinge and cosine embedding. */
import * as x from '@xent/core';
import { type DType, ShapeError, type ShapeT, type Tensor } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction, ReductionOptions } from '../types.js';
import { finiteOption, formatShape, labelsArg, labelsSchema, reductionSchema, unitIntervalArg } from '../validate.js';
import {
  anyFloat,
  classWeightsArg,
  classWeightsSchema,
  indicesWithin,
  marginOptions,
  pairOf,
  reductionOnly,
  signTargets,
} from './args.js';

/** Scores of a batch of at most one axis besides the classes: [C] or [N, C] (PyTorch's shapes for these losses). */
const scoresSchema = s.tensor({ dtype: 'float', rank: [1, 2] });

/**
 * log(1 + exp(−y·x)) over every element, y ∈ {−1, 1} (PyTorch `F.soft_margin_loss`), computed as
 * softplus(−y·x) (finite for |x| = 1e4, where PyTorch's log(1 + exp) overflows in f32).
 *
 * @example
 * losses.softMarginLoss(x.tensor([0], { dtype: 'f64' }), x.tensor([1], { dtype: 'f64' })) // 0.6931472
 */
export const softMarginLoss = publicFn(
  'softMarginLoss',
  { input: anyFloat, target: anyFloat, options: reductionOnly },
  function softMarginLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    input: Tensor<S, D>,
    target: Tensor<S, D>,
    options: ReductionOptions<R> = {},
  ): LossOf<S, R, D> {
    const fn = 'softMarginLoss';
    const [a] = pairOf(fn, input, input);
    const y = signTargets(fn, 'target', target, a, 'input');
    return reduce(x.softplus(x.neg(x.mul(y, a))), options.reduction ?? 'mean') as never;
  },
);

export interface MultiMarginOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** The exponent: 1 (default, hinge) or 2 (squared hinge). */
  readonly p?: 1 | 2;
  /** The margin (default 1). */
  readonly margin?: number;
  /** Class weights [C]: sample n's terms are scaled by w_{y_n} ('mean' still divides by N, as PyTorch). */
  readonly weights?: Tensor;
}

/**
 * Multi-class hinge Σ_{i≠y} w_y·max(0, margin − x_y + x_i)^p / C (Weston–Watkins as in PyTorch
 * `F.multi_margin_loss`) for scores [C] or [N, C] and labels [] or [N].
 *
 * @example
 * losses.multiMarginLoss(x.tensor([[0.1, 0.2, 0.4, 0.8]], { dtype: 'f64' }), x.tensor([3], { dtype: 'i32' })) // 0.325
 */
export const multiMarginLoss = publicFn(
  'multiMarginLoss',
  {
    input: scoresSchema,
    target: labelsSchema,
    options: s.options({
      reduction: reductionSchema,
      p: s.optional(s.oneOfNumbers([1, 2])),
      margin: finiteOption,
      weights: classWeightsSchema,
    }),
  },
  function multiMarginLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    input: Tensor<S, D>,
    target: Tensor<BatchOf<S>>,
    options: MultiMarginOptions<R> = {},
  ): LossOf<BatchOf<S>, R, D> {
    const fn = 'multiMarginLoss';
    const z: Tensor = pairOf(fn, input, input)[0];
    const classes = z.shape[z.rank - 1] as number;
    const y = labelsArg(fn, target, z);
    const xy = x.gather(z, x.expandDims(y, -1), { axis: -1 });
    const hinge = x.relu(x.add(x.sub(options.margin ?? 1, xy), z));
    const powered = (options.p ?? 1) === 2 ? x.square(hinge) : hinge;
    const others = x.sub(1, x.oneHot(y, classes, { dtype: z.dtype }));
    const perSample = x.div(x.sum(x.mul(powered, others), { axis: -1 }), classes);
    const w = options.weights;
    const weighted =
      w === undefined
        ? perSample
        : x.mul(perSample, x.reshape(x.take(classWeightsArg(fn, w, classes, z.dtype), x.reshape(y, [-1])), y.shape));
    return reduce(weighted, options.reduction ?? 'mean') as never;
  },
);

/**
 * Multi-label hinge Σ_{j} Σ_{i∉Y} max(0, 1 − (x_{y_j} − x_i)) / C (PyTorch `F.multilabel_margin_loss`):
 * the target row lists the label indices Y, ended by the first −1 (the rest of the row is ignored).
 *
 * @example
 * losses.multilabelMarginLoss(x.tensor([[0.1, 0.2, 0.4, 0.8]], { dtype: 'f64' }), x.tensor([[3, 0, -1, 1]], { dtype: 'i32' })) // 0.85
 */
export const multilabelMarginLoss = publicFn(
  'multilabelMarginLoss',
  { input: scoresSchema, target: labelsSchema, options: reductionOnly },
  function multilabelMarginLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    input: Tensor<S, D>,
    target: Tensor<S>,
    options: ReductionOptions<R> = {},
  ): LossOf<BatchOf<S>, R, D> {
    const fn = 'multilabelMarginLoss';
    const z: Tensor = pairOf(fn, input, input)[0];
    const classes = z.shape[z.rank - 1] as number;
    if (target.rank !== z.rank || target.shape.some((d, i) => d !== z.shape[i]))
      fail(ShapeError, fn, 'target', `shape ${formatShape(z.shape)} (as input)`, formatShape(target.shape));
    const y = indicesWithin(fn, 'target', target, -1, classes - 1, 'label indices (−1 ends the list)');
    // label j counts while no −1 came before it (inclusive cumulative count of −1s is 0)
    const live = x.equal(x.cumsum(x.cast(x.equal(y, -1), 'i32'), { axis: -1 }), 0);
    const liveF = x.cast(live, z.dtype);
    const ys = x.where(live, y, 0);
    const hot = x.mul(x.oneHot(ys, classes, { dtype: z.dtype }), x.expandDims(liveF, -1));
    const isLabel = x.greater(x.sum(hot, { axis: -2 }), 0);
    // a padding j reads 0, not x_0 (whose −Inf would meet x_i = −Inf as ∞ − ∞ even where masked)
    const xy = x.where(live, x.gather(z, ys, { axis: -1 }), 0);
    // [..., j, i]: max(0, 1 − x_{y_j} + x_i) for live j and i not a label
    const hinge = x.relu(x.add(x.sub(1, x.expandDims(xy, -1)), x.expandDims(z, -2)));
    const mask = x.mul(x.expandDims(liveF, -1), x.expandDims(x.sub(1, x.cast(isLabel, z.dtype)), -2));
    // selected, not multiplied: a masked hinge at +Inf must not make 0·∞
    const perSample = x.div(x.sum(x.where(x.greater(mask, 0), hinge, 0), { axis: [-2, -1] }), classes);
    return reduce(perSample, options.reduction ?? 'mean') as never;
  },
);

export interface MultilabelSoftMarginOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** Class weights [C] (default none). */
  readonly weights?: Tensor;
}

/** y·s with 0 where y = 0 and s = +Inf (a logit at ∓Inf on a target's zero side: no 0·∞), the gradient in y still s elsewhere. */
function targetTimes(y: Tensor, sp: Tensor): Tensor {
  const dead = x.equal(sp, Infinity);
  return x.mul(y, x.where(dead, x.where(x.equal(y, 0), 0, sp), sp));
}

/**
 * −Σ_c w_c·[y_c·log σ(x_c) + (1 − y_c)·log σ(−x_c)] / C per sample (PyTorch
 * `F.multilabel_soft_margin_loss`), with targets y ∈ [0, 1] of the input's shape.
 *
 * @example
 * losses.multilabelSoftMarginLoss(x.tensor([[0, 0]], { dtype: 'f64' }), x.tensor([[1, 0]], { dtype: 'f64' })) // 0.6931472
 */
export const multilabelSoftMarginLoss = publicFn(
  'multilabelSoftMarginLoss',
  {
    input: scoresSchema,
    target: anyFloat,
    options: s.options({ reduction: reductionSchema, weights: classWeightsSchema }),
  },
  function multilabelSoftMarginLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    input: Tensor<S, D>,
    target: Tensor<S, D>,
    options: MultilabelSoftMarginOptions<R> = {},
  ): LossOf<BatchOf<S>, R, D> {
    const fn = 'multilabelSoftMarginLoss';
    const z: Tensor = pairOf(fn, input, input)[0];
    const classes = z.shape[z.rank - 1] as number;
    const y = unitIntervalArg(fn, 'target', target, z, 'input');
    const terms = x.add(targetTimes(y, x.softplus(x.neg(z))), targetTimes(x.sub(1, y), x.softplus(z)));
    const w = options.weights;
    const weighted = w === undefined ? terms : x.mul(terms, classWeightsArg(fn, w, classes, z.dtype));
    return reduce(x.div(x.sum(weighted, { axis: -1 }), classes), options.reduction ?? 'mean') as never;
  },
);

export interface MarginOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** The margin (default: 0 for marginRankingLoss and cosineEmbeddingLoss, 1 for hingeEmbeddingLoss). */
  readonly margin?: number;
}

/**
 * max(0, −y·(x₁ − x₂) + margin) for y ∈ {−1, 1} (PyTorch `F.margin_ranking_loss`): y = 1 asks x₁ to rank above x₂.
 *
 * @example
 * losses.marginRankingLoss(x.tensor([1], { dtype: 'f64' }), x.tensor([2], { dtype: 'f64' }), x.tensor([1], { dtype: 'f64' })) // 1.0
 */
export const marginRankingLoss = publicFn(
  'marginRankingLoss',
  {
    input1: anyFloat,
    input2: anyFloat,
    target: anyFloat,
    options: marginOptions,
  },
  function marginRankingLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    input1: Tensor<S, D>,
    input2: Tensor<S, D>,
    target: Tensor<S, D>,
    options: MarginOptions<R> = {},
  ): LossOf<S, R, D> {
    const fn = 'marginRankingLoss';
    const [a, b] = pairOf(fn, input1, input2, 'input2');
    const y = signTargets(fn, 'target', target, a, 'input1');
    return reduce(
      x.relu(x.add(x.neg(x.mul(y, x.sub(a, b))), options.margin ?? 0)),
      options.reduction ?? 'mean',
    ) as never;
  },
);

/**
 * x where y = 1, max(0, margin − x) where y = −1 (PyTorch `F.hinge_embedding_loss`; x is typically a distance).
 *
 * @example
 * losses.hingeEmbeddingLoss(x.tensor([0.3, 0.3], { dtype: 'f64' }), x.tensor([1, -1], { dtype: 'f64' })) // 0.5
 */
export const hingeEmbeddingLoss = publicFn(
  'hingeEmbeddingLoss',
  { input: anyFloat, target: anyFloat, options: marginOptions },
  function hingeEmbeddingLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    input: Tensor<S, D>,
    target: Tensor<S, D>,
    options: MarginOptions<R> = {},
  ): LossOf<S, R, D> {
    const fn = 'hingeEmbeddingLoss';
    const [a] = pairOf(fn, input, input);
    const y = signTargets(fn, 'target', target, a, 'input');
    const terms = x.where(x.equal(y, 1), a, x.relu(x.sub(options.margin ?? 1, a)));
    return reduce(terms, options.reduction ?? 'mean') as never;
  },
);

/**
 * 1 − cos(x₁, x₂) where y = 1, max(0, cos(x₁, x₂) − margin) where y = −1 (PyTorch
 * `F.cosine_embedding_loss`), with PyTorch's cos = ⟨x₁, x₂⟩/√((‖x₁‖² + 1e−12)(‖x₂‖² + 1e−12)) over
 * the last axis of [D] or [N, D] inputs; targets [] or [N].
 *
 * @example
 * losses.cosineEmbeddingLoss(x.tensor([[1, 0]], { dtype: 'f64' }), x.tensor([[0, 1]], { dtype: 'f64' }), x.tensor([1], { dtype: 'f64' })) // 1.0
 */
export const cosineEmbeddingLoss = publicFn(
  'cosineEmbeddingLoss',
  {
    input1: scoresSchema,
    input2: scoresSchema,
    target: anyFloat,
    options: marginOptions,
  },
  function cosineEmbeddingLoss<S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
    input1: Tensor<S, D>,
    input2: Tensor<S, D>,
    target: Tensor<BatchOf<S>, D>,
    options: MarginOptions<R> = {},
  ): LossOf<BatchOf<S>, R, D> {
    const fn = 'cosineEmbeddingLoss';
    const [a, b] = pairOf(fn, input1, input2, 'input2');
    const rows = x.sum(a, { axis: -1 });
    const y = signTargets(fn, 'target', target, rows, 'input1 without its last axis');
    const eps = 1e-12;
    const dot = x.sum(x.mul(a, b), { axis: -1 });
    const mags = x.mul(x.add(x.sum(x.square(a), { axis: -1 }), eps), x.add(x.sum(x.square(b), { axis: -1 }), eps));
    const cos = x.div(dot, x.sqrt(mags));
    const terms = x.where(x.equal(y, 1), x.sub(1, cos), x.relu(x.sub(cos, options.margin ?? 0)));
    return reduce(terms, options.reduction ?? 'mean') as never;
  },
);
