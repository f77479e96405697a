/**
 * @file The public losses, entropies and divergences that no other case table holds (probability-space
 * variants, targets helpers, metrics, and the kinked Tier 2 measures: TV, EMO, Sinkhorn, dCov/dCor) as
 * scalar functions of two float tensors [N, K] and labels [N], for the WebGPU parity suite. Their draws come
 * through `offKinks` over the whole matrix: every entry distinct and nonzero, so rows never coincide.
 */
import * as x from 'xent';
import type { LossCase } from './lossCases.js';

const { losses: L, entropy: H, divergence: Dv } = x;

/** 0.37·k along the last axis of `t`, in its dtype: keeps the second argument's rows off the first's. */
const ramp = (t: x.Tensor): x.Tensor =>
  x.cast(x.mul(x.arange(t.shape[t.shape.length - 1] as number, { dtype: 'f32' }), 0.37), t.dtype);
/** The second argument off the first: z = o (the all-zero draws) is the kink p = q of TV and of |CDF − CDF|. */
const apart = (o: x.Tensor): x.Tensor => x.add(o, ramp(o));
/** Σ w·t: a scalar that weighs every entry of t differently (w from the other argument). */
const weighed = (t: x.Tensor, w: x.Tensor): x.Tensor => x.sum(x.mul(t, w));
const i32 = (v: number[][]): x.Tensor => x.tensor(v, { dtype: 'i32' });
const lengths = (v: number[]): x.Tensor => x.tensor(v, { dtype: 'i32' });
/** [N, K] as [2, N/2, K] sequences (N even). */
const sequences = (z: x.Tensor): x.Tensor => x.reshape(z, [2, -1, z.shape[1] as number]);
/** Two-hot centres (its kinks): 64.5 times each is 0.05 or more from an integer, so sums of draws (odd integers over 64.5) keep 7e-4 away. */
const centers = [-4.3, -1.1, 0.2, 2.1, 5.3];

/** The remaining entropies, divergences and information-theoretic losses (options exercised), reduced to a scalar. */
export const moreInformationCases: Record<string, LossCase> = {
  'divergence.reverseKl': (z, o) => Dv.reverseKl(z, o),
  'divergence.tv': (z, o) => Dv.tv(z, apart(o)),
  'divergence.tvFromProbs': (z, o) => Dv.tvFromProbs(x.softmax(z), x.softmax(apart(o))),
  'divergence.klFromProbs': (z, o) => Dv.klFromProbs(x.softmax(z), x.softmax(o)),
  'divergence.jsFromProbs': (z, o) => Dv.jsFromProbs(x.softmax(z), x.softmax(o)),
  'divergence.jeffreysFromProbs': (z, o) => Dv.jeffreysFromProbs(x.softmax(z), x.softmax(o)),
  'divergence.renyiFromProbs (α = 2)': (z, o) => Dv.renyiFromProbs(x.softmax(z), x.softmax(o), 2),
  'divergence.fDivergenceFromProbs (hellinger)': (z, o) =>
    Dv.fDivergenceFromProbs(x.softmax(z), x.softmax(o), 'hellinger'),
  'entropy.shannonFromProbs': (z) => x.mean(H.shannonFromProbs(x.softmax(z))),
  'entropy.binary': (z) => x.mean(H.binary(z)),
  'entropy.perplexity': (z) => x.mean(H.perplexity(z)),
  'entropy.crossEntropyDecomposition': (z, o) => {
    const d = H.crossEntropyDecomposition(x.softmax(o), z);
    return x.sum(x.add(x.add(d.crossEntropy, x.mul(2, d.entropy)), x.mul(3, d.kl)));
  },
  'entropy.mutualInformation': (z) => x.sum(H.mutualInformation(x.reshape(x.softmax(x.reshape(z, [-1])), z.shape))),
  'entropy.conditionalEntropy': (z) => x.sum(H.conditionalEntropy(x.reshape(x.softmax(x.reshape(z, [-1])), z.shape))),
  // the selection H_i < 1.2 is a step (no gradient) at H_i = 1.2: a level set the draws meet with probability 0
  'entropy.entropyMinimization (threshold)': (z) => H.entropyMinimization(z, { threshold: 1.2 }),
  convexKlDivergence: (z, o) => L.convexKlDivergence(z, x.exp(o)),
  infoNce: (z, o) => L.infoNce(z, o, { temperature: 0.5 }),
  mineBound: (z, o) => L.mineBound(x.reshape(z, [-1]), x.reshape(o, [-1]), x.stopGradient(x.mean(o))),
};

