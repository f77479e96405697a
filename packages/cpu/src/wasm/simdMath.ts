/**
 * @file Vectorised exp and log for f32x4, emitted inline. Both are tested against Math.exp and
 * Math.log over the whole f32 range, with and without relaxed SIMD (see packages/cpu/test/wasm.test.ts):
 * - exp: range reduction x = k·ln2 + f (Cody–Waite, |f| ≤ ln2/2), a degree-6 polynomial for e^f,
 *   and 2^k applied as two exact power-of-two factors so that overflow gives +Inf and underflow
 *   gradual denormals. Error ≤ 2 ulp (1.0 measured); NaN, ±Inf and 0 exact.
 * - log: x = 2^e·m with m ∈ [√½, √2), log m = 2·atanh(s), s = (m−1)/(m+1), a series to s⁹;
 *   denormals are rescaled first. Error ≤ 4 ulp of the result (3 measured, near x = 1);
 *   log 0 = −Inf, log(x < 0) = NaN, log(+Inf) = +Inf, NaN → NaN.
 * - tanh: below |x| = 0.625 an odd polynomial x + x³·P(x²) (Cephes' tanhf coefficients), above it
 *   1 − 2/(e^{2|x|} + 1) with x's sign. Error ≤ 2 ulp (1 measured); ±0, ±Inf (to ±1), NaN and denormals exact.
 */
import { f32x4Const, i32x4Const } from './emit.js';
import type { FunctionBuilder } from './encoder.js';

const f32splat = (f: FunctionBuilder, v: number): FunctionBuilder => f.pushConstant(f32x4Const(v));
const i32splat = (f: FunctionBuilder, v: number): FunctionBuilder => f.pushConstant(i32x4Const(v));

type Push = (f: FunctionBuilder) => void;
/** Pushes nothing: the operand is already on the stack (only `a` of madd4 may be). */
const onStack: Push = () => undefined;

/**
 * Pushes a·b + c (f32x4, each operand pushed by its callback in turn): one `relaxed_madd` (fused
 * or not, by machine) with `relaxed`, else `mul` then `add`.
 */
function madd4(f: FunctionBuilder, relaxed: boolean, a: Push, b: Push, c: Push): void {
  a(f);
  b(f);
  if (relaxed) {
    c(f);
    f.op('f32x4.relaxed_madd');
  } else {
    f.op('f32x4.mul');
    c(f);
    f.op('f32x4.add');
  }
}

/** Pushes c − a·b (f32x4): one `relaxed_nmadd` with `relaxed`, else c, a, b, `mul`, `sub`. */
function nmadd4(f: FunctionBuilder, relaxed: boolean, a: Push, b: Push, c: Push): void {
  if (relaxed) {
    a(f);
    b(f);
    c(f);
    f.op('f32x4.relaxed_nmadd');
  } else {
    c(f);
    a(f);
    b(f);
    f.op('f32x4.mul').op('f32x4.sub');
  }
}

const get =
  (v: number): Push =>
  (f) =>
    f.op('local.get', v);
const splat =
  (v: number): Push =>
  (f) =>
    f32splat(f, v);

/** Pushes exp(local x) (f32x4); multiply-adds are relaxed_madd with `relaxed`. */
export function exp4(f: FunctionBuilder, x: number, relaxed: boolean): void {
  const t = f.local('v128');
  const r = f.local('v128');
  const p = f.local('v128');
  const k = f.local('v128');
  const half = f.local('v128');
  const MAGIC = 12582912; // 1.5·2²³: adding it rounds to an integer kept in the low mantissa bits
  // clamp to [-104, 89] keeping NaN (pmax/pmin return their first operand when it is NaN)
  f.op('local.get', x);
  f32splat(f, -104).op('f32x4.pmax');
  f32splat(f, 89).op('f32x4.pmin').op('local.set', x);
  // k = round(x·log₂e) as the bits of x·log₂e + MAGIC (fused or not: t is k either way), t = k as a float
  madd4(f, relaxed, get(x), splat(Math.LOG2E), splat(MAGIC));
  f.op('local.tee', k);
  f32splat(f, MAGIC).op('f32x4.sub').op('local.set', t);
  f.op('local.get', k);
  i32splat(f, 0x4b400000).op('i32x4.sub').op('local.set', k);
  // r = x − t·ln2 (two-part ln2), |r| ≤ ln2/2; t·ln2_hi is exact, so fusing changes nothing there
  nmadd4(f, relaxed, get(t), splat(0.693145751953125), get(x));
  f.op('local.set', r);
  nmadd4(f, relaxed, get(t), splat(1.428606765330187e-6), get(r));
  f.op('local.set', r);
  // e^r: degree-6 polynomial fitted for relative error (1.9e-9 on [−ln2/2, ln2/2]), by Horner
  const coefficients = [
    0.001383683062158525, 0.008374816738069057, 0.04166822507977486, 0.16666419804096222, 0.49999991059303284, 1, 1,
  ];
  f32splat(f, coefficients[0] as number).op('local.set', p);
  for (const c of coefficients.slice(1)) {
    madd4(f, relaxed, get(p), get(r), splat(c));
    f.op('local.set', p);
  }
  // 2^k as 2^h·2^(k−h), h = k>>1: each factor a normal power of two (gradual underflow, overflow to +Inf)
  f.op('local.get', p);
  f.op('local.get', k).op('i32.const', 1).op('i32x4.shr_s').op('local.tee', half);
  i32splat(f, 127).op('i32x4.add');
  f.op('i32.const', 23).op('i32x4.shl').op('f32x4.mul');
  f.op('local.get', k).op('local.get', half).op('i32x4.sub');
  i32splat(f, 127).op('i32x4.add');
  f.op('i32.const', 23).op('i32x4.shl').op('f32x4.mul');
}

