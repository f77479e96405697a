/** @file The catalog's Tier 2 losses as scalar functions of two float tensors [N, K] and labels [N], for backend parity suites. */
import * as x from 'xent';
import type { LossCase } from './lossCases.js';

const L = x.losses;

/** Every other class a negative / candidate, as a constant mask of z's shape. */
const alternate = (z: x.Tensor): x.Tensor =>
  x.reshape(x.tensor(Array.from({ length: z.size }, (_, i) => i % 2 === 0)), z.shape as number[]);

/** The Tier 2 hard-label, ranking and preference losses, reduced to a scalar. */
export const tier2Cases: Record<string, LossCase> = {
  ldrKlLoss: (z, _o, y) => L.ldrKlLoss(z, y, { lambda: 0.7, margin: 0.5 }),
  encouragingLoss: (z, _o, y) => L.encouragingLoss(z, y, { threshold: 0.7 }),
  passAtNLoss: (z, _o, y) => L.passAtNLoss(z, y, { n: 4 }),
  negativeLearningLoss: (z, _o, y) => L.negativeLearningLoss(z, y),
  unlikelihoodLoss: (z) => L.unlikelihoodLoss(z, alternate(z)),
  contrastiveTokenLoss: (z, _o, y) => L.contrastiveTokenLoss(z, y, alternate(z)),
};
