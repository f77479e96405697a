/**
 * @file WebAssembly SIMD for map kernels: the innermost loop (the innermost reduction loop, or the
 * innermost output loop) runs four f32 lanes at a time; everything that does not depend on it runs
 * as scalar f64/i32 code at the outermost loop where its inputs are known. A kernel qualifies when
 * every value in that inner loop is f32/i32/bool, uses ops with a vector form here, and reads
 * memory contiguously along the loop (or not at all). Others stay on the JavaScript path.
 */
import { lit, type MapKernel, scalar, type ScalarExpr, scalarToposort } from '@xent/core';
import type { FunctionBuilder, Mnemonic } from './encoder.js';
import { exp4, log4 } from './simdMath.js';

/** The Math functions scalar code imports (module `env`, same names). */
export const mathImports = ['exp', 'log', 'log1p', 'expm1', 'sin', 'cos', 'tanh', 'pow'] as const;

/** Imported functions for scalar code, in import order: the Math ones, then the index check. */
export const scalarImports = [...mathImports, 'indexError'] as const;
export type ScalarImport = (typeof scalarImports)[number];

const vectorOps = new Set<ScalarExpr['op']>([
  'const',
  'var',
  'load',
  'neg',
  'exp',
  'log',
  'sqrt',
  'recip',
  'abs',
  'sign',
  'floor',
  'ceil',
  'add',
  'sub',
  'mul',
  'div',
  'max',
  'min',
  'lt',
  'le',
  'eq',
  'ne',
  'where',
  'cast',
]);

const bytes = (dtype: ScalarExpr['dtype']): number => (dtype === 'f64' ? 8 : dtype === 'bool' ? 1 : 4);
const isFloat = (d: ScalarExpr['dtype']): boolean => d === 'f32' || d === 'f64';

/** The loop structure shared by eligibility and codegen. */
interface Plan {
  readonly k: number;
  readonly inner: number;
  readonly extent: number;
  readonly dependsInner: (e: ScalarExpr) => boolean;
}

function plan(k: MapKernel): Plan | undefined {
  const outDims = k.shape.length;
  const redDims = k.reduce?.shape.length ?? 0;
  if (outDims + redDims === 0) return undefined;
  const inner = k.reduce !== undefined && redDims > 0 ? outDims + redDims - 1 : outDims - 1;
  if (inner < 0) return undefined;
  const extent = (inner >= outDims ? k.reduce?.shape[inner - outDims] : k.shape[inner]) ?? 0;
  const memo = new Map<ScalarExpr, boolean>();
  const dependsInner = (e: ScalarExpr): boolean => {
    const known = memo.get(e);
    if (known !== undefined) return known;
    const v = e.op === 'var' ? e.imm === inner : e.args.some(dependsInner);
    memo.set(e, v);
    return v;
  };
  return { k: outDims, inner, extent, dependsInner };
}

/** d(address)/d(inner var) when the address is linear in it, else undefined. */
function innerCoefficient(e: ScalarExpr, p: Plan): number | undefined {
  if (!p.dependsInner(e)) return 0;
  switch (e.op) {
    case 'var':
      return 1;
    case 'add':
    case 'sub': {
      const a = innerCoefficient(e.args[0] as ScalarExpr, p);
      const b = innerCoefficient(e.args[1] as ScalarExpr, p);
      return a === undefined || b === undefined ? undefined : e.op === 'add' ? a + b : a - b;
    }
    case 'mul': {
      const [a, b] = e.args as [ScalarExpr, ScalarExpr];
      if (a.op === 'const') return mulOrUndefined(a.imm, innerCoefficient(b, p));
      if (b.op === 'const') return mulOrUndefined(b.imm, innerCoefficient(a, p));
      return undefined;
    }
    default:
      return undefined;
  }
}

const mulOrUndefined = (c: number, x: number | undefined): number | undefined => (x === undefined ? undefined : c * x);

/** Why the kernel stays on the JavaScript path (undefined: it is vectorised). */
export function wasmIneligibility(k: MapKernel): string | undefined {
  const p = plan(k);
  if (p === undefined) return 'no loop to vectorise';
  if (p.extent < 8) return `inner loop of ${p.extent} elements`;
  if (k.reduce !== undefined && k.reduce.body.dtype !== 'f32') return `a ${k.reduce.body.dtype} reduction`;
  if (k.reduce === undefined && k.outputs.some((o) => o.dtype !== 'f32' && o.dtype !== 'i32'))
    return 'a bool or f64 output';
  const roots = k.reduce === undefined ? k.outputs : [k.reduce.body, ...k.outputs];
  for (const e of scalarToposort(roots)) {
    if (!p.dependsInner(e)) continue;
    if (!vectorOps.has(e.op)) return `op ${e.op} in the inner loop`;
    if (e.dtype === 'f64') return 'f64 values in the inner loop';
    if (e.op === 'load') {
      if (e.dtype === 'bool') return 'a bool load in the inner loop';
      if (innerCoefficient(e.args[0] as ScalarExpr, p) !== 1) return 'a strided or indirect load in the inner loop';
    }
  }
  return undefined;
}

