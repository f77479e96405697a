/** @file Cross-entropy of a linear classifier head, fused: the [N, V] logits h·Wᵀ + b are never stored (CCE). */
import * as x from '@xent/core';
import { DTypeError, ShapeError, type Tensor, ValueError } from '@xent/core';
import { fail, primitive, publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { Reduction } from '../types.js';
import {
  classLabelsArg,
  formatShape,
  integerOption,
  labelsSchema,
  positiveOption,
  reductionSchema,
  unitOpenOption,
  weightVectorArg,
} from '../validate.js';

export interface LinearCrossEntropyOptions<R extends Reduction = Reduction> {
  /** Bias b [V] of the head (default none). */
  readonly bias?: Tensor;
  /** Class weights [V] (PyTorch's `weight`): row i counts w_{y_i} times, in the loss and in the mean's denominator. */
  readonly weights?: Tensor;
  /** Targets equal to this index add nothing and are left out of the mean (PyTorch's −100 convention). */
  readonly ignoreIndex?: number;
  /** 'mean' over the kept targets (default), 'sum', or 'none' (one loss per target, shaped like the labels). */
  readonly reduction?: R;
  /** ε ∈ [0, 1): the target becomes (1 − ε)·e_y + ε/V (default 0). */
  readonly labelSmoothing?: number;
  /** c > 0: logits are softcapped to c·tanh(z/c) first (default none). */
  readonly softcap?: number;
  /** Drop softmax terms below 2⁻²⁴ from the gradient (CCE's filtering; faster, not exact). Default false. */
  readonly gradFilter?: boolean;
}

function linearCrossEntropyImpl<R extends Reduction = 'mean'>(
  h: Tensor,
  w: Tensor,
  labels: Tensor,
  options: LinearCrossEntropyOptions<R> = {},
): Tensor {
  const fn = 'linearCrossEntropy';
  if (h.size === 0)
    fail(ValueError, fn, 'h', 'hidden states [..., D] with a non-empty batch', `shape ${formatShape(h.shape)}`);
  const d = h.shape[h.rank - 1] as number;
  if (w.shape[1] !== d || w.shape[0] === 0)
    fail(ShapeError, fn, 'w', `a classifier [V, ${d}] with V ≥ 1 (D from h)`, `shape ${formatShape(w.shape)}`);
  if (w.dtype !== h.dtype) fail(DTypeError, fn, 'w', `dtype ${h.dtype} (as h)`, `dtype ${w.dtype}`);
  const v = w.shape[0] as number;
  const bias = options.bias;
  if (bias !== undefined && (bias.shape[0] !== v || bias.dtype !== h.dtype))
    fail(
      bias.shape[0] !== v ? ShapeError : DTypeError,
      fn,
      'bias',
      `${h.dtype}[${v}] (one per class)`,
      `${bias.dtype}${formatShape(bias.shape)}`,
    );
  const ignoreIndex = options.ignoreIndex;
  const batch = h.shape.slice(0, -1);
  const y = classLabelsArg(fn, labels, batch, v, `h ${formatShape(h.shape)} without the feature axis`, ignoreIndex);
  const eps = options.labelSmoothing ?? 0;
  const softcap = options.softcap;
  const rows = batch.reduce((a, b) => a * b, 1);
  const flatY = x.reshape(y, [rows]);
  const valid = ignoreIndex === undefined ? undefined : x.notEqual(flatY, ignoreIndex);
  // traced labels are checked as the program runs, blaming this loss (ignored ones become 0 first)
  const safeY = valid === undefined ? flatY : x.where(valid, flatY, 0);
  const checkedY = safeY.isTraced ? primitive('checkIndex', { bound: v, fn, arg: 'labels' }, safeY) : safeY;
  const stats = x.linearLogitStats(x.reshape(h, [rows, d]), w, {
    ...(bias === undefined ? {} : { bias }),
    ...(softcap === undefined ? {} : { softcap }),
    targets: checkedY,
    gradFilter: options.gradFilter ?? false,
  });
  const classWeights =
    options.weights === undefined
      ? undefined
      : weightVectorArg(fn, 'weights', options.weights, v, h.dtype, 'one weight per class');
  const perRow =
    classWeights === undefined
      ? // (1 − ε)(lse − z_y) + ε(lse − mean_v z_v)
        x.sub(stats.lse, eps === 0 ? stats.pick : x.add(x.mul(stats.pick, 1 - eps), x.mul(stats.sum, eps / v)))
      : weightedRows(h, w, classWeights, checkedY, stats, eps, options);
  const kept = valid === undefined ? perRow : x.where(valid, perRow, 0);
  const rowWeights = classWeights === undefined ? undefined : x.take(classWeights, checkedY);
  const validF = valid === undefined ? undefined : x.cast(valid, h.dtype);
  const weights = rowWeights === undefined ? validF : validF === undefined ? rowWeights : x.mul(rowWeights, validF);
  return reduce(
    x.reshape(kept, batch),
    options.reduction ?? 'mean',
    weights === undefined ? undefined : x.reshape(weights, batch),
  );
}

/**
 * Class-weighted rows (PyTorch's CE with `weight`): (1 − ε)·w_y·(lse − z_y) + ε/V·Σ_v w_v·(lse − z_v).
 * Σ_v w_v·z_v is h·(wᵀW) + w·b without the logits; under a softcap the capped logits are formed.
 */
function weightedRows(
  h: Tensor,
  w: Tensor,
  classWeights: Tensor,
  y: Tensor,
  stats: { readonly lse: Tensor; readonly pick: Tensor },
  eps: number,
  options: LinearCrossEntropyOptions,
): Tensor {
  const d = h.shape[h.rank - 1] as number;
  const flat = x.reshape(h, [-1, d]);
  const hard = x.mul(x.take(classWeights, y), x.sub(stats.lse, stats.pick));
  if (eps === 0) return hard;
  const v = w.shape[0] as number;
  let weightedLogits: Tensor;
  if (options.softcap === undefined) {
    const projected = x.squeeze(
      x.matmul(flat, x.expandDims(x.squeeze(x.matmul(x.expandDims(classWeights, 0), w), 0), -1)),
      -1,
    );
    weightedLogits =
      options.bias === undefined ? projected : x.add(projected, x.sum(x.mul(options.bias, classWeights)));
  } else {
    const raw = x.matmul(flat, x.transpose(w));
    const z = options.bias === undefined ? raw : x.add(raw, options.bias);
    const c = options.softcap;
    weightedLogits = x.sum(x.mul(x.mul(c, x.tanh(x.div(z, c))), classWeights), { axis: -1 });
  }
  const smooth = x.sub(x.mul(stats.lse, x.sum(classWeights)), weightedLogits);
  return x.add(x.mul(1 - eps, hard), x.mul(eps / v, smooth));
}

/**
 * CE(h·Wᵀ + b, y) for hidden states h [..., D], a classifier W [V, D] and labels y [...], computed
 * by a fused kernel that keeps only each row's logsumexp and target logit: O(N·D + V·D) memory
 * instead of O(N·V), for the loss and its gradient. Equal to
 * `crossEntropy(x.add(x.matmul(h, x.transpose(W)), b), y, options)` (which jit and grad rewrite
 * to the same kernel when the logits are large).
 *
 * @example
 * losses.linearCrossEntropy(x.tensor([[1, 0], [0, 1]], { dtype: 'f64' }), x.tensor([[1, 0], [0, 1], [1, 1]], { dtype: 'f64' }), x.tensor([0, 2], { dtype: 'i32' })) // 0.8619948
 */
export const linearCrossEntropy = publicFn(
  'linearCrossEntropy',
  {
    h: s.tensor({ dtype: 'float', rank: [2, Infinity] }),
    w: s.tensor({ dtype: 'float', rank: 2 }),
    labels: labelsSchema,
    options: s.options({
      bias: s.optional(s.tensor({ dtype: 'float', rank: 1 })),
      weights: s.optional(s.tensor({ dtype: 'float', rank: 1 })),
      ignoreIndex: integerOption,
      reduction: reductionSchema,
      labelSmoothing: unitOpenOption,
      softcap: positiveOption,
      gradFilter: s.optional(s.boolean),
    }),
  },
  linearCrossEntropyImpl,
);
