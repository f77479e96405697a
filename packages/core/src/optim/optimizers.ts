/**
 * @file Two small optimizers over lists of parameter tensors, as pure functions of (params, grads,
 * state): SGD with (Nesterov) momentum and Adam. They run wherever the tensors live.
 */
import { fail, ShapeError, ValueError } from '../errors.js';
import { formatShape } from '../ir/shape.js';
import { describe } from '../trace/apply.js';
import { tensor, zerosLike } from '../trace/create.js';
import { add, div, mul, pow, sqrt, square, sub } from '../trace/ops/elementwise.js';
import type { Tensor } from '../trace/tensor.js';

/** An optimizer: `init` builds its state for some parameters, `step` returns updated parameters and state. */
export interface Optimizer<S> {
  init(params: readonly Tensor[]): S;
  step(params: readonly Tensor[], grads: readonly Tensor[], state: S): { params: Tensor[]; state: S };
}

function positive(fn: string, arg: string, v: number): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
    fail(ValueError, fn, arg, 'a finite number > 0', describe(v));
  return v;
}

function inUnit(fn: string, arg: string, v: number): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) fail(ValueError, fn, arg, 'a number in [0, 1)', describe(v));
  return v;
}

function checkGrads(fn: string, params: readonly Tensor[], grads: readonly Tensor[]): void {
  if (grads.length !== params.length)
    fail(ValueError, fn, 'grads', `${params.length} gradients (one per parameter)`, `${grads.length}`);
  grads.forEach((g, i) => {
    const p = params[i] as Tensor;
    if (g.rank !== p.rank || g.shape.some((d, j) => d !== p.shape[j]))
      fail(ShapeError, fn, `grads[${i}]`, `shape ${formatShape(p.shape)} (its parameter's)`, formatShape(g.shape));
  });
}

export interface SgdOptions {
  readonly lr: number;
  /** μ ∈ [0, 1) (default 0): v ← μ·v + g. */
  readonly momentum?: number;
  /** Step along g + μ·v instead of v (default false). */
  readonly nesterov?: boolean;
  /** L2 weight decay λ ≥ 0 added to the gradient (default 0). */
  readonly weightDecay?: number;
}

/** Stochastic gradient descent: v ← μ·v + (g + λθ); θ ← θ − lr·v (or lr·(g + μ·v) with Nesterov). */
export function sgd(options: SgdOptions): Optimizer<{ readonly velocity: readonly Tensor[] }> {
  const fn = 'optim.sgd';
  const lr = positive(fn, 'lr', options.lr);
  const mu = inUnit(fn, 'momentum', options.momentum ?? 0);
  const decay = options.weightDecay ?? 0;
  if (!(decay >= 0)) fail(ValueError, fn, 'weightDecay', 'a number ≥ 0', describe(decay));
  return {
    init: (params) => ({ velocity: params.map((p) => zerosLike(p)) }),
    step: (params, grads, state) => {
      checkGrads(fn, params, grads);
      const velocity = params.map((p, i) => {
        const g = decay === 0 ? (grads[i] as Tensor) : add(grads[i] as Tensor, mul(decay, p));
        return add(mul(mu, state.velocity[i] as Tensor), g);
      });
      const next = params.map((p, i) => {
        const v = velocity[i] as Tensor;
        const g = decay === 0 ? (grads[i] as Tensor) : add(grads[i] as Tensor, mul(decay, p));
        return sub(p, mul(lr, options.nesterov === true ? add(g, mul(mu, v)) : v));
      });
      return { params: next, state: { velocity } };
    },
  };
}

export interface AdamOptions {
  readonly lr: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
}

/** Adam (Kingma & Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr·m̂/(√v̂ + ε) with bias-corrected m̂, v̂. */
export function adam(
  options: AdamOptions,
): Optimizer<{ readonly m: readonly Tensor[]; readonly v: readonly Tensor[]; readonly t: Tensor }> {
  const fn = 'optim.adam';
  const lr = positive(fn, 'lr', options.lr);
  const b1 = inUnit(fn, 'beta1', options.beta1 ?? 0.9);
  const b2 = inUnit(fn, 'beta2', options.beta2 ?? 0.999);
  const eps = positive(fn, 'eps', options.eps ?? 1e-8);
  return {
    init: (params) => ({
      m: params.map((p) => zerosLike(p)),
      v: params.map((p) => zerosLike(p)),
      t: tensor(0, { dtype: params[0]?.dtype === 'f64' ? 'f64' : 'f32' }),
    }),
    step: (params, grads, state) => {
      checkGrads(fn, params, grads);
      const t: Tensor = add(state.t, 1);
      // 1 − βᵗ as tensors of the step count.
      const c1 = sub(1, pow(b1, t));
      const c2 = sub(1, pow(b2, t));
      const m = params.map((_, i) => add(mul(b1, state.m[i] as Tensor), mul(1 - b1, grads[i] as Tensor)));
      const v = params.map((_, i) => add(mul(b2, state.v[i] as Tensor), mul(1 - b2, square(grads[i] as Tensor))));
      const next = params.map((p, i) => {
        const mh = div(m[i] as Tensor, c1);
        const vh = div(v[i] as Tensor, c2);
        return sub(p, mul(lr, div(mh, add(sqrt(vh), eps))));
      });
      return { params: next, state: { m, v, t } };
    },
  };
}
