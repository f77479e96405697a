/** @file Variational lower bounds on mutual information from critic scores: Donsker–Varadhan (MINE, with its moving-average gradient) and NWJ. */
import * as x from '@xent/core';
import type { DType, ShapeT, Tensor } from '@xent/core';
import { checkArgs, declareSignature, fail, type Params, publicFn, s } from '@xent/core/internal';
import { formatShape } from '../validate.js';

const scores = s.tensor({ dtype: 'float', rank: 1 });

/** Critic scores on joint samples [n] and on product-of-marginals samples [m] (shuffled pairs), n, m ≥ 1, one dtype. */
function critic(fn: string, joint: Tensor, marginal: Tensor): void {
  if (joint.size === 0) fail(x.ShapeError, fn, 'tJoint', 'at least one score [n]', formatShape(joint.shape));
  if (marginal.size === 0) fail(x.ShapeError, fn, 'tMarginal', 'at least one score [m]', formatShape(marginal.shape));
  if (marginal.dtype !== joint.dtype)
    fail(x.DTypeError, fn, 'tMarginal', `dtype ${joint.dtype} (as tJoint)`, `dtype ${marginal.dtype}`);
}

/** log mean e^{t} = LSE(t) − log m. */
const logMeanExp = (t: Tensor): Tensor => x.sub(x.logsumexp(t), Math.log(t.size));

function dvBoundImpl<D extends DType>(tJoint: Tensor<ShapeT, D>, tMarginal: Tensor<ShapeT, D>): Tensor<[], D> {
  const [j, m]: readonly [Tensor, Tensor] = [tJoint, tMarginal];
  critic('dvBound', j, m);
  return x.sub(x.mean(j), logMeanExp(m)) as never;
}

/**
 * Donsker–Varadhan bound I(X; Y) ≥ E_P[T] − log E_{P_X⊗P_Y}[e^T] from critic scores on joint pairs and
 * on shuffled pairs: mean(tJoint) − (LSE(tMarginal) − log m) (Donsker & Varadhan 1983; Belghazi et al.
 * 2018, MINE; catalog M02). Invariant to T ↦ T + c; ≥ `nwjBound` for every critic. Maximise it (minimise its negation).
 *
 * @example
 * losses.dvBound(x.tensor([1, 2]), x.tensor([0, 0])) // 1.5
 */
export const dvBound = publicFn('dvBound', { tJoint: scores, tMarginal: scores }, dvBoundImpl);

function nwjBoundImpl<D extends DType>(tJoint: Tensor<ShapeT, D>, tMarginal: Tensor<ShapeT, D>): Tensor<[], D> {
  const [j, m]: readonly [Tensor, Tensor] = [tJoint, tMarginal];
  critic('nwjBound', j, m);
  // e^{−1}·mean e^{T} = exp(LSE(T) − log m − 1): no overflow before the value itself overflows
  return x.sub(x.mean(j), x.exp(x.sub(logMeanExp(m), 1))) as never;
}

/**
 * NWJ (f-GAN) bound I(X; Y) ≥ E_P[T] − e^{−1}·E_{P_X⊗P_Y}[e^T] (Nguyen, Wainwright & Jordan 2010;
 * Nowozin et al. 2016; catalog M03): unbiased in minibatches, not invariant to T ↦ T + c; ≤ `dvBound`.
 *
 * @example
 * losses.nwjBound(x.tensor([1, 2]), x.tensor([1, 1])) // 0.5
 */
export const nwjBound = publicFn('nwjBound', { tJoint: scores, tMarginal: scores }, nwjBoundImpl);

