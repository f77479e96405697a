/** @file Combining per-sample losses: mean, sum or none, with an optional normaliser for weighted means. */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';
import type { Reduction } from './types.js';

/**
 * 'none' keeps `perSample`; 'sum' adds it up; 'mean' divides the sum by Σ `normalizer` (the
 * sample count when absent). A zero normaliser (every target ignored) gives 0 with a zero
 * gradient, not 0/0.
 */
export function reduce(perSample: Tensor, reduction: Reduction, normalizer?: Tensor): Tensor {
  switch (reduction) {
    case 'none':
      return perSample;
    case 'sum':
      return x.sum(perSample);
    case 'mean':
      return normalizer === undefined ? x.mean(perSample) : x.safeDiv(x.sum(perSample), x.sum(normalizer));
  }
}
