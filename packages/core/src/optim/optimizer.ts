/**
 * @file The optimizer contract over pytrees: `init` builds a state tree for a params tree, `step` maps
 * (params, grads, state) to new params and state of the same types, with per-step hyperparameter overrides.
 */
import type { Tensor } from '../trace/tensor.js';
import type { Hyper } from './hyper.js';

/** SGD's state: the momentum buffer, a tree like the parameters. */
export interface SgdState<P> {
  readonly velocity: P;
}

/** Adam's and AdamW's state: the moments (trees like the parameters) and the step count, a tensor. */
export interface AdamState<P> {
  readonly m: P;
  readonly v: P;
  readonly count: Tensor<[], 'i32'>;
}

/**
 * What each optimizer keeps over parameters of type `P` and the hyperparameters its `step` may override:
 * a registry keyed by name, so that one `Optimizer<K>` type serves them all (TypeScript has no higher-kinded types).
 */
export interface OptimizerKinds<P> {
  readonly sgd: { readonly state: SgdState<P>; readonly hyper: 'lr' | 'momentum' | 'weightDecay' };
  readonly adam: { readonly state: AdamState<P>; readonly hyper: 'lr' | 'beta1' | 'beta2' | 'eps' };
  readonly adamw: { readonly state: AdamState<P>; readonly hyper: 'lr' | 'beta1' | 'beta2' | 'eps' | 'weightDecay' };
}

export type OptimizerName = keyof OptimizerKinds<unknown>;

/** The state optimizer `K` keeps for parameters of type `P`. */
export type OptimizerState<K extends OptimizerName, P> = OptimizerKinds<P>[K]['state'];

/** Hyperparameters for one `step`, in place of those the optimizer was made with. */
export type HyperOverrides<K extends OptimizerName> = {
  readonly [H in OptimizerKinds<unknown>[K]['hyper']]?: Hyper;
};

/**
 * An optimizer over any pytree of f32/f64 parameters (an object `{ w, b }`, an array, nested ones; static
 * leaves are kept). Both methods are pure and jittable: a jitted training step traces once, with the state's
 * tensors and tensor hyperparameters as dynamic inputs.
 */
export interface Optimizer<K extends OptimizerName = OptimizerName> {
  /** The initial state for `params`: zero moments (and a step count of 0), trees of `params`' structure. */
  init<P>(params: P): OptimizerState<K, P>;
  /**
   * One update. `grads` and the state's trees must have the structure of `params`, each leaf its parameter's
   * shape and dtype. `hyper` replaces hyperparameters for this step only: pass a tensor (e.g. a scheduled
   * learning rate) to change the value from step to step without retracing a jitted step.
   */
  step<P>(
    params: P,
    grads: NoInfer<P>,
    state: OptimizerState<K, NoInfer<P>>,
    hyper?: HyperOverrides<K>,
  ): { readonly params: P; readonly state: OptimizerState<K, P> };
}