function mineBoundImpl<D extends DType>(
  tJoint: Tensor<ShapeT, D>,
  tMarginal: Tensor<ShapeT, D>,
  logMovingAverage: Tensor<ShapeT, D>,
): Tensor<[], D> {
  const fn = 'mineBound';
  const [j, m, ema]: readonly [Tensor, Tensor, Tensor] = [tJoint, tMarginal, logMovingAverage];
  critic(fn, j, m);
  if (ema.rank !== 0)
    fail(x.ShapeError, fn, 'logMovingAverage', 'a scalar (MineAverage.logValue)', formatShape(ema.shape));
  if (ema.dtype !== tJoint.dtype)
    fail(x.DTypeError, fn, 'logMovingAverage', `dtype ${tJoint.dtype} (as tJoint)`, `dtype ${ema.dtype}`);
  const batch = logMeanExp(m);
  // r = mean e^{T}/EMA: r − sg(r) is 0 in value, and its gradient −e^{T_k}/(m·EMA) replaces ∇log mean e^{T}
  const r = x.exp(x.sub(batch, x.stopGradient(ema)));
  const corrected = x.sub(r, x.stopGradient(r));
  return x.sub(x.sub(x.mean(j), x.stopGradient(batch)), corrected) as never;
}

/**
 * The DV bound with MINE's bias-corrected gradient (Belghazi et al. 2018, §3.2; catalog M02): the value
 * is `dvBound`'s; the gradient divides ∇mean e^{T_marginal} by a moving average of mean e^{T_marginal}
 * across minibatches instead of the minibatch's own mean. `logMovingAverage` is the log of that
 * average, a dynamic tensor argument (e.g. `MineAverage.logValue`), so a jitted step sees each new value.
 *
 * @example
 * losses.mineBound(x.tensor([1, 2]), x.tensor([0, 0]), x.tensor(0)) // 1.5
 */
export const mineBound = publicFn(
  'mineBound',
  { tJoint: scores, tMarginal: scores, logMovingAverage: s.tensor({ dtype: 'float' }) },
  mineBoundImpl,
);

/** log(eᵃ + eᵇ) on host numbers (−Inf-safe: log(1 − α) is −Inf at α = 1). */
const logAddExp = (a: number, b: number): number => {
  const hi = Math.max(a, b);
  return hi === -Infinity ? hi : hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
};

const constructorParams: Params = { rate: s.number({ min: 0, max: 1, minOpen: true }) };
const updateParams: Params = { tMarginal: scores };

/**
 * MINE's exponential moving average of mean e^{T} over the marginal scores of successive minibatches,
 * kept in log space: log EMA ← log((1 − α)·EMA + α·mean e^{T}); the first update takes the batch mean.
 * Updated outside any traced graph (concrete scores); pass `logValue` to `mineBound`.
 */
export class MineAverage {
  #log: number | undefined;
  #dtype: DType = 'f32';
  readonly rate: number;

  /** `rate` α ∈ (0, 1] (MINE uses 0.01). */
  constructor(rate: number) {
    // eslint-disable-next-line prefer-rest-params -- every argument, extra ones included, is checked
    checkArgs('MineAverage', constructorParams, arguments);
    this.rate = rate;
  }

  /** Folds one minibatch of marginal critic scores [m] (a concrete tensor) into the average. */
  update(tMarginal: Tensor): void {
    const fn = 'MineAverage.update';
    // eslint-disable-next-line prefer-rest-params -- every argument, extra ones included, is checked
    checkArgs(fn, updateParams, arguments);
    if (tMarginal.isTraced) fail(x.TraceError, fn, 'tMarginal', 'a concrete tensor', 'a traced tensor');
    if (tMarginal.size === 0) fail(x.ShapeError, fn, 'tMarginal', 'at least one score', formatShape(tMarginal.shape));
    const batch = x.item(logMeanExp(x.cast(tMarginal, 'f64')));
    const prev = this.#log;
    this.#log = prev === undefined ? batch : logAddExp(Math.log1p(-this.rate) + prev, Math.log(this.rate) + batch);
    this.#dtype = tMarginal.dtype;
  }

  /** log EMA as a scalar tensor of the scores' dtype; a ValueError before the first update. */
  get logValue(): Tensor {
    if (this.#log === undefined)
      fail(x.ValueError, 'MineAverage.logValue', 'this', 'an average with at least one update', 'no update yet');
    return x.tensor(this.#log, { dtype: this.#dtype });
  }
}

declareSignature(MineAverage, 'MineAverage', constructorParams);
