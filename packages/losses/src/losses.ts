/** @file The `losses` namespace: per-sample and batch-level training objectives. */
export {
  crossEntropy,
  softTargetCrossEntropy,
  type CrossEntropyOptions,
  type SoftTargetOptions,
} from './classification/crossEntropy.js';
export { linearCrossEntropy, type LinearCrossEntropyOptions } from './classification/linearCrossEntropy.js';
export { binaryCrossEntropyWithLogits, type BinaryCrossEntropyOptions } from './classification/binaryCrossEntropy.js';
export {
  focalLoss,
  confidencePenalty,
  type FocalOptions,
  type ConfidencePenaltyOptions,
} from './classification/focal.js';
export {
  maeLoss,
  brierLoss,
  rescaledSquareLoss,
  squentropy,
  type RescaledSquareOptions,
} from './classification/squareLosses.js';
export {
  generalizedCrossEntropy,
  compSumLoss,
  type GceOptions,
  type CompSumOptions,
} from './classification/compSum.js';
export {
  reverseCrossEntropy,
  symmetricCrossEntropy,
  softSymmetricCrossEntropy,
  normalizedCrossEntropy,
  normalizedFocalLoss,
  normalized,
  activePassiveLoss,
  type PerSampleLoss,
  type ActivePassiveOptions,
  type ReverseCrossEntropyOptions,
  type SymmetricCrossEntropyOptions,
} from './classification/noiseRobust.js';
export { withLogitClip } from './classification/logitClip.js';
export { diceLoss, tverskyLoss, type OverlapOptions } from './classification/dice.js';
export { sequenceCrossEntropy, perplexity, type SequenceOptions } from './classification/sequence.js';
export { type HardLabelLoss, type LabelOptions } from './classification/labelled.js';
export { distillationLoss, reverseKlDistillationLoss, type DistillationOptions } from './distillation/distillation.js';
export { wassersteinOrdinal, wassersteinOrdinalLoss, type OrdinalOptions } from './transport/wasserstein.js';
export { infoNce, symmetricInfoNce, type InfoNceOptions } from './representation/infoNce.js';
export { barlowTwins, alignmentLoss, vneRegularizer } from './representation/barlowTwins.js';
export { cramerOrdinal, cramerOrdinalLoss } from './transport/cramer.js';
export { emoLoss } from './transport/emo.js';
export { sinkhorn, sinkhornPlan, type SinkhornOptions } from './transport/sinkhorn.js';
export {
  distanceCovariance,
  distanceCorrelation,
  type DistanceDependenceOptions,
} from './representation/distanceCovariance.js';
export { dvBound, nwjBound, mineBound, MineAverage } from './representation/mutualInformationBounds.js';
