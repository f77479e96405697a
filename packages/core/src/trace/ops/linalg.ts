/** @file Matrix products with numpy semantics (1-D operands promoted, batch dims broadcast). */
import { either as E } from 'fp-ts';
import { fail, fromIrError, ShapeError } from '../../errors.js';
import * as B from '../../ir/build.js';
import { broadcastShapes, formatShape } from '../../ir/shape.js';
import { applyOp, requireTensor, wrap } from '../apply.js';
import type { Check, MatmulShape, Ok } from '../shapeTypes.js';
import type { Tensor } from '../tensor.js';
import type { DTypeCheck, ResultDType, ShapeOf } from './types.js';

/**
 * `a @ b`. Rank-1 operands act as a row (left) or a column (right) vector and lose that dim in
 * the result; leading batch dims broadcast. Inner dims must match exactly.
 */
export function matmul<X extends Tensor, Y extends Tensor>(
  a: X,
  b: Y & Check<MatmulShape<ShapeOf<X>, ShapeOf<Y>>> & DTypeCheck<X, Y>,
): Tensor<Ok<MatmulShape<ShapeOf<X>, ShapeOf<Y>>>, ResultDType<X, Y>> {
  const fn = 'matmul';
  const ta = requireTensor(fn, 'a', a);
  const tb = requireTensor(fn, 'b', b);
  if (ta.rank === 0 || tb.rank === 0) {
    fail(ShapeError, fn, ta.rank === 0 ? 'a' : 'b', 'a tensor of rank >= 1', `a scalar (use x.mul for scaling)`);
  }
  const an = ta.rank === 1 ? B.reshape(ta.node, [1, ta.size]) : ta.node;
  const bn = tb.rank === 1 ? B.reshape(tb.node, [tb.size, 1]) : tb.node;
  const [m, k] = an.type.shape.slice(-2) as [number, number];
  const [k2, n] = bn.type.shape.slice(-2) as [number, number];
  if (k !== k2) {
    fail(
      ShapeError,
      fn,
      'b',
      `inner dim ${k} (the last dim of a ${formatShape(ta.shape)})`,
      `${formatShape(tb.shape)} with inner dim ${k2}`,
    );
  }
  const batch = broadcastShapes(fn, an.type.shape.slice(0, -2), bn.type.shape.slice(0, -2), 'b');
  if (E.isLeft(batch)) throw fromIrError(batch.left, fn);
  const product = applyOp(fn, 'matmul', {}, [
    B.broadcast(an, [...batch.right, m, k]),
    B.broadcast(bn, [...batch.right, k, n]),
  ]);
  const outShape = [...batch.right, ...(ta.rank === 1 ? [] : [m]), ...(tb.rank === 1 ? [] : [n])];
  return wrap(B.reshape(product.node, outShape)) as never;
}
