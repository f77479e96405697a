/**
 * @file Differentiable symmetry penalties: E_x E_g ‖f(ρ_in(g)x) − ρ_out(g)f(x)‖² (equivariance),
 * the invariant special case, several symmetries at once with fixed weights or Lagrange multipliers.
 */
import * as x from '@xent/core';
import { checkArgs, declareSignature, fail, publicFn, s, type Schema } from '@xent/core/internal';
import type { RandomKey, Tensor } from '@xent/core';
import { count, MAX_TERMS, randomKey } from './args.js';
import { type Rep, repOrTransformSchema, repSchema, type Transform } from './reps.js';

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

const penaltyOptionsSchema = s.options({
  samples: s.optional(count(1, MAX_TERMS, 'samples', 'each sample is a call of f')),
  relative: s.optional(s.boolean),
  perExample: s.optional(s.boolean),
  stopGradient: s.optional(s.oneOf(['none', 'transformed', 'original'])),
});

/** What a penalty takes when it is called: the inputs and, optionally, a key. */
const penaltyCall = { input: s.tensor({ dtype: 'float' }), key: s.optional(randomKey) };

/** A penalty (a function of the inputs and an optional key). */
const penaltySchema = s.custom(
  'a penalty (from equivariance.equivariancePenalty, invariancePenalty or mixedPenalty)',
  (v): v is Penalty => typeof v === 'function',
  (): Penalty => (input) => x.sum(input),
);

const isTransform = (r: unknown): r is Transform => (r as { kind?: unknown }).kind === 'transform';

/** Squared norm per example (axis 0 kept), mean over examples. */
const meanSquaredNorm = (d: Tensor): Tensor =>
  d.rank <= 1 ? x.mean(x.square(d)) : x.mean(x.sum(x.square(d), { axis: d.shape.map((_, i) => i).slice(1) }));

/**
 * The penalty of `equivariancePenalty` for arguments that passed the schemas of `fn` (the function the
 * user called): the checks between arguments, then the penalty.
 */
