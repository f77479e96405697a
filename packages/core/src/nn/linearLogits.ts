/** @file linearLogitStats: the row statistics of the logits s(h·Wᵀ + b) without forming them (the fused prim, typed). */
import { fail, ShapeError, ValueError } from '../errors.js';
import { statColumn } from '../autodiff/linearLogitRules.js';
import * as B from '../ir/build.js';
import { formatShape } from '../ir/shape.js';
import { LinearStat } from '../ir/prim.js';
import { applyOp, describe, requireTensor, wrap } from '../trace/apply.js';
import type { Tensor } from '../trace/tensor.js';

export interface LinearLogitStatsOptions {
  /** Bias b [V] added to every row of logits (default none). */
  readonly bias?: Tensor;
  /** Targets y [N] (i32 in [0, V)): the `pick` column is z at y (0 without targets). */
  readonly targets?: Tensor;
  /** c > 0: the logits are c·tanh(u/c) (Gemma-style softcapping); default none. */
  readonly softcap?: number;
  /** Drop softmax terms below 2⁻²⁴ from the gradient (CCE's gradient filtering); default false (exact). */
  readonly gradFilter?: boolean;
}

/** The row statistics [N] of z = s(h·Wᵀ + b). */
export interface LinearLogitStats {
  /** log Σ_v exp z_nv */
  readonly lse: Tensor;
  /** z_{n, y_n} (0 without targets) */
  readonly pick: Tensor;
  /** Σ_v z_nv */
  readonly sum: Tensor;
  /** max_v z_nv */
  readonly max: Tensor;
}

/**
 * Row statistics of the logits z = s(h·Wᵀ + b) for h [N, D] and W [V, D], computed by one fused
 * kernel that never stores the [N, V] logits, nor their gradient: memory O(N·D + V·D). The
 * gradient (any order) is exact; first order is fused too.
 *
 * @example
 * x.linearLogitStats(x.tensor([[1, 0]]), x.tensor([[1, 0], [0, 1]]), { targets: x.tensor([0], { dtype: 'i32' }) }).pick // [1]
 */
export function linearLogitStats(h: Tensor, w: Tensor, options: LinearLogitStatsOptions = {}): LinearLogitStats {
  const fn = 'linearLogitStats';
  const ht = requireTensor(fn, 'h', h);
  const wt = requireTensor(fn, 'w', w);
  if (ht.rank !== 2) fail(ShapeError, fn, 'h', 'a matrix [N, D] of hidden states', `shape ${formatShape(ht.shape)}`);
  const v = wt.shape[0] ?? 0;
  const bias = options.bias === undefined ? undefined : requireTensor(fn, 'options.bias', options.bias);
  const targets = options.targets === undefined ? undefined : requireTensor(fn, 'options.targets', options.targets);
  const softcap = options.softcap ?? null;
  if (softcap !== null && !(typeof softcap === 'number' && softcap > 0 && Number.isFinite(softcap)))
    fail(ValueError, fn, 'options.softcap', 'a finite number > 0', describe(softcap));
  const gradFilter = options.gradFilter ?? false;
  if (typeof gradFilter !== 'boolean') fail(ValueError, fn, 'options.gradFilter', 'a boolean', describe(gradFilter));
  const b = bias?.node ?? B.full([v], 0, ht.dtype);
  const stats = applyOp(fn, 'linearLogitStats', { softcap, targets: targets !== undefined, filter: gradFilter }, [
    ht.node,
    wt.node,
    b,
    ...(targets === undefined ? [] : [targets.node]),
  ]);
  const column = (c: number): Tensor => wrap(statColumn(stats.node, c));
  return {
    lse: column(LinearStat.Lse),
    pick: column(LinearStat.Pick),
    sum: column(LinearStat.Sum),
    max: column(LinearStat.Max),
  };
}