/** Replaces loop var `v` by `value` (to get a row's base address). */
function substituteVar(e: ScalarExpr, v: number, value: ScalarExpr): ScalarExpr {
  const memo = new Map<ScalarExpr, ScalarExpr>();
  for (const x of scalarToposort([e])) {
    if (x.op === 'var' && x.imm === v) memo.set(x, value);
    else
      memo.set(
        x,
        x.args.length === 0
          ? x
          : scalar(
              x.op,
              x.dtype,
              x.args.map((a) => memo.get(a) as ScalarExpr),
              x.imm,
            ),
      );
  }
  return memo.get(e) as ScalarExpr;
}

type Emit = (f: FunctionBuilder) => void;

/** A counted loop over local `v` from `start` to `end` (each pushes an i32), step `step`. */
function loop(g: FunctionBuilder, v: number, start: Emit, end: Emit, step: number, body: Emit): void {
  start(g);
  g.op('local.set', v);
  g.op('block').op('loop');
  g.op('local.get', v);
  end(g);
  g.op('i32.ge_s').op('br_if', 1);
  body(g);
  g.op('local.get', v).op('i32.const', step).op('i32.add').op('local.set', v).op('br', 0);
  g.op('end').op('end');
}

const constant =
  (c: number): Emit =>
  (g) =>
    g.op('i32.const', c);
const run = (g: FunctionBuilder, list: readonly Emit[]): void => {
  for (const emit of list) emit(g);
};

const f32x4Const = (v: number): number[] => {
  const b = new Uint8Array(new Float32Array([v, v, v, v]).buffer);
  return Array.from(b);
};
const i32x4Const = (v: number): number[] => Array.from(new Uint8Array(new Int32Array([v, v, v, v]).buffer));

