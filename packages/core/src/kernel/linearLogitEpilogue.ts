/**
 * @file The per-logit work of the fused linear-logit kernels as scalar kernel IR: the logit z = s(u)
 * that the row statistics reduce, the term of the pick statistic, and dZ, the cotangent of u. A
 * backend binds the leaves (u, the column, the target, the row's stats and their cotangent) to its
 * own values and only tiles the products around these; autodiff lifts dZ to tensors for second order.
 */
import type { DType } from '../ir/dtype.js';
import { type LinearLogitParams, LinearStat } from '../ir/prim.js';
import { formatScalar, lit, load, scalar, type ScalarExpr, type ScalarOp, scalarToposort } from './scalar.js';

/** The leaves an epilogue reads, each a `load` of one of these slots. */
export const LogitLeaf = {
  /** u_nv = h_n·W_v + b_v, the logit before the softcap (address 0) */
  Logit: 0,
  /** v, the logit's column (i32, address 0) */
  Column: 1,
  /** y_n, the row's target, already checked to lie in [0, V) (i32, address 0; with targets only) */
  Target: 2,
  /** the row's statistics: column c (`LinearStat`) at address c */
  Stats: 3,
  /** the statistics' cotangent: column c at address c */
  Cotangent: 4,
} as const;

export type LogitLeafSlot = (typeof LogitLeaf)[keyof typeof LogitLeaf];

/** Gradient filtering drops the softmax weights below this (2⁻²⁴, the f32 resolution), as CCE does. */
export const FILTER_THRESHOLD = 2 ** -24;

/**
 * What a linear-logit kernel computes per logit. The row statistics are fixed reductions of the
 * first two: lse = log Σ_v e^z, max = max_v z, Σ_v z, ties = #{v : z = max} and pick = Σ_v pick.
 */
export interface LinearLogitEpilogue {
  /** z = s(u) = c·tanh(u/c), or u without a softcap */
  readonly logit: ScalarExpr;
  /** z where v = y_n, else 0 (always 0 without targets) */
  readonly pick: ScalarExpr;
  /** dZ = ∂⟨ct, stats⟩/∂u */
  readonly cotangent: ScalarExpr;
}

const comparisons: ReadonlySet<ScalarOp> = new Set(['lt', 'le', 'eq', 'ne']);
const op = (name: ScalarOp, ...args: ScalarExpr[]): ScalarExpr =>
  scalar(name, comparisons.has(name) ? 'bool' : (args[0] as ScalarExpr).dtype, args);
const where = (c: ScalarExpr, a: ScalarExpr, b: ScalarExpr): ScalarExpr => scalar('where', a.dtype, [c, a, b]);

/**
 * The epilogue of a kernel whose stats are stored in `dtype`, computed in `compute` (a backend that
 * computes wider than it stores, as JavaScript computes f32 kernels in f64, asks for its precision).
 */
export function linearLogitEpilogue(
  params: LinearLogitParams,
  dtype: DType,
  compute: DType = dtype,
): LinearLogitEpilogue {
  const f = (v: number): ScalarExpr => lit(v, compute);
  const at = (c: number): ScalarExpr => lit(c, 'i32');
  const u = load(LogitLeaf.Logit, compute, at(0));
  const stat = (c: number): ScalarExpr => load(LogitLeaf.Stats, compute, at(c));
  const ct = (c: number): ScalarExpr => load(LogitLeaf.Cotangent, compute, at(c));
  const { softcap, targets, filter } = params;
  let z = u;
  let slope: ScalarExpr | undefined;
  if (softcap !== null) {
    const a = op('div', u, f(softcap));
    z = op('mul', f(softcap), op('tanh', a));
    // s′(u) = 1 − tanh² a = 4e/(1 + e)² with e = e^{−2|a|} ≤ 1: no cancellation where |tanh a| → 1
    const e = op('exp', op('mul', f(-2), op('abs', a)));
    const onePlus = op('add', f(1), e);
    slope = op('div', op('mul', f(4), e), op('mul', onePlus, onePlus));
  }
  const hit = targets
    ? op('eq', load(LogitLeaf.Column, 'i32', at(0)), load(LogitLeaf.Target, 'i32', at(0)))
    : undefined;
  // p = e^{z − lse}, the softmax weight
  const p = op('exp', op('sub', z, stat(LinearStat.Lse)));
  const softmax = op('mul', ct(LinearStat.Lse), p);
  // the max was stored in `dtype`: z is compared rounded the same way
  const stored = compute === dtype ? z : scalar('cast', compute, [scalar('cast', dtype, [z])]);
  const atMax = op('eq', stored, stat(LinearStat.Max));
  // dZ = (ct_lse·p + ct_pick·[v = y] + ct_sum + ct_max·[z = max]/ties)·s′(u)
  const dz = [
    filter ? where(op('le', f(FILTER_THRESHOLD), p), softmax, f(0)) : softmax,
    ...(hit === undefined ? [] : [where(hit, ct(LinearStat.Pick), f(0))]),
    where(atMax, op('div', ct(LinearStat.Max), stat(LinearStat.Ties)), f(0)),
  ].reduce((sum, term) => op('add', sum, term), ct(LinearStat.Sum));
  return {
    logit: z,
    pick: hit === undefined ? f(0) : where(hit, z, f(0)),
    cotangent: slope === undefined ? dz : op('mul', dz, slope),
  };
}

/** `roots` with every leaf load replaced by `leaf(slot, address)`; the rest is rebuilt around them. */
export function bindLeaves(
  roots: readonly ScalarExpr[],
  leaf: (slot: LogitLeafSlot, address: number) => ScalarExpr,
): ScalarExpr[] {
  const memo = new Map<ScalarExpr, ScalarExpr>();
  for (const e of scalarToposort(roots)) {
    if (e.op === 'load') {
      memo.set(e, leaf(e.imm as LogitLeafSlot, (e.args[0] as ScalarExpr).imm));
      continue;
    }
    const args = e.args.map((a) => memo.get(a) as ScalarExpr);
    memo.set(e, args.every((a, i) => a === e.args[i]) ? e : scalar(e.op, e.dtype, args, e.imm));
  }
  return roots.map((r) => memo.get(r) as ScalarExpr);
}

/** The names leaves print as. */
const leafNames: { readonly [S in LogitLeafSlot]: string } = {
  [LogitLeaf.Logit]: 'u',
  [LogitLeaf.Column]: 'v',
  [LogitLeaf.Target]: 'y',
  [LogitLeaf.Stats]: 'stats',
  [LogitLeaf.Cotangent]: 'ct',
};

/** The epilogue as text (dumps and kernel cache keys): its three expressions over the named leaves. */
export function formatEpilogue(e: LinearLogitEpilogue): string {
  const text = (root: ScalarExpr): string => formatScalar(root, (slot) => leafNames[slot as LogitLeafSlot]);
  return `z: ${text(e.logit)} | pick: ${text(e.pick)} | dz: ${text(e.cotangent)}`;
}
