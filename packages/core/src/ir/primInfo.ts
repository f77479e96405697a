/**
 * @file What each primitive is (kind, arity, inline cost): one exhaustive table, from which the
 * classifications the passes use (unary, binary, elementwise, view, reduction, own kernel, inlined
 * by lowering) are derived as types and predicates.
 */
import type { Node, OpNode } from './node.js';
import type { Prim, PrimTable } from './prim.js';

/** What a primitive does to the elements of its inputs. */
export type PrimKind =
  | 'unary' // elementwise maths of one input
  | 'ordered' // elementwise maths of one input at a static integer order (polygamma)
  | 'binary' // elementwise arithmetic of two inputs of one shape and dtype
  | 'compare' // elementwise comparison of two inputs, a bool
  | 'select' // where(cond, a, b)
  | 'cast' // a conversion of dtype
  | 'identity' // the input unchanged (a marker for autodiff)
  | 'check' // the input, checked when computed
  | 'reduce' // a reduction over axes
  | 'view' // one input element at affine coordinates
  | 'movement' // an input element or a zero, by selects over clamped addresses
  | 'gather' // an element at an index read from another input
  | 'source' // computed from its coordinates alone
  | 'contraction' // products summed over a shared axis
  | 'scan' // a running sum (or log-sum-exp) along an axis
  | 'routine'; // a computation of its own (a decomposition, the fused linear logits)

/**
 * How `fuse` and `lower` place a kind: a scalar expression inside any kernel (`inline`), index
 * arithmetic on its input (`view`), the one reduction loop of a map kernel (`reduction`), or a
 * kernel of its own (`ownKernel`).
 */
export type Lowering = 'inline' | 'view' | 'reduction' | 'ownKernel';

export interface KindInfo {
  /** The output element depends only on the same element of each input. */
  readonly elementwise: boolean;
  readonly lowering: Lowering;
  /** Reads indices checked when computed (a kernel holding one reports through a status word). */
  readonly checksIndices: boolean;
}

const kind = <E extends boolean, L extends Lowering, C extends boolean>(
  elementwise: E,
  lowering: L,
  checksIndices: C,
) => ({ elementwise, lowering, checksIndices }) as const;

export const primKinds = {
  unary: kind(true, 'inline', false),
  ordered: kind(true, 'inline', false),
  binary: kind(true, 'inline', false),
  compare: kind(true, 'inline', false),
  select: kind(true, 'inline', false),
  cast: kind(true, 'inline', false),
  identity: kind(true, 'inline', false),
  check: kind(true, 'inline', true),
  reduce: kind(false, 'reduction', false),
  view: kind(false, 'view', false),
  movement: kind(false, 'inline', false),
  gather: kind(false, 'inline', true),
  source: kind(false, 'inline', false),
  contraction: kind(false, 'ownKernel', false),
  scan: kind(false, 'ownKernel', false),
  routine: kind(false, 'ownKernel', false),
} as const satisfies { readonly [K in PrimKind]: KindInfo };

export interface PrimInfo {
  readonly kind: PrimKind;
  /** How many inputs it takes, or 'varies' (set by its params: concat's list, the linear-logit targets). */
  readonly arity: number | 'varies';
  /**
   * The weight of recomputing one element inline (fuse recomputes cheap intermediates in each
   * kernel that reads them, and computes expensive ones once): 8 for a transcendental, 1 for other
   * arithmetic, 0 for movement and for what is never recomputed inline (reductions, own kernels).
   */
  readonly cost: 0 | 1 | 8;
}

const info = <K extends PrimKind, A extends number | 'varies', C extends PrimInfo['cost']>(k: K, arity: A, cost: C) =>
  ({ kind: k, arity, cost }) as const;
const unary = <C extends 1 | 8>(cost: C) => info('unary', 1, cost);
const binary = <C extends 1 | 8>(cost: C) => info('binary', 2, cost);
const compare = info('compare', 2, 1);
const reduce = info('reduce', 1, 0);
const view = info('view', 1, 0);