/** Pushes log(local x) (f32x4); multiply-adds are relaxed_madd with `relaxed`. */
export function log4(f: FunctionBuilder, x: number, relaxed: boolean): void {
  const y = f.local('v128');
  const e = f.local('v128');
  const m = f.local('v128');
  const s = f.local('v128');
  const s2 = f.local('v128');
  const big = f.local('v128');
  const tiny = f.local('v128');
  // denormals: scale by 2^23 and remember to subtract 23 from the exponent
  f.op('local.get', x);
  f32splat(f, 1.1754943508222875e-38).op('f32x4.lt').op('local.set', tiny);
  f.op('local.get', x);
  f32splat(f, 8388608).op('f32x4.mul');
  f.op('local.get', x).op('local.get', tiny).op('v128.bitselect').op('local.set', y);
  // e = exponent, m = mantissa in [1, 2)
  f.op('local.get', y).op('i32.const', 23).op('i32x4.shr_s');
  i32splat(f, 255).op('v128.and');
  i32splat(f, 127).op('i32x4.sub');
  f.op('local.get', tiny);
  i32splat(f, 23).op('v128.and').op('i32x4.sub').op('local.set', e);
  f.op('local.get', y);
  i32splat(f, 0x7fffff).op('v128.and');
  i32splat(f, 0x3f800000).op('v128.or').op('local.set', m);
  // m > √2: m /= 2, e += 1
  f.op('local.get', m);
  f32splat(f, Math.SQRT2).op('f32x4.gt').op('local.set', big);
  f.op('local.get', m);
  f32splat(f, 0.5).op('f32x4.mul');
  f.op('local.get', m).op('local.get', big).op('v128.bitselect').op('local.set', m);
  f.op('local.get', e).op('local.get', big).op('i32x4.sub').op('f32x4.convert_i32x4_s').op('local.set', e);
  // s = (m − 1)/(m + 1); log m = 2s(1 + s²/3 + s⁴/5 + s⁶/7 + s⁸/9)
  f.op('local.get', m);
  f32splat(f, 1).op('f32x4.sub');
  f.op('local.get', m);
  f32splat(f, 1).op('f32x4.add').op('f32x4.div').op('local.set', s);
  f.op('local.get', s).op('local.get', s).op('f32x4.mul').op('local.set', s2);
  f32splat(f, 1 / 9);
  for (const c of [1 / 7, 1 / 5, 1 / 3, 1]) madd4(f, relaxed, onStack, get(s2), splat(c));
  f.op('local.get', s).op('f32x4.mul');
  f32splat(f, 2).op('f32x4.mul');
  // + e·ln2 (two parts)
  f.op('local.get', e);
  f32splat(f, 1.428606765330187e-6).op('f32x4.mul').op('f32x4.add');
  f.op('local.get', e);
  f32splat(f, 0.693145751953125).op('f32x4.mul').op('f32x4.add').op('local.set', m);
  // special cases (bitselect(a, b, mask) takes a where the mask is set):
  // x = +Inf → +Inf; x = ±0 → −Inf; x < 0 → NaN; x NaN → x
  const special = (value: number, compare: 'f32x4.eq' | 'f32x4.lt', against: number): void => {
    f32splat(f, value).op('local.get', m).op('local.get', x);
    f32splat(f, against).op(compare).op('v128.bitselect').op('local.set', m);
  };
  special(Infinity, 'f32x4.eq', Infinity);
  special(-Infinity, 'f32x4.eq', 0);
  special(NaN, 'f32x4.lt', 0);
  f.op('local.get', x).op('local.get', m).op('local.get', x).op('local.get', x).op('f32x4.ne').op('v128.bitselect');
}

/** Below this |x|, tanh is the polynomial; from it, the exponential form (no cancellation there). */
const TANH_POLYNOMIAL_BELOW = 0.625;

/** Pushes tanh(local x) (f32x4); multiply-adds are relaxed_madd with `relaxed`. */
export function tanh4(f: FunctionBuilder, x: number, relaxed: boolean): void {
  const a = f.local('v128');
  const z = f.local('v128');
  const twice = f.local('v128');
  // small |x|: x + x·z·P(z), z = x² (P from Cephes tanhf: relative error ≈ 1e-7 on [0, 0.625])
  f.op('local.get', x).op('local.get', x).op('f32x4.mul').op('local.set', z);
  f32splat(f, -5.70498872745e-3);
  for (const c of [2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1])
    madd4(f, relaxed, onStack, get(z), splat(c));
  f.op('local.get', z).op('f32x4.mul');
  madd4(f, relaxed, onStack, get(x), get(x));
  // large |x|: 1 − 2/(e^{2|x|} + 1), then x's sign (the magnitude is ≥ 0: or-ing the sign bit negates it)
  f.op('local.get', x).op('f32x4.abs').op('local.tee', a);
  f.op('local.get', a).op('f32x4.add').op('local.set', twice);
  f32splat(f, 1);
  f32splat(f, 2);
  exp4(f, twice, relaxed);
  f32splat(f, 1).op('f32x4.add').op('f32x4.div').op('f32x4.sub');
  f.op('local.get', x);
  i32splat(f, -0x80000000).op('v128.and').op('v128.or');
  // the polynomial where |x| < 0.625 (false for NaN: the exponential form keeps it NaN)
  f.op('local.get', a);
  f32splat(f, TANH_POLYNOMIAL_BELOW).op('f32x4.lt').op('v128.bitselect');
}
