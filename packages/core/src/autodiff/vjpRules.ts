/**
 * @file VJP rules: for each primitive, the input cotangents as IR built from the output cotangent.
 * Rules use the same builders as user code, so backward graphs are differentiable again.
 */
import { GradError } from '../errors.js';
import * as B from '../ir/build.js';
import type { Node, OpNode } from '../ir/node.js';
import { MAX_POLYGAMMA_ORDER, type Prim, type PrimTable } from '../ir/prim.js';
import { linearLogitGradVjp, linearLogitStatsVjp } from './linearLogitRules.js';

/** Reverse mode itself: the cotangents of `wrt` for `outputs` seeded with `cotangents` (null: zero). */
export type VjpWalk = (outputs: readonly Node[], wrt: readonly Node[], cotangents: readonly Node[]) => (Node | null)[];

/**
 * Input cotangents (null: zero, or not differentiable) given the output cotangent `ct`. A rule that
 * differentiates a composite form of its node runs reverse mode over it with `walk`.
 */
export type VjpRule<P extends Prim> = (ct: Node, node: OpNode<P>, walk: VjpWalk) => readonly (Node | null)[];

const input = (n: Node, i: number): Node => n.inputs[i] as Node;
const x0 = (n: Node): Node => input(n, 0);
const one = (like: Node): Node => B.fullLike(like, 1);

/**
 * The order of ψ⁽ⁿ⁾'s derivative, n + 1, refused past the highest order polygamma computes: the
 * user asked for more derivatives of `polygamma` (or digamma, lgamma) than it has.
 */
function polygammaDerivativeOrder(order: number): number {
  if (order < MAX_POLYGAMMA_ORDER) return order + 1;
  throw new GradError(
    'polygamma',
    `xent.polygamma: argument 'n' expected an order that stays in [0, ${MAX_POLYGAMMA_ORDER}] once differentiated ` +
      `(the derivative of polygamma(n) is polygamma(n + 1)), got a derivative of order ${order + 1}`,
  );
}

/** A bool identity pattern of `shape` [..., n, n]. */
const eye = (shape: readonly number[]): Node =>
  B.equal(
    B.op('iota', { shape, axis: shape.length - 2, dtype: 'i32' }, []),
    B.op('iota', { shape, axis: shape.length - 1, dtype: 'i32' }, []),
  );

/**
 * The argsort node along `axis` of an x of `shape` that `idx` is, or whose leading entries along
 * the axis it slices (as topK takes them): its entries are distinct, so its scatter is a gather.
 */
function sortingPermutation(idx: Node, axis: number, shape: readonly number[]): Node | undefined {
  const isPerm = (p: Node): boolean =>
    p.kind === 'op' &&
    p.prim === 'argsort' &&
    (p as OpNode<'argsort'>).params.axis === axis &&
    p.type.shape.every((d, i) => d === shape[i]);
  if (isPerm(idx)) return idx;
  if (idx.kind !== 'op' || idx.prim !== 'slice') return undefined;
  const { start, end } = (idx as OpNode<'slice'>).params;
  const under = idx.inputs[0] as Node;
  const prefix = start.every((s) => s === 0) && end.every((e, i) => i === axis || e === shape[i]);
  return prefix && isPerm(under) ? under : undefined;
}

/** c·e^{−x²} */
const gaussDensity = (x: Node, c: number): Node => B.scale(B.exp(B.neg(B.mul(x, x))), c);

/** For piecewise-constant and integer-valued outputs. */
const noGrad: VjpRule<Prim> = (_ct, node) => node.inputs.map(() => null);

/** Cotangent routed to an input in proportion to a mask (ties split evenly). */
function tieMask(a: Node, b: Node, win: (a: Node, b: Node) => Node): Node {
  const half = B.fullLike(a, 0.5);
  return B.where(win(a, b), one(a), B.where(B.equal(a, b), half, B.zerosLike(a)));
}

