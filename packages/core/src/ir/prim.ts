/** @file The closed set of primitives and the parameters each one carries. */
import type { DType } from './dtype.js';
import type { Shape } from './shape.js';

/**
 * Every primitive of the IR. Adding one here makes `tsc` ask for its entry in each
 * rule table (kind in `primInfo.ts`, type, VJP, reference implementation, test spec, and the
 * tables its kind derives: folding, lowering).
 */
export const Prim = {
  // ---- elementwise unary ----
  Neg: 'neg',
  Exp: 'exp',
  Log: 'log',
  Log1p: 'log1p',
  Expm1: 'expm1',
  Sqrt: 'sqrt',
  Recip: 'recip',
  Sin: 'sin',
  Cos: 'cos',
  Tanh: 'tanh',
  Abs: 'abs',
  Sign: 'sign',
  Floor: 'floor',
  Ceil: 'ceil',
  Erf: 'erf',
  Erfc: 'erfc',
  Erfinv: 'erfinv',
  Lgamma: 'lgamma',
  // ---- elementwise unary of an order ----
  Polygamma: 'polygamma',
  // ---- elementwise binary ----
  Add: 'add',
  Sub: 'sub',
  Mul: 'mul',
  Div: 'div',
  Pow: 'pow',
  Maximum: 'maximum',
  Minimum: 'minimum',
  Less: 'less',
  LessEqual: 'lessEqual',
  Equal: 'equal',
  NotEqual: 'notEqual',
  // ---- select and convert ----
  Where: 'where',
  Cast: 'cast',
  // ---- reductions ----
  Sum: 'sum',
  Max: 'max',
  Logsumexp: 'logsumexp',
  // ---- movement ----
  Reshape: 'reshape',
  Broadcast: 'broadcast',
  Transpose: 'transpose',
  Slice: 'slice',
  Pad: 'pad',
  Flip: 'flip',
  Concat: 'concat',
  Gather: 'gather',
  // ---- contraction and scan ----
  Matmul: 'matmul',
  Cumsum: 'cumsum',
  Logcumsumexp: 'logcumsumexp',
  Eigh: 'eigh',
  Argsort: 'argsort',
  LinearLogitStats: 'linearLogitStats',
  LinearLogitGrad: 'linearLogitGrad',
  // ---- sources and markers ----
  Iota: 'iota',
  StopGradient: 'stopGradient',
  CheckIndex: 'checkIndex',
} as const;

export type Prim = (typeof Prim)[keyof typeof Prim];

/** Every primitive, in declaration order. */
export const prims: readonly Prim[] = Object.values(Prim);

/** The highest order of polygamma (its derivative raises the order by one). */
export const MAX_POLYGAMMA_ORDER = 64;

/** A primitive without parameters. */
export type NoParams = Readonly<Record<string, never>>;

/** Parameters of reductions: the (normalised, sorted) axes reduced away. */
export interface AxesParams {
  readonly axes: readonly number[];
}

/** Parameters of the fused linear-logit primitives. */
export interface LinearLogitParams {
  /** c of the softcap z = c·tanh(u/c) applied to the logits u, or null for none. */
  readonly softcap: number | null;
  /** Whether a targets input y [N] follows b (the `pick` column reads z at y; without targets it is 0). */
  readonly targets: boolean;
  /**
   * Gradient filtering: the VJP skips the softmax terms below the f32 resolution (2⁻²⁴), as CCE
   * does; false (exact) by default. The forward values do not depend on it.
   */
  readonly filter: boolean;
}

/** The columns of linearLogitStats' output, per row n. */
export const LinearStat = {
  /** log Σ_v exp z_nv */
  Lse: 0,
  /** z_{n, y_n} */
  Pick: 1,
  /** Σ_v z_nv */
  Sum: 2,
  /** max_v z_nv */
  Max: 3,
  /** how many v attain the max (ties share its cotangent) */
  Ties: 4,
} as const;

/** The number of columns of linearLogitStats' output. */
export const LINEAR_STATS = 5;

/** The parameters each primitive carries. */
export interface PrimParamMap {
  neg: NoParams;
  exp: NoParams;
  log: NoParams;
  log1p: NoParams;
  expm1: NoParams;
  sqrt: NoParams;
  recip: NoParams;
  sin: NoParams;
  cos: NoParams;
  tanh: NoParams;
  abs: NoParams;
  sign: NoParams;
  floor: NoParams;
  ceil: NoParams;
  erf: NoParams;
  erfc: NoParams;
  erfinv: NoParams;
  lgamma: NoParams;
  /** ψ⁽ⁿ⁾, the n-th derivative of digamma (n = order, an integer in [0, MAX_POLYGAMMA_ORDER]). */
  polygamma: { readonly order: number };
  add: NoParams;
  sub: NoParams;
  mul: NoParams;
  div: NoParams;
  pow: NoParams;
  maximum: NoParams;
  minimum: NoParams;
  less: NoParams;
  lessEqual: NoParams;
  equal: NoParams;
  notEqual: NoParams;
  where: NoParams;
  cast: { readonly dtype: DType };
  sum: AxesParams;
  max: AxesParams;
  logsumexp: AxesParams;
  reshape: { readonly shape: Shape };
  broadcast: { readonly shape: Shape };
  transpose: { readonly perm: readonly number[] };
  slice: { readonly start: readonly number[]; readonly end: readonly number[] };
  pad: { readonly lo: readonly number[]; readonly hi: readonly number[] };
  flip: { readonly axes: readonly number[] };
  concat: { readonly axis: number };
  gather: { readonly axis: number };
  matmul: NoParams;
  cumsum: { readonly axis: number; readonly reverse: boolean };
  /** log Σ exp over the prefix (or the suffix when `reverse`) along `axis`. */
  logcumsumexp: { readonly axis: number; readonly reverse: boolean };
  /** The eigenvalues (ascending) or the eigenvectors (columns) of the symmetric part of [..., n, n]. */
  eigh: { readonly output: 'values' | 'vectors' };
  /**
   * The stable sorting permutation (i32) along `axis`: position j holds the index of the j-th
   * element in ascending (or `descending`) order; NaN sorts as the largest, −0 equals +0, and equal
   * elements keep their order.
   */
  argsort: { readonly axis: number; readonly descending: boolean };
  /**
   * Row statistics [N, 5] of the logits z = s(h·Wᵀ + b) (s: the softcap c·tanh(·/c), or none) from
   * h [N, D], W [V, D], b [V] (and targets y [N] when `targets`), without forming them: see
   * `LinearStat` for the columns.
   */
  linearLogitStats: LinearLogitParams;
  /**
   * The VJP of linearLogitStats: from its inputs, its output and the output's cotangent [N, 5], the
   * cotangents of h, W and b packed flat as [N·D | V·D | V].
   */
  linearLogitGrad: LinearLogitParams;
  iota: { readonly shape: Shape; readonly axis: number; readonly dtype: DType };
  stopGradient: NoParams;
  /**
   * The i32 indices themselves, each checked to lie in [0, bound) when computed: otherwise an
   * IndexError blaming argument `arg` of the public function `fn` (by default 'gather', 'indices').
   */
  checkIndex: { readonly bound: number; readonly fn?: string; readonly arg?: string };
}

/** A table with one entry per primitive: `tsc` rejects a missing one. */
export type PrimTable<F extends { [P in Prim]: unknown }> = { readonly [P in Prim]: F[P] };
