/**
 * @file linearLogitStats and its VJP linearLogitGrad as plain ONNX: the logits z = s(h·Wᵀ + b) formed as an
 * [N, V] matrix by MatMul (exact, not chunked: the model's memory grows with N·V), their row statistics, and
 * the packed cotangents [dh | dW | db] from dZ.
 */
import type { FloatDType } from '../../ir/dtype.js';
import type { OpNode } from '../../ir/node.js';
import { LinearStat } from '../../ir/prim.js';
import { FILTER_THRESHOLD } from '../../kernel/linearLogitEpilogue.js';
import type { OnnxGraphBuilder } from './builder.js';
import { logsumexpKeepingAxes, maxWithNaN, outOfRangeToBound, reduce } from './decompositions.js';
import { onnxElementType } from './model.js';

type LinearLogitNode = OpNode<'linearLogitStats'> | OpNode<'linearLogitGrad'>;

interface Logits {
  readonly n: number;
  readonly d: number;
  readonly v: number;
  readonly dtype: FloatDType;
  /** u = h·Wᵀ + b [N, V] */
  readonly u: string;
  /** z = c·tanh(u/c), or u */
  readonly z: string;
  /** y checked against V, [N, 1] (with targets) */
  readonly target: string | undefined;
}

/** The logits of a linear-logit node, written once per (h, W, b, y, softcap): the stats and their VJP compare the same z. */
function logitsOf(b: OnnxGraphBuilder, node: LinearLogitNode, inputs: readonly string[]): Logits {
  const [h, w, bias] = inputs as [string, string, string];
  const [n, d] = node.inputs[0]?.type.shape as [number, number];
  const v = node.inputs[1]?.type.shape[0] as number;
  const dtype = node.inputs[0]?.type.dtype as FloatDType;
  const { softcap, targets } = node.params;
  const key = `linearLogits|${h}|${w}|${bias}|${softcap}`;
  const u = b.shared(`${key}|u`, () =>
    b.op('Add', [b.op('MatMul', [h, b.op('Transpose', [w], { perm: [1, 0] })]), bias]),
  );
  const z = b.shared(`${key}|z`, () => {
    if (softcap === null) return u;
    const c = b.scalar(dtype, softcap);
    return b.op('Mul', [c, b.op('Tanh', [b.op('Div', [u, c])])]);
  });
  const y = targets ? (inputs[3] as string) : undefined;
  const target =
    y === undefined
      ? undefined
      : b.shared(`${key}|y|${y}`, () => b.op('Unsqueeze', [outOfRangeToBound(b, y, v), b.ints([1])]));
  return { n, d, v, dtype, u, z, target };
}

/** The stats [N, 5]: lse, pick (z at y; 0 without targets), Σ z, max z and #{v : z = max}, each a column. */
export function linearLogitStats(
  b: OnnxGraphBuilder,
  node: OpNode<'linearLogitStats'>,
  inputs: readonly string[],
): string {
  const { n, dtype, z, target } = logitsOf(b, node, inputs);
  const max = maxWithNaN(b, z, [1], 1, dtype);
  const columns: Record<keyof typeof LinearStat, string> = {
    Lse: logsumexpKeepingAxes(b, z, [1], dtype),
    Pick:
      target === undefined
        ? b.constant(dtype, [n, 1], new Array<number>(n).fill(0))
        : b.op('GatherElements', [z, target], { axis: 1 }),
    Sum: reduce(b, 'ReduceSum', z, [1], 1),
    Max: max,
    Ties: reduce(b, 'ReduceSum', b.op('Cast', [b.op('Equal', [z, max])], { to: onnxElementType[dtype] }), [1], 1),
  };
  const order = (Object.keys(LinearStat) as (keyof typeof LinearStat)[]).sort((p, q) => LinearStat[p] - LinearStat[q]);
  return b.op(
    'Concat',
    order.map((k) => columns[k]),
    { axis: 1 },
  );
}

/**
 * The packed cotangents [dh (N·D) | dW (V·D) | db (V)] with
 * dZ = (ct_sum + ct_lse·p + ct_pick·[v = y] + ct_max·[z = max]/ties)·s′(u), p = e^{z − lse} (dropped below 2⁻²⁴ when filtering).
 */
export function linearLogitGrad(
  b: OnnxGraphBuilder,
  node: OpNode<'linearLogitGrad'>,
  inputs: readonly string[],
): string {
  const { n, d, v, dtype, u, z, target } = logitsOf(b, node, inputs);
  const { softcap, filter, targets } = node.params;
  const [h, w] = inputs as [string, string];
  const stats = inputs[targets ? 4 : 3] as string;
  const cotangent = inputs[targets ? 5 : 4] as string;
  const column = (of: string, c: number): string => b.op('Slice', [of, b.ints([c]), b.ints([c + 1]), b.ints([1])]);
  const zero = b.scalar(dtype, 0);
  const p = b.op('Exp', [b.op('Sub', [z, column(stats, LinearStat.Lse)])]);
  const weighted = b.op('Mul', [column(cotangent, LinearStat.Lse), p]);
  const softmax = filter
    ? b.op('Where', [b.op('LessOrEqual', [b.scalar(dtype, FILTER_THRESHOLD), p]), weighted, zero])
    : weighted;
  const terms = [softmax];
  if (target !== undefined) {
    const columns = b.constant(
      'i32',
      [1, v],
      Array.from({ length: v }, (_, k) => k),
    );
    terms.push(b.op('Where', [b.op('Equal', [columns, target]), column(cotangent, LinearStat.Pick), zero]));
  }
  const atMax = b.op('Equal', [z, column(stats, LinearStat.Max)]);
  const share = b.op('Div', [column(cotangent, LinearStat.Max), column(stats, LinearStat.Ties)]);
  terms.push(b.op('Where', [atMax, share, zero]));
  let dz = terms.reduce((sum, t) => b.op('Add', [sum, t]), column(cotangent, LinearStat.Sum));
  if (softcap !== null) {
    // s′(u) = 1 − tanh²(u/c) = 4e/(1 + e)² with e = e^{−2|u/c|}
    const e = b.op('Exp', [
      b.op('Mul', [b.scalar(dtype, -2), b.op('Abs', [b.op('Div', [u, b.scalar(dtype, softcap)])])]),
    ]);
    const onePlus = b.op('Add', [b.scalar(dtype, 1), e]);
    const slope = b.op('Div', [b.op('Mul', [b.scalar(dtype, 4), e]), b.op('Mul', [onePlus, onePlus])]);
    dz = b.op('Mul', [dz, slope]);
  }
  const dh = b.op('Reshape', [b.op('MatMul', [dz, w]), b.ints([n * d])]);
  const dw = b.op('Reshape', [b.op('MatMul', [b.op('Transpose', [dz], { perm: [1, 0] }), h]), b.ints([v * d])]);
  const db = reduce(b, 'ReduceSum', dz, [0], 0);
  return b.op('Concat', [dh, dw, db], { axis: 0 });
}
