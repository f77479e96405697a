/** @file The `divergence` namespace: KL, reverse KL and Jensen–Shannon, from logits or probabilities. */
export {
  klDivergence as kl,
  reverseKlDivergence as reverseKl,
  jsDivergence as js,
  klDivergenceFromProbs as klFromProbs,
  jsDivergenceFromProbs as jsFromProbs,
  type Divergence,
  type DivergenceOptions,
} from './information/divergence.js';
