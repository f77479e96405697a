/** @file SGD over a params tree: momentum, Nesterov momentum and L2 weight decay (torch.optim.SGD without dampening). */
import { zerosLike } from '../trace/create.js';
import { add, mul, sub } from '../trace/ops/elementwise.js';
import type { Tensor } from '../trace/tensor.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { domains, type Hyper, hyperFields, type HyperSpec, scalarAs, withDefaults, withOverrides } from './hyper.js';
import type { Optimizer, SgdState } from './optimizer.js';
import { floatLeaves, leavesAs, rebuild, stateFields } from './params.js';

export interface SgdOptions {
  /** The learning rate η ≥ 0. */
  readonly lr: Hyper;
  /** μ ∈ [0, 1) (default 0). */
  readonly momentum?: Hyper;
  /** Step along g + μ·v instead of v (default false). */
  readonly nesterov?: boolean;
  /** L2 weight decay λ ≥ 0, added to the gradient (default 0). */
  readonly weightDecay?: Hyper;
}

const spec: HyperSpec<'lr' | 'momentum' | 'weightDecay'> = {
  lr: { domain: domains.nonNegative },
  momentum: { domain: domains.unit, fallback: 0 },
  weightDecay: { domain: domains.nonNegative, fallback: 0 },
};

/** Stochastic gradient descent: g ← g + λθ, v ← μ·v + g, θ ← θ − η·v (Nesterov: θ ← θ − η·(g + μ·v)). */
export const sgd = publicFn(
  'sgd',
  { options: s.options({ nesterov: s.optional(s.boolean), ...hyperFields(spec) }) },
  (options: SgdOptions): Optimizer<'sgd'> => {
    const fn = 'sgd';
    const base = withDefaults(spec, options);
    const nesterov = options.nesterov ?? false;
    return {
      init: <P>(params: P): SgdState<P> => {
        const p = floatLeaves(`${fn}.init`, 'params', params);
        return {
          velocity: rebuild(
            p,
            p.leaves.map((t) => zerosLike(t)),
          ),
        };
      },
      step: <P>(params: P, grads: P, state: SgdState<P>, hyper?: unknown) => {
        const at = `${fn}.step`;
        const h = withOverrides(at, hyper, spec, base);
        const p = floatLeaves(at, 'params', params);
        const g = leavesAs(at, 'grads', p, grads);
        const v0 = leavesAs(at, 'state.velocity', p, stateFields(at, state, ['velocity']).velocity);
        const velocity: Tensor[] = [];
        const next = p.leaves.map((theta, i) => {
          const [lr, mu, wd] = [h.lr, h.momentum, h.weightDecay].map((k) => scalarAs(k, theta.dtype));
          const gi = wd === 0 ? (g[i] as Tensor) : add(g[i] as Tensor, mul(wd as Hyper, theta));
          const vi = mu === 0 ? gi : add(mul(mu as Hyper, v0[i] as Tensor), gi);
          velocity.push(vi);
          return sub(theta, mul(lr as Hyper, nesterov ? add(gi, mul(mu as Hyper, vi)) : vi));
        });
        return { params: rebuild<P>(p, next), state: { velocity: rebuild<P>(p, velocity) } };
      },
    };
  },
);
