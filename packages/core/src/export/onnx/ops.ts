/**
 * @file Every IR primitive as ONNX nodes (an exhaustive table: tsc names a primitive without an entry). Direct
 * operators where ONNX's match the IR's semantics; subgraphs where ONNX lacks one or gets it wrong; an error
 * naming the primitive where ONNX cannot express it.
 */
import { fail, ValueError } from '../../errors.js';
import type { DType, FloatDType } from '../../ir/dtype.js';
import type { Node, OpNode } from '../../ir/node.js';
import type { Prim, PrimTable } from '../../ir/prim.js';
import { argsort } from './argsort.js';
import type { Attributes, OnnxGraphBuilder } from './builder.js';
import { checkedIndex, expm1, log1p, logsumexpKeepingAxes, maxWithNaN, reduce } from './decompositions.js';
import { lgamma, polygamma } from './gamma.js';
import { linearLogitGrad, linearLogitStats } from './linearLogits.js';
import { onnxElementType } from './model.js';
import { erf, erfc, erfinv } from './special.js';

/** What an entry sees: the builder, the node, its inputs' value names and the public function (for errors). */
export interface EmitContext<P extends Prim> {
  readonly b: OnnxGraphBuilder;
  readonly node: OpNode<P>;
  readonly inputs: readonly string[];
  readonly fn: string;
}

/** Writes a node's ONNX nodes and returns the name of its value. */
export type Emit<P extends Prim> = (c: EmitContext<P>) => string;

const dtypeOf = (n: Node | undefined): DType => (n as Node).type.dtype;
const floatOf = (c: EmitContext<Prim>): FloatDType => c.node.type.dtype as FloatDType;

/** One ONNX operator applied to the node's inputs. */
const direct =
  (opType: string, attributes: Attributes = {}): Emit<Prim> =>
  ({ b, inputs }) =>
    b.op(opType, inputs, attributes);

/** A primitive ONNX cannot express: exporting a function that uses it is an error naming it. */
const inexpressible =
  (why: string): Emit<Prim> =>
  ({ node, fn }) =>
    fail(ValueError, fn, 'f', 'a function of primitives ONNX can express', `the primitive '${node.prim}' (${why})`);

/** An elementwise max/min that is NaN when either operand is (ONNX's Max and Min need not propagate NaN). */
const extremum =
  (opType: 'Max' | 'Min'): Emit<Prim> =>
  ({ b, node, inputs }) => {
    const [x, y] = inputs as [string, string];
    const m = b.op(opType, [x, y]);
    const dtype = node.type.dtype;
    if (dtype !== 'f32' && dtype !== 'f64') return m;
    const eitherNaN = b.op('Or', [b.op('IsNaN', [x]), b.op('IsNaN', [y])]);
    return b.op('Where', [eitherNaN, b.scalar(dtype, NaN), m]);
  };

/** A reduction over `axes` (none reduced: the value itself). */
const reduction =
  (write: (c: EmitContext<'sum' | 'max' | 'logsumexp'>) => string): Emit<'sum' | 'max' | 'logsumexp'> =>
  (c) =>
    c.node.params.axes.length === 0 ? c.b.op('Identity', [c.inputs[0] as string]) : write(c);

/** A float cast to i32 as the IR defines it: truncated toward zero, saturated at the i32 range, NaN to 0. */
function floatToI32(b: OnnxGraphBuilder, x: string, from: FloatDType): string {
  // the largest value below 2³¹ in the source type, so that the clipped value converts exactly
  const below = from === 'f32' ? 2147483520 : 2147483647;
  const clipped = b.op('Clip', [x, b.scalar(from, -2147483648), b.scalar(from, below)]);
  const converted = b.op('Cast', [clipped], { to: onnxElementType.i32 });
  const saturated = b.op('Where', [
    b.op('LessOrEqual', [b.scalar(from, 2147483648), x]),
    b.scalar('i32', 2147483647),
    converted,
  ]);
  return b.op('Where', [b.op('IsNaN', [x]), b.scalar('i32', 0), saturated]);
}

