/** @file Pass: algebraic rewrites that never change a value (beyond the sign of a zero). */
import * as B from '../ir/build.js';
import { type Graph, rewriteGraph } from '../ir/graph.js';
import { type AnyOpNode, hostScalar, type Node, type OpNode } from '../ir/node.js';
import type { Prim } from '../ir/prim.js';
import {
  type BinaryPrim,
  type ElementwiseKind,
  isElementwisePrim,
  isOpOf,
  isReducePrim,
  primInfo,
  type UnaryPrim,
} from '../ir/primInfo.js';
import { shapeEq } from '../ir/shape.js';
import { polygamma } from '../kernel/special.js';
import { binaryFolds, castValue, roundTo, unaryFolds } from './fold.js';

/** The value of a scalar constant, possibly broadcast; undefined for anything else. */
export function scalarConstValue(n: Node): number | undefined {
  const literal = hostScalar(n);
  if (literal !== undefined) return literal;
  if (n.kind === 'op' && n.prim === 'broadcast') return scalarConstValue(n.inputs[0] as Node);
  return undefined;
}

const isConst = (n: Node | undefined, v: number): boolean => n !== undefined && scalarConstValue(n) === v;

/** A rewrite: the replacement for a node, or undefined when the rule does not apply. */
export type SimplifyRule = (n: AnyOpNode) => Node | undefined;

/** op(x, e) → x for the identity element e (and op(e, x) → x when op commutes). */
function dropIdentity(prim: Prim, identity: number, commutes: boolean): SimplifyRule {
  return (n) => {
    if (n.prim !== prim) return undefined;
    const [a, b] = n.inputs;
    if (isConst(b, identity)) return a;
    return commutes && isConst(a, identity) ? b : undefined;
  };
}

const isScalarConst = (n: Node | undefined): boolean => n !== undefined && hostScalar(n) !== undefined;

/** The broadcast source of a node (itself when it is not a broadcast). */
const unbroadcast = (n: Node): Node => (n.kind === 'op' && n.prim === 'broadcast' ? (n.inputs[0] as Node) : n);

/** `n` through value-preserving wrappers (stopGradient, broadcast, reshape). */
function unwrapped(n: Node): Node {
  let cur = n;
  while (cur.kind === 'op' && (cur.prim === 'stopGradient' || cur.prim === 'broadcast' || cur.prim === 'reshape'))
    cur = cur.inputs[0] as Node;
  return cur;
}

/**
 * Whether `n` is never −∞ by its form: a constant other than −∞, a value-preserving wrapper of one
 * such, or where(a = −∞, k, a) with k such (the guard the row max gets before it shifts a softmax).
 */
function neverNegInf(n: Node): boolean {
  const u = unwrapped(n);
  const value = scalarConstValue(u);
  if (value !== undefined) return value !== -Infinity;
  if (u.kind !== 'op' || u.prim !== 'where') return false;
  const [cond, k, a] = u.inputs as [Node, Node, Node];
  if (cond.kind !== 'op' || cond.prim !== 'equal' || !neverNegInf(k)) return false;
  const [l, r] = cond.inputs.map(unwrapped) as [Node, Node];
  const guarded = unwrapped(a);
  return (l === guarded && scalarConstValue(r) === -Infinity) || (r === guarded && scalarConstValue(l) === -Infinity);
}

/** The value of an elementwise op of scalar constants `v`, by kind (undefined: the op is kept). */
const foldByKind: { readonly [K in ElementwiseKind]: (n: AnyOpNode, v: readonly number[]) => number | undefined } = {
  unary: (n, v) => unaryFolds[n.prim as UnaryPrim](v[0] as number),
  /** ψ⁽ⁿ⁾(c) */
  ordered: (n, v) => polygamma((n as OpNode<'polygamma'>).params.order, v[0] as number),
  binary: (n, v) => binaryFolds[n.prim as BinaryPrim](v[0] as number, v[1] as number),
  compare: (n, v) => binaryFolds[n.prim as BinaryPrim](v[0] as number, v[1] as number),
  /** where(c, a, b) = a if c else b */
  select: (_n, v) => (v[0] !== 0 ? v[1] : v[2]),
  cast: (n, v) => castValue(v[0] as number, (n.inputs[0] as Node).type.dtype, n.type.dtype),
  /** stopGradient stays a marker */
  identity: () => undefined,
  /** index checks stay to run */
  check: () => undefined,
};