/** Pushes the scalar value of `e` (f64 for floats, i32 for integers and bools) given its args' locals. */
function emitScalarOp(
  g: FunctionBuilder,
  e: ScalarExpr,
  args: readonly number[],
  importIndex: (name: ScalarImport) => number,
): void {
  const [a, b, c] = args as [number, number, number];
  const float = isFloat(e.dtype);
  const argFloat = e.args[0] !== undefined && isFloat(e.args[0].dtype);
  const get = (...ls: number[]): FunctionBuilder => {
    for (const l of ls) g.op('local.get', l);
    return g;
  };
  const call = (name: ScalarImport): FunctionBuilder => g.op('call', importIndex(name));
  const binary = (fop: Mnemonic, iop: Mnemonic): FunctionBuilder => get(a, b).op(float ? fop : iop);
  switch (e.op) {
    case 'const':
      if (float) g.op('f64.const', e.imm);
      else g.op('i32.const', e.imm);
      return;
    case 'var':
    case 'acc':
      throw new Error('xent internal error: loop vars and accumulators are locals');
    case 'load': {
      const shift = Math.log2(bytes(e.dtype));
      get(e.imm, a).op('i32.const', shift).op('i32.shl').op('i32.add');
      if (e.dtype === 'f32') g.op('f32.load', 2, 0).op('f64.promote_f32');
      else if (e.dtype === 'f64') g.op('f64.load', 3, 0);
      else if (e.dtype === 'i32') g.op('i32.load', 2, 0);
      else g.op('i32.load8_u', 0, 0);
      return;
    }
    case 'neg':
      if (float) get(a).op('f64.neg');
      else g.op('i32.const', 0).op('local.get', a).op('i32.sub');
      return;
    case 'exp':
    case 'log':
    case 'log1p':
    case 'expm1':
    case 'sin':
    case 'cos':
    case 'tanh':
      get(a);
      call(e.op);
      return;
    case 'sqrt':
      get(a).op('f64.sqrt');
      return;
    case 'recip':
      g.op('f64.const', 1).op('local.get', a).op('f64.div');
      return;
    case 'abs':
      if (float) get(a).op('f64.abs');
      else
        get(a)
          .op('i32.const', 0)
          .op('local.get', a)
          .op('i32.sub')
          .op('local.get', a)
          .op('i32.const', 0)
          .op('i32.ge_s')
          .op('select');
      return;
    case 'sign':
      if (float) {
        g.op('f64.const', 1).op('f64.const', -1).op('local.get', a);
        get(a).op('f64.const', 0).op('f64.lt').op('select');
        get(a).op('f64.const', 0).op('f64.gt').op('select');
      } else {
        g.op('i32.const', 1).op('i32.const', -1).op('local.get', a);
        get(a).op('i32.const', 0).op('i32.lt_s').op('select');
        get(a).op('i32.const', 0).op('i32.gt_s').op('select');
      }
      return;
    case 'floor':
      get(a).op('f64.floor');
      return;
    case 'ceil':
      get(a).op('f64.ceil');
      return;
    case 'add':
      binary('f64.add', 'i32.add');
      return;
    case 'sub':
      binary('f64.sub', 'i32.sub');
      return;
    case 'mul':
      binary('f64.mul', 'i32.mul');
      return;
    case 'div':
      binary('f64.div', 'i32.div_s');
      return;
    case 'pow':
      get(a, b);
      call('pow');
      return;
    case 'max':
      if (float) get(a, b).op('f64.max');
      else get(a, b, a, b).op('i32.gt_s').op('select');
      return;
    case 'min':
      if (float) get(a, b).op('f64.min');
      else get(a, b, a, b).op('i32.lt_s').op('select');
      return;
    case 'idiv':
      // ⌊a / b⌋ for b > 0: truncation, minus one when the remainder is negative
      get(a, b).op('i32.div_s');
      get(a, b).op('i32.rem_s').op('i32.const', 0).op('i32.lt_s').op('i32.sub');
      return;
    case 'mod': {
      const r = g.local('i32');
      get(a, b).op('i32.rem_s').op('local.tee', r);
      get(b).op('i32.const', 0).op('local.get', r).op('i32.const', 0).op('i32.lt_s').op('select').op('i32.add');
      return;
    }
    case 'lt':
      get(a, b).op(argFloat ? 'f64.lt' : 'i32.lt_s');
      return;
    case 'le':
      get(a, b).op(argFloat ? 'f64.le' : 'i32.le_s');
      return;
    case 'eq':
      get(a, b).op(argFloat ? 'f64.eq' : 'i32.eq');
      return;
    case 'ne':
      get(a, b).op(argFloat ? 'f64.ne' : 'i32.ne');
      return;
    case 'where':
      get(b, c, a).op('select');
      return;
    case 'cast': {
      get(a);
      const from = (e.args[0] as ScalarExpr).dtype;
      if (e.dtype === 'bool') {
        if (isFloat(from)) g.op('f64.const', 0).op('f64.ne');
        else g.op('i32.const', 0).op('i32.ne');
      } else if (float) {
        if (!isFloat(from)) g.op('f64.convert_i32_s');
        else if (e.dtype === 'f32' && from === 'f64') g.op('f32.demote_f64').op('f64.promote_f32');
      } else if (isFloat(from)) g.op('i32.trunc_sat_f64_s');
      return;
    }
    case 'checkIndex':
      get(a).op('i32.const', 0).op('i32.lt_s');
      get(a).op('i32.const', e.imm).op('i32.ge_s').op('i32.or');
      g.op('if');
      get(a).op('f64.convert_i32_s').op('f64.const', e.imm);
      call('indexError');
      g.op('end');
      get(a);
      return;
  }
}

/**
 * Pushes the vector value of `e` (f32x4, or i32x4; bools are lane masks) given its args' locals;
 * exp and log use relaxed_madd with `relaxed`.
 */
