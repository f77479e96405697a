/** @file Cross-entropy of a linear classifier head, fused: the [N, V] logits h·Wᵀ + b are never stored (CCE). */
import * as x from '@xent/core';
import { DTypeError, ShapeError, type Tensor, ValueError } from '@xent/core';
import { fail } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { Reduction } from '../types.js';
import { classLabelsArg, describe, formatShape, numberArg, reductionArg, rules, tensorArg } from '../validate.js';

export interface LinearCrossEntropyOptions<R extends Reduction = Reduction> {
  /** Bias b [V] of the head (default none). */
  readonly bias?: Tensor;
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
export function linearCrossEntropy<R extends Reduction = 'mean'>(
  h: Tensor,
  w: Tensor,
  labels: Tensor,
  options: LinearCrossEntropyOptions<R> = {},
): Tensor {
  const fn = 'linearCrossEntropy';
  const ht = tensorArg(fn, 'h', h);
  const wt = tensorArg(fn, 'w', w);
  if (ht.dtype !== 'f32' && ht.dtype !== 'f64')
    fail(DTypeError, fn, 'h', 'an f32 or f64 tensor of hidden states', `dtype ${ht.dtype}`);
  if (ht.rank < 2 || ht.size === 0)
    fail(ShapeError, fn, 'h', 'hidden states [..., D] with a non-empty batch', `shape ${formatShape(ht.shape)}`);
  const d = ht.shape[ht.rank - 1] as number;
  if (wt.rank !== 2 || wt.shape[1] !== d || wt.shape[0] === 0)
    fail(ShapeError, fn, 'w', `a classifier [V, ${d}] with V ≥ 1 (D from h)`, `shape ${formatShape(wt.shape)}`);
  if (wt.dtype !== ht.dtype) fail(DTypeError, fn, 'w', `dtype ${ht.dtype} (as h)`, `dtype ${wt.dtype}`);
  const v = wt.shape[0] as number;
  const bias = options.bias === undefined ? undefined : tensorArg(fn, 'bias', options.bias);
  if (bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== v || bias.dtype !== ht.dtype))
    fail(ShapeError, fn, 'bias', `${ht.dtype}[${v}] (one per class)`, `${bias.dtype}${formatShape(bias.shape)}`);
  const reduction = reductionArg(fn, options.reduction);
  const ignoreIndex = options.ignoreIndex;
  if (ignoreIndex !== undefined) numberArg(fn, 'ignoreIndex', ignoreIndex, 0, rules.integerIndex);
  const batch = ht.shape.slice(0, -1);
  const y = classLabelsArg(fn, labels, batch, v, `h ${formatShape(ht.shape)} without the feature axis`, ignoreIndex);
  const eps = numberArg(fn, 'labelSmoothing', options.labelSmoothing, 0, rules.unitOpen);
  const softcap =
    options.softcap === undefined ? undefined : numberArg(fn, 'softcap', options.softcap, 1, rules.positive);
  if (options.gradFilter !== undefined && typeof options.gradFilter !== 'boolean')
    fail(ValueError, fn, 'gradFilter', 'a boolean', describe(options.gradFilter));
  const rows = batch.reduce((a, b) => a * b, 1);
  const flatY = x.reshape(y, [rows]);
  const valid = ignoreIndex === undefined ? undefined : x.notEqual(flatY, ignoreIndex);
  const stats = x.linearLogitStats(x.reshape(ht, [rows, d]), wt, {
    ...(bias === undefined ? {} : { bias }),
    ...(softcap === undefined ? {} : { softcap }),
    targets: valid === undefined ? flatY : x.where(valid, flatY, 0),
    gradFilter: options.gradFilter ?? false,
  });
  // (1 − ε)(lse − z_y) + ε(lse − mean_v z_v)
  const target = eps === 0 ? stats.pick : x.add(x.mul(stats.pick, 1 - eps), x.mul(stats.sum, eps / v));
  const perRow = x.sub(stats.lse, target);
  const kept = valid === undefined ? perRow : x.where(valid, perRow, 0);
  const weights = valid === undefined ? undefined : x.cast(valid, ht.dtype);
  return reduce(x.reshape(kept, batch), reduction, weights === undefined ? undefined : x.reshape(weights, batch));
}
