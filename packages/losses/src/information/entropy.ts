/** @file Entropies of categorical distributions from logits (Shannon, binary, Tsallis, Rényi), perplexity and the CE = H + KL split. */
import * as x from '@xent/core';
import type { ShapeT, Tensor, DType } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import type { BatchOf } from '../types.js';
import { floatTensor, logitsSchema, nonEmpty, simplexArg } from '../validate.js';
import { expectedLog, logOfProbs } from './logSpace.js';

/** The signature of a per-row measure of the distributions given by logits (one value per row). */
export type Measure = <S extends ShapeT, D extends DType>(logits: Tensor<S, D>) => Tensor<BatchOf<S>, D>;

/** H(softmax z) per row for logits already checked on behalf of `fn` (the measures built on it). */
export function shannonOf(fn: string, logits: Tensor): Tensor {
  const logp = x.logSoftmax(nonEmpty(fn, 'logits', logits));
  return x.neg(expectedLog(logp, logp));
}

function shannonImpl<S extends ShapeT, D extends DType>(logits: Tensor<S, D>): Tensor<BatchOf<S>, D> {
  return shannonOf('shannon', logits) as never;
}

/**
 * Shannon entropy H(softmax z) = logsumexp(z) − ⟨softmax z, z⟩ in nats, one value per row (catalog
 * E01); −Inf logits contribute 0. ∇_z H = −p⊙(log p + H).
 *
 * @example
 * entropy.shannon(x.tensor([[1, 2, 3]], { dtype: 'f64' })) // [0.8323956]
 */
export const shannon: Measure = publicFn('shannon', { logits: logitsSchema }, shannonImpl);

function shannonFromProbsImpl<S extends ShapeT, D extends DType>(probs: Tensor<S, D>): Tensor<BatchOf<S>, D> {
  const fn = 'shannonFromProbs';
  const p = nonEmpty(fn, 'probs', probs);
  const logp = logOfProbs(simplexArg(fn, 'probs', p, p, 'probs'));
  return x.neg(expectedLog(logp, logp)) as never;
}

/**
 * Shannon entropy −Σ p·log p of probability rows (0·log 0 = 0).
 *
 * @example
 * entropy.shannonFromProbs(x.tensor([[0.5, 0.25, 0.25]])) // [1.0397208]
 */
export const shannonFromProbs = publicFn('shannonFromProbs', { probs: logitsSchema }, shannonFromProbsImpl);

function binaryImpl<S extends ShapeT, D extends DType>(logits: Tensor<S, D>): Tensor<S, D> {
  const z = nonEmpty('binary', 'logits', logits, 'a non-empty tensor of logits');
  return x.sub(x.softplus(z), x.mul(z, x.sigmoid(z))) as never;
}

/**
 * Binary entropy h(σ(s)) = softplus(s) − s·σ(s), elementwise in the logit s (Shannon 1948; catalog E02); max log 2 at s = 0.
 *
 * @example
 * entropy.binary(x.tensor([0])) // [log 2]
 */
export const binary = publicFn('binary', { logits: floatTensor }, binaryImpl);

/** log Σ_k p_k^a = logsumexp(a·log p) with 0^a = 0 at −Inf logits (so a = 0 counts the support). */
function logPowerSum(logp: Tensor, a: number): Tensor {
  const dead = x.equal(logp, -Infinity);
  return x.logsumexp(x.where(dead, -Infinity, x.mul(a, x.where(dead, 0, logp))), { axis: -1 });
}

function tsallisImpl<S extends ShapeT, D extends DType>(logits: Tensor<S, D>, q: number): Tensor<BatchOf<S>, D> {
  const fn = 'tsallis';
  const z = nonEmpty(fn, 'logits', logits);
  if (q === 1) return shannonOf(fn, z) as never;
  return x.div(x.expm1(logPowerSum(x.logSoftmax(z), q)), 1 - q) as never;
}

/**
 * Tsallis entropy S_q = (1 − Σ p^q)/(q − 1) (Tsallis 1988; catalog E04), q > 0; q = 1 is Shannon, q = 2 Gini–Simpson.
 * Σ p^q is exp(logsumexp(q·log p)), so nothing is raised to a power of an unshifted logit.
 *
 * @example
 * entropy.tsallis(x.log(x.tensor([[0.5, 0.25, 0.25]])), 2) // [0.625]
 */
export const tsallis = publicFn(
  'tsallis',
  { logits: logitsSchema, q: s.finite({ min: 0, minOpen: true }) },
  tsallisImpl,
);

function renyiImpl<S extends ShapeT, D extends DType>(logits: Tensor<S, D>, alpha: number): Tensor<BatchOf<S>, D> {
  const fn = 'renyi';
  const z = nonEmpty(fn, 'logits', logits);
  if (alpha === 1) return shannonOf(fn, z) as never;
  const logp = x.logSoftmax(z);
  if (alpha === Infinity) return x.neg(x.max(logp, { axis: -1 })) as never;
  return x.div(logPowerSum(logp, alpha), 1 - alpha) as never;
}

/**
 * Rényi entropy H_α = log(Σ p^α)/(1 − α) (Rényi 1961; catalog E06), α ≥ 0: α = 0 is log #support, α = 1
 * Shannon, α = 2 collision entropy, α = Infinity min-entropy −log max p.
 *
 * @example
 * entropy.renyi(x.log(x.tensor([[0.5, 0.25, 0.25]])), 2) // [0.9808293]
 */
export const renyi = publicFn('renyi', { logits: logitsSchema, alpha: s.number({ min: 0 }) }, renyiImpl);

function perplexityImpl<S extends ShapeT, D extends DType>(logits: Tensor<S, D>): Tensor<BatchOf<S>, D> {
  return x.exp(shannonOf('perplexity', logits)) as never;
}

/**
 * exp(H): the perplexity (effective number of classes) of each row (Jelinek et al. 1977; catalog E08).
 *
 * @example
 * entropy.perplexity(x.tensor([[1, 2, 3]], { dtype: 'f64' })) // [exp(0.8323956)]
 */
export const perplexity: Measure = publicFn('perplexity', { logits: logitsSchema }, perplexityImpl);

function crossEntropyDecompositionImpl<S extends ShapeT, D extends DType>(
  targets: Tensor<S, D>,
  logits: Tensor<S, D>,
): {
  readonly crossEntropy: Tensor<BatchOf<S>, D>;
  readonly entropy: Tensor<BatchOf<S>, D>;
  readonly kl: Tensor<BatchOf<S>, D>;
} {
  const fn = 'crossEntropyDecomposition';
  const z = nonEmpty(fn, 'logits', logits);
  const logq = logOfProbs(simplexArg(fn, 'targets', targets, z, 'logits'));
  const logp = x.logSoftmax(z);
  const crossEntropy = x.neg(expectedLog(logq, logp));
  const entropy = x.neg(expectedLog(logq, logq));
  return { crossEntropy, entropy, kl: x.sub(crossEntropy, entropy) } as never;
}

/**
 * The cross-entropy of targets q against softmax(z), split as H(q, p) = H(q) + KL(q‖p) per row (Cover & Thomas, Elements of Information Theory §2.3; catalog E03).
 *
 * @example
 * entropy.crossEntropyDecomposition(x.tensor([[0.2, 0.3, 0.5]], { dtype: 'f64' }), x.tensor([[1, 2, 3]], { dtype: 'f64' })).kl
 */
export const crossEntropyDecomposition = publicFn(
  'crossEntropyDecomposition',
  { targets: floatTensor, logits: logitsSchema },
  crossEntropyDecompositionImpl,
);