function emitVectorOp(g: FunctionBuilder, e: ScalarExpr, args: readonly number[], relaxed: boolean): void {
  const [a, b, c] = args as [number, number, number];
  const float = e.dtype === 'f32';
  const from = e.args[0]?.dtype;
  const argFloat = from === 'f32';
  const get = (...ls: number[]): FunctionBuilder => {
    for (const l of ls) g.op('local.get', l);
    return g;
  };
  const binary = (fop: Mnemonic, iop: Mnemonic): void => {
    get(a, b).op(float ? fop : iop);
  };
  switch (e.op) {
    case 'const':
      g.op('v128.const', ...(float ? f32x4Const(e.imm) : i32x4Const(e.dtype === 'bool' ? -e.imm : e.imm)));
      return;
    case 'neg':
      get(a).op(float ? 'f32x4.neg' : 'i32x4.neg');
      return;
    case 'exp': {
      const x = g.local('v128');
      get(a).op('local.set', x);
      exp4(g, x, relaxed);
      return;
    }
    case 'log':
      log4(g, a, relaxed);
      return;
    case 'sqrt':
      get(a).op('f32x4.sqrt');
      return;
    case 'recip':
      g.op('v128.const', ...f32x4Const(1))
        .op('local.get', a)
        .op('f32x4.div');
      return;
    case 'abs':
      get(a).op(float ? 'f32x4.abs' : 'i32x4.abs');
      return;
    case 'sign':
      if (float) {
        g.op('v128.const', ...f32x4Const(1))
          .op('v128.const', ...f32x4Const(-1))
          .op('local.get', a);
        get(a)
          .op('v128.const', ...f32x4Const(0))
          .op('f32x4.lt')
          .op('v128.bitselect');
        g.op('v128.const', ...f32x4Const(0))
          .op('local.get', a)
          .op('f32x4.lt')
          .op('v128.bitselect');
      } else {
        g.op('v128.const', ...i32x4Const(1))
          .op('v128.const', ...i32x4Const(-1))
          .op('local.get', a);
        get(a)
          .op('v128.const', ...i32x4Const(0))
          .op('i32x4.lt_s')
          .op('v128.bitselect');
        g.op('v128.const', ...i32x4Const(0))
          .op('local.get', a)
          .op('i32x4.lt_s')
          .op('v128.bitselect');
      }
      return;
    case 'floor':
      get(a).op('f32x4.floor');
      return;
    case 'ceil':
      get(a).op('f32x4.ceil');
      return;
    case 'add':
      binary('f32x4.add', 'i32x4.add');
      return;
    case 'sub':
      binary('f32x4.sub', 'i32x4.sub');
      return;
    case 'mul':
      binary('f32x4.mul', 'i32x4.mul');
      return;
    case 'div':
      get(a, b).op('f32x4.div');
      return;
    case 'max':
      binary('f32x4.max', 'i32x4.max_s');
      return;
    case 'min':
      binary('f32x4.min', 'i32x4.min_s');
      return;
    case 'lt':
      get(a, b).op(argFloat ? 'f32x4.lt' : 'i32x4.lt_s');
      return;
    case 'le':
      get(a, b).op(argFloat ? 'f32x4.le' : 'i32x4.le_s');
      return;
    case 'eq':
      get(a, b).op(argFloat ? 'f32x4.eq' : 'i32x4.eq');
      return;
    case 'ne':
      get(a, b).op(argFloat ? 'f32x4.ne' : 'i32x4.ne');
      return;
    case 'where':
      get(b, c, a).op('v128.bitselect');
      return;
    case 'cast':
      get(a);
      if (e.dtype === from) return;
      if (e.dtype === 'bool') g.op('v128.const', ...i32x4Const(0)).op(argFloat ? 'f32x4.ne' : 'i32x4.ne');
      else if (from === 'bool') g.op('v128.const', ...(float ? f32x4Const(1) : i32x4Const(1))).op('v128.and');
      else g.op(float ? 'f32x4.convert_i32x4_s' : 'i32x4.trunc_sat_f32x4_s');
      return;
    default:
      throw new Error(`xent internal error: no vector form for ${e.op}`);
  }
}

/** A vector body's values and code (lanes i..i+3 when contiguous, else element i in every lane). */
interface VectorBody {
  readonly value: (e: ScalarExpr) => number;
  readonly code: Emit[];
}

