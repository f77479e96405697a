/** @file The `entropy` namespace: entropies and information measures of categorical distributions. */
export {
  shannon,
  shannonFromProbs,
  binary,
  tsallis,
  renyi,
  perplexity,
  crossEntropyDecomposition,
  type Measure,
} from './information/entropy.js';
export {
  mutualInformation,
  conditionalEntropy,
  informationMaximization,
  entropyMinimization,
} from './information/mutualInformation.js';
export { gaussianMutualInformation, gaussianMutualInformationFromCovariance } from './information/gaussian.js';
export { vonNeumann, vendiScore, vendiScoreFromKernel } from './information/spectral.js';
export { rankMe } from './information/rankMe.js';
