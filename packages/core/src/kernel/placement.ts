/**
 * @file Loop-invariant placement over the scalar kernel IR: the loop depth where an expression's
 * value is first known (the deepest loop whose variable it reads), and whether it reads the
 * reduction result. Every kernel backend computes each subexpression at its placement.
 */
import type { ScalarExpr } from './scalar.js';

export interface Placement {
  /** 0: before every loop; d: inside the d-th loop of the nest. */
  readonly depth: number;
  /** It reads `acc`, so it is computed after the reduction loops. */
  readonly afterReduction: boolean;
}

/**
 * Placement in a loop nest whose loop over var v is at depth `depthOfVar(v)` and whose reduction
 * result is known at depth `accDepth`: an expression sits as deep as its deepest argument, and
 * after the reduction when any argument does (memoised per nest).
 */
export function placement(depthOfVar: (v: number) => number, accDepth: number): (e: ScalarExpr) => Placement {
  const memo = new Map<ScalarExpr, Placement>();
  const place = (e: ScalarExpr): Placement => {
    const known = memo.get(e);
    if (known !== undefined) return known;
    let p: Placement = { depth: 0, afterReduction: false };
    if (e.op === 'var') p = { depth: depthOfVar(e.imm), afterReduction: false };
    else if (e.op === 'acc') p = { depth: accDepth, afterReduction: true };
    else {
      for (const a of e.args) {
        const q = place(a);
        p = { depth: Math.max(p.depth, q.depth), afterReduction: p.afterReduction || q.afterReduction };
      }
    }
    memo.set(e, p);
    return p;
  };
  return place;
}
