/** @file Regression as classification: the cross-entropy against targets spread over bins from real values (two-hot, HL-Gauss). */
import * as x from '@xent/core';
import { ShapeError, type Tensor } from '@xent/core';
import { fail } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { Reduction } from '../types.js';
import { formatShape } from '../validate.js';

/**
 * H(q, softmax z) per row, reduced, with q = targetsOf(values) carrying no gradient; the values'
 * shape is checked to be the logits' without the bin axis (blaming `fn`).
 */
export function binnedCrossEntropy(
  fn: string,
  z: Tensor,
  values: Tensor,
  targetsOf: (v: Tensor) => Tensor,
  reduction: Reduction,
): Tensor {
  const batch = z.shape.slice(0, -1);
  if (values.rank !== batch.length || values.shape.some((d, i) => d !== batch[i]))
    fail(
      ShapeError,
      fn,
      'values',
      `shape ${formatShape(batch)} (logits without the bin axis)`,
      formatShape(values.shape),
    );
  const q = x.stopGradient(targetsOf(x.cast(values, z.dtype)));
  const ce = x.neg(x.sum(x.mul(q, x.logSoftmax(z)), { axis: -1 }));
  return reduce(ce, reduction);
}
