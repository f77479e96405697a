/** @file A tiny interpreter of the kernel IR's i32 index expressions, written apart from the compiler, for tests of addresses. */
import type { ScalarExpr } from '@xent/core/internal';

/** The ops an affine index uses: no division, remainder or clamping. */
const affineOps = new Set(['const', 'var', 'add', 'mul']);

/** The value of an i32 index expression with loop variable k at `vars[k]`; `atoms` gives any other leaf a value. */
export function evalIndex(
  e: ScalarExpr,
  vars: readonly number[],
  atoms: ReadonlyMap<ScalarExpr, number> = new Map(),
): number {
  const atom = atoms.get(e);
  if (atom !== undefined) return atom;
  const [a = NaN, b = NaN] = e.args.map((x) => evalIndex(x, vars, atoms));
  switch (e.op) {
    case 'const':
      return e.imm;
    case 'var': {
      const v = vars[e.imm];
      if (v === undefined) throw new Error(`loop variable ${e.imm} has no value`);
      return v;
    }
    case 'add':
      return a + b;
    case 'mul':
      return a * b;
    case 'idiv':
      return Math.floor(a / b);
    case 'mod':
      return ((a % b) + b) % b;
    case 'min':
      return Math.min(a, b);
    case 'max':
      return Math.max(a, b);
    default:
      throw new Error(`${e.op} is not an index op`);
  }
}

/** Whether the expression is affine in the loop variables (built from constants, variables, + and ×). */
export const isAffineIndex = (e: ScalarExpr): boolean => affineOps.has(e.op) && e.args.every(isAffineIndex);

/** Every point of `shape`, row-major. */
export function pointsOf(shape: readonly number[]): number[][] {
  return shape.reduce<number[][]>(
    (points, d) => points.flatMap((p) => Array.from({ length: d }, (_, i) => [...p, i])),
    [[]],
  );
}