/**
 * The rewrites, by name (each has its own test, and test/extremeValues.test.ts checks each at
 * extreme values against the unsimplified graph). None may change a value, even in f32 at ±Inf,
 * NaN or the overflow threshold: log(exp x) → x is not one (exp 100 overflows f32, exp −200 underflows).
 */
export const simplifyRules = {
  /** op(c₁, …) → c for scalar constants (f64 arithmetic, rounded to the result dtype); index checks stay to run */
  constantFold: (n) => {
    if (!isElementwisePrim(n.prim) || n.type.shape.length !== 0 || !n.inputs.every(isScalarConst)) return undefined;
    const v = n.inputs.map((i) => hostScalar(i) as number);
    const dtype = n.type.dtype;
    let value = foldByKind[primInfo[n.prim].kind](n, v);
    if (value === undefined) return undefined;
    if (dtype === 'i32' && n.prim === 'mul') value = Math.imul(v[0] as number, v[1] as number);
    return B.scalar(roundTo(dtype, value), dtype);
  },
  /** x + 0 → x, 0 + x → x */
  addZero: dropIdentity('add', 0, true),
  /** x − 0 → x */
  subZero: dropIdentity('sub', 0, false),
  /** x · 1 → x, 1 · x → x */
  mulOne: dropIdentity('mul', 1, true),
  /** x / 1 → x */
  divOne: dropIdentity('div', 1, false),
  /** −(−x) → x */
  negNeg: (n) => {
    const x = n.inputs[0];
    return n.prim === 'neg' && x?.kind === 'op' && x.prim === 'neg' ? x.inputs[0] : undefined;
  },
  /** reshape(reshape(x, s1), s2) → reshape(x, s2); reshape(x, shape(x)) → x */
  reshapeReshape: (n) => {
    if (n.prim !== 'reshape') return undefined;
    const x = n.inputs[0] as Node;
    const inner = x.kind === 'op' && x.prim === 'reshape' ? (x.inputs[0] as Node) : x;
    const out = B.reshape(inner, n.params.shape);
    return out === n ? undefined : out;
  },
  /** transpose(transpose(x, p), q) → transpose(x, p∘q); the identity permutation → x */
  transposeTranspose: (n) => {
    if (n.prim !== 'transpose') return undefined;
    const x = n.inputs[0] as Node;
    if (x.kind === 'op' && x.prim === 'transpose') {
      const p = (x as OpNode<'transpose'>).params.perm;
      return B.transpose(
        x.inputs[0] as Node,
        n.params.perm.map((q) => p[q] as number),
      );
    }
    return n.params.perm.every((p, i) => p === i) ? x : undefined;
  },
  /** broadcast(broadcast(x, s1), s2) → broadcast(x, s2); broadcast to its own shape → x */
  broadcastBroadcast: (n) => {
    if (n.prim !== 'broadcast') return undefined;
    const x = n.inputs[0] as Node;
    const inner = x.kind === 'op' && x.prim === 'broadcast' ? (x.inputs[0] as Node) : x;
    const out = B.broadcast(inner, n.params.shape);
    return out === n ? undefined : out;
  },
  /** broadcast(reshape(x, [1, …, 1, ...shape(x)]), s) → broadcast(x, s): leading 1s are what broadcasting adds anyway */
  broadcastReshape: (n) => {
    if (n.prim !== 'broadcast') return undefined;
    const r = n.inputs[0] as Node;
    if (r.kind !== 'op' || r.prim !== 'reshape') return undefined;
    const x = r.inputs[0] as Node;
    const lead = r.type.shape.length - x.type.shape.length;
    const prependsOnes = lead >= 0 && r.type.shape.every((d, i) => (i < lead ? d === 1 : d === x.type.shape[i - lead]));
    return prependsOnes ? B.broadcast(x, n.params.shape) : undefined;
  },
  /** op(broadcast(a, s), broadcast(b, s), …) → broadcast(op(a, b, …), s) when a, b, … share a shape: compute once, then broadcast */
  elementwiseOfBroadcasts: (n) => {
    if (!isOpOf(n, isElementwisePrim) || n.prim === 'stopGradient') return undefined;
    if (!n.inputs.some((i) => i.kind === 'op' && i.prim === 'broadcast')) return undefined;
    const sources = n.inputs.map(unbroadcast);
    const shape = (sources[0] as Node).type.shape;
    if (!sources.every((s) => shapeEq(s.type.shape, shape)) || shapeEq(shape, n.type.shape)) return undefined;
    return B.broadcast(B.op(n.prim, n.params, sources), n.type.shape);
  },
  /** cast(x, dtype(x)) → x */
  castIdentity: (n) => (n.prim === 'cast' && n.params.dtype === n.inputs[0]?.type.dtype ? n.inputs[0] : undefined),
  /** a reduction over no axes, or over axes of size 1 only, is a reshape: Σ, max and logsumexp of one value are that value */
  reduceUnitAxes: (n) => {
    if (!isOpOf(n, isReducePrim)) return undefined;
    const x = n.inputs[0] as Node;
    return n.params.axes.every((a) => x.type.shape[a] === 1) ? B.reshape(x, n.type.shape) : undefined;
  },
  /**
   * matmul(a [..., m, 1], b [..., 1, n]) → a·b broadcast to [..., m, n]: a product over one term is an
   * outer product, which then fuses into its readers (a per-example weight gradient into its norm)
   */
  outerMatmul: (n) => {
    if (n.prim !== 'matmul') return undefined;
    const [a, b] = n.inputs as [Node, Node];
    if (a.type.shape.length < 2 || b.type.shape.length < 2 || a.type.shape[a.type.shape.length - 1] !== 1)
      return undefined;
    return B.mul(B.broadcast(a, n.type.shape), B.broadcast(b, n.type.shape));
  },
  /**
   * max(x − c) → max(x) − c over axes along which c is constant, for float x and c never −∞ by its
   * form (rounding is monotone, so the largest difference is the difference of the largest; at
   * c = +∞ or NaN both sides are −∞ or NaN alike; c = −∞ is excluded: x = −∞ would give NaN on the
   * left only). The max of a softmax's shifted logits is then its row max, not another pass.
   */
  maxOfShift: (n) => {
    if (n.prim !== 'max') return undefined;
    const d = n.inputs[0] as Node;
    if (d.kind !== 'op' || d.prim !== 'sub' || (d.type.dtype !== 'f32' && d.type.dtype !== 'f64')) return undefined;
    const [x, c] = d.inputs as [Node, Node];
    const source = unbroadcast(c);
    const axes = n.params.axes;
    const rank = x.type.shape.length;
    const constantAlong =
      source.type.shape.length === 0 ||
      (source.type.shape.length === rank && axes.every((a) => source.type.shape[a] === 1));
    if (!constantAlong || !neverNegInf(source)) return undefined;
    const reduced =
      source.type.shape.length === 0 ? B.broadcast(source, n.type.shape) : B.reshape(source, n.type.shape);
    return B.sub(B.op('max', { axes }, [x]), reduced);
  },
} as const satisfies Readonly<Record<string, SimplifyRule>>;

const ruleList: readonly SimplifyRule[] = Object.values(simplifyRules);

/** Applies the rules to one node until none fires. */
function rewrite(n: Node): Node {
  let cur = n;
  for (;;) {
    if (cur.kind !== 'op') return cur;
    const node = cur as AnyOpNode;
    let next: Node | undefined;
    for (const rule of ruleList) {
      next = rule(node);
      if (next !== undefined) break;
    }
    if (next === undefined) return cur;
    cur = next;
  }
}

/** Rewrites every node (inputs first), keeping the node order; unused nodes are left for `dce`. */
export function simplify(graph: Graph): Graph {
  return rewriteGraph(graph, (n, mapped) => rewrite(B.withInputs(n, n.inputs.map(mapped))));
}
