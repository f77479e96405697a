/**
 * @file VJP rules of the fused linear-logit prims. The stats' VJP is the fused gradient prim (no
 * [N, V] buffer); the gradient prim's own VJP (second order) differentiates its dense form — the
 * kernel epilogue's dZ lifted to [N, V] tensors — which forms the logits: higher orders are exact
 * but not memory-fused.
 */
import * as B from '../ir/build.js';
import { type LinearLogitSlots, linearLogitSlots, packedGradient } from '../ir/linearLogitLayout.js';
import type { Node, OpNode } from '../ir/node.js';
import { LinearStat } from '../ir/prim.js';
import { sizeOf } from '../ir/shape.js';
import { linearLogitEpilogue, LogitLeaf, type LogitLeafSlot } from '../kernel/linearLogitEpilogue.js';
import { liftScalar } from '../kernel/liftScalar.js';
import type { ScalarExpr } from '../kernel/scalar.js';

/** Column `c` of a [N, 5] stats-shaped node, as [N]. */
export function statColumn(stats: Node, c: number): Node {
  const n = stats.type.shape[0] as number;
  return B.reshape(B.op('slice', { start: [0, c], end: [n, c + 1] }, [stats]), [n]);
}

/** The input of `node` at `slot`, and N, D and V from h [N, D] and W [V, D]. */
function operands(node: Node, slots: LinearLogitSlots) {
  const input = (slot: number | undefined): Node => node.inputs[slot as number] as Node;
  const [n, d] = input(slots.h).type.shape as [number, number];
  return { input, n, d, v: input(slots.w).type.shape[0] as number };
}

/** ∂/∂(h, W, b) of ⟨ct, stats⟩ = the fused gradient prim (its inputs: the stats', then the stats and ct), unpacked; y gets none. */
export function linearLogitStatsVjp(ct: Node, node: OpNode<'linearLogitStats'>): (Node | null)[] {
  const slots = linearLogitSlots(node.params.targets, 'stats');
  const { n, d, v } = operands(node, slots);
  const packed = B.op('linearLogitGrad', node.params, [...node.inputs, node, ct]);
  const layout = packedGradient(n, d, v);
  const part = ({ offset, size }: { offset: number; size: number }, shape: readonly number[]): Node =>
    B.reshape(B.op('slice', { start: [offset], end: [offset + size] }, [packed]), shape);
  return [
    part(layout.h, [n, d]),
    part(layout.w, [v, d]),
    part(layout.b, [v]),
    ...(slots.y === undefined ? [] : [null]),
  ];
}

/** The [N, V] leaves a dense form lifts an epilogue over: the logits u = h·Wᵀ + b, their columns, targets, and per-row stats and cotangent. */
function denseLeaves(node: Node, slots: LinearLogitSlots) {
  const { input, n, v } = operands(node, slots);
  const [h, w, b] = [input(slots.h), input(slots.w), input(slots.b)];
  const shape = [n, v];
  const perRow = (x: Node, c: number): Node => B.broadcast(B.reshape(statColumn(x, c), [n, 1]), shape);
  const u = B.add(B.op('matmul', {}, [h, B.transposeLast2(w)]), B.broadcast(B.reshape(b, [1, v]), shape));
  const leaves: { readonly [S in LogitLeafSlot]: (address: number) => Node } = {
    [LogitLeaf.Logit]: () => u,
    [LogitLeaf.Column]: () => B.op('iota', { shape, axis: 1, dtype: 'i32' }, []),
    [LogitLeaf.Target]: () => B.broadcast(B.reshape(B.checkIndex(input(slots.y), v), [n, 1]), shape),
    [LogitLeaf.Stats]: (c) => perRow(input(slots.stats), c),
    [LogitLeaf.Cotangent]: (c) => perRow(input(slots.cotangent), c),
  };
  /** Epilogue expressions as [N, V] nodes. */
  const lift = (exprs: readonly ScalarExpr[]): Node[] =>
    liftScalar(exprs, shape, (load) => leaves[load.imm as LogitLeafSlot]((load.args[0] as ScalarExpr).imm));
  return { h, w, lift };
}

/** The stats prim with ordinary ops: the epilogue's logits z and picks over [N, V], reduced per row into the `LinearStat` columns. */
export function denseLinearLogitStats(node: OpNode<'linearLogitStats'>): Node {
  const { h, lift } = denseLeaves(node, linearLogitSlots(node.params.targets, 'stats'));
  const { logit, pick } = linearLogitEpilogue(node.params, h.type.dtype);
  const [z, picked] = lift([logit, pick]) as [Node, Node];
  const max = B.op('max', { axes: [1] }, [z]);
  const [n, v] = z.type.shape as [number, number];
  const ties = B.sum(B.cast(B.equal(z, B.broadcast(B.reshape(max, [n, 1]), [n, v])), z.type.dtype), [1]);
  const columns: { readonly [C in keyof typeof LinearStat]: Node } = {
    Lse: B.op('logsumexp', { axes: [1] }, [z]),
    Pick: B.sum(picked, [1]),
    Sum: B.sum(z, [1]),
    Max: max,
    Ties: ties,
  };
  const ordered = (Object.keys(LinearStat) as (keyof typeof LinearStat)[]).sort(
    (a, b) => LinearStat[a] - LinearStat[b],
  );
  return B.op(
    'concat',
    { axis: 1 },
    ordered.map((c) => B.reshape(columns[c], [n, 1])),
  );
}

/** The gradient prim with ordinary ops: the epilogue's dZ over the [N, V] logits, then dZ·W, dZᵀ·h, Σ_n dZ, packed. */
export function denseLinearLogitGrad(node: OpNode<'linearLogitGrad'>): Node {
  const { h, w, lift } = denseLeaves(node, linearLogitSlots(node.params.targets, 'grad'));
  const { cotangent } = linearLogitEpilogue(node.params, h.type.dtype);
  const [dz] = lift([cotangent]) as [Node];
  const dh = B.op('matmul', {}, [dz, w]);
  const dw = B.op('matmul', {}, [B.transposeLast2(dz), h]);
  const db = B.sum(dz, [0]);
  return B.op('concat', { axis: 0 }, [
    B.reshape(dh, [sizeOf(dh.type.shape)]),
    B.reshape(dw, [sizeOf(dw.type.shape)]),
    db,
  ]);
}

/**
 * Second order: the VJP of the dense form with respect to every float input (repeated inputs
 * counted once), by `walk`, reverse mode itself (passed in: this module is one of its rules).
 */
export function linearLogitGradVjp(
  ct: Node,
  node: OpNode<'linearLogitGrad'>,
  walk: (outputs: readonly Node[], wrt: readonly Node[], cotangents: readonly Node[]) => (Node | null)[],
): (Node | null)[] {
  const dense = denseLinearLogitGrad(node);
  const floats = node.inputs.filter((i, k) => i.type.dtype !== 'i32' && node.inputs.indexOf(i) === k);
  const cts = walk([dense], floats, [ct]);
  return node.inputs.map((i, k) => (node.inputs.indexOf(i) !== k ? null : (cts[floats.indexOf(i)] ?? null)));
}