export const primInfo = {
  neg: unary(1),
  exp: unary(8),
  log: unary(8),
  log1p: unary(8),
  expm1: unary(8),
  sqrt: unary(8),
  recip: unary(1),
  sin: unary(8),
  cos: unary(8),
  tanh: unary(8),
  abs: unary(1),
  sign: unary(1),
  floor: unary(1),
  ceil: unary(1),
  erf: unary(8),
  erfc: unary(8),
  erfinv: unary(8),
  lgamma: unary(8),
  polygamma: info('ordered', 1, 8),
  add: binary(1),
  sub: binary(1),
  mul: binary(1),
  div: binary(1),
  pow: binary(8),
  maximum: binary(1),
  minimum: binary(1),
  less: compare,
  lessEqual: compare,
  equal: compare,
  notEqual: compare,
  where: info('select', 3, 1),
  cast: info('cast', 1, 1),
  sum: reduce,
  max: reduce,
  logsumexp: reduce,
  reshape: view,
  broadcast: view,
  transpose: view,
  slice: view,
  pad: info('movement', 1, 0),
  flip: view,
  concat: info('movement', 'varies', 0),
  gather: info('gather', 2, 0),
  matmul: info('contraction', 2, 0),
  cumsum: info('scan', 1, 0),
  logcumsumexp: info('scan', 1, 0),
  eigh: info('routine', 1, 0),
  argsort: info('routine', 1, 0),
  linearLogitStats: info('routine', 'varies', 0),
  linearLogitGrad: info('routine', 'varies', 0),
  iota: info('source', 0, 0),
  stopGradient: info('identity', 1, 1),
  checkIndex: info('check', 1, 1),
} as const satisfies PrimTable<{ [P in Prim]: PrimInfo }>;

/** The kind of primitive P. */
export type KindOf<P extends Prim> = (typeof primInfo)[P]['kind'];
/** The primitives of the kinds K. */
export type PrimOfKind<K extends PrimKind> = { [P in Prim]: KindOf<P> extends K ? P : never }[Prim];
/** The kinds whose `KindInfo` field F is V. */
export type KindsWith<F extends keyof KindInfo, V> = {
  [K in PrimKind]: (typeof primKinds)[K][F] extends V ? K : never;
}[PrimKind];

/** Elementwise primitives of one input (besides cast, stopGradient and checkIndex). */
export type UnaryPrim = PrimOfKind<'unary'>;
/** Elementwise primitives of two inputs of one shape and dtype (arithmetic and comparisons). */
export type BinaryPrim = PrimOfKind<'binary' | 'compare'>;
export type ElementwiseKind = KindsWith<'elementwise', true>;
export type ElementwisePrim = PrimOfKind<ElementwiseKind>;
/** Primitives `lower` computes inside a kernel with a lowering rule of their own. */
export type InlinePrim = PrimOfKind<KindsWith<'lowering', 'inline'>>;
/** Primitives whose output element is one input element at affine-mappable coordinates. */
export type ViewPrim = PrimOfKind<KindsWith<'lowering', 'view'>>;
/** The reductions a map kernel evaluates in its reduction loop. */
export type ReducePrim = PrimOfKind<KindsWith<'lowering', 'reduction'>>;
/** Primitives that get a kernel of their own. */
export type OwnKernelPrim = PrimOfKind<KindsWith<'lowering', 'ownKernel'>>;

const kindInfo = (p: Prim): KindInfo => primKinds[primInfo[p].kind];

export const isUnaryPrim = (p: Prim): p is UnaryPrim => primInfo[p].kind === 'unary';
export const isBinaryPrim = (p: Prim): p is BinaryPrim =>
  primInfo[p].kind === 'binary' || primInfo[p].kind === 'compare';
/** Elementwise primitives: the output element depends only on the same element of each input. */
export const isElementwisePrim = (p: Prim): p is ElementwisePrim => kindInfo(p).elementwise;
export const isInlinePrim = (p: Prim): p is InlinePrim => kindInfo(p).lowering === 'inline';
export const isViewPrim = (p: Prim): p is ViewPrim => kindInfo(p).lowering === 'view';
export const isReducePrim = (p: Prim): p is ReducePrim => kindInfo(p).lowering === 'reduction';
export const isOwnKernelPrim = (p: Prim): p is OwnKernelPrim => kindInfo(p).lowering === 'ownKernel';
/** Whether computing the primitive checks indices it reads. */
export const checksIndices = (p: Prim): boolean => kindInfo(p).checksIndices;

/** The op nodes of the primitives P, each with its own params. */
export type OpNodeOf<P extends Prim> = { [Q in P]: OpNode<Q> }[P];
/** Whether `n` is an op node of a primitive `is` accepts (narrowing its prim and params together). */
export const isOpOf = <P extends Prim>(n: Node, is: (p: Prim) => p is P): n is OpNodeOf<P> =>
  n.kind === 'op' && is(n.prim);
