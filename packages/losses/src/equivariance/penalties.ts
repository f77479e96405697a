/**
 * @file Differentiable symmetry penalties: E_x E_g ‖f(ρ_in(g)x) − ρ_out(g)f(x)‖² (equivariance),
 * the invariant special case, several symmetries at once with fixed weights or Lagrange multipliers.
 */
import * as x from '@xent/core';
import { fail } from '@xent/core/internal';
import type { RandomKey, Tensor } from '@xent/core';
import { describe, numberArg, rules } from '../validate.js';
import { type Rep, type Transform } from './reps.js';

export interface PenaltyOptions {
  /** Group elements (or transform draws) per call (default 4). */
  readonly samples?: number;
  /** Divide by E‖f(x)‖² + ε (a scale-free relative error; default false). */
  readonly relative?: boolean;
  /** Draw one element per example (batch axis 0) instead of one per sample for the whole batch. */
  readonly perExample?: boolean;
  /** Detach one branch (mean-teacher style): 'transformed' f(ρ(g)x) or 'original' ρ(g)f(x). */
  readonly stopGradient?: 'none' | 'transformed' | 'original';
}

/** A penalty evaluated at inputs x; `key` selects the group samples (default: a fixed key, so calls repeat). */
export type Penalty = (input: Tensor, key?: RandomKey) => Tensor;

const isTransform = (r: unknown): r is Transform => (r as { kind?: unknown }).kind === 'transform';

/** Squared norm per example (axis 0 kept), mean over examples. */
const meanSquaredNorm = (d: Tensor): Tensor =>
  d.rank <= 1 ? x.mean(x.square(d)) : x.mean(x.sum(x.square(d), { axis: d.shape.map((_, i) => i).slice(1) }));

function penaltyOptions(fn: string, options: PenaltyOptions): Required<PenaltyOptions> {
  const samples = numberArg(fn, 'samples', options.samples, 4, rules.atLeastOneInteger);
  const stop = options.stopGradient ?? 'none';
  if (!['none', 'transformed', 'original'].includes(stop))
    fail(x.ValueError, fn, 'stopGradient', "'none', 'transformed' or 'original'", describe(stop));
  return { samples, relative: options.relative ?? false, perExample: options.perExample ?? false, stopGradient: stop };
}

/**
 * The soft equivariance penalty R(f) = E_x E_g ‖f(ρ_in(g)·x) − ρ_out(g)·f(x)‖² (catalog G01): zero for
 * equivariant f, differentiable through f's parameters (closed over by f). `repIn` may be a
 * `Transform` when `repOut` is invariant (`'invariant'` or a trivial rep).
 */
export function equivariancePenalty<E>(
  f: (input: Tensor) => Tensor,
  repIn: Rep<E> | Transform,
  repOut: Rep<E> | 'invariant',
  options: PenaltyOptions = {},
): Penalty {
  const fn = 'equivariance.equivariancePenalty';
  const o = penaltyOptions(fn, options);
  if (isTransform(repIn) && repOut !== 'invariant' && repOut.kind !== 'trivial')
    fail(x.ValueError, fn, 'repOut', "'invariant' for a Transform (a transform has no action on outputs)", repOut.name);
  return (input, key = x.random.key(0)) => {
    const fx = f(input);
    const reference = o.stopGradient === 'original' ? x.stopGradient(fx) : fx;
    const keys = x.random.split(key, o.samples);
    // [f(ρ_in(g)·x), ρ_out(g)·f(x)] for one element g (or transform draw) named by `ki`.
    const outOf = (xi: Tensor, fxi: Tensor, ki: RandomKey): [Tensor, Tensor] => {
      if (isTransform(repIn)) return [f(repIn.apply(ki, xi)), fxi];
      const [g] = repIn.group.sample(ki, 1) as [E];
      return [f(repIn.act(g, xi)), repOut === 'invariant' ? fxi : repOut.act(g, fxi)];
    };
    const terms = keys.map((k) => {
      let moved: Tensor;
      let target: Tensor;
      if (o.perExample) {
        const n = input.shape[0] as number;
        const pairs = Array.from({ length: n }, (_, i) => {
          const xi = x.slice(input, [i], [i + 1]);
          return outOf(xi, x.slice(reference, [i], [i + 1]), x.random.foldIn(k, i));
        });
        [moved, target] = [
          x.concat(
            pairs.map((p) => p[0]),
            0,
          ),
          x.concat(
            pairs.map((p) => p[1]),
            0,
          ),
        ];
      } else [moved, target] = outOf(input, reference, k);
      if (o.stopGradient === 'transformed') moved = x.stopGradient(moved);
      return meanSquaredNorm(x.sub(moved, target));
    });
    const mean = x.div(
      terms.reduce((a, b) => x.add(a, b)),
      o.samples,
    );
    return o.relative ? x.div(mean, x.add(meanSquaredNorm(x.stopGradient(fx)), 1e-12)) : mean;
  };
}

