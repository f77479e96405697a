/** @file Linear algebra: matrix products with numpy semantics, and symmetric eigen-decomposition (eigh, eigvalsh). */
import { either as E } from 'fp-ts';
import { DTypeError, fail, fromIrError, ShapeError } from '../../errors.js';
import * as B from '../../ir/build.js';
import { broadcastShapes, formatShape } from '../../ir/shape.js';
import { publicFn } from '../../validate/publicFn.js';
import * as s from '../../validate/schemas.js';
import { applyOp, wrap } from '../apply.js';
import type { Check, MatmulShape, Ok, ShapeT } from '../shapeTypes.js';
import type { Tensor } from '../tensor.js';
import type { DTypeCheck, ResultDType, ShapeOf } from './types.js';
import type { DType } from '../../ir/dtype.js';

/**
 * `a @ b`. Rank-1 operands act as a row (left) or a column (right) vector and lose that dim in
 * the result; leading batch dims broadcast. Inner dims must match exactly.
 */
export const matmul = publicFn(
  'matmul',
  { a: s.tensor({ dtype: 'numeric', rank: [1, Infinity] }), b: s.tensor({ dtype: 'numeric', rank: [1, Infinity] }) },
  matmulImpl,
);

function matmulImpl<X extends Tensor, Y extends Tensor>(
  a: X,
  b: Y & Check<MatmulShape<ShapeOf<X>, ShapeOf<Y>>> & DTypeCheck<X, Y>,
): Tensor<Ok<MatmulShape<ShapeOf<X>, ShapeOf<Y>>>, ResultDType<X, Y>> {
  const fn = 'matmul';
  if (a.dtype !== b.dtype)
    fail(DTypeError, fn, 'b', `dtype ${a.dtype} (mixing dtypes needs an explicit cast)`, b.dtype);
  const an = a.rank === 1 ? B.reshape(a.node, [1, a.size]) : a.node;
  const bn = b.rank === 1 ? B.reshape(b.node, [b.size, 1]) : b.node;
  const [m, k] = an.type.shape.slice(-2) as [number, number];
  const [k2, n] = bn.type.shape.slice(-2) as [number, number];
  if (k !== k2) {
    fail(
      ShapeError,
      fn,
      'b',
      `inner dim ${k} (the last dim of a ${formatShape(a.shape)})`,
      `${formatShape(b.shape)} with inner dim ${k2}`,
    );
  }
  const batch = broadcastShapes(fn, an.type.shape.slice(0, -2), bn.type.shape.slice(0, -2), 'b');
  if (E.isLeft(batch)) throw fromIrError(batch.left, fn);
  const product = applyOp(fn, 'matmul', {}, [
    B.broadcast(an, [...batch.right, m, k]),
    B.broadcast(bn, [...batch.right, k, n]),
  ]);
  const outShape = [...batch.right, ...(a.rank === 1 ? [] : [m]), ...(b.rank === 1 ? [] : [n])];
  return wrap(B.reshape(product.node, outShape)) as never;
}

/** Stacks of square float matrices [..., n, n] (the square check is in `squareArg`). */
const squareMatrices = { a: s.tensor({ dtype: 'float', rank: [2, Infinity] }) };

function squareArg(fn: string, t: Tensor): Tensor {
  if (t.shape[t.rank - 2] !== t.shape[t.rank - 1])
    fail(ShapeError, fn, 'a', 'square matrices [..., n, n]', formatShape(t.shape));
  return t;
}

/**
 * Eigenvalues (ascending) of the symmetric part ½(A + Aᵀ) of each [..., n, n] matrix. The gradient
 * of any spectral function Σ f(λ_i) is V·diag(f′(λ))·Vᵀ, well defined for repeated eigenvalues.
 * CPU backends only (Jacobi rotations in f64).
 */
export const eigvalsh = publicFn(
  'eigvalsh',
  squareMatrices,
  <D extends DType>(a: Tensor<ShapeT, D>): Tensor<ShapeT, D> =>
    applyOp('eigvalsh', 'eigh', { output: 'values' }, [squareArg('eigvalsh', a).node]) as Tensor<ShapeT, D>,
);

/**
 * Eigenvalues (ascending) and eigenvectors (columns, each with its largest entry positive) of the
 * symmetric part of each [..., n, n] matrix: A = V·diag(λ)·Vᵀ. Eigenvector gradients carry
 * 1/(λ_j − λ_i) and blow up as eigenvalues meet; equal eigenvalues contribute nothing (their
 * eigenvectors are defined only up to a rotation). Prefer `eigvalsh` for spectral functions.
 */
export const eigh = publicFn(
  'eigh',
  squareMatrices,
  <D extends DType>(a: Tensor<ShapeT, D>): { values: Tensor<ShapeT, D>; vectors: Tensor<ShapeT, D> } => {
    const t = squareArg('eigh', a);
    return {
      values: applyOp('eigh', 'eigh', { output: 'values' }, [t.node]) as Tensor<ShapeT, D>,
      vectors: applyOp('eigh', 'eigh', { output: 'vectors' }, [t.node]) as Tensor<ShapeT, D>,
    };
  },
);
