/** @file Type rules: the output shape and dtype of every primitive, or a typed error. */
import { either as E } from 'fp-ts';
import { type DType, isDType, isFloat, isNumeric } from './dtype.js';
import { type IrError, irError } from './irError.js';
import { type LinearLogitSlots, linearLogitSlots, packedGradient } from './linearLogitLayout.js';
import type { TensorType } from './node.js';
import { LINEAR_STATS, type LinearLogitParams, type Prim, type PrimParamMap, type PrimTable } from './prim.js';
import { checkShape, formatShape, isValidDim, type Shape, shapeEq, sizeOf } from './shape.js';

/** Computes the output type of `prim` from its input types and parameters. */
export type TypeRule<P extends Prim> = (
  inputs: readonly TensorType[],
  params: PrimParamMap[P],
) => E.Either<IrError, TensorType>;

type DTypeClass = 'float' | 'numeric' | 'any';

const dtypeClassName: Record<DTypeClass, string> = {
  float: 'a floating-point dtype (f32 or f64)',
  numeric: 'a numeric dtype (f32, f64 or i32)',
  any: 'any dtype',
};

const inClass = (d: DType, c: DTypeClass): boolean => (c === 'any' ? true : c === 'float' ? isFloat(d) : isNumeric(d));

const fmtType = (t: TensorType): string => `${t.dtype}${formatShape(t.shape)}`;

function arity(op: string, inputs: readonly TensorType[], n: number): E.Either<IrError, readonly TensorType[]> {
  return inputs.length === n
    ? E.right(inputs)
    : E.left(irError('InvalidParam', op, 'inputs', `${n} input(s)`, `${inputs.length}`));
}

function requireClass(op: string, arg: string, t: TensorType, c: DTypeClass): E.Either<IrError, TensorType> {
  return inClass(t.dtype, c) ? E.right(t) : E.left(irError('DTypeMismatch', op, arg, dtypeClassName[c], t.dtype));
}

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

/** Same shape and dtype for two operands of an elementwise op (broadcasting happens above the IR). */
function sameType(op: string, a: TensorType, b: TensorType, argB: string): E.Either<IrError, TensorType> {
  if (a.dtype !== b.dtype) {
    return E.left(
      irError('DTypeMismatch', op, argB, `dtype ${a.dtype} (mixing dtypes needs an explicit cast)`, b.dtype),
    );
  }
  if (!shapeEq(a.shape, b.shape)) {
    return E.left(irError('ShapeMismatch', op, argB, `shape ${formatShape(a.shape)}`, formatShape(b.shape)));
  }
  return E.right(a);
}

const unary =
  (op: Prim, c: DTypeClass): TypeRule<Prim> =>
  (inputs) =>
    E.chain(([x]: readonly TensorType[]) => requireClass(op, 'x', x as TensorType, c))(arity(op, inputs, 1));

const binary =
  (op: Prim, c: DTypeClass, result?: DType): TypeRule<Prim> =>
  (inputs) => {
    const r = arity(op, inputs, 2);
    if (E.isLeft(r)) return r;
    const [a, b] = r.right as [TensorType, TensorType];
    const ca = requireClass(op, 'a', a, c);
    if (E.isLeft(ca)) return ca;
    const t = sameType(op, a, b, 'b');
    return result === undefined ? t : E.map((s: TensorType) => ({ shape: s.shape, dtype: result }))(t);
  };

function checkAxes(op: string, axes: readonly number[], rank: number): E.Either<IrError, readonly number[]> {
  const sorted = axes.every(
    (a, i) => Number.isInteger(a) && a >= 0 && a < rank && (i === 0 || a > (axes[i - 1] ?? -1)),
  );
  return sorted
    ? E.right(axes)
    : E.left(irError('AxisOutOfRange', op, 'axes', `distinct sorted axes in [0, ${rank})`, `[${axes.join(', ')}]`));
}