/** The remaining losses (options exercised), reduced to a scalar. */
export const moreLossCases: Record<string, LossCase> = {
  'normalized(crossEntropy)': (z, _o, y) => L.normalized(L.crossEntropy, 'crossEntropy')(z, y),
  'sequenceCrossEntropy (ignoreIndex)': (z, _o, y) =>
    L.sequenceCrossEntropy(sequences(z), x.reshape(x.where(x.equal(x.iota(y.shape, 0), 0), -100, y), [2, -1]), {
      ignoreIndex: -100,
    }),
  perplexity: (z, _o, y) => x.mean(L.perplexity(sequences(z), x.reshape(y, [2, -1]), { reduction: 'none' })),
  wassersteinOrdinal: (z, o) => L.wassersteinOrdinal(x.softmax(z), x.softmax(apart(o))),
  twoHotTargets: (z, o) => weighed(L.twoHotTargets(x.sum(o, { axis: -1 }), centers), z),
  hlGaussTargets: (z, o) =>
    weighed(L.hlGaussTargets(x.mean(o, { axis: -1 }), { min: -4, max: 6, bins: 5, sigma: 1.5 }), z),
  smoothLabels: (z, o) => weighed(L.smoothLabels(x.softmax(o), 0.2), z),
  ctcLossWithForwardProbs: (z) => {
    const { loss, logAlpha } = L.ctcLossWithForwardProbs(
      x.logSoftmax(x.expandDims(z, 1)),
      i32([[1, 2]]),
      lengths([z.shape[0] as number]),
      lengths([2]),
    );
    return x.add(x.sum(loss), x.sum(x.exp(logAlpha)));
  },
  // embeddings [K, d] from the second argument: its entries are nonzero, so no row is the zero vector (normalize's kink)
  emoLoss: (z, o, y) => L.emoLoss(z, y, x.transpose(o)),
  // 4 unrolled iterations (each a dependent pair of logsumexps) keep the program small; ε = 0.5 keeps the plan dense
  sinkhorn: (z, o) =>
    L.sinkhorn(x.softmax(x.mean(z, { axis: -1 })), x.softmax(x.mean(o, { axis: 0 })), x.add(1, x.tanh(x.sub(z, o))), {
      epsilon: 0.5,
      iterations: 4,
    }),
  sinkhornPlan: (z, o) =>
    weighed(
      L.sinkhornPlan(x.softmax(x.mean(z, { axis: -1 })), x.softmax(x.mean(o, { axis: 0 })), x.square(x.sub(z, o)), {
        epsilon: 0.5,
        iterations: 4,
      }),
      o,
    ),
  // pairwise distances have a kink at coincident rows: the draws' entries are all distinct, so no two rows meet
  distanceCovariance: (z, o) => L.distanceCovariance(z, o),
  'distanceCovariance (squared)': (z, o) => L.distanceCovariance(z, x.tanh(o), { squared: true }),
  distanceCorrelation: (z, o) => L.distanceCorrelation(z, o),
  'distanceCorrelation (squared)': (z, o) => L.distanceCorrelation(x.square(z), o, { squared: true }),
  // a metric: the arg-max (ties: none, the entries are distinct) and the bins are piecewise constant;
  // bin edges are level sets of the top probability that the draws meet with probability 0
  'expectedCalibrationError (4 bins)': (z, _o, y) => L.expectedCalibrationError(z, y, { bins: 4 }),
  // the radius has no gradient (stopGradient): the value is min over rows of π/(max − min of z ⊙ o)
  safeStepRadius: (z, o) => L.safeStepRadius((w: x.Tensor) => x.mul(z, w), [x.onesLike(z)], [x.stopGradient(o)]),
};

/** Measures built on eigh, which the WebGPU backend does not have: they must fail with a clear error there. */
export const eighCases: Record<string, LossCase> = {
  'entropy.rankMe': (z) => H.rankMe(z),
  'entropy.vendiScoreFromKernel': (z) => H.vendiScoreFromKernel(x.matmul(z, x.transpose(z))),
};
