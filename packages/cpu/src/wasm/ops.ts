/**
 * @file Scalar ops as WebAssembly, one exhaustive table: each op's scalar form (f64 for floats,
 * i32 for integers and bools) and its vector form over four f32/i32 lanes (bools as lane masks),
 * or null where it has none (a kernel with that op in its inner loop stays JavaScript).
 */
import { InternalError } from '@xent/core';
import { type ScalarExpr, type ScalarOp, siteOf, type WasmImportName } from '@xent/core/internal';
import type { FunctionBuilder, Mnemonic } from './encoder.js';
import { bytes, f32x4Const, i32x4Const, isFloat } from './emit.js';
import { exp4, log4, tanh4 } from './simdMath.js';

/** What an op's form emits into: the expression and the locals holding its arguments' values. */
export interface OpContext {
  readonly g: FunctionBuilder;
  readonly e: ScalarExpr;
  /** The locals of the first, second and third argument. */
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** Pushes the locals. */
  readonly get: (...locals: number[]) => FunctionBuilder;
}

export interface ScalarContext extends OpContext {
  /** Calls an import of scalar code. */
  readonly call: (name: WasmImportName) => void;
  /** The local holding the address of input `i`. */
  readonly pointer: (i: number) => number;
}

export interface VectorContext extends OpContext {
  /** exp and log multiply-add with relaxed_madd. */
  readonly relaxed: boolean;
}

export interface WasmOp {
  /** Pushes the scalar value of the expression. */
  readonly scalar: (c: ScalarContext) => void;
  /** Pushes its vector value; null: no vector form. */
  readonly vector: ((c: VectorContext) => void) | null;
}

/** A context over `g` for `e` whose arguments' values are in `args`. */
export function opContext(g: FunctionBuilder, e: ScalarExpr, args: readonly number[]): OpContext {
  const [a, b, c] = args as [number, number, number];
  const get = (...locals: number[]): FunctionBuilder => {
    for (const l of locals) g.op('local.get', l);
    return g;
  };
  return { g, e, a, b, c, get };
}

const float = (c: OpContext): boolean => isFloat(c.e.dtype);
const argFloat = (c: OpContext): boolean => c.e.args[0] !== undefined && isFloat(c.e.args[0].dtype);
const lanesFloat = (c: OpContext): boolean => c.e.dtype === 'f32';

/** A scalar helper call on the arguments. */
const callUnary =
  (name: WasmImportName) =>
  ({ get, a, call }: ScalarContext): void => {
    get(a);
    call(name);
  };
/** One instruction on both arguments: float or integer form by the result dtype. */
const scalarBinary =
  (fop: Mnemonic, iop: Mnemonic) =>
  (c: OpContext): void => {
    c.get(c.a, c.b).op(float(c) ? fop : iop);
  };
const vectorBinary =
  (fop: Mnemonic, iop: Mnemonic) =>
  (c: OpContext): void => {
    c.get(c.a, c.b).op(lanesFloat(c) ? fop : iop);
  };
/** A comparison: float or integer form by the operands' dtype. */
const scalarCompare =
  (fop: Mnemonic, iop: Mnemonic) =>
  (c: OpContext): void => {
    c.get(c.a, c.b).op(argFloat(c) ? fop : iop);
  };
const vectorCompare =
  (fop: Mnemonic, iop: Mnemonic) =>
  (c: OpContext): void => {
    c.get(c.a, c.b).op(c.e.args[0]?.dtype === 'f32' ? fop : iop);
  };
/** One instruction on the argument (floats only). */
const unaryOp =
  (op: Mnemonic) =>
  ({ get, a }: OpContext): void => {
    get(a).op(op);
  };
const emittedBy = (what: string) => (): never => {
  throw new InternalError(what);
};