function penaltyOf<E>(
  fn: string,
  f: (input: Tensor) => Tensor,
  repIn: Rep<E> | Transform,
  repOut: Rep<E> | 'invariant',
  options: PenaltyOptions,
): Penalty {
  const o = {
    samples: options.samples ?? 4,
    relative: options.relative ?? false,
    perExample: options.perExample ?? false,
    stopGradient: options.stopGradient ?? 'none',
  };
  if (isTransform(repIn) && repOut !== 'invariant' && repOut.kind !== 'trivial')
    fail(x.ValueError, fn, 'repOut', "'invariant' for a Transform (a transform has no action on outputs)", repOut.name);
  if (!isTransform(repIn) && repOut !== 'invariant' && repOut.group.name !== repIn.group.name)
    fail(x.ValueError, fn, 'repOut', `a representation of ${repIn.group.name} (repIn's group)`, repOut.name);
  return (...args: [Tensor, RandomKey?]) => {
    checkArgs(fn, penaltyCall, args);
    const [input, key = x.random.key(0)] = args;
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
        if (input.rank === 0)
          fail(x.ShapeError, fn, 'input', 'a batch with examples along axis 0 (perExample)', 'a scalar');
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

/**
 * The soft equivariance penalty R(f) = E_x E_g ‖f(ρ_in(g)·x) − ρ_out(g)·f(x)‖² (catalog G01): zero for
 * equivariant f, differentiable through f's parameters (closed over by f). `repIn` may be a
 * `Transform` when `repOut` is invariant (`'invariant'` or a trivial rep).
 */
export const equivariancePenalty = publicFn(
  'equivariancePenalty',
  {
    f: s.fn,
    repIn: repOrTransformSchema,
    repOut: s.either(s.oneOf(['invariant']), repSchema),
    options: penaltyOptionsSchema,
  },
  <E>(
    f: (input: Tensor) => Tensor,
    repIn: Rep<E> | Transform,
    repOut: Rep<E> | 'invariant',
    options: PenaltyOptions = {},
  ): Penalty => penaltyOf('equivariancePenalty', f, repIn, repOut, options),
);

/** E_x E_g ‖f(ρ(g)·x) − f(x)‖²: the invariance penalty (ρ_out trivial), for groups or transforms. */
export const invariancePenalty = publicFn(
  'invariancePenalty',
  { f: s.fn, repIn: repOrTransformSchema, options: penaltyOptionsSchema },
  <E>(f: (input: Tensor) => Tensor, repIn: Rep<E> | Transform, options: PenaltyOptions = {}): Penalty =>
    penaltyOf('invariancePenalty', f, repIn, 'invariant', options),
);

/** Σ_m w_m·R_m(x) with fixed weights w_m ≥ 0 (catalog G02, fixed form). */
export const mixedPenalty = publicFn(
  'mixedPenalty',
  { terms: s.array(s.options({ penalty: penaltySchema, weight: s.finite({ min: 0 }) }), { minLength: 1 }) },
  (terms: readonly { readonly penalty: Penalty; readonly weight: number }[]): Penalty => {
    const fn = 'mixedPenalty';
    return (...args: [Tensor, RandomKey?]) => {
      checkArgs(fn, penaltyCall, args);
      const [input, key = x.random.key(0)] = args;
      const keys = x.random.split(key, terms.length);
      return terms.map((t, i) => x.mul(t.weight, t.penalty(input, keys[i]))).reduce((a, b) => x.add(a, b));
    };
  },
);

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
    checkArgs('ConstrainedPenalties', constrainedParams, [terms, stepSize]);
    checkTerms(terms);
    this.#lambdas = terms.map(() => 0);
  }

  /** The current multipliers λ_m. */
  get lambdas(): readonly number[] {
    return this.#lambdas;
  }

  /** The penalties R_m(x), each a scalar tensor (add `weighted(values)` to the loss). */
  values(input: Tensor, key: RandomKey = x.random.key(0)): Tensor[] {
    checkArgs('ConstrainedPenalties.values', penaltyCall, [input, key]);
    const keys = x.random.split(key, this.terms.length);
    return this.terms.map((t, i) => t.penalty(input, keys[i]));
  }

  /** Σ_m λ_m·(R_m − ε_m) for the current multipliers. */
  weighted(values: readonly Tensor[]): Tensor {
    this.#checkValues('ConstrainedPenalties.weighted', values, s.tensor({ dtype: 'float' }));
    return values
      .map((v, i) => x.mul(this.#lambdas[i] as number, x.sub(v, this.terms[i]?.tolerance ?? 0)))
      .reduce((a, b) => x.add(a, b));
  }

  /** Dual ascent on the multipliers from the penalties' values at this step. */
  update(values: readonly (Tensor | number)[]): void {
    this.#checkValues(
      'ConstrainedPenalties.update',
      values,
      s.either(s.finite(), s.tensor({ dtype: 'float', rank: 0 })),
    );
    this.#lambdas = this.#lambdas.map((l, i) => {
      const v = values[i];
      const r = typeof v === 'number' ? v : x.item(v as Tensor);
      return Math.max(0, l + this.stepSize * (r - (this.terms[i]?.tolerance ?? 0)));
    });
  }

  /** One value per term, each accepted by `each`, for method `fn`. */
  #checkValues(fn: string, values: unknown, each: Schema<unknown>): void {
    s.array(each).check(values, fn, 'values');
    const n = (values as readonly unknown[]).length;
    if (n !== this.terms.length)
      fail(x.ValueError, fn, 'values', `one value per term (${this.terms.length})`, `${n} values`);
  }
}

/** A term's keys are declared optional here and required by `checkTerms`, once every argument has passed its schema. */
const constrainedParams = {
  terms: s.array(
    s.options({
      name: s.optional(s.string),
      penalty: s.optional(penaltySchema),
      tolerance: s.optional(s.finite({ min: 0 })),
    }),
    { minLength: 1 },
  ),
  stepSize: s.optional(s.finite({ min: 0, minOpen: true })),
};

/** Every term has its name, penalty and tolerance. */
function checkTerms(terms: readonly Partial<Record<'name' | 'penalty' | 'tolerance', unknown>>[]): void {
  terms.forEach((t, i) => {
    for (const key of ['name', 'penalty', 'tolerance'] as const)
      if (t[key] === undefined)
        fail(x.ValueError, 'ConstrainedPenalties', `terms[${i}].${key}`, `a term's ${key}`, 'undefined');
  });
}
declareSignature(ConstrainedPenalties, 'ConstrainedPenalties', constrainedParams);