/** Init, inner loop and finish code of a reduction over the inner var (lanes combine into `acc`, f64). */
function reductionCode(
  f: FunctionBuilder,
  op: NonNullable<MapKernel['reduce']>['op'],
  body: ScalarExpr,
  vectorBody: (contiguous: boolean) => VectorBody,
  iv: number,
  extent: number,
  acc: number,
  importIndex: (name: ScalarImport) => number,
  relaxed: boolean,
): { init: Emit; loops: Emit; finish: Emit } {
  const e4 = extent - (extent % 4);
  const tail = vectorBody(false);
  const tailValue = tail.value(body);
  const lane0 = (g: FunctionBuilder): void => {
    g.op('local.get', tailValue).op('f32x4.extract_lane', 0).op('f64.promote_f32');
  };
  switch (op) {
    case 'sum': {
      const lo = f.local('v128');
      const hi = f.local('v128');
      const vec = vectorBody(true);
      const v = vec.value(body);
      return {
        init: (g) => {
          g.op('v128.const', ...i32x4Const(0))
            .op('local.tee', lo)
            .op('local.set', hi);
        },
        loops: (g) => {
          loop(g, iv, constant(0), constant(e4), 4, (h) => {
            run(h, vec.code);
            h.op('local.get', lo).op('local.get', v).op('f64x2.promote_low_f32x4').op('f64x2.add').op('local.set', lo);
            h.op('local.get', hi).op('local.get', v).op('local.get', v);
            h.op('i8x16.shuffle', 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
            h.op('f64x2.promote_low_f32x4').op('f64x2.add').op('local.set', hi);
          });
          loop(g, iv, constant(e4), constant(extent), 1, (h) => {
            run(h, tail.code);
            h.op('local.get', acc);
            lane0(h);
            h.op('f64.add').op('local.set', acc);
          });
        },
        finish: (g) => {
          g.op('local.get', acc);
          g.op('local.get', lo).op('f64x2.extract_lane', 0).op('f64.add');
          g.op('local.get', lo).op('f64x2.extract_lane', 1).op('f64.add');
          g.op('local.get', hi).op('f64x2.extract_lane', 0).op('f64.add');
          g.op('local.get', hi).op('f64x2.extract_lane', 1).op('f64.add');
          g.op('local.set', acc);
        },
      };
    }
    case 'max': {
      const m = f.local('v128');
      const vec = vectorBody(true);
      const v = vec.value(body);
      return {
        init: (g) => {
          g.op('v128.const', ...f32x4Const(-Infinity)).op('local.set', m);
          g.op('f64.const', -Infinity).op('local.set', acc);
        },
        loops: (g) => {
          loop(g, iv, constant(0), constant(e4), 4, (h) => {
            run(h, vec.code);
            h.op('local.get', m).op('local.get', v).op('f32x4.max').op('local.set', m);
          });
          loop(g, iv, constant(e4), constant(extent), 1, (h) => {
            run(h, tail.code);
            h.op('local.get', acc);
            lane0(h);
            h.op('f64.max').op('local.set', acc);
          });
        },
        finish: (g) => {
          for (let l = 0; l < 4; l++) {
            g.op('local.get', acc)
              .op('local.get', m)
              .op('f32x4.extract_lane', l)
              .op('f64.promote_f32')
              .op('f64.max')
              .op('local.set', acc);
          }
        },
      };
    }
    case 'logsumexp': {
      // Per lane (m, s). Blocks of up to 256 vectors are read twice from cache: their max, then
      // Σ exp(v − max); each block then merges into the running pair with one rescale.
      const BLOCK = 1024;
      const m = f.local('v128');
      const s = f.local('v128');
      const mb = f.local('v128');
      const sb = f.local('v128');
      const mn = f.local('v128');
      const t = f.local('v128');
      const bEnd = f.local('i32');
      const bStart = f.local('i32');
      const M = f.local('f64');
      const S = f.local('f64');
      const x = f.local('f64');
      const passMax = vectorBody(true);
      const passSum = vectorBody(true);
      const vMax = passMax.value(body);
      const vSum = passSum.value(body);
      const expIf = (g: FunctionBuilder, diff: Emit, equal: Emit): void => {
        // exp(diff), or exactly 1 where the operands were equal (also when both are ±Inf)
        g.op('v128.const', ...f32x4Const(1));
        diff(g);
        g.op('local.set', t);
        exp4(g, t, relaxed);
        equal(g);
        g.op('v128.bitselect');
      };
      const expScalar = (g: FunctionBuilder): void => {
        g.op('call', importIndex('exp'));
      };
      return {
        init: (g) => {
          g.op('v128.const', ...f32x4Const(-Infinity)).op('local.set', m);
          g.op('v128.const', ...f32x4Const(0)).op('local.set', s);
        },
        loops: (g) => {
          loop(g, bStart, constant(0), constant(e4), BLOCK, (h) => {
            // bEnd = min(bStart + BLOCK, e4)
            h.op('local.get', bStart).op('i32.const', BLOCK).op('i32.add').op('i32.const', e4);
            h.op('local.get', bStart)
              .op('i32.const', BLOCK)
              .op('i32.add')
              .op('i32.const', e4)
              .op('i32.lt_s')
              .op('select')
              .op('local.set', bEnd);
            h.op('v128.const', ...f32x4Const(-Infinity)).op('local.set', mb);
            loop(
              h,
              iv,
              (q) => q.op('local.get', bStart),
              (q) => q.op('local.get', bEnd),
              4,
              (q) => {
                run(q, passMax.code);
                q.op('local.get', mb).op('local.get', vMax).op('f32x4.max').op('local.set', mb);
              },
            );
            h.op('v128.const', ...f32x4Const(0)).op('local.set', sb);
            loop(
              h,
              iv,
              (q) => q.op('local.get', bStart),
              (q) => q.op('local.get', bEnd),
              4,
              (q) => {
                run(q, passSum.code);
                q.op('local.get', sb);
                expIf(
                  q,
                  (r) => r.op('local.get', vSum).op('local.get', mb).op('f32x4.sub'),
                  (r) => r.op('local.get', vSum).op('local.get', mb).op('f32x4.eq'),
                );
                q.op('f32x4.add').op('local.set', sb);
              },
            );
            // merge: mn = max(m, mb); s = s·e^(m−mn) + sb·e^(mb−mn)
            h.op('local.get', m).op('local.get', mb).op('f32x4.max').op('local.set', mn);
            h.op('local.get', s);
            expIf(
              h,
              (r) => r.op('local.get', m).op('local.get', mn).op('f32x4.sub'),
              (r) => r.op('local.get', m).op('local.get', mn).op('f32x4.eq'),
            );
            h.op('f32x4.mul');
            h.op('local.get', sb);
            expIf(
              h,
              (r) => r.op('local.get', mb).op('local.get', mn).op('f32x4.sub'),
              (r) => r.op('local.get', mb).op('local.get', mn).op('f32x4.eq'),
            );
            h.op('f32x4.mul').op('f32x4.add').op('local.set', s);
            h.op('local.get', mn).op('local.set', m);
          });
          // lanes → (M, S) in f64, then the tail elements online
          g.op('f64.const', -Infinity).op('local.set', M);
          for (let l = 0; l < 4; l++)
            g.op('local.get', M)
              .op('local.get', m)
              .op('f32x4.extract_lane', l)
              .op('f64.promote_f32')
              .op('f64.max')
              .op('local.set', M);
          g.op('f64.const', 0).op('local.set', S);
          for (let l = 0; l < 4; l++) {
            g.op('local.get', S);
            g.op('local.get', s).op('f32x4.extract_lane', l).op('f64.promote_f32');
            // factor e^(m_l − M), exactly 1 when equal
            g.op('f64.const', 1);
            g.op('local.get', m).op('f32x4.extract_lane', l).op('f64.promote_f32').op('local.get', M).op('f64.sub');
            expScalar(g);
            g.op('local.get', m)
              .op('f32x4.extract_lane', l)
              .op('f64.promote_f32')
              .op('local.get', M)
              .op('f64.eq')
              .op('select');
            g.op('f64.mul').op('f64.add').op('local.set', S);
          }
          loop(g, iv, constant(e4), constant(extent), 1, (h) => {
            run(h, tail.code);
            lane0(h);
            h.op('local.set', x);
            // v > M: S = S·e^(M−v) + 1, M = v; v == M: S += 1; v ≠ −Inf: S += e^(v−M)
            h.op('local.get', x).op('local.get', M).op('f64.gt').op('if');
            h.op('local.get', S).op('local.get', M).op('local.get', x).op('f64.sub');
            expScalar(h);
            h.op('f64.mul').op('f64.const', 1).op('f64.add').op('local.set', S).op('local.get', x).op('local.set', M);
            h.op('else');
            h.op('local.get', x).op('local.get', M).op('f64.eq').op('if');
            h.op('local.get', S).op('f64.const', 1).op('f64.add').op('local.set', S);
            h.op('else');
            h.op('local.get', x).op('f64.const', -Infinity).op('f64.ne').op('if');
            h.op('local.get', S).op('local.get', x).op('local.get', M).op('f64.sub');
            expScalar(h);
            h.op('f64.add').op('local.set', S);
            h.op('end').op('end').op('end');
          });
        },
        finish: (g) => {
          // −Inf when every element was −Inf (and no NaN), else M + log S
          g.op('f64.const', -Infinity);
          g.op('local.get', M).op('local.get', S).op('call', importIndex('log')).op('f64.add');
          g.op('local.get', M).op('f64.const', -Infinity).op('f64.eq');
          g.op('local.get', S).op('local.get', S).op('f64.eq').op('i32.and').op('select').op('local.set', acc);
        },
      };
    }
  }
}

/**
 * Emits the kernel as one function `(in0, …, out0, …, lo, hi)` over byte offsets; `lo`/`hi` bound
 * the outermost output loop (the whole of it when called with 0 and its extent). With `relaxed`,
 * the vector exp and log use relaxed SIMD multiply-adds.
 */
export function emitMapKernel(
  k: MapKernel,
  f: FunctionBuilder,
  importIndex: (name: ScalarImport) => number,
  relaxed: boolean,
): void {
  const p = plan(k) as Plan;
  const nIn = k.inputs.length;
  const lo = nIn + k.outputs.length;
  const hi = lo + 1;
  const outDims = k.shape.length;
  const reduceShape = k.reduce?.shape ?? [];
  const loopVars = [...Array(outDims + reduceShape.length).keys()];
  const extentOf = (v: number): number => (v < outDims ? (k.shape[v] as number) : (reduceShape[v - outDims] as number));
  const varLocal = new Map(loopVars.map((v) => [v, f.local('i32')]));
  const innerDepth = p.inner + 1;
  const acc = f.local('f64');
  // Scalar code by loop depth; `epilogue` runs after the reduction loops, at the output depth.
  const pre: Emit[][] = Array.from({ length: loopVars.length + 1 }, () => []);
  const epilogue: Emit[] = [];
  const scalars = new Map<ScalarExpr, number>();
  const splats = new Map<ScalarExpr, number>();
  const depthMemo = new Map<ScalarExpr, { depth: number; afterAcc: boolean }>();

  const depthOfExpr = (e: ScalarExpr): { depth: number; afterAcc: boolean } => {
    const known = depthMemo.get(e);
    if (known !== undefined) return known;
    let r = { depth: 0, afterAcc: false };
    if (e.op === 'var') r = { depth: e.imm + 1, afterAcc: false };
    else if (e.op === 'acc') r = { depth: outDims, afterAcc: true };
    else {
      for (const a of e.args) {
        const d = depthOfExpr(a);
        r = { depth: Math.max(r.depth, d.depth), afterAcc: r.afterAcc || d.afterAcc };
      }
    }
    depthMemo.set(e, r);
    return r;
  };
  const place = (e: ScalarExpr, emit: Emit): void => {
    const { depth, afterAcc } = depthOfExpr(e);
    (afterAcc ? epilogue : (pre[depth] as Emit[])).push(emit);
  };

  const scalarOf = (e: ScalarExpr): number => {
    if (e.op === 'var') return varLocal.get(e.imm) as number;
    if (e.op === 'acc') return acc;
    const known = scalars.get(e);
    if (known !== undefined) return known;
    const args = e.args.map(scalarOf);
    const out = f.local(isFloat(e.dtype) ? 'f64' : 'i32');
    scalars.set(e, out);
    place(e, (g) => {
      emitScalarOp(g, e, args, importIndex);
      g.op('local.set', out);
    });
    return out;
  };

  const splatOf = (e: ScalarExpr): number => {
    const known = splats.get(e);
    if (known !== undefined) return known;
    const s = scalarOf(e);
    const out = f.local('v128');
    splats.set(e, out);
    place(e, (g) => {
      if (isFloat(e.dtype)) g.op('local.get', s).op('f32.demote_f64').op('f32x4.splat');
      else if (e.dtype === 'bool') g.op('i32.const', 0).op('local.get', s).op('i32.sub').op('i32x4.splat');
      else g.op('local.get', s).op('i32x4.splat');
      g.op('local.set', out);
    });
    return out;
  };

  const iv = varLocal.get(p.inner) as number;
  const vectorBody = (contiguous: boolean): VectorBody => {
    const memo = new Map<ScalarExpr, number>();
    const code: Emit[] = [];
    const value = (e: ScalarExpr): number => {
      if (!p.dependsInner(e)) return splatOf(e);
      const known = memo.get(e);
      if (known !== undefined) return known;
      if (e.op === 'load') {
        const base = scalarOf(substituteVar(e.args[0] as ScalarExpr, p.inner, lit(0, 'i32')));
        const out = f.local('v128');
        memo.set(e, out);
        code.push((g) => {
          g.op('local.get', e.imm).op('local.get', base).op('local.get', iv).op('i32.add');
          g.op('i32.const', 2).op('i32.shl').op('i32.add');
          g.op(contiguous ? 'v128.load' : 'v128.load32_splat', 2, 0).op('local.set', out);
        });
        return out;
      }
      if (e.op === 'var') {
        const out = f.local('v128');
        memo.set(e, out);
        code.push((g) => {
          g.op('local.get', iv).op('i32x4.splat');
          if (contiguous) g.op('v128.const', 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0).op('i32x4.add');
          g.op('local.set', out);
        });
        return out;
      }
      const args = e.args.map(value);
      const out = f.local('v128');
      memo.set(e, out);
      code.push((g) => {
        emitVectorOp(g, e, args, relaxed);
        g.op('local.set', out);
      });
      return out;
    };
    return { value, code };
  };

  // Flat output index of the current row start (output vars other than the inner one).
  const strides = k.shape.map((_, d) => k.shape.slice(d + 1).reduce((x, y) => x * y, 1));
  const rowBase = (g: FunctionBuilder): void => {
    g.op('i32.const', 0);
    for (let d = 0; d < outDims; d++) {
      if (d === p.inner) continue;
      g.op('local.get', varLocal.get(d) as number)
        .op('i32.const', strides[d] as number)
        .op('i32.mul')
        .op('i32.add');
    }
  };

  let inner: Emit;
  let reduction: { init: Emit; loops: Emit; finish: Emit } | undefined;
  const stores: Emit[] = [];
  if (k.reduce === undefined) {
    const vec = vectorBody(true);
    const tail = vectorBody(false);
    const vOuts = k.outputs.map(vec.value);
    const tOuts = k.outputs.map(tail.value);
    const store = (g: FunctionBuilder, i: number, vector: boolean): void => {
      const int = (k.outputs[i] as ScalarExpr).dtype === 'i32';
      g.op('local.get', nIn + i);
      rowBase(g);
      g.op('local.get', iv).op('i32.add').op('i32.const', 2).op('i32.shl').op('i32.add');
      g.op('local.get', (vector ? vOuts : tOuts)[i] as number);
      if (vector) g.op('v128.store', 2, 0);
      else g.op(int ? 'i32x4.extract_lane' : 'f32x4.extract_lane', 0).op(int ? 'i32.store' : 'f32.store', 2, 0);
    };
    // The inner loop runs [lo, hi) when it is the outermost loop (lo a multiple of 4), else [0, extent).
    const outermost = p.inner === 0;
    const vecEnd = f.local('i32');
    inner = (g) => {
      if (outermost) g.op('local.get', hi).op('i32.const', -4).op('i32.and');
      else g.op('i32.const', p.extent - (p.extent % 4));
      g.op('local.set', vecEnd);
      loop(
        g,
        iv,
        outermost ? (h) => h.op('local.get', lo) : constant(0),
        (h) => h.op('local.get', vecEnd),
        4,
        (h) => {
          run(h, vec.code);
          k.outputs.forEach((_, i) => {
            store(h, i, true);
          });
        },
      );
      loop(
        g,
        iv,
        (h) => h.op('local.get', vecEnd),
        outermost ? (h) => h.op('local.get', hi) : constant(p.extent),
        1,
        (h) => {
          run(h, tail.code);
          k.outputs.forEach((_, i) => {
            store(h, i, false);
          });
        },
      );
    };
  } else {
    reduction = reductionCode(f, k.reduce.op, k.reduce.body, vectorBody, iv, p.extent, acc, importIndex, relaxed);
    inner = reduction.loops;
    k.outputs.forEach((o, i) => {
      const v = scalarOf(o);
      stores.push((g) => {
        g.op('local.get', nIn + i);
        rowBase(g);
        g.op('i32.const', Math.log2(bytes(o.dtype)))
          .op('i32.shl')
          .op('i32.add');
        g.op('local.get', v);
        if (o.dtype === 'f32') g.op('f32.demote_f64').op('f32.store', 2, 0);
        else if (o.dtype === 'f64') g.op('f64.store', 3, 0);
        else if (o.dtype === 'bool') g.op('i32.store8', 0, 0);
        else g.op('i32.store', 2, 0);
      });
    });
  }

  const nest = (g: FunctionBuilder, depth: number): void => {
    run(g, pre[depth] as Emit[]);
    if (reduction !== undefined && depth === outDims) {
      g.op('f64.const', 0).op('local.set', acc);
      reduction.init(g);
    }
    if (depth + 1 === innerDepth) inner(g);
    else {
      const v = loopVars[depth] as number;
      const outermost = depth === 0 && v < outDims;
      loop(
        g,
        varLocal.get(v) as number,
        outermost ? (h) => h.op('local.get', lo) : constant(0),
        outermost ? (h) => h.op('local.get', hi) : constant(extentOf(v)),
        1,
        (h) => {
          nest(h, depth + 1);
        },
      );
    }
    if (reduction !== undefined && depth === outDims) {
      reduction.finish(g);
      run(g, epilogue);
      run(g, stores);
    }
  };
  nest(f, 0);
}
