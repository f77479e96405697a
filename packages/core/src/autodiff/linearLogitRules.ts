/**
 * @file VJP rules of the fused linear-logit prims. The stats' VJP is the fused gradient prim (no
 * [N, V] buffer); the gradient prim's own VJP (second order) differentiates its dense form, which
 * forms the logits: higher orders are exact but not memory-fused.
 */
import * as B from '../ir/build.js';
import type { Node, OpNode } from '../ir/node.js';
import { type LinearLogitParams, LinearStat } from '../ir/prim.js';
import { sizeOf } from '../ir/shape.js';
import { vjpNodes } from './vjp.js';

/** Column `c` of a [N, 5] stats-shaped node, as [N]. */
export function statColumn(stats: Node, c: number): Node {
  const n = stats.type.shape[0] as number;
  return B.reshape(B.op('slice', { start: [0, c], end: [n, c + 1] }, [stats]), [n]);
}

/** The operands of a linear-logit prim: h [N, D], W [V, D], b [V], y [N] or undefined, and the rest. */
function operands(node: Node, params: LinearLogitParams) {
  const [h, w, b] = node.inputs as [Node, Node, Node];
  const k = params.targets ? 4 : 3;
  const y = params.targets ? node.inputs[3] : undefined;
  const [n, d] = h.type.shape as [number, number];
  const v = w.type.shape[0] as number;
  return { h, w, b, y, rest: node.inputs.slice(k), n, d, v };
}

/** Unpacks [N·D | V·D | V] into the cotangents of h, W and b. */
function unpack(packed: Node, n: number, d: number, v: number): [Node, Node, Node] {
  const part = (from: number, to: number, shape: readonly number[]): Node =>
    B.reshape(B.op('slice', { start: [from], end: [to] }, [packed]), shape);
  return [part(0, n * d, [n, d]), part(n * d, n * d + v * d, [v, d]), part(n * d + v * d, n * d + v * d + v, [v])];
}

/** ∂/∂(h, W, b) of ⟨ct, stats⟩ = the fused gradient prim, unpacked (y gets none). */
export function linearLogitStatsVjp(ct: Node, node: OpNode<'linearLogitStats'>): (Node | null)[] {
  const { n, d, v } = operands(node, node.params);
  const packed = B.op('linearLogitGrad', node.params, [...node.inputs, node, ct]);
  return [...unpack(packed, n, d, v), ...(node.params.targets ? [null] : [])];
}

/** The column `c` of `stats` [N, 5] broadcast along the vocabulary: [N, V]. */
const perRow = (stats: Node, c: number, v: number): Node => {
  const n = stats.type.shape[0] as number;
  return B.broadcast(B.reshape(statColumn(stats, c), [n, 1]), [n, v]);
};

/**
 * The gradient prim written with ordinary ops over the [N, V] logits: with p = exp(z − lse),
 * dZ = (ct_lse·p + ct_pick·[v = y] + ct_sum + ct_max·[z = max]/ties)·s′(u), then dZ·W, dZᵀ·h, Σ_n dZ.
 */
export function denseLinearLogitGrad(node: OpNode<'linearLogitGrad'>): Node {
  const { softcap } = node.params;
  const { h, w, b, y, rest, n, v } = operands(node, node.params);
  const [stats, ct] = rest as [Node, Node];
  const dtype = h.type.dtype;
  const u = B.add(B.op('matmul', {}, [h, B.transposeLast2(w)]), B.broadcast(B.reshape(b, [1, v]), [n, v]));
  const cap = softcap === null ? undefined : B.full([n, v], softcap, dtype);
  const t = cap === undefined ? undefined : B.op('tanh', {}, [B.div(u, cap)]);
  const z = cap === undefined || t === undefined ? u : B.mul(cap, t);
  const p = B.exp(B.sub(z, perRow(stats, LinearStat.Lse, v)));
  const isMax = B.cast(B.equal(z, perRow(stats, LinearStat.Max, v)), dtype);
  let dz = B.add(
    B.add(B.mul(p, perRow(ct, LinearStat.Lse, v)), perRow(ct, LinearStat.Sum, v)),
    B.mul(isMax, B.div(perRow(ct, LinearStat.Max, v), perRow(stats, LinearStat.Ties, v))),
  );
  if (y !== undefined) {
    const hit = B.equal(
      B.broadcast(B.reshape(B.checkIndex(y, v), [n, 1]), [n, v]),
      B.op('iota', { shape: [n, v], axis: 1, dtype: 'i32' }, []),
    );
    dz = B.add(dz, B.where(hit, perRow(ct, LinearStat.Pick, v), B.full([n, v], 0, dtype)));
  }
  if (t !== undefined) dz = B.mul(dz, B.sub(B.full([n, v], 1, dtype), B.mul(t, t)));
  const dh = B.op('matmul', {}, [dz, w]);
  const dw = B.op('matmul', {}, [B.transposeLast2(dz), h]);
  const db = B.sum(dz, [0]);
  return B.op('concat', { axis: 0 }, [
    B.reshape(dh, [sizeOf(dh.type.shape)]),
    B.reshape(dw, [sizeOf(dw.type.shape)]),
    db,
  ]);
}

/** Second order: the VJP of the dense form with respect to every float input (repeated inputs counted once). */
export function linearLogitGradVjp(ct: Node, node: OpNode<'linearLogitGrad'>): (Node | null)[] {
  const dense = denseLinearLogitGrad(node);
  const floats = node.inputs.filter((i, k) => i.type.dtype !== 'i32' && node.inputs.indexOf(i) === k);
  const cts = vjpNodes([dense], floats, [ct]);
  return node.inputs.map((i, k) => (node.inputs.indexOf(i) !== k ? null : (cts[floats.indexOf(i)] ?? null)));
}
