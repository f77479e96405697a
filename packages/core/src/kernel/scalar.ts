/**
 * @file The scalar kernel IR: expressions over loop indices, loads and accumulators. Backends see
 * only this (and `program.ts`), never `Prim`. Expressions are hash-consed, so equal subexpressions
 * are one object and codegen gets common-subexpression elimination for free.
 */
import type { DType } from '../ir/dtype.js';
import { postorder } from '../util/postorder.js';
import { siteOf } from './indexSites.js';

/** The scalar operations (about 30). */
export const scalarOps = [
  // leaves
  'const', // a literal (imm)
  'var', // a loop index (imm = loop number: output dims first, then reduction dims)
  'load', // input slot imm at address args[0] (i32)
  'acc', // the kernel's reduction result (only in output expressions)
  // unary
  'neg',
  'exp',
  'log',
  'log1p',
  'expm1',
  'sqrt',
  'recip',
  'sin',
  'cos',
  'tanh',
  'abs',
  'sign',
  'floor',
  'ceil',
  'erf',
  'erfc',
  'erfinv',
  'lgamma',
  'polygamma', // ψ⁽ⁿ⁾ of order n = imm
  // binary
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'max',
  'min',
  'idiv', // floor division of i32
  'mod', // non-negative remainder of i32
  'lt',
  'le',
  'eq',
  'ne',
  // select, convert, check
  'where',
  'cast',
  'checkIndex', // args[0] if 0 <= args[0] < bound of site imm (`indexSites.ts`), else a run-time IndexError
] as const;

export type ScalarOp = (typeof scalarOps)[number];

/**
 * Whether an op's f32 value must be rounded to f32 when computed in f64 (scalar JavaScript and
 * WebAssembly code): the reference rounds every op's f32 result, so a fused kernel rounds after
 * each of these too, and a value recomputed in two kernels is the same in both. The others give a
 * value of f32 operands exactly (a leaf, a sign or exponent change, one of the operands, or an
 * integer of an f32).
 */
export const roundsToF32: { readonly [O in ScalarOp]: boolean } = {
  const: false,
  var: false,
  load: false,
  // a sum's or a logsumexp's f64 accumulator
  acc: true,
  neg: false,
  exp: true,
  log: true,
  log1p: true,
  expm1: true,
  sqrt: true,
  recip: true,
  sin: true,
  cos: true,
  tanh: true,
  abs: false,
  sign: false,
  floor: false,
  ceil: false,
  erf: true,
  erfc: true,
  erfinv: true,
  lgamma: true,
  polygamma: true,
  add: true,
  sub: true,
  mul: true,
  div: true,
  pow: true,
  max: false,
  min: false,
  idiv: false,
  mod: false,
  lt: false,
  le: false,
  eq: false,
  ne: false,
  where: false,
  // from f64, and from i32 beyond 2²⁴
  cast: true,
  checkIndex: false,
};

/** Whether `e` is an f32 value that scalar f64 code must round (see `roundsToF32`). */
export const needsF32Rounding = (e: ScalarExpr): boolean => e.dtype === 'f32' && roundsToF32[e.op];

export interface ScalarExpr {
  readonly id: number;
  readonly op: ScalarOp;
  readonly dtype: DType;
  readonly args: readonly ScalarExpr[];
  /** const: the value; var: the loop number; load: the input slot; checkIndex: its site (`indexSite`); polygamma: its order. */
  readonly imm: number;
}

const table = new Map<string, WeakRef<ScalarExpr>>();
const registry = new FinalizationRegistry<string>((key) => {
  if (table.get(key)?.deref() === undefined) table.delete(key);
});
let nextId = 0;

const immKey = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

/** The hash-consed expression with these fields. */
export function scalar(op: ScalarOp, dtype: DType, args: readonly ScalarExpr[] = [], imm = 0): ScalarExpr {
  const key = `${op}|${dtype}|${immKey(imm)}|${args.map((a) => a.id).join(',')}`;
  const hit = table.get(key)?.deref();
  if (hit !== undefined) return hit;
  const e: ScalarExpr = Object.freeze({ id: nextId++, op, dtype, args, imm });
  table.set(key, new WeakRef(e));
  registry.register(e, key);
  return e;
}

export const lit = (value: number, dtype: DType): ScalarExpr => scalar('const', dtype, [], value);
export const loopVar = (k: number): ScalarExpr => scalar('var', 'i32', [], k);
export const load = (slot: number, dtype: DType, address: ScalarExpr): ScalarExpr =>
  scalar('load', dtype, [address], slot);

/** Every subexpression of `roots`, arguments before users. */
export function scalarToposort(roots: readonly ScalarExpr[]): ScalarExpr[] {
  return postorder(roots, (e) => e.args);
}

/** An index-check site as text: its bound and whom it blames. */
const formatSite = (id: number): string => {
  const site = siteOf(id);
  return `${site.bound} ${site.fn}.${site.arg}`;
};

/** A readable one-line form (for dumps and kernel cache keys); `loadName` names the buffer of a load's slot. */
export function formatScalar(root: ScalarExpr, loadName = (slot: number): string => `in${slot}`): string {
  const names = new Map<ScalarExpr, string>();
  const lines: string[] = [];
  for (const e of scalarToposort([root])) {
    let text: string;
    switch (e.op) {
      case 'const':
        text = `${immKey(e.imm)}:${e.dtype}`;
        break;
      case 'var':
        text = `i${e.imm}`;
        break;
      case 'acc':
        text = 'acc';
        break;
      default: {
        const args = e.args.map((a) => names.get(a) ?? '?').join(', ');
        text =
          e.op === 'load'
            ? `${loadName(e.imm)}[${args}]`
            : `${e.op}${e.op === 'checkIndex' ? `<${formatSite(e.imm)}>` : e.op === 'polygamma' ? `<${e.imm}>` : ''}:${e.dtype}(${args})`;
      }
    }
    if (e.args.length === 0) names.set(e, text);
    else {
      names.set(e, `t${lines.length}`);
      lines.push(`t${lines.length}=${text}`);
    }
  }
  return lines.length === 0 ? (names.get(root) ?? '') : lines.join('; ');
}
