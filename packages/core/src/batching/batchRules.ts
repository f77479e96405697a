/**
 * @file Batching rules: for each primitive, the op over a batch of its inputs (batch axis 0) given
 * the op over one example. One exhaustive table, so `tsc` names a primitive without a rule.
 */
import * as B from '../ir/build.js';
import { fail, ValueError } from '../errors.js';
import { denseLinearLogitGrad, denseLinearLogitStats } from '../autodiff/linearLogitRules.js';
import { linearLogitSlots } from '../ir/linearLogitLayout.js';
import { type AnyOpNode, makeParamNode, type Node, type OpNode } from '../ir/node.js';
import { LINEAR_STATS, type Prim } from '../ir/prim.js';
import { sizeOf } from '../ir/shape.js';

/** A value under vmap: its node, and whether axis 0 of that node is the batch axis (else it is the same for every example). */
export interface BatchedValue {
  readonly node: Node;
  readonly batched: boolean;
}

/** The node of `v` with the batch axis (of `size`) in front: broadcast when the value is the same for every example. */
export const withBatchAxis = (v: BatchedValue, size: number): Node =>
  v.batched ? v.node : B.broadcast(v.node, [size, ...v.node.type.shape]);

/** Batches a whole graph: `roots` over `seeds` (the batched values of some of its nodes), as batchGraph.ts does. */
export type BatchGraph = (
  roots: readonly Node[],
  seeds: ReadonlyMap<Node, BatchedValue>,
  size: number,
) => BatchedValue[];

/**
 * The batched op of `n` (one example's op) over its inputs (at least one batched), the batch of
 * `size` in front; `graph` batches a subgraph (for a rule that batches an op's dense form).
 */
type BatchRule<P extends Prim> = (
  n: OpNode<P>,
  inputs: readonly BatchedValue[],
  size: number,
  graph: BatchGraph,
) => Node;

const shiftAxis = (a: number): number => a + 1;

/** The same op over every input with the batch axis in front (elementwise ops, whose inputs share one shape). */
const sameOp = <P extends Prim>(n: OpNode<P>, inputs: readonly BatchedValue[], size: number): Node =>
  B.op(
    n.prim,
    n.params,
    inputs.map((v) => withBatchAxis(v, size)),
  );

/** A reduction over the same axes of each example: the axes move one to the right. */
const reduction = <P extends 'sum' | 'max' | 'logsumexp'>(
  n: OpNode<P>,
  inputs: readonly BatchedValue[],
  size: number,
) => B.op(n.prim, { axes: n.params.axes.map(shiftAxis) }, [withBatchAxis(inputs[0] as BatchedValue, size)]);

/** `n` batched through its dense form (`dense` of the op over one example's parameters), each node of it by its own rule. */
function batchedDenseForm<P extends Prim>(
  n: OpNode<P>,
  inputs: readonly BatchedValue[],
  size: number,
  graph: BatchGraph,
  dense: (one: OpNode<P>) => Node,
): Node {
  const params = n.inputs.map((i, k) => makeParamNode(i.type, `x${k}`));
  const form = dense(B.withInputs(n, params) as OpNode<P>);
  const [batched] = graph([form], new Map(params.map((p, k) => [p as Node, inputs[k] as BatchedValue])), size);
  return withBatchAxis(batched as BatchedValue, size);
}

/** A primitive vmap never meets batched (a source has no inputs): a ValueError naming it if it ever does, never a silent wrong shape. */
const unbatchable =
  (why: string) =>
  (n: AnyOpNode): never =>
    fail(ValueError, 'vmap', 'f', `a function of primitives vmap batches`, `${n.prim} (${why})`);

