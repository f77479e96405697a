/**
 * @file WGSL helpers for the special functions (WGSL has none): erf, erfc, erfinv, lgamma and
 * polygamma in f32, by the algorithms of core's `kernel/special.ts` with f32 term counts, and sin πr,
 * cos πr by their series (the builtins are only 2⁻¹¹-accurate in absolute terms).
 */

export const specialHelpers = {
  // e^{−a²} with a² = h² + (a − h)(a + h), h = a to 8 fraction bits (h² exact for a < 16), and
  // e^{−h²} = 2⁻ᵏ e^{−r}, h² = k ln 2 + r (ln 2 split in a 16-bit head and a tail, so k·head is exact):
  // the builtin exp is only accurate to 3 + 2|x| ulp, so it only sees |x| ≤ 0.35
  gauss: `fn xent_gauss(a: f32) -> f32 {
  let h = floor(a * 256.0) / 256.0;
  let h2 = h * h;
  let k = round(h2 * 1.4426950409);
  let r = (h2 - k * 0.693145751953125) - k * 1.428606820309417e-6;
  return ldexp(exp(-r), -i32(k)) * exp(-(a - h) * (a + h));
}`,
  // erf x = 2/√π e^{−x²} Σ 2ⁿx^{2n+1}/(2n+1)!! for |x| < 1.03 (positive terms)
  erfseries: `fn xent_erfseries(x: f32) -> f32 {
  var term = x;
  var sum = x;
  let t = 2.0 * x * x;
  for (var n = 1; n < 18; n++) {
    term = term * t / f32(2 * n + 1);
    sum = sum + term;
  }
  return 1.1283791671 * xent_gauss(abs(x)) * sum;
}`,
  // erfc a for 1 ≤ a < 10: e^{−a²}/√π over Laplace's continued fraction a + ½/(a + 1/(a + …)), from its tail
  erfccf: `fn xent_erfccf(a: f32) -> f32 {
  var f = a;
  for (var k = i32(ceil(64.0 / (a * a) + 6.0)); k >= 1; k--) {
    f = a + f32(k) * 0.5 / f;
  }
  return 0.5641895835 * xent_gauss(a) / f;
}`,
  erf: `fn xent_erf(x: f32) -> f32 {
  if (xent_isnan(x)) { return x; }
  let a = abs(x);
  if (a < 1.0) { return xent_erfseries(x); }
  var r = 1.0;
  if (a < 10.0) { r = 1.0 - xent_erfccf(a); }
  return select(r, -r, x < 0.0);
}`,
  erfc: `fn xent_erfc(x: f32) -> f32 {
  if (xent_isnan(x)) { return x; }
  let a = abs(x);
  if (a < 1.0) { return 1.0 - xent_erfseries(x); }
  var r = 0.0;
  if (a < 10.0) { r = xent_erfccf(a); }
  return select(r, 2.0 - r, x < 0.0);
}`,
  // a rough start (Taylor below ½, √(√(c² − L/k) − c) above, L = ln(1 − a²), c = 2/(πk) + L/2, k = 0.147),
  // then Halley steps y ← y − u/(1 + y·u), u = (erf y − a)/erf′(y), on erfc (1 − a exact) from a = 0.85
  erfinv: `fn xent_erfinv(x: f32) -> f32 {
  let a = abs(x);
  if (xent_isnan(x) || a > 1.0) { return xent_nan(); }
  if (a == 1.0) { return select(xent_inf(), -xent_inf(), x < 0.0); }
  if (a == 0.0) { return x; }
  var y: f32;
  if (a < 0.5) {
    let a2 = a * a;
    y = 0.8862269255 * a * (1.0 + a2 * (0.2617993878 + a2 * 0.1439317308));
  } else {
    let l = xent_log((1.0 - a) * (1.0 + a));
    let c = 4.3307467508 + l / 2.0;
    y = sqrt(sqrt(c * c - l / 0.147) - c);
  }
  for (var step = 0; step < 3; step++) {
    var residual: f32;
    if (a < 0.85) { residual = xent_erfseries(y) - a; } else { residual = (1.0 - a) - xent_erfccf(y); }
    let u = residual / (1.1283791671 * xent_gauss(y));
    y = y - u / (1.0 + y * u);
  }
  return select(y, -y, x < 0.0);
}`,
  // sin πr and cos πr for |r| ≤ ½ by their series in t = πr (to t¹³ and t¹⁴)
  sinpi: `fn xent_sinpi(r: f32) -> f32 {
  let t = 3.1415926536 * r;
  let s = t * t;
  return t * (1.0 + s * (-1.0 / 6.0 + s * (1.0 / 120.0 + s * (-1.0 / 5040.0 + s * (1.0 / 362880.0
    + s * (-1.0 / 39916800.0 + s * (1.0 / 6227020800.0)))))));
}`,
  cospi: `fn xent_cospi(r: f32) -> f32 {
  let t = 3.1415926536 * r;
  let s = t * t;
  return 1.0 + s * (-0.5 + s * (1.0 / 24.0 + s * (-1.0 / 720.0 + s * (1.0 / 40320.0 + s * (-1.0 / 3628800.0
    + s * (1.0 / 479001600.0 + s * (-1.0 / 87178291200.0)))))));
}`,
  // log Γ(v) for v > 0: Stirling's series at z = v + m ≥ 8 less log Π(v + k)
  lgammapos: `fn xent_lgammapos(v: f32) -> f32 {
  var p = 1.0;
  var z = v;
  loop {
    if (z >= 8.0) { break; }
    p = p * z;
    z = z + 1.0;
  }
  let r = 1.0 / (z * z);
  let series = (1.0 / 12.0 + r * (-1.0 / 360.0 + r * (1.0 / 1260.0 + r * (-1.0 / 1680.0)))) / z;
  let lz = xent_log(z);
  return z * (lz - 1.0) - 0.5 * lz + 0.9189385332 + series - xent_log(p);
}`,
  // log|Γ(x)|, by reflection ln(π/|sin πx|) − lgamma(1 − x) below 0; +Inf at the poles and ±Inf
  lgamma: `fn xent_lgamma(x: f32) -> f32 {
  if (xent_isnan(x)) { return x; }
  if (abs(x) == xent_inf()) { return xent_inf(); }
  if (x == 1.0 || x == 2.0) { return 0.0; }
  if (x > 0.0) { return xent_lgammapos(x); }
  let r = x - round(x);
  if (r == 0.0) { return xent_inf(); }
  return 1.1447298858 - xent_log(abs(xent_sinpi(r))) - xent_lgammapos(1.0 - x);
}`,
  // n!/zⁿ⁺¹ as a product of factors j/z (no overflow of n! or zⁿ⁺¹ alone)
  factpow: `fn xent_factpow(n: i32, z: f32) -> f32 {
  var p = 1.0 / z;
  for (var j = 1; j <= n; j++) { p = p * (f32(j) / z); }
  return p;
}`,
  // ψ⁽ⁿ⁾(v) for v > 0: the recurrence to z ≥ 10 + n, then the asymptotic series (see core's special.ts)
  polygammapos: `fn xent_polygammapos(n: i32, v: f32) -> f32 {
  var b = array<f32, 8>(0.0833333333, -0.00138888889, 3.30687831e-5, -8.26719577e-7, 2.08767570e-8,
    -5.28419014e-10, 1.33825365e-11, -3.38968030e-13);
  var z = v;
  var near = 0.0;
  loop {
    if (z >= 10.0 + f32(n)) { break; }
    if (n == 0) { near = near + 1.0 / z; } else { near = near + xent_factpow(n, z); }
    z = z + 1.0;
  }
  let r = 1.0 / (z * z);
  var tail = 0.0;
  if (n == 0) {
    var scale = 1.0;
    for (var k = 1; k <= 8; k++) {
      scale = scale * select(f32((2 * k - 2) * (2 * k - 1)), 1.0, k == 1) * r;
      tail = tail + b[k - 1] * scale;
    }
    return xent_log(z) - 0.5 / z - tail - near;
  }
  let lead = xent_factpow(n, z);
  var scale = lead * z;
  for (var k = 1; k <= 8; k++) {
    scale = scale * select(f32((n + 2 * k - 2) * (n + 2 * k - 1)), f32(n + 1), k == 1) * r;
    tail = tail + b[k - 1] * scale;
  }
  let total = near + lead * z / f32(n) + lead / 2.0 + tail;
  return select(-total, total, (n & 1) == 1);
}`,
  // ψ⁽ⁿ⁾(x): below 0 the reflection (−1)ⁿ ψ⁽ⁿ⁾(1 − x) − πⁿ⁺¹ Pₙ(cot πx), P₀(c) = c, Pₖ₊₁ = −(1 + c²) Pₖ′
  polygamma: `fn xent_polygamma(n: i32, x: f32) -> f32 {
  if (xent_isnan(x)) { return x; }
  if (x == xent_inf()) { return select(0.0, xent_inf(), n == 0); }
  if (x == -xent_inf()) { return xent_nan(); }
  if (x > 0.0) { return xent_polygammapos(n, x); }
  let r = x - round(x);
  if (r == 0.0) {
    if ((n & 1) == 1) { return xent_inf(); }
    if (x != 0.0) { return xent_nan(); }
    return select(-xent_inf(), xent_inf(), (bitcast<u32>(x) & 0x80000000u) != 0u);
  }
  let c = xent_cospi(r) / xent_sinpi(r);
  var p: array<f32, 68>;
  var q: array<f32, 68>;
  p[1] = 1.0;
  for (var k = 0; k < n; k++) {
    for (var j = 0; j <= k + 2; j++) {
      var below = 0.0;
      if (j > 0) { below = p[j - 1]; }
      q[j] = -f32(j + 1) * p[j + 1] - f32(j - 1) * below;
    }
    for (var j = 0; j <= k + 2; j++) { p[j] = q[j]; }
  }
  var value = 0.0;
  var pin = 3.1415926536;
  for (var j = n + 1; j >= 0; j--) { value = value * c + p[j]; }
  for (var j = 0; j < n; j++) { pin = pin * 3.1415926536; }
  let reflected = xent_polygammapos(n, 1.0 - x);
  return select(-reflected, reflected, (n & 1) == 0) - pin * value;
}`,
} as const;

export type SpecialHelper = keyof typeof specialHelpers;

/** Helpers each special helper calls. */
export const specialUses: Readonly<
  Record<SpecialHelper, readonly (SpecialHelper | 'isnan' | 'nan' | 'inf' | 'log')[]>
> = {
  gauss: [],
  erfseries: ['gauss'],
  erfccf: ['gauss'],
  erf: ['isnan', 'erfseries', 'erfccf'],
  erfc: ['isnan', 'erfseries', 'erfccf'],
  erfinv: ['isnan', 'nan', 'inf', 'log', 'gauss', 'erfseries', 'erfccf'],
  sinpi: [],
  cospi: [],
  lgammapos: ['log'],
  lgamma: ['isnan', 'inf', 'sinpi', 'lgammapos', 'log'],
  factpow: [],
  polygammapos: ['log', 'factpow'],
  polygamma: ['isnan', 'inf', 'nan', 'sinpi', 'cospi', 'polygammapos'],
};
