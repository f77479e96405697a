/** @file linearLogitStats: the row statistics of the logits s(h·Wᵀ + b) without forming them (the fused prim, typed). */
import { DTypeError, fail, ShapeError } from '../errors.js';
import { statColumn } from '../autodiff/linearLogitRules.js';
import * as B from '../ir/build.js';
import { formatShape } from '../ir/shape.js';
import { LinearStat } from '../ir/prim.js';
import { formatType } from '../ir/printer.js';
import { applyOp, wrap } from '../trace/apply.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';

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
export const linearLogitStats = publicFn(
  'linearLogitStats',
  {
    h: s.tensor({ dtype: 'float', rank: 2 }),
    w: s.tensor({ dtype: 'float', rank: 2 }),
    options: s.options({
      bias: s.optional(s.tensor({ dtype: 'float', rank: 1 })),
      targets: s.optional(s.tensor({ dtype: ['i32'], rank: 1 })),
      softcap: s.optional(s.finite({ min: 0, minOpen: true })),
      gradFilter: s.optional(s.boolean),
    }),
  },
  (h: Tensor, w: Tensor, options: LinearLogitStatsOptions = {}): LinearLogitStats => {
    const fn = 'linearLogitStats';
    const [n, d] = h.shape as [number, number];
    const v = w.shape[0] as number;
    const { bias, targets } = options;
    if (w.dtype !== h.dtype) fail(DTypeError, fn, 'w', `a ${h.dtype} matrix (the dtype of h)`, `dtype ${w.dtype}`);
    if (w.shape[1] !== d) fail(ShapeError, fn, 'w', `a matrix [V, ${d}] (D as in h)`, `shape ${formatShape(w.shape)}`);
    if (bias !== undefined && (bias.dtype !== h.dtype || bias.shape[0] !== v))
      fail(ShapeError, fn, 'bias', `${h.dtype}[${v}] (one per row of w)`, formatType(bias.node.type));
    if (targets !== undefined && targets.shape[0] !== n)
      fail(ShapeError, fn, 'targets', `i32[${n}] (one per row of h)`, formatType(targets.node.type));
    const stats = applyOp(
      fn,
      'linearLogitStats',
      { softcap: options.softcap ?? null, targets: targets !== undefined, filter: options.gradFilter ?? false },
      [h.node, w.node, bias?.node ?? B.full([v], 0, h.dtype), ...(targets === undefined ? [] : [targets.node])],
    );
    const column = (c: number): Tensor => wrap(statColumn(stats.node, c));
    return {
      lse: column(LinearStat.Lse),
      pick: column(LinearStat.Pick),
      sum: column(LinearStat.Sum),
      max: column(LinearStat.Max),
    };
  },
);
