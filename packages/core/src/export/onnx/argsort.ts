/**
 * @file argsort without a sort (ONNX's TopK breaks ties in no specified order): each element's rank counts the
 * elements ordered before it (NaN largest, ties by index), and position t takes the index whose rank is t.
 * Exact and stable; O(n²) memory along the sorted axis.
 */
import type { OpNode } from '../../ir/node.js';
import type { OnnxGraphBuilder } from './builder.js';
import { reduce } from './decompositions.js';
import { onnxElementType } from './model.js';

export function argsort(b: OnnxGraphBuilder, node: OpNode<'argsort'>, input: string): string {
  const { axis, descending } = node.params;
  const shape = node.type.shape;
  const n = shape[axis] as number;
  const rank = shape.length;
  const perm = [...shape.keys()].filter((i) => i !== axis).concat(axis);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const last = b.op('Transpose', [input], { perm });
  // [.., i, j]: element i against element j
  const xi = b.op('Unsqueeze', [last, b.ints([rank])]);
  const xj = b.op('Unsqueeze', [last, b.ints([rank - 1])]);
  const less = descending ? b.op('Less', [xi, xj]) : b.op('Less', [xj, xi]);
  const equal = b.op('Equal', [xi, xj]);
  const dtype = node.inputs[0]?.type.dtype;
  let strictly = less;
  let tie = equal;
  if (dtype === 'f32' || dtype === 'f64') {
    const [nanI, nanJ] = [b.op('IsNaN', [xi]), b.op('IsNaN', [xj])];
    const nanAfter = descending ? b.op('And', [nanJ, b.op('Not', [nanI])]) : b.op('And', [nanI, b.op('Not', [nanJ])]);
    strictly = b.op('Or', [less, nanAfter]);
    tie = b.op('Or', [equal, b.op('And', [nanI, nanJ])]);
  }
  const indexBefore = b.constant(
    'bool',
    [n, n],
    Array.from({ length: n * n }, (_, k) => (k % n < Math.floor(k / n) ? 1 : 0)),
  );
  // j is ordered before i: strictly, or tied with a smaller index
  const before = b.op('Or', [strictly, b.op('And', [tie, indexBefore])]);
  const position = reduce(b, 'ReduceSum', b.op('Cast', [before], { to: onnxElementType.i32 }), [rank], 0);
  // [.., t, i]: whether element i lands at position t; the index of the one that does
  const lands = b.op('Equal', [
    b.op('Unsqueeze', [position, b.ints([rank - 1])]),
    b.constant(
      'i32',
      [n, 1],
      Array.from({ length: n }, (_, t) => t),
    ),
  ]);
  const indices = b.constant(
    'i32',
    [1, n],
    Array.from({ length: n }, (_, i) => i),
  );
  const sorted = reduce(b, 'ReduceSum', b.op('Where', [lands, indices, b.scalar('i32', 0)]), [rank], 0);
  return b.op('Transpose', [sorted], { perm: inverse });
}
