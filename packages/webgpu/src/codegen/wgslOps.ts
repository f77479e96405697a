/**
 * @file Scalar ops as WGSL expressions: one exhaustive table. Floats are f32, integers i32, bools
 * WGSL bools (stored as u32 in buffers). Helpers the expressions call are recorded in `used`.
 */
import { type DType, InternalError } from '@xent/core';
import type { ScalarHelperName, ScalarOp } from '@xent/core/internal';
import type { Helper } from './prelude.js';

export type Render = (
  args: readonly string[],
  dtype: DType,
  argDTypes: readonly DType[],
  imm: number,
  used: Set<Helper>,
) => string;

/** WGSL value type of a dtype. */
export const wgslType = (d: DType): string => (d === 'i32' ? 'i32' : d === 'bool' ? 'bool' : 'f32');

/** A WGSL literal of the dtype (NaN and ±Inf through helpers, never as literals). */
export function literal(v: number, dtype: DType, used: Set<Helper>): string {
  if (dtype === 'bool') return v !== 0 ? 'true' : 'false';
  if (dtype === 'i32') return v === -2147483648 ? '(-2147483647 - 1)' : `${v}`;
  if (Number.isNaN(v)) {
    used.add('nan');
    return 'xent_nan()';
  }
  if (!Number.isFinite(v)) {
    used.add('inf');
    return v > 0 ? 'xent_inf()' : '(-xent_inf())';
  }
  if (Object.is(v, -0)) return '(-0.0)';
  const f = Math.fround(v);
  const text = Number.isInteger(f) && Math.abs(f) < 1e15 ? `${f}.0` : f.toPrecision(9);
  return f < 0 ? `(${text})` : text;
}

const call =
  (helper: Helper, fn = `xent_${helper}`): Render =>
  (a, _d, _ad, _imm, used) => {
    used.add(helper);
    return `${fn}(${a.join(', ')})`;
  };
const builtin =
  (name: string): Render =>
  (a) =>
    `${name}(${a.join(', ')})`;
const infix =
  (op: string): Render =>
  ([a, b]) =>
    `(${a ?? ''} ${op} ${b ?? ''})`;
/** Float comparisons go through NaN-safe helpers; integer and bool ones are plain. */
const compare =
  (helper: 'lt' | 'le' | 'eq', op: string): Render =>
  (a, d, ad, imm, used) =>
    ad[0] === 'f32' || ad[0] === 'f64' ? call(helper)(a, d, ad, imm, used) : infix(op)(a, d, ad, imm, used);

/** The WGSL column of core's `scalarHelpers`: a builtin, or a prelude helper with JavaScript's values. */
export const wgslHelpers: { readonly [H in ScalarHelperName]: Render } = {
  exp: builtin('exp'),
  log: call('log'),
  log1p: call('log1p'),
  expm1: call('expm1'),
  sin: builtin('sin'),
  cos: builtin('cos'),
  tanh: call('tanh'),
  pow: call('pow'),
  toI32: call('toi32'),
  erf: call('erf'),
  erfc: call('erfc'),
  erfinv: call('erfinv'),
  lgamma: call('lgamma'),
  polygamma: call('polygamma'),
};

export const wgslOps: { readonly [O in ScalarOp]: Render } = {
  const: (_a, d, _ad, imm, used) => literal(imm, d, used),
  var: (_a, _d, _ad, imm) => `i${imm}`,
  load: () => {
    throw new InternalError('loads are rendered by the kernel (they need the buffer)');
  },
  acc: () => 'acc',
  neg: ([a]) => `(-${a ?? ''})`,
  exp: wgslHelpers.exp,
  log: wgslHelpers.log,
  log1p: wgslHelpers.log1p,
  expm1: wgslHelpers.expm1,
  sqrt: call('sqrt'),
  recip: ([a]) => `(1.0 / ${a ?? ''})`,
  sin: wgslHelpers.sin,
  cos: wgslHelpers.cos,
  tanh: wgslHelpers.tanh,
  abs: builtin('abs'),
  sign: (a, d, ad, imm, used) => (d === 'i32' ? `sign(${a[0] ?? ''})` : call('sign')(a, d, ad, imm, used)),
  floor: builtin('floor'),
  ceil: builtin('ceil'),
  erf: wgslHelpers.erf,
  erfc: wgslHelpers.erfc,
  erfinv: wgslHelpers.erfinv,
  lgamma: wgslHelpers.lgamma,
  /** ψ⁽ⁿ⁾ with the order n = imm */
  polygamma: (a, d, ad, imm, used) => wgslHelpers.polygamma([String(imm), ...a], d, ad, imm, used),
  add: infix('+'),
  sub: infix('-'),
  mul: infix('*'),
  div: infix('/'),
  pow: wgslHelpers.pow,
  max: (a, d, ad, imm, used) => (d === 'i32' ? builtin('max')(a, d, ad, imm, used) : call('max')(a, d, ad, imm, used)),
  min: (a, d, ad, imm, used) => (d === 'i32' ? builtin('min')(a, d, ad, imm, used) : call('min')(a, d, ad, imm, used)),
  idiv: call('idiv'),
  mod: call('mod'),
  lt: compare('lt', '<'),
  le: compare('le', '<='),
  eq: compare('eq', '=='),
  ne: (a, d, ad, imm, used) => `(!${compare('eq', '==')(a, d, ad, imm, used)})`,
  where: ([c, a, b]) => `select(${b ?? ''}, ${a ?? ''}, ${c ?? ''})`,
  cast: ([a], d, [from], _imm, used) => {
    const v = a ?? '';
    if (d === from || (d !== 'i32' && d !== 'bool' && (from === 'f32' || from === 'f64'))) return v;
    if (d === 'bool') {
      if (from === 'bool') return v;
      if (from === 'i32') return `(${v} != 0)`;
      used.add('eq');
      return `(!xent_eq(${v}, 0.0))`;
    }
    if (d === 'i32') {
      if (from === 'bool') return `select(0, 1, ${v})`;
      return wgslHelpers.toI32([v], d, [], 0, used);
    }
    return from === 'bool' ? `select(0.0, 1.0, ${v})` : `f32(${v})`;
  },
  checkIndex: () => {
    throw new InternalError('index checks are rendered by the kernel (they write the status buffer)');
  },
};
