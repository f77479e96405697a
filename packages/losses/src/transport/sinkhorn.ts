/** @file Entropic optimal transport by Sinkhorn's iterations in the log domain (a fixed number of differentiable steps, one `scan`). */
import * as x from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { logOfProbs } from '../information/logSpace.js';
import { formatShape, matrixSchema, simplexArg } from '../validate.js';

/** Options of the Sinkhorn solver. */
export interface SinkhornOptions {
  /** Entropic regularisation ε > 0, in the units of the cost (default 0.1). */
  readonly epsilon?: number;
  /** How many (f, g) updates run, as one loop (`x.scan`; default 100, at most 10 000). */
  readonly iterations?: number;
}

/** Iterations at most: eager calls run them one by one, each a handful of operations. */
const MAX_ITERATIONS = 10_000;

const sinkhornParams = {
  a: s.tensor({ dtype: 'float', rank: 1 }),
  b: s.tensor({ dtype: 'float', rank: 1 }),
  cost: matrixSchema,
  options: s.options({
    epsilon: s.optional(s.finite({ min: 0, minOpen: true })),
    iterations: s.optional(s.count(1, MAX_ITERATIONS, 'iterations', 'the iteration limit')),
  }),
};

/** log P_ij = (f_i + g_j − C_ij)/ε after the iterations, for checked arguments. */
function logPlan(fn: string, a: Tensor, b: Tensor, cost: Tensor, options: SinkhornOptions): Tensor {
  const [n, m] = [a.shape[0] as number, b.shape[0] as number];
  if (n === 0 || m === 0) fail(x.ShapeError, fn, n === 0 ? 'a' : 'b', 'at least one point', '[0]');
  const la = logOfProbs(simplexArg(fn, 'a', a, a, 'a'));
  const lb = logOfProbs(simplexArg(fn, 'b', b, b, 'b'));
  if (b.dtype !== a.dtype) fail(x.DTypeError, fn, 'b', `dtype ${a.dtype} (as a)`, `dtype ${b.dtype}`);
  if (cost.shape[0] !== n || cost.shape[1] !== m)
    fail(x.ShapeError, fn, 'cost', `shape [${n}, ${m}] (a's and b's lengths)`, formatShape(cost.shape));
  if (cost.dtype !== a.dtype) fail(x.DTypeError, fn, 'cost', `dtype ${a.dtype} (as a)`, `dtype ${cost.dtype}`);
  if (!cost.isTraced) {
    const bad = Array.from(cost.data() as ArrayLike<number>).findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      fail(x.ValueError, fn, 'cost', 'finite costs', `${(cost.data() as ArrayLike<number>)[bad]} at flat index ${bad}`);
  }
  const eps = options.epsilon ?? 0.1;
  const scaled = x.div(cost, eps);
  // f_i/ε = log a_i − LSE_j(g_j/ε − C_ij/ε);  g_j/ε = log b_j − LSE_i(f_i/ε − C_ij/ε)  (potentials kept divided by ε)
  const fStep = (g: Tensor): Tensor => x.reshape(x.sub(la, x.logsumexp(x.sub(g, scaled), { axis: 1 })), [n, 1]);
  const gStep = (f: Tensor): Tensor => x.reshape(x.sub(lb, x.logsumexp(x.sub(f, scaled), { axis: 0 })), [1, m]);
  // one loop whatever the count, so jit compiles one step (the f of the carry only seeds its shape)
  const step = (carry: { f: Tensor; g: Tensor }): readonly [{ f: Tensor; g: Tensor }, null] => {
    const f = fStep(carry.g);
    return [{ f, g: gStep(f) }, null];
  };
  const init = { f: x.zeros([n, 1], { dtype: a.dtype }), g: x.zeros([1, m], { dtype: a.dtype }) };
  const [{ f, g }] = x.scan(step, init, null, { length: options.iterations ?? 100 });
  return x.sub(x.add(f, g), scaled);
}

function sinkhornPlanImpl<D extends DType>(
  a: Tensor<ShapeT, D>,
  b: Tensor<ShapeT, D>,
  cost: Tensor<ShapeT, D>,
  options: SinkhornOptions = {},
): Tensor<ShapeT, D> {
  return x.exp(logPlan('sinkhornPlan', a, b, cost, options)) as never;
}

/**
 * The entropic transport plan P = diag(e^{f/ε})·e^{−C/ε}·diag(e^{g/ε}) between histograms a [n] and
 * b [m] under cost [n, m] after `iterations` log-domain Sinkhorn updates (Cuturi 2013; catalog T05):
 * Pᵀ1 = b exactly, P1 → a as the iterations grow. Differentiable through the iterations, which run as one `x.scan` (jit compiles one step).
 *
 * @example
 * losses.sinkhornPlan(x.tensor([0.5, 0.5]), x.tensor([0.5, 0.5]), x.tensor([[0, 1], [1, 0]]), { epsilon: 0.05 })
 */
export const sinkhornPlan = publicFn('sinkhornPlan', sinkhornParams, sinkhornPlanImpl);

function sinkhornImpl<D extends DType>(
  a: Tensor<ShapeT, D>,
  b: Tensor<ShapeT, D>,
  cost: Tensor<ShapeT, D>,
  options: SinkhornOptions = {},
): Tensor<[], D> {
  const c: Tensor = cost;
  const logP = logPlan('sinkhorn', a, b, c, options);
  const eps = options.epsilon ?? 0.1;
  // ⟨P, C⟩ − ε·H(P) = Σ P·(C + ε·log P), with 0·log 0 = 0 where a row or column carries no mass
  const dead = x.equal(logP, -Infinity);
  const safe = x.where(dead, 0, logP);
  return x.sum(x.where(dead, 0, x.mul(x.exp(safe), x.add(c, x.mul(eps, safe))))) as never;
}

/**
 * Entropic optimal transport OT_ε(a, b; C) = ⟨P, C⟩ − ε·H(P), H(P) = −Σ P log P, at the plan of
 * `sinkhornPlan` (Cuturi 2013; Peyré & Cuturi 2019; catalog T05), computed in the log domain so small ε
 * does not underflow. ⟨P, C⟩ → W1 as ε → 0 (for C = |x_i − y_j|); OT_ε can be negative and is not 0 at a = b.
 *
 * @example
 * losses.sinkhorn(x.tensor([0.5, 0.5]), x.tensor([0.5, 0.5]), x.tensor([[0, 1], [1, 0]]), { epsilon: 0.05, iterations: 50 })
 */
export const sinkhorn = publicFn('sinkhorn', sinkhornParams, sinkhornImpl);
