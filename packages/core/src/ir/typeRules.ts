/** @file Type rules: the output shape and dtype of every primitive, or a typed error (one exhaustive table). */
import { either as E } from 'fp-ts';
import { isDType, isNumeric } from './dtype.js';
import { type IrError, irError } from './irError.js';
import type { TensorType } from './node.js';
import { MAX_POLYGAMMA_ORDER, type Prim, type PrimParamMap, type PrimTable } from './prim.js';
import { checkShape, formatShape, isValidDim, shapeEq } from './shape.js';
import { arity, binary, dtypeClassName, reduction, sameType, type TypeRule, unary } from './typeRules/common.js';
import { kernelRules } from './typeRules/kernelRules.js';
import { movementRules } from './typeRules/movementRules.js';

export type { TypeRule } from './typeRules/common.js';

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
  erf: unary('erf', 'float'),
  erfc: unary('erfc', 'float'),
  erfinv: unary('erfinv', 'float'),
  lgamma: unary('lgamma', 'float'),
  // ---- elementwise unary of an order ----
  polygamma: (inputs, { order }) => {
    if (!Number.isInteger(order) || order < 0 || order > MAX_POLYGAMMA_ORDER)
      return E.left(
        irError('InvalidParam', 'polygamma', 'order', `an integer in [0, ${MAX_POLYGAMMA_ORDER}]`, String(order)),
      );
    return unary('polygamma', 'float')(inputs, {});
  },
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
  ...movementRules,
  ...kernelRules,
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
  checkIndex: (inputs, { bound, fn, arg }) => {
    const r = arity('checkIndex', inputs, 1);
    if (E.isLeft(r)) return r;
    const idx = r.right[0] as TensorType;
    if (idx.dtype !== 'i32')
      return E.left(irError('DTypeMismatch', 'checkIndex', 'indices', 'dtype i32 (integer indices)', idx.dtype));
    if (!isValidDim(bound))
      return E.left(irError('InvalidParam', 'checkIndex', 'bound', 'a non-negative integer', String(bound)));
    const named = (v: unknown): boolean => v === undefined || (typeof v === 'string' && v !== '');
    if (!named(fn)) return E.left(irError('InvalidParam', 'checkIndex', 'fn', 'a function name', String(fn)));
    return named(arg)
      ? E.right(idx)
      : E.left(irError('InvalidParam', 'checkIndex', 'arg', 'an argument name', String(arg)));
  },
};

/** Runs the type rule of `prim` (a typed dispatch over the table). */
export const typeOf = <P extends Prim>(
  prim: P,
  inputs: readonly TensorType[],
  params: PrimParamMap[P],
): E.Either<IrError, TensorType> => (typeRules[prim] as TypeRule<P>)(inputs, params);