const cast: Emit<'cast'> = ({ b, node, inputs }) => {
  const x = inputs[0] as string;
  const from = dtypeOf(node.inputs[0]);
  const to = node.params.dtype;
  if (from === to) return b.op('Identity', [x]);
  if (to === 'bool') return b.op('Not', [b.op('Equal', [x, b.scalar(from, 0)])]);
  if (to === 'i32' && (from === 'f32' || from === 'f64')) return floatToI32(b, x, from);
  return b.op('Cast', [x], { to: onnxElementType[to] });
};

/** log Σ_{j ≤ i} exp x_j (j ≥ i when reversed) as a logsumexp over a masked [.., n, n] matrix: exact, O(n²) memory. */
const logcumsumexp: Emit<'logcumsumexp'> = (c) => {
  const { b, node, inputs } = c;
  const { axis, reverse } = node.params;
  const shape = node.type.shape;
  const n = shape[axis] as number;
  const dtype = floatOf(c);
  const perm = [...shape.keys()].filter((i) => i !== axis).concat(axis);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const last = b.op('Transpose', [inputs[0] as string], { perm });
  const rows = b.op('Unsqueeze', [last, b.ints([-2])]);
  const mask = Array.from({ length: n * n }, (_, k) => {
    const [i, j] = [Math.floor(k / n), k % n];
    return (reverse ? j >= i : j <= i) ? 1 : 0;
  });
  const masked = b.op('Where', [b.constant('bool', [n, n], mask), rows, b.scalar(dtype, -Infinity)]);
  const lse = logsumexpKeepingAxes(b, masked, [perm.length], dtype);
  const squeezed = b.op('Squeeze', [lse, b.ints([perm.length])]);
  return b.op('Transpose', [squeezed], { perm: inverse });
};

