/** @file The f-divergence family D_f(P‖Q) = Σ Q·f(P/Q) (named generators in stable log-space forms, or any convex f), TV and Jeffreys. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { BatchOf, LossOf, Reduction } from '../types.js';
import { floatTensor, logitsSchema, reductionSchema } from '../validate.js';
import {
  divergence,
  type Divergence,
  type DivergenceOptions,
  fromLogits,
  fromProbs,
  type Inputs,
  jsRows,
  klRows,
  type Pair,
} from './divergence.js';

/** A convex generator f with f(1) = 0, for D_f(P‖Q) = Σ_{Q>0} Q·f(P/Q) + f′(∞)·Σ_{Q=0} P. */
export interface FGenerator {
  /** f(t) elementwise for t = P/Q ≥ 0 (t = 0 where P = 0: return the limit f(0⁺), Infinity allowed). */
  readonly f: (t: Tensor) => Tensor;
  /** f′(∞) = lim_{t→∞} f(t)/t: the cost of each unit of P where Q = 0 (Infinity for KL and χ²). */
  readonly slopeAtInfinity: number;
}

/** The standard generators, each computed in a stable closed form from log-probabilities. */
export type FGeneratorName = 'kl' | 'reverseKl' | 'hellinger' | 'chiSquared' | 'js' | 'tv';

/** e^{lp}, e^{lq}. */
const probs = ([lp, lq]: Pair): Pair => [x.exp(lp), x.exp(lq)];

/** Σ(√p − √q)² = Σ(e^{lp/2} − e^{lq/2})²: a sum of squares, no cancellation of 2 − 2·BC. */
const hellingerRows = ([lp, lq]: Pair): Tensor =>
  x.sum(x.square(x.sub(x.exp(x.mul(0.5, lp)), x.exp(x.mul(0.5, lq)))), { axis: -1 });

/** Σ (p − q)²/q = Σ q·expm1(lp − lq)²; +Inf where q = 0 < p, 0 where both vanish. */
function chiSquaredRows([lp, lq]: Pair): Tensor {
  const qDead = x.equal(lq, -Infinity);
  const safeLq = x.where(qDead, 0, lq);
  const term = x.mul(x.exp(safeLq), x.square(x.expm1(x.sub(x.where(qDead, 0, lp), safeLq))));
  const vanishing = x.cast(x.where(x.equal(lp, -Infinity), 0, Infinity), lp.dtype);
  return x.sum(x.where(qDead, vanishing, term), { axis: -1 });
}

/** ½Σ|p − q|. */
const tvRows = (pq: Pair): Tensor => {
  const [p, q] = probs(pq);
  return x.mul(0.5, x.sum(x.abs(x.sub(p, q)), { axis: -1 }));
};

/** J = KL(p‖q) + KL(q‖p) = Σ (p − q)(log p − log q). */
const jeffreysRows = ([lp, lq]: Pair): Tensor => x.add(klRows([lp, lq]), klRows([lq, lp]));

/** Each named generator: its stable row form (from log-probabilities) and f itself (for the docs and the tests). */
const named: { readonly [N in FGeneratorName]: { readonly rows: (pq: Pair) => Tensor; readonly f: FGenerator } } = {
  // f(t) = t·log t
  kl: { rows: klRows, f: { f: (t) => x.xlogy(t, t), slopeAtInfinity: Infinity } },
  // f(t) = −log t
  reverseKl: { rows: ([lp, lq]) => klRows([lq, lp]), f: { f: (t) => x.neg(x.log(t)), slopeAtInfinity: 0 } },
  // f(t) = (√t − 1)²
  hellinger: { rows: hellingerRows, f: { f: (t) => x.square(x.sub(x.sqrt(t), 1)), slopeAtInfinity: 1 } },
  // f(t) = (t − 1)²
  chiSquared: { rows: chiSquaredRows, f: { f: (t) => x.square(x.sub(t, 1)), slopeAtInfinity: Infinity } },
  // f(t) = ½[t·log t − (1 + t)·log((1 + t)/2)]
  js: {
    rows: jsRows,
    f: {
      f: (t) => x.mul(0.5, x.sub(x.xlogy(t, t), x.xlogy(x.add(1, t), x.mul(0.5, x.add(1, t))))),
      slopeAtInfinity: Math.LN2 / 2,
    },
  },
  // f(t) = ½|t − 1|
  tv: { rows: tvRows, f: { f: (t) => x.mul(0.5, x.abs(x.sub(t, 1))), slopeAtInfinity: 0.5 } },
};

/** The standard generators as plain f's (what `fDivergence` computes in closed form when given the name). */
export const fGenerators: { readonly [N in FGeneratorName]: FGenerator } = {
  kl: named.kl.f,
  reverseKl: named.reverseKl.f,
  hellinger: named.hellinger.f,
  chiSquared: named.chiSquared.f,
  js: named.js.f,
  tv: named.tv.f,
};

/**
 * Σ_{q>0} q·f(p/q) + f′(∞)·Σ_{q=0} p for a user's generator: masked on q = 0 and p = 0 (tests for
 * equality, so a NaN in p or q reaches the result), no branch divides by 0.
 */
