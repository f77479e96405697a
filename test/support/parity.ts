/** @file Compiled against reference: a random program's value and gradients on both backends, within a tolerance. */
import * as x from 'xent';
import { expectAllClose, type Tolerance, toNumbers } from './numeric.js';
import { build, type Expr, printExpr } from './randomGraphs.js';

/**
 * Σ weights ⊙ program(a, b) and its gradients on the default backend and on the reference
 * interpreter; throws on the first disagreement. Returns the compiled kernel program.
 */
export function expectMatchesReference(
  e: Expr,
  a: x.Tensor,
  b: x.Tensor,
  weights: x.Tensor,
  tol: Tolerance,
): x.Program {
  const f = (p: x.Tensor, q: x.Tensor): x.Tensor => x.sum(x.mul(build(e, p, q), weights));
  const vg = x.valueAndGrad(f, { argnums: [0, 1] });
  const fast = x.jit(vg);
  const [v1, g1] = fast(a, b);
  const [v2, g2] = x.jit(vg, { backend: 'reference' })(a, b);
  expectAllClose(toNumbers(v1), toNumbers(v2), tol, printExpr(e));
  g1.forEach((g, i) => {
    expectAllClose(toNumbers(g), toNumbers(g2[i] as x.Tensor), tol, `${printExpr(e)} gradient ${i}`);
  });
  return fast.program(a, b);
}
