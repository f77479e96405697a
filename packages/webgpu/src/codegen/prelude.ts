/**
 * @file WGSL helper functions, emitted only when a kernel uses them. WGSL has no log1p/expm1 and
 * lets compilers assume NaN and Inf away, so special values are made with bitcast and NaN is
 * detected by testing bits, never by `x != x`.
 */

import { specialHelpers, specialUses } from './specialPrelude.js';

export const helpers = {
  // the bits sit in private variables: a bitcast of a literal would be a constant expression, and
  // WGSL rejects constant NaN and Inf
  nan: 'var<private> xent_nan_bits: u32 = 0x7fc00000u;\nfn xent_nan() -> f32 { return bitcast<f32>(xent_nan_bits); }',
  inf: 'var<private> xent_inf_bits: u32 = 0x7f800000u;\nfn xent_inf() -> f32 { return bitcast<f32>(xent_inf_bits); }',
  isnan: 'fn xent_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }',
  // WGSL leaves log, sqrt and tanh undefined outside their domains; these give JavaScript's values
  log: `fn xent_log(x: f32) -> f32 {
  if (x < 0.0) { return xent_nan(); }
  if (x == 0.0) { return -xent_inf(); }
  return log(x);
}`,
  sqrt: 'fn xent_sqrt(x: f32) -> f32 { if (x < 0.0) { return xent_nan(); } return sqrt(x); }',
  // tanh saturates to ±1 in f32 beyond |x| = 9.1; large arguments must not overflow an exp inside
  // tanh |x| = −t/(t + 2) with t = expm1(−2|x|): accurate near 0, where the builtin may not be
  tanh: `fn xent_tanh(x: f32) -> f32 {
  if (abs(x) > 10.0) { return sign(x); }
  let t = xent_expm1(-2.0 * abs(x));
  let r = -t / (t + 2.0);
  return select(r, -r, x < 0.0);
}`,
  // Shader compilers may simplify log(exp(x)) to x and (1 + x) − 1 to x, so the classic
  // correction tricks are unsafe: near 0 these use series with no cancellation to undo.
  // log(1 + x) = 2·atanh(s), s = x/(2 + x) = 2(s + s³/3 + … + s⁹/9) for |x| < 1/4 (|s| < 1/7)
  log1p: `fn xent_log1p(x: f32) -> f32 {
  if (abs(x) < 0.25) {
    let s = x / (2.0 + x);
    let s2 = s * s;
    return 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (0.2 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0)))));
  }
  return xent_log(1.0 + x);
}`,
  // eˣ − 1 = x + x²/2! + … + x⁹/9! for |x| < 0.35, else exp(x) − 1 (≥ 0.3 in size: no cancellation)
  expm1: `fn xent_expm1(x: f32) -> f32 {
  if (abs(x) < 0.35) {
    return x * (1.0 + x * (1.0 / 2.0 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0
      + x * (1.0 / 720.0 + x * (1.0 / 5040.0 + x * (1.0 / 40320.0 + x * (1.0 / 362880.0)))))))));
  }
  return exp(x) - 1.0;
}`,
  // NaN-propagating max/min (Math.max semantics)
  max: 'fn xent_max(a: f32, b: f32) -> f32 { if (xent_isnan(a) || xent_isnan(b)) { return xent_nan(); } return max(a, b); }',
  min: 'fn xent_min(a: f32, b: f32) -> f32 { if (xent_isnan(a) || xent_isnan(b)) { return xent_nan(); } return min(a, b); }',
  // IEEE comparisons: false when either side is NaN (ne: true)
  lt: 'fn xent_lt(a: f32, b: f32) -> bool { return !(xent_isnan(a) || xent_isnan(b)) && a < b; }',
  le: 'fn xent_le(a: f32, b: f32) -> bool { return !(xent_isnan(a) || xent_isnan(b)) && a <= b; }',
  eq: 'fn xent_eq(a: f32, b: f32) -> bool { return !(xent_isnan(a) || xent_isnan(b)) && a == b; }',
  // sign with sign(±0) = ±0 and sign(NaN) = NaN
  sign: 'fn xent_sign(x: f32) -> f32 { if (x > 0.0) { return 1.0; } if (x < 0.0) { return -1.0; } return x; }',
  // f32 → i32: truncate toward zero, saturate, NaN → 0
  toi32: `fn xent_toi32(x: f32) -> i32 {
  if (xent_isnan(x)) { return 0; }
  if (x >= 2147483647.0) { return 2147483647; }
  if (x <= -2147483648.0) { return -2147483647 - 1; }
  return i32(trunc(x));
}`,
  // ⌊a / b⌋ and the non-negative remainder, for b > 0
  idiv: 'fn xent_idiv(a: i32, b: i32) -> i32 { let q = a / b; if ((a % b) < 0) { return q - 1; } return q; }',
  mod: 'fn xent_mod(a: i32, b: i32) -> i32 { let r = a % b; if (r < 0) { return r + b; } return r; }',
  // pow with Math.pow's special cases (WGSL's pow is defined for positive bases only)
  pow: `fn xent_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (xent_isnan(a) || xent_isnan(b)) { return xent_nan(); }
  let integer = trunc(b) == b;
  let odd = integer && abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1;
  let negative = (bitcast<u32>(a) & 0x80000000u) != 0u;
  if (abs(a) == 1.0 && abs(b) == xent_inf()) { return xent_nan(); }
  if (a == 0.0 || abs(a) == xent_inf()) {
    // |a|^b is 0 or ∞; the sign is a's for odd integer b
    var m = 0.0;
    if ((a == 0.0) != (b > 0.0)) { m = xent_inf(); }
    return select(m, -m, negative && odd);
  }
  if (negative) {
    if (!integer) { return xent_nan(); }
    let m = pow(-a, b);
    return select(m, -m, odd);
  }
  return pow(a, b);
}`,
  ...specialHelpers,
} as const;

export type Helper = keyof typeof helpers;

/** Helpers each helper calls (so that emitting one emits its dependencies first). */
const uses: Partial<Record<Helper, readonly Helper[]>> = {
  log: ['nan', 'inf'],
  sqrt: ['nan'],
  tanh: ['expm1'],
  log1p: ['log'],
  max: ['isnan', 'nan'],
  min: ['isnan', 'nan'],
  lt: ['isnan'],
  le: ['isnan'],
  eq: ['isnan'],
  toi32: ['isnan'],
  pow: ['isnan', 'nan', 'inf'],
  ...specialUses,
};

/** The source of the used helpers, dependencies first, each once. */
export function prelude(used: ReadonlySet<Helper>): string {
  const order: Helper[] = [];
  const add = (h: Helper): void => {
    if (order.includes(h)) return;
    for (const d of uses[h] ?? []) add(d);
    order.push(h);
  };
  for (const h of Object.keys(helpers) as Helper[]) if (used.has(h)) add(h);
  return order.map((h) => helpers[h]).join('\n');
}