export const wasmOps: { readonly [O in ScalarOp]: WasmOp } = {
  const: {
    scalar: ({ g, e }) => {
      if (isFloat(e.dtype)) g.op('f64.const', e.imm);
      else g.op('i32.const', e.imm);
    },
    // constants never read the inner loop var: their lanes are splats of the scalar value
    vector: null,
  },
  var: {
    scalar: emittedBy('loop vars are locals'),
    vector: emittedBy('the inner loop var is emitted by the vector body'),
  },
  /** in[imm] at element args[0] */
  load: {
    scalar: ({ g, e, a, get, pointer }) => {
      const shift = Math.log2(bytes(e.dtype));
      get(pointer(e.imm), a).op('i32.const', shift).op('i32.shl').offsetPointer();
      if (e.dtype === 'f32') g.op('f32.load', 2, 0).op('f64.promote_f32');
      else if (e.dtype === 'f64') g.op('f64.load', 3, 0);
      else if (e.dtype === 'i32') g.op('i32.load', 2, 0);
      else g.op('i32.load8_u', 0, 0);
    },
    vector: emittedBy('inner-loop loads are emitted by the vector body'),
  },
  acc: { scalar: emittedBy('the accumulator is a local'), vector: null },
  /** −a; 0 − a for integers */
  neg: {
    scalar: (c) => {
      if (float(c)) c.get(c.a).op('f64.neg');
      else c.g.op('i32.const', 0).op('local.get', c.a).op('i32.sub');
    },
    vector: (c) => {
      c.get(c.a).op(lanesFloat(c) ? 'f32x4.neg' : 'i32x4.neg');
    },
  },
  exp: {
    scalar: callUnary('exp'),
    vector: ({ g, a, get, relaxed }) => {
      const x = g.local('v128');
      get(a).op('local.set', x);
      exp4(g, x, relaxed);
    },
  },
  log: {
    scalar: callUnary('log'),
    vector: ({ g, a, relaxed }) => {
      log4(g, a, relaxed);
    },
  },
  log1p: { scalar: callUnary('log1p'), vector: null },
  expm1: { scalar: callUnary('expm1'), vector: null },
  sqrt: { scalar: unaryOp('f64.sqrt'), vector: unaryOp('f32x4.sqrt') },
  /** 1 / a */
  recip: {
    scalar: ({ g, a }) => {
      g.op('f64.const', 1).op('local.get', a).op('f64.div');
    },
    vector: ({ g, a }) => {
      g.pushConstant(f32x4Const(1)).op('local.get', a).op('f32x4.div');
    },
  },
  sin: { scalar: callUnary('sin'), vector: null },
  cos: { scalar: callUnary('cos'), vector: null },
  tanh: {
    scalar: callUnary('tanh'),
    vector: ({ g, a, relaxed }) => {
      tanh4(g, a, relaxed);
    },
  },
  /** |a|; for integers a ≥ 0 ? a : 0 − a */
  abs: {
    scalar: (c) => {
      const { get, a } = c;
      if (float(c)) get(a).op('f64.abs');
      else
        get(a)
          .op('i32.const', 0)
          .op('local.get', a)
          .op('i32.sub')
          .op('local.get', a)
          .op('i32.const', 0)
          .op('i32.ge_s')
          .op('select');
    },
    vector: (c) => {
      c.get(c.a).op(lanesFloat(c) ? 'f32x4.abs' : 'i32x4.abs');
    },
  },
  /** a > 0 ? 1 : (a < 0 ? −1 : a), so ±0 and NaN stay themselves */
  sign: {
    scalar: (c) => {
      const { g, get, a } = c;
      if (float(c)) {
        g.op('f64.const', 1).op('f64.const', -1).op('local.get', a);
        get(a).op('f64.const', 0).op('f64.lt').op('select');
        get(a).op('f64.const', 0).op('f64.gt').op('select');
      } else {
        g.op('i32.const', 1).op('i32.const', -1).op('local.get', a);
        get(a).op('i32.const', 0).op('i32.lt_s').op('select');
        get(a).op('i32.const', 0).op('i32.gt_s').op('select');
      }
    },
    vector: (c) => {
      const { g, get, a } = c;
      const [lane, lt] = lanesFloat(c) ? ([f32x4Const, 'f32x4.lt'] as const) : ([i32x4Const, 'i32x4.lt_s'] as const);
      g.pushConstant(lane(1)).pushConstant(lane(-1)).op('local.get', a);
      get(a).pushConstant(lane(0)).op(lt).op('v128.bitselect');
      g.pushConstant(lane(0)).op('local.get', a).op(lt).op('v128.bitselect');
    },
  },
  floor: { scalar: unaryOp('f64.floor'), vector: unaryOp('f32x4.floor') },
  ceil: { scalar: unaryOp('f64.ceil'), vector: unaryOp('f32x4.ceil') },
  erf: { scalar: callUnary('erf'), vector: null },
  erfc: { scalar: callUnary('erfc'), vector: null },
  erfinv: { scalar: callUnary('erfinv'), vector: null },
  lgamma: { scalar: callUnary('lgamma'), vector: null },
  /** ψ⁽ⁿ⁾(a) with the order n = imm pushed first */
  polygamma: {
    scalar: ({ g, e, get, a, call }) => {
      g.op('f64.const', e.imm);
      get(a);
      call('polygamma');
    },
    vector: null,
  },
  add: { scalar: scalarBinary('f64.add', 'i32.add'), vector: vectorBinary('f32x4.add', 'i32x4.add') },
  sub: { scalar: scalarBinary('f64.sub', 'i32.sub'), vector: vectorBinary('f32x4.sub', 'i32x4.sub') },
  mul: { scalar: scalarBinary('f64.mul', 'i32.mul'), vector: vectorBinary('f32x4.mul', 'i32x4.mul') },
  div: {
    scalar: scalarBinary('f64.div', 'i32.div_s'),
    vector: ({ get, a, b }) => {
      get(a, b).op('f32x4.div');
    },
  },
  pow: {
    scalar: ({ get, a, b, call }) => {
      get(a, b);
      call('pow');
    },
    vector: null,
  },
  /** the larger; NaN if either is (f64.max) */
  max: {
    scalar: (c) => {
      if (float(c)) c.get(c.a, c.b).op('f64.max');
      else c.get(c.a, c.b, c.a, c.b).op('i32.gt_s').op('select');
    },
    vector: vectorBinary('f32x4.max', 'i32x4.max_s'),
  },
  min: {
    scalar: (c) => {
      if (float(c)) c.get(c.a, c.b).op('f64.min');
      else c.get(c.a, c.b, c.a, c.b).op('i32.lt_s').op('select');
    },
    vector: vectorBinary('f32x4.min', 'i32x4.min_s'),
  },
  /** ⌊a / b⌋ for b > 0: truncation, minus one when the remainder is negative */
  idiv: {
    scalar: ({ get, a, b }) => {
      get(a, b).op('i32.div_s');
      get(a, b).op('i32.rem_s').op('i32.const', 0).op('i32.lt_s').op('i32.sub');
    },
    vector: null,
  },
  /** a mod b in [0, b) for b > 0: the remainder, plus b when negative */
  mod: {
    scalar: ({ g, get, a, b }) => {
      const r = g.local('i32');
      get(a, b).op('i32.rem_s').op('local.tee', r);
      get(b).op('i32.const', 0).op('local.get', r).op('i32.const', 0).op('i32.lt_s').op('select').op('i32.add');
    },
    vector: null,
  },
  lt: { scalar: scalarCompare('f64.lt', 'i32.lt_s'), vector: vectorCompare('f32x4.lt', 'i32x4.lt_s') },
  le: { scalar: scalarCompare('f64.le', 'i32.le_s'), vector: vectorCompare('f32x4.le', 'i32x4.le_s') },
  eq: { scalar: scalarCompare('f64.eq', 'i32.eq'), vector: vectorCompare('f32x4.eq', 'i32x4.eq') },
  ne: { scalar: scalarCompare('f64.ne', 'i32.ne'), vector: vectorCompare('f32x4.ne', 'i32x4.ne') },
  /** a ? b : c */
  where: {
    scalar: ({ get, a, b, c }) => {
      get(b, c, a).op('select');
    },
    vector: ({ get, a, b, c }) => {
      get(b, c, a).op('v128.bitselect');
    },
  },
  /** bool: ≠ 0; float from integer: convert; f32 from f64: round; i32 from float: truncate, saturating */
  cast: {
    scalar: (c) => {
      const { g, e, get, a } = c;
      get(a);
      const from = (e.args[0] as ScalarExpr).dtype;
      if (e.dtype === 'bool') {
        if (isFloat(from)) g.op('f64.const', 0).op('f64.ne');
        else g.op('i32.const', 0).op('i32.ne');
      } else if (float(c)) {
        // to f32: rounded by the scalar code (core's `roundsToF32`)
        if (!isFloat(from)) g.op('f64.convert_i32_s');
      } else if (isFloat(from)) g.op('i32.trunc_sat_f64_s');
    },
    vector: (c) => {
      const { g, e, get, a } = c;
      const from = e.args[0]?.dtype;
      get(a);
      if (e.dtype === from) return;
      if (e.dtype === 'bool') g.pushConstant(i32x4Const(0)).op(from === 'f32' ? 'f32x4.ne' : 'i32x4.ne');
      else if (from === 'bool') g.pushConstant(lanesFloat(c) ? f32x4Const(1) : i32x4Const(1)).op('v128.and');
      else g.op(lanesFloat(c) ? 'f32x4.convert_i32x4_s' : 'i32x4.trunc_sat_f32x4_s');
    },
  },
  /** a when 0 ≤ a < the bound of site imm, else the index-error import raises that site's IndexError */
  checkIndex: {
    scalar: ({ g, e, get, a, call }) => {
      get(a).op('i32.const', 0).op('i32.lt_s');
      get(a).op('i32.const', siteOf(e.imm).bound).op('i32.ge_s').op('i32.or');
      g.op('if');
      get(a).op('f64.convert_i32_s').op('f64.const', e.imm);
      call('indexError');
      g.op('end');
      get(a);
    },
    vector: null,
  },
};
