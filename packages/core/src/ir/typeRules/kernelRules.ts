/** @file Type rules of the primitives with a kernel of their own: matmul, cumsum, logcumsumexp, eigh, argsort and the fused linear-logit routines. */
import { either as E } from 'fp-ts';
import type { DType } from '../dtype.js';
import { type IrError, irError } from '../irError.js';
import { type LinearLogitSlots, linearLogitSlots, packedGradient } from '../linearLogitLayout.js';
import type { TensorType } from '../node.js';
import { LINEAR_STATS, type LinearLogitParams } from '../prim.js';
import type { PrimOfKind } from '../primInfo.js';
import { formatShape, shapeEq } from '../shape.js';
import { arity, fmtType, requireClass, type TypeRule } from './common.js';

/**
 * Checks the operands h [N, D], W [V, D], b [V] (one float dtype) and, with targets, y [N] i32 of
 * the fused linear-logit prims; returns N, D, V and the dtype, or the error.
 */
function linearOperands(
  op: string,
  inputs: readonly TensorType[],
  params: LinearLogitParams,
  slots: LinearLogitSlots,
): E.Either<IrError, { n: number; d: number; v: number; dtype: DType }> {
  const r = arity(op, inputs, slots.inputs);
  if (E.isLeft(r)) return r;
  const [h, w, b] = [slots.h, slots.w, slots.b].map((i) => inputs[i]) as [TensorType, TensorType, TensorType];
  const ch = requireClass(op, 'h', h, 'float');
  if (E.isLeft(ch)) return ch;
  if (h.shape.length !== 2) return E.left(irError('ShapeMismatch', op, 'h', 'a matrix [N, D]', formatShape(h.shape)));
  const [n, d] = h.shape as [number, number];
  if (w.dtype !== h.dtype) return E.left(irError('DTypeMismatch', op, 'W', `dtype ${h.dtype}`, w.dtype));
  if (w.shape.length !== 2 || w.shape[1] !== d)
    return E.left(irError('ShapeMismatch', op, 'W', `a matrix [V, ${d}]`, formatShape(w.shape)));
  const v = w.shape[0] as number;
  if (b.dtype !== h.dtype || !shapeEq(b.shape, [v]))
    return E.left(irError('ShapeMismatch', op, 'b', `${h.dtype}[${v}]`, fmtType(b)));
  if (slots.y !== undefined) {
    const y = inputs[slots.y] as TensorType;
    if (y.dtype !== 'i32' || !shapeEq(y.shape, [n]))
      return E.left(irError('ShapeMismatch', op, 'y', `i32[${n}]`, fmtType(y)));
  }
  if (params.softcap !== null && !(params.softcap > 0 && Number.isFinite(params.softcap)))
    return E.left(irError('InvalidParam', op, 'softcap', 'a finite c > 0 or null', String(params.softcap)));
  return E.right({ n, d, v, dtype: h.dtype });
}

/** The one operand of a scan or sort along `axis`: of class `cls`, with that axis (its type, else the error naming `op`). */
function alongAxis(
  op: string,
  inputs: readonly TensorType[],
  axis: number,
  cls: Parameters<typeof requireClass>[3],
): E.Either<IrError, TensorType> {
  const r = arity(op, inputs, 1);
  if (E.isLeft(r)) return r;
  const x = r.right[0] as TensorType;
  const cx = requireClass(op, 'x', x, cls);
  if (E.isLeft(cx)) return cx;
  return Number.isInteger(axis) && axis >= 0 && axis < x.shape.length
    ? E.right(x)
    : E.left(irError('AxisOutOfRange', op, 'axis', `an axis in [0, ${x.shape.length})`, String(axis)));
}