export const vjpRules: PrimTable<{ [P in Prim]: VjpRule<P> }> = {
  // ---- elementwise unary ----
  /** d(−x) = −1 */
  neg: (ct) => [B.neg(ct)],
  /** d eˣ = eˣ */
  exp: (ct, n) => [B.mul(ct, n)],
  /** d log x = 1/x */
  log: (ct, n) => [B.div(ct, x0(n))],
  /** d log(1+x) = 1/(1+x) */
  log1p: (ct, n) => [B.div(ct, B.add(one(n), x0(n)))],
  /** d (eˣ−1) = eˣ = y + 1 */
  expm1: (ct, n) => [B.mul(ct, B.add(n, one(n)))],
  /** d √x = 1/(2√x) */
  sqrt: (ct, n) => [B.div(B.scale(ct, 0.5), n)],
  /** d (1/x) = −1/x² = −y² */
  recip: (ct, n) => [B.neg(B.mul(ct, B.mul(n, n)))],
  /** d sin x = cos x */
  sin: (ct, n) => [B.mul(ct, B.cos(x0(n)))],
  /** d cos x = −sin x */
  cos: (ct, n) => [B.neg(B.mul(ct, B.sin(x0(n))))],
  /** d tanh x = 1 − tanh² x */
  tanh: (ct, n) => [B.mul(ct, B.sub(one(n), B.mul(n, n)))],
  /** d|x| = sign x (0 at 0) */
  abs: (ct, n) => [B.mul(ct, B.sign(x0(n)))],
  sign: noGrad,
  floor: noGrad,
  ceil: noGrad,
  /** d erf x = (2/√π) e^{−x²} */
  erf: (ct, n) => [B.mul(ct, gaussDensity(x0(n), 1.1283791670955126))],
  /** d erfc x = −(2/√π) e^{−x²} */
  erfc: (ct, n) => [B.mul(ct, gaussDensity(x0(n), -1.1283791670955126))],
  /** d erfinv x = (√π/2) e^{y²}, y = erfinv x */
  erfinv: (ct, n) => [B.mul(ct, B.scale(B.exp(B.mul(n, n)), 0.886226925452758))],
  /** d log|Γ(x)| = ψ(x) */
  lgamma: (ct, n) => [B.mul(ct, B.op('polygamma', { order: 0 }, [x0(n)]))],
  // ---- elementwise unary of an order ----
  /** d ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁺¹⁾(x) */
  polygamma: (ct, n) => [B.mul(ct, B.op('polygamma', { order: polygammaDerivativeOrder(n.params.order) }, [x0(n)]))],
  // ---- elementwise binary ----
  add: (ct) => [ct, ct],
  sub: (ct) => [ct, B.neg(ct)],
  /** d(ab) = b da + a db */
  mul: (ct, n) => [B.mul(ct, input(n, 1)), B.mul(ct, x0(n))],
  /** d(a/b) = da/b − (a/b) db/b */
  div: (ct, n) => {
    const g = B.div(ct, input(n, 1));
    return [g, B.neg(B.mul(g, n))];
  },
  /** d aᵇ = b·aᵇ⁻¹ da + aᵇ·log a db (log a taken as 0 where a = 0, so 0ᵇ has a finite b-gradient) */
  pow: (ct, n) => {
    const [a, b] = [x0(n), input(n, 1)];
    const da = B.mul(ct, B.mul(b, B.pow(a, B.sub(b, one(b)))));
    const isZero = B.equal(a, B.zerosLike(a));
    const safeLog = B.where(isZero, B.zerosLike(a), B.log(B.where(isZero, one(a), a)));
    return [da, B.mul(ct, B.mul(n, safeLog))];
  },
  /** routes to the larger input; ties split ½ / ½ */
  maximum: (ct, n) => {
    const [a, b] = [x0(n), input(n, 1)];
    return [
      B.mul(
        ct,
        tieMask(a, b, (p, q) => B.less(q, p)),
      ),
      B.mul(
        ct,
        tieMask(b, a, (p, q) => B.less(q, p)),
      ),
    ];
  },
  /** routes to the smaller input; ties split ½ / ½ */
  minimum: (ct, n) => {
    const [a, b] = [x0(n), input(n, 1)];
    return [B.mul(ct, tieMask(a, b, B.less)), B.mul(ct, tieMask(b, a, B.less))];
  },
  less: noGrad,
  lessEqual: noGrad,
  equal: noGrad,
  notEqual: noGrad,
  // ---- select and convert ----
  /** the chosen branch gets the cotangent, the other gets 0 */
  where: (ct, n) => {
    const c = x0(n);
    const zero = B.zerosLike(ct);
    return [null, B.where(c, ct, zero), B.where(c, zero, ct)];
  },
  /** float → float casts carry the cotangent back; casts from or to integers do not */
  cast: (ct, n) => {
    const from = x0(n).type.dtype;
    const floats = (from === 'f32' || from === 'f64') && (n.params.dtype === 'f32' || n.params.dtype === 'f64');
    return [floats ? B.cast(ct, from) : null];
  },
  // ---- reductions ----
  /** each summed element gets the cotangent of its sum */
  sum: (ct, n) => [B.expandReduced(ct, n.params.axes, x0(n).type.shape)],
  /** the cotangent goes to the maximal elements, split evenly among ties */
  max: (ct, n) => {
    const x = x0(n);
    const { axes } = n.params;
    const shape = x.type.shape;
    const isMax = B.cast(B.equal(x, B.expandReduced(n, axes, shape)), x.type.dtype);
    const count = B.sum(isMax, axes);
    return [B.mul(isMax, B.expandReduced(B.div(ct, count), axes, shape))];
  },
  /** d LSE = softmax(x); rows that are all −Inf get a zero gradient */
  logsumexp: (ct, n) => {
    const x = x0(n);
    const { axes } = n.params;
    const isEmpty = B.equal(n, B.fullLike(n, -Infinity));
    const shift = B.where(isEmpty, B.zerosLike(n), n);
    const p = B.exp(B.sub(x, B.expandReduced(shift, axes, x.type.shape)));
    return [B.mul(p, B.expandReduced(ct, axes, x.type.shape))];
  },
  // ---- movement ----
  reshape: (ct, n) => [B.reshape(ct, x0(n).type.shape)],
  /** Σ over the broadcast axes */
  broadcast: (ct, n) => [B.sumTo(ct, x0(n).type.shape)],
  transpose: (ct, n) => [B.transpose(ct, B.inversePermutation(n.params.perm))],
  /** zero-pad back to the input shape */
  slice: (ct, n) => {
    const shape = x0(n).type.shape;
    return [B.op('pad', { lo: n.params.start, hi: shape.map((d, i) => d - (n.params.end[i] as number)) }, [ct])];
  },
  /** cut the padding off */
  pad: (ct, n) => {
    const shape = x0(n).type.shape;
    return [B.op('slice', { start: n.params.lo, end: shape.map((d, i) => d + (n.params.lo[i] as number)) }, [ct])];
  },
  flip: (ct, n) => [B.op('flip', { axes: n.params.axes }, [ct])],
  /** each input gets its slice of the cotangent */
  concat: (ct, n) => {
    const { axis } = n.params;
    let offset = 0;
    return n.inputs.map((x) => {
      const len = x.type.shape[axis] as number;
      const start = ct.type.shape.map((_, i) => (i === axis ? offset : 0));
      const end = ct.type.shape.map((d, i) => (i === axis ? offset + len : d));
      offset += len;
      return B.op('slice', { start, end }, [ct]);
    });
  },
  /**
   * scatter-add as a one-hot contraction: dx[.., k, ..] = Σ_j ct[.., j, ..]·[idx[.., j, ..] = k];
   * through a sorting permutation (or its first m entries) it is a gather by the inverse permutation
   */
  gather: (ct, n) => {
    const x = x0(n);
    const { axis } = n.params;
    const k = x.type.shape[axis] as number;
    const perm = sortingPermutation(input(n, 1), axis, x.type.shape);
    if (perm !== undefined) {
      // dx[i] = ct[inv[i]], ct padded with zeros to k entries; inv = argsort(perm) inverts it
      const m = ct.type.shape[axis] as number;
      const hi = ct.type.shape.map((_, i) => (i === axis ? k - m : 0));
      const padded = m === k ? ct : B.op('pad', { lo: hi.map(() => 0), hi }, [ct]);
      return [B.op('gather', { axis }, [padded, B.op('argsort', { axis, descending: false }, [perm])]), null];
    }
    // checked here as in the forward gather, which may be dead code in the gradient's program
    const idx = B.checkIndex(input(n, 1), k);
    const spread = [...idx.type.shape.slice(0, axis + 1), k, ...idx.type.shape.slice(axis + 1)];
    const lift = (t: Node): Node =>
      B.broadcast(B.reshape(t, [...t.type.shape.slice(0, axis + 1), 1, ...t.type.shape.slice(axis + 1)]), spread);
    const hit = B.equal(lift(idx), B.op('iota', { shape: spread, axis: axis + 1, dtype: 'i32' }, []));
    const contrib = B.where(hit, lift(ct), B.full(spread, 0, ct.type.dtype));
    return [B.reshape(B.sum(contrib, [axis]), x.type.shape), null];
  },
  // ---- contraction and scan ----
  /** d(AB) = dA·Bᵀ + Aᵀ·dB */
  matmul: (ct, n) => {
    const [a, b] = [x0(n), input(n, 1)];
    return [B.op('matmul', {}, [ct, B.transposeLast2(b)]), B.op('matmul', {}, [B.transposeLast2(a), ct])];
  },
  /** the adjoint of a prefix sum is the suffix sum */
  cumsum: (ct, n) => [B.op('cumsum', { axis: n.params.axis, reverse: !n.params.reverse }, [ct])],
  /**
   * x̄_j = Σ_{i on j's side} ḡ_i e^{x_j − y_i}, written linearly in ḡ (jvp transposes this rule) with every
   * term in the log domain, as PyTorch's split by sign: with a constant K ≥ 0 such that ḡ + K > 0
   * (0 where ḡ > 0, (1 + 2⁻⁸)|ḡ| where ḡ < 0, c > 0 where ḡ = 0), x̄ = e^{x + lcse⃖(log(ḡ + K) − y)} −
   * e^{x + lcse⃖(log K − y)}; prefixes that are all −Inf shift by 0
   */
  logcumsumexp: (ct, n) => {
    const x = x0(n);
    const back = { axis: n.params.axis, reverse: !n.params.reverse };
    const negInf = B.fullLike(n, -Infinity);
    const shift = B.where(B.equal(n, negInf), B.zerosLike(n), n);
    const zeros = B.zerosLike(ct);
    const size = B.op('abs', {}, [ct]);
    const axes = ct.type.shape.map((_, i) => i);
    // c: the smallest nonzero |ḡ| (1 when all are 0): zero entries add c·e^{x−y} to both sums, below every other term
    const nonzero = B.op('notEqual', {}, [B.equal(ct, zeros), B.equal(ct, ct)]);
    const negMin = B.op('max', { axes }, [B.where(nonzero, B.neg(size), negInf)]);
    const c = B.where(B.equal(negMin, B.fullLike(negMin, -Infinity)), B.fullLike(negMin, 1), B.neg(negMin));
    const lift = B.where(B.less(ct, zeros), B.scale(size, 1 + 2 ** -8), B.broadcast(c, ct.type.shape));
    const k = B.op('stopGradient', {}, [B.where(B.less(zeros, ct), zeros, lift)]);
    const part = (g: Node): Node => B.exp(B.add(x, B.op('logcumsumexp', back, [B.sub(B.log(g), shift)])));
    return [B.sub(part(B.add(ct, k)), part(k))];
  },
  /** Spectral rules of A = V·diag(λ)·Vᵀ on the symmetric part: λ̄ ↦ V·diag(λ̄)·Vᵀ; V̄ ↦ sym(V·(F∘VᵀV̄)·Vᵀ), F_ij = 1/(λ_j − λ_i). */
  eigh: (ct, n) => {
    const a = x0(n);
    const v = B.op('eigh', { output: 'vectors' }, [a]);
    const vt = B.transposeLast2(v);
    const shape = v.type.shape;
    const rank = shape.length;
    let inner: Node;
    if (n.params.output === 'values') {
      // diag(λ̄) as λ̄ broadcast along rows, masked to the diagonal.
      inner = B.where(eye(shape), B.broadcast(B.reshape(ct, [...shape.slice(0, -1), 1]), shape), B.zerosLike(v));
    } else {
      const lambda = B.op('eigh', { output: 'values' }, [a]);
      const li = B.broadcast(B.reshape(lambda, [...shape.slice(0, -1), 1]), shape);
      const lj = B.broadcast(B.reshape(lambda, [...shape.slice(0, -2), 1, shape[rank - 1] as number]), shape);
      const gap = B.sub(lj, li);
      // Equal eigenvalues (the diagonal among them) contribute nothing: the eigenvectors of a
      // repeated eigenvalue are only defined up to a rotation inside its eigenspace.
      const tie = B.equal(gap, B.zerosLike(gap));
      const f = B.where(tie, B.zerosLike(gap), B.recip(B.where(tie, B.fullLike(gap, 1), gap)));
      inner = B.mul(f, B.op('matmul', {}, [vt, ct]));
    }
    const full = B.op('matmul', {}, [B.op('matmul', {}, [v, inner]), vt]);
    return [B.scale(B.add(full, B.transposeLast2(full)), 0.5)];
  },
  /** a permutation is piecewise constant: sorted values get their gradient through the gather that reads them */
  argsort: noGrad,
  /** ∂(h, W, b) through the recomputed logits, by the fused gradient prim */
  linearLogitStats: linearLogitStatsVjp,
  /** second order through the dense form of the gradient */
  linearLogitGrad: linearLogitGradVjp,
  // ---- sources and markers ----
  iota: () => [],
  stopGradient: noGrad,
  /** indices carry no gradient */
  checkIndex: noGrad,
};
