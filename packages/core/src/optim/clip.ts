/**
 * @file The global L2 norm of a tree of gradients, computed without overflow, and clipping by it
 * (optax.clip_by_global_norm, torch.nn.utils.clip_grad_norm_): a NaN anywhere makes every leaf NaN.
 */
import { fail, ValueError } from '../errors.js';
import type { FloatDType } from '../ir/dtype.js';
import {
  abs,
  add,
  cast,
  div,
  greater,
  less,
  lessEqual,
  maximum,
  mul,
  sqrt,
  square,
  where,
} from '../trace/ops/elementwise.js';
import { max, sum } from '../trace/ops/reduce.js';
import type { Tensor } from '../trace/tensor.js';
import { describeNode } from '../tree/flatten.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { domains, type Hyper, hyperSchema, scalarAs } from './hyper.js';
import { type FloatLeaves, floatLeaves, rebuild } from './params.js';

/** ‖g‖₂ over every leaf of `tree` = a·√(Σ (g/a)²) with a = max |g|, so no square overflows. */
function normOf(fn: string, arg: string, tree: unknown): { readonly flat: FloatLeaves; readonly norm: Tensor } {
  const flat = floatLeaves(fn, arg, tree);
  if (flat.leaves.length === 0) fail(ValueError, fn, arg, 'a pytree with at least one tensor', describeNode(tree));
  const dtype: FloatDType = flat.leaves.some((g) => g.dtype === 'f64') ? 'f64' : 'f32';
  const largest = flat.leaves.map((g) => cast(max(abs(g)), dtype)).reduce((a, b) => maximum(a, b));
  // a when 0 < a < ∞; else 1: all zeros give 0, an Inf gives √∞ = ∞, a NaN gives NaN
  const a = where(greater(largest, 0), where(less(largest, Infinity), largest, 1), 1);
  const total = flat.leaves.map((g) => cast(sum(square(div(g, cast(a, g.dtype)))), dtype)).reduce((s, t) => add(s, t));
  return { flat, norm: mul(a, sqrt(total)) };
}

/** The L2 norm of all the leaves of `tree` together, a scalar (f64 when a leaf is f64, else f32). */
export const globalNorm = publicFn(
  'globalNorm',
  { tree: s.anything },
  (tree: unknown): Tensor<[], FloatDType> => normOf('globalNorm', 'tree', tree).norm as Tensor<[], FloatDType>,
);

/**
 * `grads` as they are when their global norm is at most `maxNorm` (> 0, a number or a scalar tensor), else
 * scaled by maxNorm / ‖grads‖₂; a NaN leaf makes the norm and every clipped leaf NaN.
 */
export const clipByGlobalNorm = publicFn(
  'clipByGlobalNorm',
  { grads: s.anything, maxNorm: hyperSchema(domains.positive) },
  function clipByGlobalNorm<T>(grads: T, maxNorm: Hyper): T {
    const { flat, norm } = normOf('clipByGlobalNorm', 'grads', grads);
    const c = scalarAs(maxNorm, norm.dtype as FloatDType);
    // s = 1 when ‖g‖ ≤ c, else c/‖g‖ (NaN when ‖g‖ is)
    const scale = where(lessEqual(norm, c), 1, div(c, norm));
    return rebuild<T>(
      flat,
      flat.leaves.map((g) => mul(g, cast(scale, g.dtype))),
    );
  },
);
