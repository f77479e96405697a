/** @file The `divergence` namespace: KL, reverse KL, Jensen–Shannon, the f-divergence family, TV, Jeffreys and Rényi, from logits or probabilities. */
export {
  klDivergence as kl,
  reverseKlDivergence as reverseKl,
  jsDivergence as js,
  klDivergenceFromProbs as klFromProbs,
  jsDivergenceFromProbs as jsFromProbs,
  type Divergence,
  type DivergenceOptions,
} from './information/divergence.js';
export {
  fDivergence,
  fDivergenceFromProbs,
  fGenerators,
  tv,
  tvFromProbs,
  jeffreys,
  jeffreysFromProbs,
  type FDivergence,
  type FGenerator,
  type FGeneratorName,
} from './information/fDivergence.js';
export {
  renyiDivergence as renyi,
  renyiDivergenceFromProbs as renyiFromProbs,
  type RenyiDivergence,
} from './information/renyiDivergence.js';
