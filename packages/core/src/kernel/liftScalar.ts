/**
 * @file Scalar expressions lifted back to elementwise tensor ops over one shape (the inverse of
 * lowering's elementwise rules): how autodiff differentiates a kernel epilogue as an ordinary graph.
 */
import { InternalError } from '../errors.js';
import * as B from '../ir/build.js';
import type { Node } from '../ir/node.js';
import type { Prim } from '../ir/prim.js';
import type { Shape } from '../ir/shape.js';
import { type ScalarExpr, type ScalarOp, scalarToposort } from './scalar.js';

/** The elementwise prim each scalar op lifts to; undefined for leaves, index arithmetic and checks. */
const liftedPrims: { readonly [O in ScalarOp]: Prim | undefined } = {
  const: undefined,
  var: undefined,
  load: undefined,
  acc: undefined,
  neg: 'neg',
  exp: 'exp',
  log: 'log',
  log1p: 'log1p',
  expm1: 'expm1',
  sqrt: 'sqrt',
  recip: 'recip',
  sin: 'sin',
  cos: 'cos',
  tanh: 'tanh',
  abs: 'abs',
  sign: 'sign',
  floor: 'floor',
  ceil: 'ceil',
  erf: 'erf',
  erfc: 'erfc',
  erfinv: 'erfinv',
  lgamma: 'lgamma',
  polygamma: 'polygamma',
  add: 'add',
  sub: 'sub',
  mul: 'mul',
  div: 'div',
  pow: 'pow',
  max: 'maximum',
  min: 'minimum',
  idiv: undefined,
  mod: undefined,
  lt: 'less',
  le: 'lessEqual',
  eq: 'equal',
  ne: 'notEqual',
  where: 'where',
  cast: 'cast',
  checkIndex: undefined,
};

/** `roots` as tensors of `shape`: constants filled, each load given by `leaf`, every other op elementwise. */
export function liftScalar(roots: readonly ScalarExpr[], shape: Shape, leaf: (load: ScalarExpr) => Node): Node[] {
  const memo = new Map<ScalarExpr, Node>();
  for (const e of scalarToposort(roots)) {
    if (e.op === 'load') {
      memo.set(e, leaf(e));
      continue;
    }
    if (e.op === 'const') {
      memo.set(e, B.full(shape, e.imm, e.dtype));
      continue;
    }
    const prim = liftedPrims[e.op];
    if (prim === undefined) throw new InternalError(`a scalar '${e.op}' has no elementwise tensor op to lift to`);
    const args = e.args.map((a) => memo.get(a) as Node);
    memo.set(
      e,
      prim === 'cast'
        ? B.cast(args[0] as Node, e.dtype)
        : prim === 'polygamma'
          ? B.op(prim, { order: e.imm }, args)
          : B.op(prim, {}, args),
    );
  }
  return roots.map((r) => memo.get(r) as Node);
}
