/**
 * @file Scalar ops as JavaScript expressions, one exhaustive table. Floats compute in f64 (JS
 * numbers), an f32 value rounded to f32 after each op that can be inexact (core's `roundsToF32`),
 * as the reference rounds each op's result; i32 arithmetic wraps as Int32Array does; bools are 0/1.
 */
import type { DType } from '@xent/core';
import {
  globalName,
  needsF32Rounding,
  type ScalarExpr,
  type ScalarHelperName,
  type ScalarOp,
  siteOf,
} from '@xent/core/internal';

type Render = (args: readonly string[], dtype: DType, argDTypes: readonly DType[], imm: number) => string;

const fn =
  (name: string): Render =>
  (a) =>
    `${name}(${a[0] ?? ''})`;
/** A call of a scalar helper: by its global name (`Math.exp`), else by the name generated kernels are given it under. */
const callHelper = (h: ScalarHelperName, args: readonly string[]): string => `${globalName(h) ?? h}(${args.join(',')})`;
const helper =
  (h: ScalarHelperName): Render =>
  (a) =>
    callHelper(h, a);
const int = (dtype: DType, float: string, integer: string): string => (dtype === 'i32' ? integer : float);

/** A number literal that reads back as the same value (including −0, NaN, ±Infinity). */
export function jsNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

export const jsOps: { readonly [O in ScalarOp]: Render } = {
  const: (_a, _d, _ad, imm) => `(${jsNumber(imm)})`,
  var: (_a, _d, _ad, imm) => `i${imm}`,
  load: (a, _d, _ad, imm) => `in${imm}[${a[0] ?? ''}]`,
  acc: () => 'acc',
  neg: (a, d) => int(d, `(-${a[0] ?? ''})`, `((-${a[0] ?? ''})|0)`),
  exp: helper('exp'),
  log: helper('log'),
  log1p: helper('log1p'),
  expm1: helper('expm1'),
  sqrt: fn('Math.sqrt'),
  recip: (a) => `(1/${a[0] ?? ''})`,
  sin: helper('sin'),
  cos: helper('cos'),
  tanh: helper('tanh'),
  abs: (a, d) => int(d, `Math.abs(${a[0] ?? ''})`, `(Math.abs(${a[0] ?? ''})|0)`),
  sign: fn('Math.sign'),
  floor: fn('Math.floor'),
  ceil: fn('Math.ceil'),
  erf: helper('erf'),
  erfc: helper('erfc'),
  erfinv: helper('erfinv'),
  lgamma: helper('lgamma'),
  /** ψ⁽ⁿ⁾ with n = imm */
  polygamma: (a, _d, _ad, imm) => callHelper('polygamma', [String(imm), a[0] ?? '']),
  add: ([a, b], d) => int(d, `(${a ?? ''}+${b ?? ''})`, `((${a ?? ''}+${b ?? ''})|0)`),
  sub: ([a, b], d) => int(d, `(${a ?? ''}-${b ?? ''})`, `((${a ?? ''}-${b ?? ''})|0)`),
  mul: ([a, b], d) => int(d, `(${a ?? ''}*${b ?? ''})`, `Math.imul(${a ?? ''},${b ?? ''})`),
  div: ([a, b]) => `(${a ?? ''}/${b ?? ''})`,
  pow: helper('pow'),
  max: ([a, b]) => `Math.max(${a ?? ''},${b ?? ''})`,
  min: ([a, b]) => `Math.min(${a ?? ''},${b ?? ''})`,
  idiv: ([a, b]) => `Math.floor(${a ?? ''}/${b ?? ''})`,
  mod: ([a, b]) => `(((${a ?? ''}%${b ?? ''})+${b ?? ''})%${b ?? ''})`,
  lt: ([a, b]) => `(${a ?? ''}<${b ?? ''}?1:0)`,
  le: ([a, b]) => `(${a ?? ''}<=${b ?? ''}?1:0)`,
  eq: ([a, b]) => `(${a ?? ''}===${b ?? ''}?1:0)`,
  ne: ([a, b]) => `(${a ?? ''}!==${b ?? ''}?1:0)`,
  where: ([c, a, b]) => `(${c ?? ''}!==0?${a ?? ''}:${b ?? ''})`,
  cast: ([a], d, [from]) => {
    const v = a ?? '';
    if (d === 'bool') return `(${v}!==0?1:0)`;
    // to f32: rounded by `jsExpr`
    return d === 'i32' && (from === 'f32' || from === 'f64') ? callHelper('toI32', [v]) : v;
  },
  /** the index, or the IndexError of site imm (its bound inline, the site only read on failure) */
  checkIndex: ([a], _d, _ad, imm) => `checkIndex(${a ?? ''},${siteOf(imm).bound},${imm})`,
};

/** The JavaScript of `e` over its arguments' expressions `args`, rounded to f32 where the reference rounds. */
export function jsExpr(e: ScalarExpr, args: readonly string[]): string {
  const text = jsOps[e.op](
    args,
    e.dtype,
    e.args.map((a) => a.dtype),
    e.imm,
  );
  return needsF32Rounding(e) ? `Math.fround(${text})` : text;
}