export const onnxOps: PrimTable<{ [P in Prim]: Emit<P> }> = {
  // ---- elementwise unary ----
  neg: direct('Neg'),
  exp: direct('Exp'),
  log: direct('Log'),
  log1p: (c) => log1p(c.b, c.inputs[0] as string, floatOf(c)),
  expm1: (c) => expm1(c.b, c.inputs[0] as string, floatOf(c)),
  sqrt: direct('Sqrt'),
  recip: direct('Reciprocal'),
  sin: direct('Sin'),
  cos: direct('Cos'),
  tanh: direct('Tanh'),
  abs: direct('Abs'),
  sign: direct('Sign'),
  floor: direct('Floor'),
  ceil: direct('Ceil'),
  // ONNX's Erf in f32 (onnxruntime's CPU provider has none in f64); erfc's small tail is beyond 1 − Erf
  erf: (c) => (c.node.type.dtype === 'f32' ? c.b.op('Erf', c.inputs) : erf(c.b, c.inputs[0] as string, floatOf(c))),
  erfc: (c) => erfc(c.b, c.inputs[0] as string, floatOf(c)),
  erfinv: (c) => erfinv(c.b, c.inputs[0] as string, floatOf(c)),
  lgamma: (c) => lgamma(c.b, c.inputs[0] as string, floatOf(c)),
  // ---- elementwise unary of an order ----
  polygamma: (c) => polygamma(c.b, c.node.params.order, c.inputs[0] as string, floatOf(c)),
  // ---- elementwise binary ----
  add: direct('Add'),
  sub: direct('Sub'),
  mul: direct('Mul'),
  div: direct('Div'),
  pow: direct('Pow'),
  maximum: extremum('Max'),
  minimum: extremum('Min'),
  less: direct('Less'),
  lessEqual: direct('LessOrEqual'),
  equal: direct('Equal'),
  notEqual: ({ b, inputs }) => b.op('Not', [b.op('Equal', inputs)]),
  // ---- select and convert ----
  // onnxruntime has no Where kernel for bool values: c ∧ a ∨ ¬c ∧ b
  where: ({ b, node, inputs }) => {
    if (node.type.dtype !== 'bool') return b.op('Where', inputs);
    const [c, t, f] = inputs as [string, string, string];
    return b.op('Or', [b.op('And', [c, t]), b.op('And', [b.op('Not', [c]), f])]);
  },
  cast,
  // ---- reductions ----
  sum: reduction(({ b, node, inputs }) => reduce(b, 'ReduceSum', inputs[0] as string, node.params.axes, 0)),
  max: reduction(({ b, node, inputs }) => maxWithNaN(b, inputs[0] as string, node.params.axes, 0, node.type.dtype)),
  // log Σ exp as max-shift, exp, sum, log, add: never ReduceLogSumExp
  logsumexp: reduction((c) =>
    c.b.op('Reshape', [
      logsumexpKeepingAxes(c.b, c.inputs[0] as string, c.node.params.axes, floatOf(c)),
      c.b.ints(c.node.type.shape),
    ]),
  ),
  // ---- movement ----
  reshape: ({ b, node, inputs }) => b.op('Reshape', [inputs[0] as string, b.ints(node.params.shape)], { allowzero: 1 }),
  broadcast: ({ b, node, inputs }) => b.op('Expand', [inputs[0] as string, b.ints(node.params.shape)]),
  transpose: ({ b, node, inputs }) => b.op('Transpose', inputs, { perm: node.params.perm }),
  slice: ({ b, node, inputs }) => {
    const { start, end } = node.params;
    return b.op('Slice', [inputs[0] as string, b.ints(start), b.ints(end), b.ints([...start.keys()])]);
  },
  pad: ({ b, node, inputs }) =>
    b.op('Pad', [inputs[0] as string, b.ints([...node.params.lo, ...node.params.hi]), b.scalar(node.type.dtype, 0)]),
  // a reversed slice: from the last element (−1) past the first (−2⁶³) by steps of −1
  flip: ({ b, node, inputs }) => {
    const { axes } = node.params;
    if (axes.length === 0) return b.op('Identity', inputs);
    const ones = axes.map(() => -1);
    return b.op('Slice', [
      inputs[0] as string,
      b.ints(ones),
      b.ints(axes.map(() => -(2n ** 63n))),
      b.ints(axes),
      b.ints(ones),
    ]);
  },
  concat: ({ b, node, inputs }) => b.op('Concat', inputs, { axis: node.params.axis }),
  gather: ({ b, node, inputs }) => b.op('GatherElements', inputs, { axis: node.params.axis }),
  // ---- contraction and scan ----
  matmul: direct('MatMul'),
  cumsum: ({ b, node, inputs }) =>
    b.op('CumSum', [inputs[0] as string, b.constant('i64', [], [node.params.axis])], {
      reverse: node.params.reverse ? 1 : 0,
    }),
  logcumsumexp,
  eigh: inexpressible('ONNX has no symmetric eigensolver'),
  argsort: ({ b, node, inputs }) => argsort(b, node, inputs[0] as string),
  linearLogitStats: ({ b, node, inputs }) => linearLogitStats(b, node, inputs),
  linearLogitGrad: ({ b, node, inputs }) => linearLogitGrad(b, node, inputs),
  // ---- sources and markers ----
  iota: ({ b, node }) => {
    const { shape, axis, dtype } = node.params;
    const inner = shape.slice(axis + 1).reduce((p, q) => p * q, 1);
    const n = shape[axis] as number;
    const size = shape.reduce((p, q) => p * q, 1);
    return b.constant(
      dtype,
      shape,
      Array.from({ length: size }, (_, k) => Math.floor(k / inner) % n),
    );
  },
  stopGradient: direct('Identity'),
  // ONNX cannot raise: the indices pass through a Gather that rejects any outside [0, bound)
  checkIndex: ({ b, node, inputs }) => checkedIndex(b, inputs[0] as string, node.params.bound, node.type.shape),
};
