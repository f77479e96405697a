/** @file The catalog's Tier 2 losses as scalar functions of two float tensors [N, K] and labels [N], for backend parity suites. */
import * as x from 'xent';
import type { LossCase } from './lossCases.js';

const L = x.losses;

/** Every other class a negative / candidate, as a constant mask of z's shape. */
const alternate = (z: x.Tensor): x.Tensor =>
  x.reshape(x.tensor(Array.from({ length: z.size }, (_, i) => i % 2 === 0)), z.shape as number[]);

/** 3·sin(i) at flat index i, of z's shape and dtype: a fixed row of well-separated logits. */
const sines = (z: x.Tensor): x.Tensor =>
  x.cast(x.mul(3, x.sin(x.reshape(x.arange(z.size, { dtype: 'f32' }), z.shape as number[]))), z.dtype);

/** The Tier 2 hard-label, ranking and preference losses, reduced to a scalar. */
export const tier2Cases: Record<string, LossCase> = {
  ldrKlLoss: (z, _o, y) => L.ldrKlLoss(z, y, { lambda: 0.7, margin: 0.5 }),
  encouragingLoss: (z, _o, y) => L.encouragingLoss(z, y, { threshold: 0.7 }),
  passAtNLoss: (z, _o, y) => L.passAtNLoss(z, y, { n: 4 }),
  negativeLearningLoss: (z, _o, y) => L.negativeLearningLoss(z, y),
  unlikelihoodLoss: (z) => L.unlikelihoodLoss(z, alternate(z)),
  contrastiveTokenLoss: (z, _o, y) => L.contrastiveTokenLoss(z, y, alternate(z)),
  sequenceLogProbs: (z, _o, y) => x.sum(L.sequenceLogProbs(x.expandDims(z, 0), x.expandDims(y, 0))),
  dpoLoss: (z, o) => {
    const [a, b] = [x.logsumexp(z, { axis: -1 }), x.mean(o, { axis: -1 })];
    return L.dpoLoss(a, b, x.mul(0.5, a), x.mul(0.25, b), { beta: 0.4 });
  },
  hDpoLoss: (z, o) =>
    L.hDpoLoss(x.max(z, { axis: -1 }), x.max(o, { axis: -1 }), x.mean(z, { axis: -1 }), x.mean(o, { axis: -1 }), {
      alpha: 0.6,
    }),
  aucSurrogateLoss: (z) =>
    L.aucSurrogateLoss(
      x.sum(z, { axis: -1 }),
      x.tensor(Array.from({ length: z.shape[0] as number }, (_, i) => i % 2 === 0)),
    ),
  circleLoss: (z, o) => L.circleLoss(x.tanh(z), x.tanh(o), { gamma: 16 }),
  pinballLoss: (z, o) => L.pinballLoss(z, o, { tau: 0.3 }),
  // a teacher with well-separated probabilities: near-ties could be ordered differently in f32 and f64
  plackettLuceLoss: (z, _o, y) =>
    L.plackettLuceLoss(z, sines(z), y, {
      temperature: 2,
    }),
  // the head (a prefix of the teacher's classes sorted by mass) jumps at ties of the teacher and at a mass before a
  // class equal to μ; the draws' exact zeros sit on both (a uniform row's masses are 0, 0.2, …). The teacher is a
  // fixed 3·sin(i) (entries ≥ 0.022 apart in a row, masses before a class ≥ 0.05 from μ = 0.7) moved by at most
  // 0.01 by the draw, which keeps every row's order and head
  adaptiveKlLoss: (z, o) =>
    L.adaptiveKlLoss(z, x.add(x.mul(0.01, x.tanh(o)), sines(z)), {
      mu: 0.7,
    }),
  harmonicLoss: (z, o, y) => L.harmonicLoss(z, x.add(o, 0.5), y, { exponent: 2 }),
  // features away from 0: cosine gradients grow like 1/‖f‖
  orthogonalProjectionLoss: (z, _o, y) => L.orthogonalProjectionLoss(x.add(z, 9), y, { gamma: 0.7 }),
  consensusCrossEntropy: (z, o) => L.consensusCrossEntropy(x.stack([z, o, x.add(z, o)])),
  twoHotLoss: (z, o) => L.twoHotLoss(z, x.sum(o, { axis: -1 }), [-4, -1, 0, 2, 5]),
  hlGaussLoss: (z, o) => L.hlGaussLoss(z, x.mul(2, x.mean(o, { axis: -1 })), { min: -4, max: 6, bins: 5, sigma: 1.5 }),
};