export const batchRules: { readonly [P in Prim]: BatchRule<P> } = {
  // elementwise: each input with the batch in front, the op unchanged
  neg: sameOp,
  exp: sameOp,
  log: sameOp,
  log1p: sameOp,
  expm1: sameOp,
  sqrt: sameOp,
  recip: sameOp,
  sin: sameOp,
  cos: sameOp,
  tanh: sameOp,
  abs: sameOp,
  sign: sameOp,
  floor: sameOp,
  ceil: sameOp,
  erf: sameOp,
  erfc: sameOp,
  erfinv: sameOp,
  lgamma: sameOp,
  polygamma: sameOp,
  add: sameOp,
  sub: sameOp,
  mul: sameOp,
  div: sameOp,
  pow: sameOp,
  maximum: sameOp,
  minimum: sameOp,
  less: sameOp,
  lessEqual: sameOp,
  equal: sameOp,
  notEqual: sameOp,
  where: sameOp,
  cast: sameOp,
  stopGradient: sameOp,
  checkIndex: sameOp,
  sum: reduction,
  max: reduction,
  logsumexp: reduction,
  /** reshape to [S, ...shape] */
  reshape: (n, [x], size) => B.reshape(withBatchAxis(x as BatchedValue, size), [size, ...n.params.shape]),
  /** broadcast [S, ...in] to [S, ...shape]: ones first fill the ranks between (broadcasting aligns from the right) */
  broadcast: (n, [x], size) => {
    const v = withBatchAxis(x as BatchedValue, size);
    const inner = v.type.shape.slice(1);
    const ones = new Array<number>(n.params.shape.length - inner.length).fill(1);
    return B.broadcast(B.reshape(v, [size, ...ones, ...inner]), [size, ...n.params.shape]);
  },
  /** the batch axis stays first */
  transpose: (n, [x], size) =>
    B.transpose(withBatchAxis(x as BatchedValue, size), [0, ...n.params.perm.map(shiftAxis)]),
  /** all of the batch axis */
  slice: (n, [x], size) =>
    B.op('slice', { start: [0, ...n.params.start], end: [size, ...n.params.end] }, [
      withBatchAxis(x as BatchedValue, size),
    ]),
  /** no padding on the batch axis */
  pad: (n, [x], size) =>
    B.op('pad', { lo: [0, ...n.params.lo], hi: [0, ...n.params.hi] }, [withBatchAxis(x as BatchedValue, size)]),
  flip: (n, [x], size) =>
    B.op('flip', { axes: n.params.axes.map(shiftAxis) }, [withBatchAxis(x as BatchedValue, size)]),
  concat: (n, inputs, size) =>
    B.op(
      'concat',
      { axis: shiftAxis(n.params.axis) },
      inputs.map((v) => withBatchAxis(v, size)),
    ),
  /** take-along-axis per example: values and indices both batched, the axis one to the right */
  gather: (n, inputs, size) =>
    B.op(
      'gather',
      { axis: shiftAxis(n.params.axis) },
      inputs.map((v) => withBatchAxis(v, size)),
    ),
  /**
   * a shared matrix b [k, n]: the batch folds into the rows of a (one product of S·…·m rows, not S
   * small ones); otherwise the batch is one more leading batch dim of both operands (an unbatched
   * one read through a stride-0 view)
   */
  matmul: (n, inputs, size) => {
    const [a, b] = inputs as [BatchedValue, BatchedValue];
    if (!a.batched || b.batched || b.node.type.shape.length !== 2) return sameOp(n, inputs, size);
    const shape = a.node.type.shape;
    const rows = B.reshape(a.node, [sizeOf(shape.slice(0, -1)), shape[shape.length - 1] as number]);
    return B.reshape(B.op('matmul', {}, [rows, b.node]), [size, ...n.type.shape]);
  },
  cumsum: (n, [x], size) =>
    B.op('cumsum', { axis: shiftAxis(n.params.axis), reverse: n.params.reverse }, [
      withBatchAxis(x as BatchedValue, size),
    ]),
  logcumsumexp: (n, [x], size) =>
    B.op('logcumsumexp', { axis: shiftAxis(n.params.axis), reverse: n.params.reverse }, [
      withBatchAxis(x as BatchedValue, size),
    ]),
  /** eigh decomposes the last two axes; the batch is one more leading axis */
  eigh: sameOp,
  /** each example's lines along the axis, which moves one to the right */
  argsort: (n, [x], size) =>
    B.op('argsort', { axis: shiftAxis(n.params.axis), descending: n.params.descending }, [
      withBatchAxis(x as BatchedValue, size),
    ]),
  /** W and b shared: the batch folds into the rows, still one fused kernel; else the dense form over [S, N, V] logits */
  linearLogitStats: (n, inputs, size, graph) => {
    const slots = linearLogitSlots(n.params.targets, 'stats');
    if (inputs[slots.w]?.batched === true || inputs[slots.b]?.batched === true)
      return batchedDenseForm(n, inputs, size, graph, denseLinearLogitStats);
    const [rows, d] = n.inputs[slots.h]?.type.shape as [number, number];
    const folded = inputs.map((v, i) => {
      if (i === slots.w || i === slots.b) return v.node;
      const full = withBatchAxis(v, size);
      return B.reshape(full, [size * rows, ...(i === slots.h ? [d] : [])]);
    });
    return B.reshape(B.op('linearLogitStats', n.params, folded), [size, rows, LINEAR_STATS]);
  },
  /** each example's ∂W and ∂b are its own: the dense form over [S, N, V] logits */
  linearLogitGrad: (n, inputs, size, graph) => batchedDenseForm(n, inputs, size, graph, denseLinearLogitGrad),
  /** a source has no inputs, so it is never batched */
  iota: unbatchable('a source, never batched'),
};

/** The batched op of `n` (an op with at least one batched input). */
export function batchOp(n: AnyOpNode, inputs: readonly BatchedValue[], size: number, graph: BatchGraph): Node {
  return (batchRules[n.prim] as BatchRule<Prim>)(n, inputs, size, graph);
}
