/**
 * @file WGSL helper functions, emitted only when a kernel uses them. WGSL has no log1p/expm1 and
 * lets compilers assume NaN and Inf away, so special values are made with bitcast and NaN is
 * detected by testing bits, never by `x != x`.
 */

export const helpers = {
  // the bits sit in private variables: a bitcast of a literal would be a constant expression, and
  // WGSL rejects constant NaN and Inf
  nan: 'var<private> xent_nan_bits: u32 = 0x7fc00000u;\nfn xent_nan() -> f32 { return bitcast<f32>(xent_nan_bits); }',
  inf: 'var<private> xent_inf_bits: u32 = 0x7f800000u;\nfn xent_inf() -> f32 { return bitcast<f32>(xent_inf_bits); }',
  isnan: 'fn xent_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }',
  // log(1 + x) = log(u)·x/(u − 1) with u = 1 + x (exact where u − 1 loses bits), x where u == 1
  log1p: `fn xent_log1p(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (xent_isnan(x) || u == xent_inf()) { return log(u); }
  return log(u) * x / (u - 1.0);
}`,
  // eˣ − 1 = (u − 1)·x/log(u) with u = eˣ, x where u == 1, −1 where u − 1 rounds to −1
  expm1: `fn xent_expm1(x: f32) -> f32 {
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um = u - 1.0;
  if (um == -1.0) { return -1.0; }
  if (xent_isnan(x) || u == xent_inf()) { return um; }
  return um * x / log(u);
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
  // pow with 0⁰ = 1 and the sign rules of Math.pow for negative bases and integer exponents
  pow: `fn xent_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (xent_isnan(a) || xent_isnan(b)) { return xent_nan(); }
  if (a == 0.0) { if (b > 0.0) { return 0.0; } return xent_inf(); }
  if (a < 0.0) {
    if (trunc(b) != b) { return xent_nan(); }
    let m = pow(-a, b);
    if ((i32(abs(b)) & 1) == 1) { return -m; }
    return m;
  }
  return pow(a, b);
}`,
} as const;

export type Helper = keyof typeof helpers;

/** Helpers each helper calls (so that emitting one emits its dependencies first). */
const uses: Partial<Record<Helper, readonly Helper[]>> = {
  log1p: ['isnan', 'inf'],
  expm1: ['isnan', 'inf'],
  max: ['isnan', 'nan'],
  min: ['isnan', 'nan'],
  lt: ['isnan'],
  le: ['isnan'],
  eq: ['isnan'],
  toi32: ['isnan'],
  pow: ['isnan', 'nan', 'inf'],
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