const reduction =
  (op: Prim, c: DTypeClass): TypeRule<'sum' | 'max' | 'logsumexp'> =>
  (inputs, { axes }) => {
    const r = arity(op, inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    const cx = requireClass(op, 'x', x, c);
    if (E.isLeft(cx)) return cx;
    const ax = checkAxes(op, axes, x.shape.length);
    if (E.isLeft(ax)) return ax;
    return E.right({ shape: x.shape.filter((_, i) => !axes.includes(i)), dtype: x.dtype });
  };

function perAxis(
  op: string,
  arg: string,
  values: readonly number[],
  rank: number,
): E.Either<IrError, readonly number[]> {
  return values.length === rank && values.every(isValidDim)
    ? E.right(values)
    : E.left(irError('InvalidParam', op, arg, `${rank} non-negative integers`, `[${values.join(', ')}]`));
}

const isPermutation = (perm: readonly number[], rank: number): boolean =>
  perm.length === rank && [...perm].sort((a, b) => a - b).every((p, i) => p === i);

/** Output dims of a broadcast from `from` to `to` (numpy rule, right-aligned). */
function broadcastable(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const offset = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[i + offset]);
}

export const typeRules: PrimTable<{ [P in Prim]: TypeRule<P> }> = {
  // ---- elementwise unary ----
  neg: unary('neg', 'numeric'),
  exp: unary('exp', 'float'),
  log: unary('log', 'float'),
  log1p: unary('log1p', 'float'),
  expm1: unary('expm1', 'float'),
  sqrt: unary('sqrt', 'float'),
  recip: unary('recip', 'float'),
  sin: unary('sin', 'float'),
  cos: unary('cos', 'float'),
  tanh: unary('tanh', 'float'),
  abs: unary('abs', 'numeric'),
  sign: unary('sign', 'numeric'),
  floor: unary('floor', 'float'),
  ceil: unary('ceil', 'float'),
  // ---- elementwise binary ----
  add: binary('add', 'numeric'),
  sub: binary('sub', 'numeric'),
  mul: binary('mul', 'numeric'),
  div: binary('div', 'float'),
  pow: binary('pow', 'float'),
  maximum: binary('maximum', 'numeric'),
  minimum: binary('minimum', 'numeric'),
  less: binary('less', 'numeric', 'bool'),
  lessEqual: binary('lessEqual', 'numeric', 'bool'),
  equal: binary('equal', 'any', 'bool'),
  notEqual: binary('notEqual', 'any', 'bool'),
  // ---- select and convert ----
  where: (inputs) => {
    const r = arity('where', inputs, 3);
    if (E.isLeft(r)) return r;
    const [c, a, b] = r.right as [TensorType, TensorType, TensorType];
    if (c.dtype !== 'bool') return E.left(irError('DTypeMismatch', 'where', 'cond', 'dtype bool', c.dtype));
    if (!shapeEq(c.shape, a.shape)) {
      return E.left(
        irError(
          'ShapeMismatch',
          'where',
          'a',
          `shape ${formatShape(c.shape)} (the shape of cond)`,
          formatShape(a.shape),
        ),
      );
    }
    return sameType('where', a, b, 'b');
  },
  cast: (inputs, { dtype }) => {
    const r = arity('cast', inputs, 1);
    if (E.isLeft(r)) return r;
    if (!isDType(dtype))
      return E.left(irError('InvalidParam', 'cast', 'dtype', 'one of f32, f64, i32, bool', JSON.stringify(dtype)));
    return E.right({ shape: (r.right[0] as TensorType).shape, dtype });
  },
  // ---- reductions ----
  sum: reduction('sum', 'numeric'),
  max: reduction('max', 'numeric'),
  logsumexp: reduction('logsumexp', 'float'),
  // ---- movement ----
  reshape: (inputs, { shape }) => {
    const r = arity('reshape', inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    const s = checkShape('reshape', 'shape', shape);
    if (E.isLeft(s)) return s;
    return sizeOf(shape) === sizeOf(x.shape)
      ? E.right({ shape, dtype: x.dtype })
      : E.left(
          irError(
            'ShapeMismatch',
            'reshape',
            'shape',
            `a shape with ${sizeOf(x.shape)} elements (input ${fmtType(x)})`,
            `${formatShape(shape)} (${sizeOf(shape)} elements)`,
          ),
        );
  },
  broadcast: (inputs, { shape }) => {
    const r = arity('broadcast', inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    const s = checkShape('broadcast', 'shape', shape);
    if (E.isLeft(s)) return s;
    return broadcastable(x.shape, shape)
      ? E.right({ shape, dtype: x.dtype })
      : E.left(
          irError(
            'ShapeMismatch',
            'broadcast',
            'shape',
            `a shape that ${formatShape(x.shape)} broadcasts to`,
            formatShape(shape),
          ),
        );
  },
  transpose: (inputs, { perm }) => {
    const r = arity('transpose', inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    return isPermutation(perm, x.shape.length)
      ? E.right({ shape: perm.map((p) => x.shape[p] as number), dtype: x.dtype })
      : E.left(
          irError(
            'InvalidParam',
            'transpose',
            'perm',
            `a permutation of [0, ${x.shape.length})`,
            `[${perm.join(', ')}]`,
          ),
        );
  },
  slice: (inputs, { start, end }) => {
    const r = arity('slice', inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    const rank = x.shape.length;
    const s = perAxis('slice', 'start', start, rank);
    if (E.isLeft(s)) return s;
    const e = perAxis('slice', 'end', end, rank);
    if (E.isLeft(e)) return e;
    const bad = x.shape.findIndex((d, i) => (start[i] as number) > (end[i] as number) || (end[i] as number) > d);
    return bad >= 0
      ? E.left(
          irError(
            'InvalidParam',
            'slice',
            'end',
            `0 <= start <= end <= dim on every axis of ${formatShape(x.shape)}`,
            `axis ${bad}: start ${start[bad]}, end ${end[bad]}`,
          ),
        )
      : E.right({ shape: x.shape.map((_, i) => (end[i] as number) - (start[i] as number)), dtype: x.dtype });
  },
  pad: (inputs, { lo, hi }) => {
    const r = arity('pad', inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    const l = perAxis('pad', 'lo', lo, x.shape.length);
    if (E.isLeft(l)) return l;
    const h = perAxis('pad', 'hi', hi, x.shape.length);
    if (E.isLeft(h)) return h;
    return E.right({ shape: x.shape.map((d, i) => d + (lo[i] as number) + (hi[i] as number)), dtype: x.dtype });
  },
  flip: (inputs, { axes }) => {
    const r = arity('flip', inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    return E.map(() => x)(checkAxes('flip', axes, x.shape.length));
  },
  concat: (inputs, { axis }) => {
    const first = inputs[0];
    if (first === undefined) return E.left(irError('InvalidParam', 'concat', 'tensors', 'at least one tensor', 'none'));
    const rank = first.shape.length;
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
      return E.left(irError('AxisOutOfRange', 'concat', 'axis', `an axis in [0, ${rank})`, String(axis)));
    }
    let total = 0;
    for (const [k, t] of inputs.entries()) {
      if (t.dtype !== first.dtype) {
        return E.left(irError('DTypeMismatch', 'concat', `tensors[${k}]`, `dtype ${first.dtype}`, t.dtype));
      }
      const fits = t.shape.length === rank && t.shape.every((d, i) => i === axis || d === first.shape[i]);
      if (!fits) {
        return E.left(
          irError(
            'ShapeMismatch',
            'concat',
            `tensors[${k}]`,
            `shape ${formatShape(first.shape.map((d, i) => (i === axis ? NaN : d)))} with any size on axis ${axis}`.replace(
              'NaN',
              '*',
            ),
            formatShape(t.shape),
          ),
        );
      }
      total += t.shape[axis] as number;
    }
    return E.right({ shape: first.shape.map((d, i) => (i === axis ? total : d)), dtype: first.dtype });
  },
  gather: (inputs, { axis }) => {
    const r = arity('gather', inputs, 2);
    if (E.isLeft(r)) return r;
    const [x, idx] = r.right as [TensorType, TensorType];
    const rank = x.shape.length;
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
      return E.left(
        irError(
          'AxisOutOfRange',
          'gather',
          'axis',
          rank === 0 ? 'no axis (x is a scalar)' : `an axis in [0, ${rank})`,
          String(axis),
        ),
      );
    }
    if (idx.dtype !== 'i32')
      return E.left(irError('DTypeMismatch', 'gather', 'indices', 'dtype i32 (integer class indices)', idx.dtype));
    const fits = idx.shape.length === rank && idx.shape.every((d, i) => i === axis || d === x.shape[i]);
    if (!fits) {
      return E.left(
        irError(
          'ShapeMismatch',
          'gather',
          'indices',
          `rank ${rank} with the dims of x ${formatShape(x.shape)} off axis ${axis}`,
          formatShape(idx.shape),
        ),
      );
    }
    if (x.shape[axis] === 0 && sizeOf(idx.shape) > 0) {
      return E.left(
        irError(
          'IndexOutOfRange',
          'gather',
          'indices',
          `no indices (x has size 0 on axis ${axis})`,
          formatShape(idx.shape),
        ),
      );
    }
    return E.right({ shape: idx.shape, dtype: x.dtype });
  },
  // ---- contraction and scan ----
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
  cumsum: (inputs, { axis }) => {
    const r = arity('cumsum', inputs, 1);
    if (E.isLeft(r)) return r;
    const x = r.right[0] as TensorType;
    const cx = requireClass('cumsum', 'x', x, 'numeric');
    if (E.isLeft(cx)) return cx;
    return Number.isInteger(axis) && axis >= 0 && axis < x.shape.length
      ? E.right(x)
      : E.left(irError('AxisOutOfRange', 'cumsum', 'axis', `an axis in [0, ${x.shape.length})`, String(axis)));
  },
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
  // ---- sources and markers ----
  iota: (inputs, { shape, axis, dtype }) => {
    const r = arity('iota', inputs, 0);
    if (E.isLeft(r)) return r;
    const s = checkShape('iota', 'shape', shape);
    if (E.isLeft(s)) return s;
    if (!isDType(dtype) || !isNumeric(dtype))
      return E.left(irError('DTypeMismatch', 'iota', 'dtype', dtypeClassName.numeric, JSON.stringify(dtype)));
    return Number.isInteger(axis) && axis >= 0 && axis < shape.length
      ? E.right({ shape, dtype })
      : E.left(irError('AxisOutOfRange', 'iota', 'axis', `an axis in [0, ${shape.length})`, String(axis)));
  },
  stopGradient: unary('stopGradient', 'any'),
  checkIndex: (inputs, { bound }) => {
    const r = arity('checkIndex', inputs, 1);
    if (E.isLeft(r)) return r;
    const idx = r.right[0] as TensorType;
    if (idx.dtype !== 'i32')
      return E.left(irError('DTypeMismatch', 'checkIndex', 'indices', 'dtype i32 (integer indices)', idx.dtype));
    return isValidDim(bound)
      ? E.right(idx)
      : E.left(irError('InvalidParam', 'checkIndex', 'bound', 'a non-negative integer', String(bound)));
  },
};

/** Runs the type rule of `prim` (a typed dispatch over the table). */
export const typeOf = <P extends Prim>(
  prim: P,
  inputs: readonly TensorType[],
  params: PrimParamMap[P],
): E.Either<IrError, TensorType> => (typeRules[prim] as TypeRule<P>)(inputs, params);
