/** @file The Ghosts-of-softmax safe-step radius: how far along a direction the cross-entropy stays analytic. */
import * as x from '@xent/core';
import { type Tensor, ValueError } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';

function safeStepImpl(
  logitsOf: (...args: never[]) => unknown,
  primals: readonly unknown[],
  tangents: readonly unknown[],
): Tensor {
  const fn = 'safeStepRadius';
  const f = logitsOf as (...args: unknown[]) => unknown;
  // the return value is checked as jvp traces it, so a wrong one is blamed on this function
  const checked = (...args: unknown[]): Tensor => {
    const out = f(...args);
    if (!(out instanceof x.Tensor) || out.rank === 0 || (out.dtype !== 'f32' && out.dtype !== 'f64'))
      fail(
        ValueError,
        fn,
        'logitsOf',
        'a function returning float logits [..., K]',
        out instanceof x.Tensor ? `dtype ${out.dtype}, shape [${out.shape.join(', ')}]` : typeof out,
      );
    return out as Tensor;
  };
  const [z, a] = x.jvp(checked, primals as never, tangents);
  const k = z.shape[z.rank - 1] as number;
  const spread = x.sub(x.max(a, { axis: -1 }), x.min(a, { axis: -1 }));
  // K = 2: the exact radius √(δ² + π²)/|Δ| of log(1 + e^{−(δ + τΔ)}); K > 2: the bound π/Δ_a
  const numerator: Tensor =
    k === 2
      ? x.sqrt(x.add(x.square(x.sub(x.max(z, { axis: -1 }), x.min(z, { axis: -1 }))), Math.PI ** 2))
      : x.add(x.mul(spread, 0), Math.PI);
  return x.stopGradient(x.min(x.div(numerator, spread)));
}

/**
 * The Ghosts-of-softmax safe-step radius (catalog §2.9, P20): for logits z = f(θ) and a step direction v,
 * a = J·v by one forward-mode product (`jvp`); τ ↦ CE(z + τa) is analytic for |τ| < π/Δ_a, Δ_a = max a −
 * min a, per row; with two classes the exact radius √(δ² + π²)/|Δ|, δ the logit gap. Returns the
 * smallest over rows (+Inf when a is constant along every row), with no gradient: a step-size guard.
 *
 * @example
 * losses.safeStepRadius((w) => x.matmul(x.tensor([[1, 0]], { dtype: 'f64' }), w), [x.eye(2, { dtype: 'f64' })], [x.tensor([[0, 1], [0, 0]], { dtype: 'f64' })]) // √(1 + π²): two classes, δ = 1, Δ = 1
 */
export const safeStepRadius = publicFn(
  'safeStepRadius',
  { logitsOf: s.fn, primals: s.array(s.anything), tangents: s.array(s.anything) },
  safeStepImpl,
);
