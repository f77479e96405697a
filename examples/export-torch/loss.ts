/** @file The loss the export example trains with: label-smoothed cross-entropy written by hand, and its PyTorch module. */
import * as x from 'xent';

/** Label-smoothed cross-entropy (ε = 0.1), mean over the batch: −(1 − ε)·log p_y − ε·mean_k log p_k. */
export const smoothedCrossEntropy = (logits: x.Tensor, labels: x.Tensor): x.Tensor => {
  const eps = 0.1;
  const logp = x.logSoftmax(logits);
  const picked = x.squeeze(x.gather(logp, x.expandDims(labels, -1), { axis: -1 }), -1);
  return x.mean(x.sub(x.mul(-(1 - eps), picked), x.mul(eps, x.mean(logp, { axis: -1 }))));
};

/** The batch the training script feeds: 32 rows of 3 classes, f32 logits and i32 labels. */
export const batch = { rows: 32, classes: 3 } as const;

/** The loss as a PyTorch module: `smoothed_cross_entropy(logits, labels)`, PyTorch's autograd differentiating it. */
export function exportedLoss(): string {
  return x.export.torch(
    smoothedCrossEntropy,
    [x.zeros([batch.rows, batch.classes]), x.zeros([batch.rows], { dtype: 'i32' })],
    { name: 'smoothed_cross_entropy' },
  );
}
