/** @file The catalog's losses as scalar functions of two float tensors [N, K] and labels [N], for backend parity suites. */
import * as x from 'xent';
import { transportInformationCases } from './transportInformationCases.js';

import { torchLossCases } from './torchLossCases.js';

const { losses: L, entropy: H, divergence: Dv } = x;

export type LossCase = (z: x.Tensor, other: x.Tensor, labels: x.Tensor) => x.Tensor;

const classWeights = (z: x.Tensor): x.Tensor =>
  x.cast(x.add(x.div(x.arange(z.shape[1] as number, { dtype: 'f32' }), 2), 0.5), z.dtype);

/** Every loss, entropy and divergence of the package, reduced to a scalar. */
export const lossCases: Record<string, LossCase> = {
  'crossEntropy (weights, ignoreIndex, smoothing)': (z, _o, y) =>
    L.crossEntropy(z, x.where(x.equal(y, 1), -100, y), {
      weights: classWeights(z),
      ignoreIndex: -100,
      labelSmoothing: 0.1,
    }),
  softTargetCrossEntropy: (z, o) => L.softTargetCrossEntropy(z, x.softmax(o)),
  binaryCrossEntropyWithLogits: (z, o) => L.binaryCrossEntropyWithLogits(z, x.sigmoid(o), { posWeight: 2 }),
  focalLoss: (z, _o, y) => L.focalLoss(z, y, { gamma: 2 }),
  confidencePenalty: (z, _o, y) => L.confidencePenalty(z, y, { beta: 0.2 }),
  maeLoss: (z, _o, y) => L.maeLoss(z, y),
  brierLoss: (z, _o, y) => L.brierLoss(z, y),
  rescaledSquareLoss: (z, _o, y) => L.rescaledSquareLoss(z, y, { k: 2, m: 1 }),
  squentropy: (z, _o, y) => L.squentropy(z, y),
  generalizedCrossEntropy: (z, _o, y) => L.generalizedCrossEntropy(z, y, { q: 0.7 }),
  compSumLoss: (z, _o, y) => L.compSumLoss(z, y, { tau: 0.5 }),
  reverseCrossEntropy: (z, _o, y) => L.reverseCrossEntropy(z, y),
  symmetricCrossEntropy: (z, _o, y) => L.symmetricCrossEntropy(z, y),
  softSymmetricCrossEntropy: (z, o) => L.softSymmetricCrossEntropy(z, o),
  normalizedCrossEntropy: (z, _o, y) => L.normalizedCrossEntropy(z, y),
  normalizedFocalLoss: (z, _o, y) => L.normalizedFocalLoss(z, y),
  activePassiveLoss: (z, _o, y) => L.activePassiveLoss(z, y, { active: 'nfl', passive: 'mae' }),
  'withLogitClip(crossEntropy)': (z, _o, y) => L.withLogitClip((t: x.Tensor) => L.crossEntropy(t, y), 1.5)(z),
  diceLoss: (z, o) => L.diceLoss(x.sigmoid(z), x.sigmoid(o)),
  tverskyLoss: (z, o) => L.tverskyLoss(x.sigmoid(z), x.sigmoid(o), { alpha: 0.3, beta: 0.7, over: 'batch' }),
  distillationLoss: (z, o) => L.distillationLoss(z, o, { temperature: 2 }),
  reverseKlDistillationLoss: (z, o) => L.reverseKlDistillationLoss(z, o),
  wassersteinOrdinalLoss: (z, _o, y) => L.wassersteinOrdinalLoss(z, y),
  infoNce: (z, o) => L.symmetricInfoNce(z, o, { temperature: 0.5 }),
  barlowTwins: (z, o) => L.barlowTwins(z, o),
  alignmentLoss: (z, o) => L.alignmentLoss(z, o),
  'entropy.shannon': (z) => x.mean(H.shannon(z)),
  'entropy.tsallis': (z) => x.mean(H.tsallis(z, 1.5)),
  'entropy.renyi': (z) => x.mean(H.renyi(z, 2)),
  'entropy.informationMaximization': (z) => H.informationMaximization(z),
  'divergence.kl': (z, o) => Dv.kl(z, o),
  'divergence.js': (z, o) => Dv.js(z, o),
  ...torchLossCases,
  ...transportInformationCases,
};

/** Spectral measures: eigh runs on the CPU backends only, so these stay off the WebGPU suite. */
export const spectralCases: Record<string, LossCase> = {
  'entropy.vonNeumann': (z) => H.vonNeumann(z),
  'entropy.vendiScore': (z) => H.vendiScore(z, { q: 2 }),
  vneRegularizer: (z) => L.vneRegularizer(z, { alpha: 0.3 }),
};

/** Cases whose second argument is a detached teacher or target view: its gradient is 0 by design. */
export const detachedSecond: ReadonlySet<string> = new Set([
  'softSymmetricCrossEntropy',
  'distillationLoss',
  'reverseKlDistillationLoss',
  'alignmentLoss',
]);

/** Cases that normalise rows (cosine similarities): not differentiable at a zero row. */
export const normalizesRows: ReadonlySet<string> = new Set(['infoNce', 'alignmentLoss']);