export const kernelRules: { [P in PrimOfKind<'contraction' | 'scan' | 'routine'>]: TypeRule<P> } = {
  matmul: (inputs) => {
    const r = arity('matmul', inputs, 2);
    if (E.isLeft(r)) return r;
    const [a, b] = r.right as [TensorType, TensorType];
    const ca = requireClass('matmul', 'a', a, 'numeric');
    if (E.isLeft(ca)) return ca;
    if (a.dtype !== b.dtype)
      return E.left(
        irError('DTypeMismatch', 'matmul', 'b', `dtype ${a.dtype} (mixing dtypes needs an explicit cast)`, b.dtype),
      );
    const rank = a.shape.length;
    if (rank < 2) return E.left(irError('ShapeMismatch', 'matmul', 'a', 'rank >= 2', formatShape(a.shape)));
    const batch = a.shape.slice(0, -2);
    const [m, k] = a.shape.slice(-2) as [number, number];
    const expected = formatShape([...batch, k, NaN]).replace('NaN', 'n');
    if (b.shape.length !== rank || !shapeEq(b.shape.slice(0, -2), batch) || b.shape[rank - 2] !== k) {
      return E.left(
        irError(
          'ShapeMismatch',
          'matmul',
          'b',
          `shape ${expected} (inner dim ${k} from a ${formatShape(a.shape)})`,
          formatShape(b.shape),
        ),
      );
    }
    return E.right({ shape: [...batch, m, b.shape[rank - 1] as number], dtype: a.dtype });
  },
  cumsum: (inputs, { axis }) => alongAxis('cumsum', inputs, axis, 'numeric'),
  logcumsumexp: (inputs, { axis }) => alongAxis('logcumsumexp', inputs, axis, 'float'),
  eigh: (inputs, { output }) => {
    const r = arity('eigh', inputs, 1);
    if (E.isLeft(r)) return r;
    const a = r.right[0] as TensorType;
    const ca = requireClass('eigh', 'a', a, 'float');
    if (E.isLeft(ca)) return ca;
    const rank = a.shape.length;
    if (rank < 2 || a.shape[rank - 1] !== a.shape[rank - 2])
      return E.left(irError('ShapeMismatch', 'eigh', 'a', 'square matrices [..., n, n]', formatShape(a.shape)));
    // Parsed IR text can carry any string here.
    if (!(['values', 'vectors'] as readonly string[]).includes(output))
      return E.left(irError('InvalidParam', 'eigh', 'output', "'values' or 'vectors'", JSON.stringify(output)));
    return E.right({ shape: output === 'values' ? a.shape.slice(0, -1) : a.shape, dtype: a.dtype });
  },
  /** argsort: an i32 permutation of x's shape along the axis */
  argsort: (inputs, { axis, descending }) => {
    const r = alongAxis('argsort', inputs, axis, 'numeric');
    if (E.isLeft(r)) return r;
    // Parsed IR text can carry any value here.
    if (typeof descending !== 'boolean')
      return E.left(irError('InvalidParam', 'argsort', 'descending', 'a boolean', JSON.stringify(descending)));
    return E.right({ shape: r.right.shape, dtype: 'i32' });
  },
  linearLogitStats: (inputs, params) => {
    const r = linearOperands('linearLogitStats', inputs, params, linearLogitSlots(params.targets, 'stats'));
    return E.isLeft(r) ? r : E.right({ shape: [r.right.n, LINEAR_STATS], dtype: r.right.dtype });
  },
  linearLogitGrad: (inputs, params) => {
    const slots = linearLogitSlots(params.targets, 'grad');
    const r = linearOperands('linearLogitGrad', inputs, params, slots);
    if (E.isLeft(r)) return r;
    const { n, d, v, dtype } = r.right;
    for (const [i, arg] of [
      [slots.stats as number, 'stats'],
      [slots.cotangent as number, 'cotangent'],
    ] as const) {
      const t = inputs[i] as TensorType;
      if (t.dtype !== dtype || !shapeEq(t.shape, [n, LINEAR_STATS]))
        return E.left(irError('ShapeMismatch', 'linearLogitGrad', arg, `${dtype}[${n}, ${LINEAR_STATS}]`, fmtType(t)));
    }
    return E.right({ shape: [packedGradient(n, d, v).size], dtype });
  },
};
