/** @file logsumexp restricted by a boolean mask or scaled by non-negative weights (log Σ w·eᶻ). */
import { fail, ShapeError, ValueError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { formatShape } from '../ir/shape.js';
import { requireTensor } from '../trace/apply.js';
import { add, greater, less, log, where } from '../trace/ops/elementwise.js';
import { logsumexp, max } from '../trace/ops/reduce.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';

export interface MaskedLogsumexpOptions {
  readonly axis?: number | readonly number[];
  readonly keepDims?: boolean;
}

function sameShape(fn: string, arg: string, z: Tensor, other: Tensor): void {
  if (other.rank !== z.rank || other.shape.some((d, i) => d !== z.shape[i]))
    fail(ShapeError, fn, arg, `shape ${formatShape(z.shape)} (the shape of z)`, formatShape(other.shape));
}

/**
 * log Σ_{k: mask_k} e^{z_k}: a row with no selected entry gives −Inf and a zero gradient; unselected
 * entries get a zero gradient even when they hold ±Inf or NaN.
 */
export function maskedLogsumexp<D extends DType>(
  z: Tensor<ShapeT, D>,
  mask: Tensor<ShapeT, 'bool'>,
  options: MaskedLogsumexpOptions = {},
): Tensor<ShapeT, D> {
  const fn = 'maskedLogsumexp';
  const t = requireTensor(fn, 'z', z);
  const m = requireTensor(fn, 'mask', mask);
  if (m.dtype !== 'bool') fail(ValueError, fn, 'mask', 'a bool tensor', `dtype ${m.dtype}`);
  sameShape(fn, 'mask', t, m);
  return logsumexp(where(m, t, -Infinity), options) as never;
}

/**
 * log Σ_k w_k·e^{z_k} = logsumexp(z + log w) over the entries with w_k > 0 (w = 0 drops an entry).
 * Negative weights are a ValueError when they are known; the gradient w.r.t. w is e^{z−lse}/w.
 */
export function weightedLogsumexp<D extends DType>(
  z: Tensor<ShapeT, D>,
  weights: Tensor<ShapeT, D>,
  options: MaskedLogsumexpOptions = {},
): Tensor<ShapeT, D> {
  const fn = 'weightedLogsumexp';
  const t = requireTensor(fn, 'z', z);
  const w = requireTensor(fn, 'weights', weights);
  sameShape(fn, 'weights', t, w);
  if (!w.isTraced && (max(where(less(w, 0), 1, 0)).data()[0] as number) > 0)
    fail(ValueError, fn, 'weights', 'non-negative weights', 'a negative weight');
  const kept = greater(w, 0);
  return logsumexp(where(kept, add(t, log(where(kept, w, 1))), -Infinity), options) as never;
}
