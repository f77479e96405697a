/** @file The optax-named losses as scalar functions of two float tensors [N, K] and labels [N], for the gradient and fused-CPU suites. */
import * as x from 'xent';
import type { LossCase } from './lossCases.js';

const { losses: L } = x;

/** ±1 from the sign of o (o is never exactly 0 in the suites' draws; 0 counts as +1). */
const signsOf = (o: x.Tensor): x.Tensor => x.stopGradient(x.cast(x.where(x.less(o, 0), -1, 1), o.dtype));
/** {0, 1} from the sign of o. */
const bitsOf = (o: x.Tensor): x.Tensor => x.stopGradient(x.cast(x.where(x.less(o, 0), 0, 1), o.dtype));

/** Every optax-named loss, reduced to a scalar; the second tensor is mapped into the loss's target domain. */
export const optaxCases: Record<string, LossCase> = {
  hingeLoss: (z, o) => L.hingeLoss(z, signsOf(o)),
  perceptronLoss: (z, o) => L.perceptronLoss(z, signsOf(o)),
  multiclassHingeLoss: (z, _o, y) => L.multiclassHingeLoss(z, y),
  multiclassPerceptronLoss: (z, _o, y) => L.multiclassPerceptronLoss(z, y),
  squaredError: (z, o) => L.squaredError(z, o),
  l2Loss: (z, o) => L.l2Loss(z, o),
  logCosh: (z, o) => L.logCosh(z, o),
  cosineSimilarity: (z, o) => L.cosineSimilarity(z, o),
  cosineDistance: (z, o) => L.cosineDistance(z, o, { epsilon: 1e-6 }),
  generalizedKlDivergence: (z, o) => L.generalizedKlDivergence(z, x.exp(o)),
  klDivergence: (z, o) => L.klDivergence(x.logSoftmax(z), x.softmax(o)),
  klDivergenceWithLogTargets: (z, o) => L.klDivergenceWithLogTargets(x.logSoftmax(z), x.logSoftmax(o)),
  polyLossCrossEntropy: (z, o) => L.polyLossCrossEntropy(z, x.softmax(o), { epsilon: 2 }),
  rankingSoftmaxLoss: (z, o) => L.rankingSoftmaxLoss(z, x.exp(o)),
  'rankingSoftmaxLoss (where)': (z, o) => L.rankingSoftmaxLoss(z, x.exp(o), { where: x.greater(o, -1) }),
  'sigmoidFocalLoss (α)': (z, o) => L.sigmoidFocalLoss(z, x.sigmoid(o), { alpha: 0.25, gamma: 1.5 }),
  'sparsemax (Σ w·p)': (z, o) => x.sum(x.mul(L.sparsemax(z), o)),
  'entmax15 (Σ w·p)': (z, o) => x.sum(x.mul(L.entmax15(z), o)),
  sparsemaxLoss: (z, o) => L.sparsemaxLoss(z, bitsOf(o)),
  multiclassSparsemaxLoss: (z, _o, y) => L.multiclassSparsemaxLoss(z, y),
  'fenchelYoungLoss softmax': (z, o) => L.fenchelYoungLoss(z, x.softmax(o)),
  'fenchelYoungLoss sparsemax': (z, o) => L.fenchelYoungLoss(z, L.sparsemax(o), { regularizer: 'sparsemax' }),
  'fenchelYoungLoss entmax15': (z, o) => L.fenchelYoungLoss(z, L.entmax15(o), { regularizer: 'entmax15' }),
  ntxent: (z, _o, y) => L.ntxent(z, x.cast(x.where(x.less(y, 2), 0, 1), 'i32'), { temperature: 0.5 }),
  binaryDiceLoss: (z, o) => L.binaryDiceLoss(z, x.sigmoid(o)),
  multiclassGeneralizedDiceLoss: (z, o) => L.multiclassGeneralizedDiceLoss(z, x.sigmoid(o)),
  multiclassDiceLoss: (z, o) => L.multiclassDiceLoss(z, x.sigmoid(o), { alpha: 0.3, beta: 0.7 }),
};

/** Cases whose second argument picks discrete targets (signs, bits) or constant labels: no gradient flows to it. */
export const constantSecond: ReadonlySet<string> = new Set([
  'hingeLoss',
  'perceptronLoss',
  'sparsemaxLoss',
  'sigmoidFocalLoss (α)',
]);

/** sparsemax of one row by sorting (Martins & Astudillo 2016), in plain JS: the threshold τ. */
export function sparsemaxTau(z: readonly number[]): number {
  const sorted = [...z].sort((a, b) => b - a);
  let sum = 0;
  let tau = 0;
  sorted.forEach((v, i) => {
    sum += v;
    if (1 + (i + 1) * v > sum) tau = (sum - 1) / (i + 1);
  });
  return tau;
}

/** 1.5-entmax of one row in plain JS: τ with Σ [z/2 − τ]₊² = 1 by bisection (60 halvings). */
export function entmax15Tau(z: readonly number[]): number {
  const u = z.map((v) => v / 2);
  const top = Math.max(...u);
  let [lo, hi] = [top - 1, top];
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    const mass = u.reduce((s, v) => s + Math.max(v - mid, 0) ** 2, 0);
    if (mass >= 1) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Cases with kinks in their draws' space (margins at 0 and 1, ties of a row, the sparsemax threshold
 * meeting an entry): their draws go through `offKinks` (test/support/offKinks.ts) row by row.
 */
export const kinked: ReadonlySet<string> = new Set([
  'hingeLoss',
  'perceptronLoss',
  'multiclassHingeLoss',
  'multiclassPerceptronLoss',
  'sparsemax (Σ w·p)',
  'multiclassSparsemaxLoss',
  'fenchelYoungLoss sparsemax',
  'sparsemaxLoss',
]);
