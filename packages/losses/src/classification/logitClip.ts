/** @file LogitClip: any logit loss evaluated on logits rescaled to norm ≤ τ (a provable bound on CE). */
import * as x from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import type { Tensor } from '@xent/core';

function withLogitClipImpl<A extends readonly unknown[], T extends Tensor>(
  loss: (logits: T, ...rest: A) => Tensor,
  tau: number,
  options: { readonly ord?: number } = {},
): (logits: T, ...rest: A) => Tensor {
  const fn = 'withLogitClip';
  const ord = options.ord ?? 2;
  if (ord !== 1 && ord !== 2 && ord !== Infinity) fail(x.ValueError, fn, 'ord', '1, 2 or Infinity', String(ord));
  return publicFn(
    fn,
    { logits: s.tensor({ dtype: 'float', rank: [1, Infinity] }), '...rest': s.anything },
    (logits: T, ...rest: A) => loss(x.clipByNorm(logits, tau, { ord }) as T, ...rest),
  );
}

/**
 * Wraps `loss` so that it sees z·min(1, τ/‖z‖_p) per sample (Wei et al. 2023; catalog L19). With
 * ‖z̃‖_p ≤ τ, CE(z̃) lies in [log(1 + (K−1)e^{−2τ}), log(1 + (K−1)e^{2τ})]. Clipping looks at ‖z‖, so
 * the wrapped loss is not logit-shift-invariant, and a −Inf logit makes ‖z‖ infinite (NaN): mask
 * inside `loss`, after the clip.
 *
 * @example
 * losses.withLogitClip(losses.crossEntropy, 1)(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' })) // CE of z·min(1, 1/‖z‖)
 */
export const withLogitClip = publicFn(
  'withLogitClip',
  {
    loss: s.fn,
    tau: s.finite({ min: 0, minOpen: true }),
    options: s.options({ ord: s.optional(s.number({ min: 1 })) }),
  },
  withLogitClipImpl,
);