function generatorRows(g: FGenerator, pq: Pair): Tensor {
  const [p, q] = probs(pq);
  const qZero = x.equal(q, 0);
  const inner = x.mul(q, g.f(x.div(p, x.where(qZero, 1, q))));
  // f′(∞)·p, written as p·0 + ∞ when f′(∞) = ∞ (so 0·∞ never happens, and NaN still propagates)
  const slope = Number.isFinite(g.slopeAtInfinity)
    ? x.mul(p, g.slopeAtInfinity)
    : x.add(x.mul(p, 0), g.slopeAtInfinity);
  const outer = x.where(x.equal(p, 0), 0, slope);
  return x.sum(x.where(qZero, outer, inner), { axis: -1 });
}

const isGenerator = (v: unknown): v is FGenerator =>
  typeof v === 'object' &&
  v !== null &&
  Object.keys(v).every((k) => k === 'f' || k === 'slopeAtInfinity') &&
  typeof (v as FGenerator).f === 'function' &&
  typeof (v as FGenerator).slopeAtInfinity === 'number' &&
  !Number.isNaN((v as FGenerator).slopeAtInfinity);

const generatorSchema = s.either(
  s.oneOf(Object.keys(named) as FGeneratorName[]),
  s.custom('an f-divergence generator { f, slopeAtInfinity }', isGenerator, () => fGenerators.kl),
);

/** A divergence between distributions with a generator argument. */
export type FDivergence = <S extends ShapeT, D extends DType, R extends Reduction = 'mean'>(
  p: Tensor<S, D>,
  q: Tensor<S, D>,
  generator: FGeneratorName | FGenerator,
  options?: DivergenceOptions<R>,
) => LossOf<BatchOf<S>, R, D>;

function fDivergenceOf(fn: string, inputs: Inputs): FDivergence {
  const impl: FDivergence = (p, q, generator, options = {}) => {
    const pq = inputs.pair(fn, p, q);
    const rows = typeof generator === 'string' ? named[generator].rows(pq) : generatorRows(generator, pq);
    return reduce(rows, options.reduction ?? 'mean') as never;
  };
  const [first, second] = inputs.names;
  return publicFn(
    fn,
    {
      [first]: logitsSchema,
      [second]: floatTensor,
      generator: generatorSchema,
      options: s.options({ reduction: reductionSchema }),
    },
    impl,
  );
}

/**
 * D_f(softmax a ‖ softmax b) = Σ q·f(p/q) (Csiszár 1967; Ali & Silvey 1966; catalog D04) for a named
 * generator ('kl', 'reverseKl', 'hellinger' (√t − 1)², 'chiSquared' (t − 1)², 'js', 'tv'), each in a
 * stable log-space form, or any convex f with f(1) = 0 given as `{ f, slopeAtInfinity }`.
 *
 * @example
 * divergence.fDivergence(x.log(x.tensor([[0.5, 0.5]])), x.log(x.tensor([[0.9, 0.1]])), 'kl') // 0.5108256
 */
export const fDivergence: FDivergence = fDivergenceOf('fDivergence', fromLogits);

/**
 * D_f(p‖q) for probability rows (zeros allowed: a named generator's limits, or f′(∞)·p where q = 0 < p).
 *
 * @example
 * divergence.fDivergenceFromProbs(x.tensor([[0.5, 0.5]]), x.tensor([[0.9, 0.1]]), 'tv') // 0.4
 */
export const fDivergenceFromProbs: FDivergence = fDivergenceOf('fDivergenceFromProbs', fromProbs);

/**
 * Total variation ½Σ|p − q| ∈ [0, 1] of softmax(a) and softmax(b) (catalog D06): a metric.
 *
 * @example
 * divergence.tv(x.log(x.tensor([[0.5, 0.5]])), x.log(x.tensor([[0.9, 0.1]]))) // 0.4
 */
export const tv: Divergence = divergence('tv', fromLogits, tvRows);

/**
 * Total variation ½Σ|p − q| of probability rows.
 *
 * @example
 * divergence.tvFromProbs(x.tensor([[0.5, 0.5]]), x.tensor([[0.9, 0.1]])) // 0.4
 */
export const tvFromProbs: Divergence = divergence('tvFromProbs', fromProbs, tvRows);

/**
 * Jeffreys divergence KL(p‖q) + KL(q‖p) = Σ (p − q)(log p − log q) of softmax(a) and softmax(b)
 * (Jeffreys 1946; catalog D07): symmetric, ≥ 0; the information value / PSI of credit scoring.
 *
 * @example
 * divergence.jeffreys(x.log(x.tensor([[0.5, 0.5]])), x.log(x.tensor([[0.9, 0.1]]))) // 0.8788898
 */
export const jeffreys: Divergence = divergence('jeffreys', fromLogits, jeffreysRows);

/**
 * Jeffreys divergence of probability rows (+Inf where exactly one of p, q is 0).
 *
 * @example
 * divergence.jeffreysFromProbs(x.tensor([[0.5, 0.5]]), x.tensor([[0.9, 0.1]])) // 0.8788898
 */
export const jeffreysFromProbs: Divergence = divergence('jeffreysFromProbs', fromProbs, jeffreysRows);
