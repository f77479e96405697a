/** @file Expected calibration error: a binned metric of predictions, not a training loss. */
import * as x from '@xent/core';
import type { DType, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import { labelsArg, logitsSchema, labelsSchema, nonEmpty } from '../validate.js';

function eceImpl<D extends DType>(
  logits: Tensor<[number, number], D> | Tensor,
  labels: Tensor,
  options: { readonly bins?: number } = {},
): Tensor {
  const fn = 'expectedCalibrationError';
  const z = nonEmpty(fn, 'logits', logits);
  const y = labelsArg(fn, labels, z);
  const bins = options.bins ?? 15;
  const confidence = x.max(x.softmax(z), { axis: -1 });
  const correct = x.cast(x.equal(x.argmax(z, { axis: -1 }), y), z.dtype);
  // bin b holds confidences in (b/B, (b + 1)/B] (torchmetrics' and Guo et al.'s convention)
  const index = x.cast(x.minimum(x.maximum(x.sub(x.ceil(x.mul(confidence, bins)), 1), 0), bins - 1), 'i32');
  const inBin = x.oneHot(index, bins, { dtype: z.dtype });
  const gap = x.sub(correct, confidence);
  const perBin = x.sum(x.mul(inBin, x.expandDims(gap, -1)), { axis: Array.from({ length: z.rank - 1 }, (_, i) => i) });
  return x.div(x.sum(x.abs(perBin)), confidence.size);
}

/**
 * Expected calibration error Σ_b (n_b/n)·|acc_b − conf_b| over `bins` equal-width confidence bins
 * (Naeini et al. 2015; Guo et al. 2017, "On Calibration of Modern Neural Networks"; catalog X01), for
 * logits [..., K] and labels [...]: conf is the top softmax probability, acc whether the arg-max is the
 * label. A metric: the bins and the arg-max are piecewise constant, so its gradient (through the
 * confidences, bins held fixed) is the almost-everywhere derivative, not a training signal.
 *
 * @example
 * losses.expectedCalibrationError(x.tensor([[2, 0], [0, 1]], { dtype: 'f64' }), x.tensor([0, 0], { dtype: 'i32' }))
 */
export const expectedCalibrationError = publicFn(
  'expectedCalibrationError',
  {
    logits: logitsSchema,
    labels: labelsSchema,
    options: s.options({ bins: s.optional(s.number({ min: 1, max: 1e6, integer: true })) }),
  },
  eceImpl,
);
