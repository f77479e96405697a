/**
 * @file Adam and AdamW over a params tree. The step count lives in the state as an i32 tensor, so the bias
 * corrections are computed from it in the graph and a jitted step is traced once, not once per step.
 */
import { DTypeError, fail, ShapeError, ValueError } from '../errors.js';
import type { FloatDType } from '../ir/dtype.js';
import { formatType } from '../ir/printer.js';
import { tensor, zerosLike } from '../trace/create.js';
import { add, cast, div, mul, pow, sqrt, square, sub } from '../trace/ops/elementwise.js';
import { Tensor } from '../trace/tensor.js';
import { describeNode } from '../tree/flatten.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import {
  domains,
  type Hyper,
  hyperFields,
  type HyperSpec,
  oneMinus,
  scalarAs,
  withDefaults,
  withOverrides,
} from './hyper.js';
import type { AdamState, Optimizer } from './optimizer.js';
import { floatLeaves, leavesAs, rebuild, stateFields } from './params.js';

export interface AdamOptions {
  /** The learning rate η ≥ 0. */
  readonly lr: Hyper;
  /** β₁ ∈ [0, 1), the first moment's decay (default 0.9). */
  readonly beta1?: Hyper;
  /** β₂ ∈ [0, 1), the second moment's decay (default 0.999). */
  readonly beta2?: Hyper;
  /** ε > 0, added to √v̂ (default 1e-8). */
  readonly eps?: Hyper;
}

export interface AdamWOptions extends AdamOptions {
  /** The decoupled weight decay λ ≥ 0 (default 0.01, PyTorch's). */
  readonly weightDecay?: Hyper;
}

type AdamHyper = 'lr' | 'beta1' | 'beta2' | 'eps';

const adamSpec: HyperSpec<AdamHyper> = {
  lr: { domain: domains.nonNegative },
  beta1: { domain: domains.unit, fallback: 0.9 },
  beta2: { domain: domains.unit, fallback: 0.999 },
  eps: { domain: domains.positive, fallback: 1e-8 },
};

const adamwSpec: HyperSpec<AdamHyper | 'weightDecay'> = {
  ...adamSpec,
  weightDecay: { domain: domains.nonNegative, fallback: 0.01 },
};

/** The step count of a state: a scalar i32 tensor. */
function countOf(fn: string, v: unknown): Tensor<[], 'i32'> {
  if (!(v instanceof Tensor)) fail(ValueError, fn, 'state.count', 'a Tensor i32[]', describeNode(v));
  const t = v as Tensor;
  if (t.dtype !== 'i32' || t.rank !== 0)
    fail(
      t.dtype === 'i32' ? ShapeError : DTypeError,
      fn,
      'state.count',
      'i32[] (the step count)',
      formatType(t.node.type),
    );
  return t as Tensor<[], 'i32'>;
}

/** The hyperparameters of one Adam step (AdamW's have a weightDecay). */
interface AdamHypers extends Readonly<Record<AdamHyper, Hyper>> {
  readonly weightDecay?: Hyper;
}

/** Adam, with AdamW's decoupled decay when the hyperparameters `named` have a weightDecay. */
function adamFamily<K extends 'adam' | 'adamw', H extends string>(
  fn: string,
  spec: HyperSpec<H>,
  options: Readonly<Partial<Record<H, Hyper>>>,
  named: (h: Readonly<Record<H, Hyper>>) => AdamHypers,
): Optimizer<K> {
  const base = withDefaults(spec, options);
  return {
    init: <P>(params: P): AdamState<P> => {
      const p = floatLeaves(`${fn}.init`, 'params', params);
      const zeros = (): P =>
        rebuild(
          p,
          p.leaves.map((t) => zerosLike(t)),
        );
      return { m: zeros(), v: zeros(), count: tensor(0, { dtype: 'i32' }) };
    },
    step: <P>(params: P, grads: P, state: AdamState<P>, hyper?: unknown) => {
      const at = `${fn}.step`;
      const h = named(withOverrides(at, hyper, spec, base));
      const p = floatLeaves(at, 'params', params);
      const g = leavesAs(at, 'grads', p, grads);
      const fields = stateFields(at, state, ['m', 'v', 'count']);
      const m0 = leavesAs(at, 'state.m', p, fields.m);
      const v0 = leavesAs(at, 'state.v', p, fields.v);
      const count = add(countOf(at, fields.count), 1);
      // 1 − βᵗ, in f64 when a parameter is f64
      const wide: FloatDType = p.leaves.some((t) => t.dtype === 'f64') ? 'f64' : 'f32';
      const t = cast(count, wide);
      const c1 = sub(1, pow(scalarAs(h.beta1, wide), t));
      const c2 = sub(1, pow(scalarAs(h.beta2, wide), t));
      const m: Tensor[] = [];
      const v: Tensor[] = [];
      const next = p.leaves.map((theta, i) => {
        const as = (k: Hyper): Hyper => scalarAs(k, theta.dtype);
        const [lr, b1, b2, eps] = [h.lr, h.beta1, h.beta2, h.eps].map(as) as [Hyper, Hyper, Hyper, Hyper];
        const wd = h.weightDecay === undefined ? 0 : as(h.weightDecay);
        const gi = g[i] as Tensor;
        // m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²
        const mi = add(mul(b1, m0[i] as Tensor), mul(oneMinus(b1), gi));
        const vi = add(mul(b2, v0[i] as Tensor), mul(oneMinus(b2), square(gi)));
        m.push(mi);
        v.push(vi);
        // m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ); AdamW adds λθ
        const u = div(div(mi, cast(c1, theta.dtype)), add(sqrt(div(vi, cast(c2, theta.dtype))), eps));
        return sub(theta, mul(lr, wd === 0 ? u : add(u, mul(wd, theta))));
      });
      return { params: rebuild<P>(p, next), state: { m: rebuild<P>(p, m), v: rebuild<P>(p, v), count } };
    },
  };
}

/** Adam (Kingma & Ba 2015; torch.optim.Adam, optax.adam): θ ← θ − η·m̂/(√v̂ + ε). */
export const adam = publicFn(
  'adam',
  { options: s.options(hyperFields(adamSpec)) },
  (options: AdamOptions): Optimizer<'adam'> => adamFamily('adam', adamSpec, options, (h) => h),
);

/**
 * AdamW (Loshchilov & Hutter 2019), as torch.optim.AdamW and optax.adamw define it (they agree): the decay is
 * decoupled from the moments and scaled by the learning rate, θ ← θ − η·(m̂/(√v̂ + ε) + λθ).
 */
export const adamw = publicFn(
  'adamw',
  { options: s.options(hyperFields(adamwSpec)) },
  (options: AdamWOptions): Optimizer<'adamw'> => adamFamily('adamw', adamwSpec, options, (h) => h),
);
