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
export {
  mseLoss,
  l1Loss,
  huberLoss,
  smoothL1Loss,
  poissonNllLoss,
  gaussianNllLoss,
  type PairLoss,
  type HuberOptions,
  type SmoothL1Options,
  type PoissonNllOptions,
  type GaussianNllOptions,
} from './torch/regression.js';
export {
  softMarginLoss,
  multiMarginLoss,
  multilabelMarginLoss,
  multilabelSoftMarginLoss,
  marginRankingLoss,
  hingeEmbeddingLoss,
  cosineEmbeddingLoss,
  type MultiMarginOptions,
  type MultilabelSoftMarginOptions,
  type MarginOptions,
} from './torch/margin.js';
export {
  tripletMarginLoss,
  tripletMarginWithDistanceLoss,
  type TripletMarginOptions,
  type TripletDistanceOptions,
} from './torch/triplet.js';
export {
  nllLoss,
  binaryCrossEntropy,
  klDiv,
  type BinaryCrossEntropyProbOptions,
  type KlDivOptions,
  type KlDivReduction,
  type KlDivLoss,
} from './torch/probabilistic.js';
export { ctcLoss, ctcLossWithForwardProbs, type CtcOptions, type CtcForward } from './torch/ctc.js';
export {
  ldrKlLoss,
  encouragingLoss,
  passAtNLoss,
  type LdrKlOptions,
  type EncouragingOptions,
  type PassAtNOptions,
} from './classification/confidenceShaping.js';
export { negativeLearningLoss, unlikelihoodLoss, contrastiveTokenLoss } from './classification/negatives.js';
export { sequenceLogProbs, type SequenceLogProbOptions } from './preference/sequenceLogProbs.js';
export { dpoLoss, hDpoLoss, type DpoOptions, type HDpoOptions } from './preference/dpo.js';
export { aucSurrogateLoss, circleLoss, type CircleOptions } from './ranking/pairwise.js';
export { pinballLoss, type PinballOptions } from './regression/pinball.js';
export { plackettLuceLoss, type PlackettLuceOptions } from './ranking/plackettLuce.js';
export { adaptiveKlLoss, type AdaptiveKlOptions } from './distillation/adaptiveKl.js';
export { harmonicLoss, type HarmonicOptions } from './classification/harmonic.js';
export { orthogonalProjectionLoss } from './representation/orthogonalProjection.js';
export { twoHotTargets, twoHotLoss } from './regression/twoHot.js';
export { hlGaussTargets, hlGaussLoss, type HlGaussBins, type HlGaussLossOptions } from './regression/hlGauss.js';
export { expectedCalibrationError } from './classification/calibration.js';
export { safeStepRadius } from './classification/safeStep.js';
export { consensusCrossEntropy } from './classification/consensus.js';
export { cramerOrdinal, cramerOrdinalLoss } from './transport/cramer.js';
export { emoLoss } from './transport/emo.js';
export { empiricalWasserstein, type EmpiricalWassersteinOptions } from './transport/empiricalWasserstein.js';
export { sinkhorn, sinkhornPlan, type SinkhornOptions } from './transport/sinkhorn.js';
export {
  distanceCovariance,
  distanceCorrelation,
  type DistanceDependenceOptions,
} from './representation/distanceCovariance.js';
export { dvBound, nwjBound, mineBound, MineAverage } from './representation/mutualInformationBounds.js';
export { hingeLoss, perceptronLoss, multiclassHingeLoss, multiclassPerceptronLoss } from './optax/margin.js';
export {
  squaredError,
  l2Loss,
  logCosh,
  cosineSimilarity,
  cosineDistance,
  type CosineOptions,
} from './optax/regression.js';
export { klDivergence, generalizedKlDivergence, convexKlDivergence, klDivergenceWithLogTargets } from './optax/kl.js';
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
export { multiclassDiceLoss, type MulticlassDiceOptions } from './optax/multiclassDice.js';
