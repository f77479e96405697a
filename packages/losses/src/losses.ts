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
export { hingeLoss, perceptronLoss, multiclassHingeLoss, multiclassPerceptronLoss } from './optax/margin.js';
export { logCosh, cosineSimilarity, cosineDistance, type CosineOptions } from './optax/regression.js';
export { generalizedKlDivergence, convexKlDivergence, klDivergenceWithLogTargets } from './optax/kl.js';
export {
  polyLossCrossEntropy,
  rankingSoftmaxLoss,
  smoothLabels,
  type PolyLossOptions,
  type RankingOptions,
} from './optax/softTargets.js';
export { sigmoidFocalLoss, type SigmoidFocalOptions } from './optax/sigmoidFocal.js';
export { sparsemax, entmax15 } from './optax/sparsemax.js';
export {
  sparsemaxLoss,
  multiclassSparsemaxLoss,
  fenchelYoungLoss,
  type FenchelYoungOptions,
  type FenchelYoungRegularizer,
} from './optax/sparseLosses.js';
export { ntxent, type NtXentOptions } from './optax/ntxent.js';
export {
  binaryDiceLoss,
  multiclassGeneralizedDiceLoss,
  type BinaryDiceOptions,
  type GeneralizedDiceOptions,
} from './optax/dice.js';