/** E_x E_g ‖f(ρ(g)·x) − f(x)‖²: the invariance penalty (ρ_out trivial), for groups or transforms. */
export function invariancePenalty<E>(
  f: (input: Tensor) => Tensor,
  repIn: Rep<E> | Transform,
  options: PenaltyOptions = {},
): Penalty {
  return equivariancePenalty(f, repIn, 'invariant', options);
}

/** Σ_m w_m·R_m(x) with fixed weights (catalog G02, fixed form). */
export function mixedPenalty(terms: readonly { readonly penalty: Penalty; readonly weight: number }[]): Penalty {
  const fn = 'equivariance.mixedPenalty';
  if (terms.length === 0) fail(x.ValueError, fn, 'terms', 'at least one penalty', 'none');
  terms.forEach((t, i) => numberArg(fn, `terms[${i}].weight`, t.weight, 0, rules.nonNegative));
  return (input, key = x.random.key(0)) => {
    const keys = x.random.split(key, terms.length);
    return terms.map((t, i) => x.mul(t.weight, t.penalty(input, keys[i]))).reduce((a, b) => x.add(a, b));
  };
}

/**
 * The constrained form of several symmetry penalties: minimise L + Σ_m λ_m·(R_m − ε_m) while the
 * multipliers rise by dual ascent, λ_m ← max(0, λ_m + η·(R_m − ε_m)), after each step. Unlike freely
 * learned weights (which collapse to 0), a multiplier stays positive exactly while its symmetry is
 * violated beyond ε_m, and its final value says how hard that symmetry was to keep (catalog §5.2.6).
 */
export class ConstrainedPenalties {
  #lambdas: number[];

  constructor(
    readonly terms: readonly { readonly name: string; readonly penalty: Penalty; readonly tolerance: number }[],
    readonly stepSize = 0.1,
  ) {
    const fn = 'equivariance.ConstrainedPenalties';
    if (terms.length === 0) fail(x.ValueError, fn, 'terms', 'at least one penalty', 'none');
    terms.forEach((t, i) => numberArg(fn, `terms[${i}].tolerance`, t.tolerance, 0, rules.nonNegative));
    numberArg(fn, 'stepSize', stepSize, 0.1, rules.positive);
    this.#lambdas = terms.map(() => 0);
  }

  /** The current multipliers λ_m. */
  get lambdas(): readonly number[] {
    return this.#lambdas;
  }

  /** The penalties R_m(x), each a scalar tensor (add `weighted(values)` to the loss). */
  values(input: Tensor, key: RandomKey = x.random.key(0)): Tensor[] {
    const keys = x.random.split(key, this.terms.length);
    return this.terms.map((t, i) => t.penalty(input, keys[i]));
  }

  /** Σ_m λ_m·(R_m − ε_m) for the current multipliers. */
  weighted(values: readonly Tensor[]): Tensor {
    return values
      .map((v, i) => x.mul(this.#lambdas[i] as number, x.sub(v, this.terms[i]?.tolerance ?? 0)))
      .reduce((a, b) => x.add(a, b));
  }

  /** Dual ascent on the multipliers from the penalties' values at this step. */
  update(values: readonly (Tensor | number)[]): void {
    this.#lambdas = this.#lambdas.map((l, i) => {
      const v = values[i];
      const r = typeof v === 'number' ? v : x.item(v as Tensor);
      return Math.max(0, l + this.stepSize * (r - (this.terms[i]?.tolerance ?? 0)));
    });
  }
}
