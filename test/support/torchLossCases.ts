/** @file The PyTorch-named losses as scalar functions of two float tensors [N, K] and labels [N], for the backend parity suites. */
import * as x from 'xent';

const L = x.losses;

type LossCase = (z: x.Tensor, other: x.Tensor, labels: x.Tensor) => x.Tensor;

/** Weights 0.5, 1, 1.5, … of the tensor's dtype. */
const ramp = (n: number, dtype: x.Tensor['dtype']): x.Tensor =>
  x.cast(x.add(x.div(x.arange(n, { dtype: 'f32' }), 2), 0.5), dtype);
/** ±1 of t's dtype by the sign of t (piecewise constant: no gradient). */
const signs = (t: x.Tensor): x.Tensor => x.sub(x.mul(2, x.cast(x.greater(t, 0), t.dtype)), 1);
const i32 = (v: number[][]): x.Tensor => x.tensor(v, { dtype: 'i32' });
const lengths = (v: number[]): x.Tensor => x.tensor(v, { dtype: 'i32' });
/**
 * t plus a fixed offset 0.9·sin(1.7i + phase) per flat index i: the suites draw many exact zeros, and the
 * hinge, absolute-value and norm losses have kinks at ties; the offset moves such inputs to generic points.
 */
const generic = (t: x.Tensor, phase: number): x.Tensor =>
  x.add(
    t,
    x.reshape(x.mul(0.9, x.sin(x.add(x.mul(1.7, x.arange(t.size, { dtype: t.dtype as 'f64' })), phase))), t.shape),
  );
const l1Distance = (u: x.Tensor, v: x.Tensor): x.Tensor => x.sum(x.abs(x.sub(u, v)), { axis: -1 });

/** Every PyTorch-named loss (options exercised), reduced to a scalar. */
export const torchLossCases: Record<string, LossCase> = {
  'nllLoss (weights)': (z, _o, y) => L.nllLoss(x.logSoftmax(z), y, { weights: ramp(z.shape[1] as number, z.dtype) }),
  'softTargetCrossEntropy (weights, smoothing)': (z, o) =>
    L.softTargetCrossEntropy(z, x.softmax(o), { labelSmoothing: 0.1, weights: ramp(z.shape[1] as number, z.dtype) }),
  'linearCrossEntropy (weights, smoothing)': (z, o, y) =>
    L.linearCrossEntropy(z, o, x.where(x.less(y, o.shape[0] as number), y, 0), {
      weights: ramp(o.shape[0] as number, z.dtype),
      labelSmoothing: 0.1,
    }),
  mseLoss: (z, o) => L.mseLoss(z, o),
  l1Loss: (z, o) => L.l1Loss(generic(z, 0.5), generic(o, 2), { reduction: 'sum' }),
  huberLoss: (z, o) => L.huberLoss(z, o, { delta: 0.7 }),
  smoothL1Loss: (z, o) => L.smoothL1Loss(z, o, { beta: 0.5 }),
  'poissonNllLoss (full)': (z, o) => L.poissonNllLoss(z, x.square(o), { full: true }),
  'poissonNllLoss (rates)': (z, o) => L.poissonNllLoss(x.exp(z), x.square(o), { logInput: false }),
  gaussianNllLoss: (z, o) => L.gaussianNllLoss(z, o, x.exp(x.mul(0.3, o)), { full: true }),
  softMarginLoss: (z, o) => L.softMarginLoss(z, signs(generic(o, 1))),
  'multiMarginLoss (p 2, weights)': (z, _o, y) =>
    L.multiMarginLoss(generic(z, 0.5), y, { p: 2, margin: 0.8, weights: ramp(z.shape[1] as number, z.dtype) }),
  multilabelMarginLoss: (z, _o, y) =>
    L.multilabelMarginLoss(z, x.where(x.equal(x.iota(z.shape as number[], 1), 0), x.expandDims(y, -1), -1)),
  multilabelSoftMarginLoss: (z, o) =>
    L.multilabelSoftMarginLoss(z, x.sigmoid(o), { weights: ramp(z.shape[1] as number, z.dtype) }),
  marginRankingLoss: (z, o) =>
    L.marginRankingLoss(generic(z, 0.5), generic(o, 2), signs(generic(x.stopGradient(o), 3)), { margin: 0.3 }),
  hingeEmbeddingLoss: (z, o) => L.hingeEmbeddingLoss(x.abs(generic(z, 0.5)), signs(generic(o, 1)), { margin: 2.2 }),
  cosineEmbeddingLoss: (z, o) =>
    L.cosineEmbeddingLoss(generic(z, 0.5), generic(o, 2), signs(x.sum(generic(o, 1), { axis: -1 })), { margin: 0.1 }),
  'tripletMarginLoss (swap)': (z, o) =>
    L.tripletMarginLoss(generic(z, 0.5), generic(o, 2), generic(x.roll(o, 1, 0), 4), { swap: true }),
  tripletMarginWithDistanceLoss: (z, o) =>
    L.tripletMarginWithDistanceLoss(generic(z, 0.5), generic(o, 2), generic(x.roll(z, 1, 0), 4), {
      distanceFunction: l1Distance,
      margin: 0.5,
    }),
  ctcLoss: (z) =>
    L.ctcLoss(x.logSoftmax(x.expandDims(z, 1)), i32([[1, 2]]), lengths([z.shape[0] as number]), lengths([2])),
  binaryCrossEntropy: (z, o) => L.binaryCrossEntropy(x.sigmoid(z), x.sigmoid(o)),
  'klDiv (batchmean)': (z, o) => L.klDiv(x.logSoftmax(z), x.softmax(o), { reduction: 'batchmean' }),
  'klDiv (logTarget)': (z, o) => L.klDiv(x.logSoftmax(z), x.logSoftmax(o), { logTarget: true }),
};
