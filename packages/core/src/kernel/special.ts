/**
 * @file The special functions in f64 (erf, erfc, erfinv, lgamma, polygamma): the scalar helpers of
 * their scalar ops, the reference interpreter's and constant folding's values. Each function uses
 * globals and the module-level steps listed with it only (worker threads rebuild it from its source
 * text and theirs, `erfSteps`); other shared steps are nested in it.
 * Error bounds (tested against PyTorch and high-precision series): relative 1e-14 for erf, erfc,
 * erfinv and polygamma of order ≥ 1 on x > 0; |error| ≤ 1e-14·max(1, |value|) for lgamma and for
 * polygamma where the value can cross zero (digamma, x < 0).
 */

/** e^{−a²} with a² split as h² + (a − h)(a + h), h = a to 16 fraction bits: no rounding of a² enlarged by exp. */
function gauss(a: number): number {
  const h = Math.floor(a * 65536) / 65536;
  return Math.exp(-h * h) * Math.exp(-(a - h) * (a + h));
}

/** erf(x) for |x| < 1 by the series 2/√π e^{−x²} Σ 2ⁿx^{2n+1}/(2n+1)!! (positive terms). */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  const twoX2 = 2 * x * x;
  for (let n = 1; n < 60 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= twoX2 / (2 * n + 1);
    sum += term;
  }
  return 1.1283791670955126 * gauss(Math.abs(x)) * sum;
}

/** erfc(a) for a ≳ 1 by Laplace's continued fraction e^{−a²}/√π · 1/(a + ½/(a + 1/(a + (3/2)/(a + …)))), evaluated from its tail. */
function erfcFraction(a: number): number {
  let f = a;
  for (let k = Math.ceil(230 / (a * a) + 12); k >= 1; k--) f = a + k / 2 / f;
  return (0.5641895835477563 * gauss(a)) / f;
}

/** The module-level steps erf, erfc and erfinv call (rebuilt with them in worker threads). */
export const erfSteps = [gauss, erfSeries, erfcFraction] as const;

/** erf(x) = 2/√π ∫₀ˣ e^{−t²} dt: the series for |x| < 1, beyond 1 − erfc(|x|) by the continued fraction. */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (!(a >= 1)) return Number.isNaN(x) ? x : erfSeries(x);
  if (a === Infinity) return Math.sign(x);
  const tail = erfcFraction(a);
  return x < 0 ? tail - 1 : 1 - tail;
}

/** erfc(x) = 1 − erf(x): 1 − the series for |x| < 1, the continued fraction beyond (2 − it for x ≤ −1). */
export function erfc(x: number): number {
  const a = Math.abs(x);
  if (!(a >= 1)) return Number.isNaN(x) ? x : 1 - erfSeries(x);
  if (a === Infinity) return x > 0 ? 0 : 2;
  const tail = erfcFraction(a);
  return x < 0 ? 2 - tail : tail;
}

/**
 * erfinv(x), the y with erf(y) = x on [−1, 1] (±Inf at ±1, NaN outside): a rough closed form, then
 * Halley steps y ← y − u/(1 + y·u), u = (erf y − x)/erf′(y), on erf below 0.85 and on erfc (1 − x exact) above.
 */
export function erfinv(x: number): number {
  const a = Math.abs(x);
  if (!(a < 1)) return a === 1 ? x * Infinity : NaN;
  if (a === 0) return x;
  let y: number;
  if (a < 0.5) {
    // the Taylor start √π/2·(a + π a³/12 + 7π² a⁵/480)
    const a2 = a * a;
    y = 0.886226925452758 * a * (1 + a2 * (0.2617993877991494 + a2 * 0.14393173084921979));
  } else {
    // the start √(√(c² − L/k) − c), L = ln(1 − a²), c = 2/(πk) + L/2, k = 0.147 (within 2e-3)
    const l = Math.log((1 - a) * (1 + a));
    const c = 4.330746750799873 + l / 2;
    y = Math.sqrt(Math.sqrt(c * c - l / 0.147) - c);
  }
  for (let step = 0; step < 4; step++) {
    const residual = a < 0.85 ? erfSeries(y) - a : 1 - a - erfcFraction(y);
    const u = residual / (1.1283791670955126 * gauss(y));
    const next = y - u / (1 + y * u);
    if (next === y) break;
    y = next;
  }
  return x < 0 ? -y : y;
}

/**
 * log|Γ(x)|: Stirling's series at z = x + m ≥ 10 less log Π(x + k) for x > 0; ln(π/|sin πx|) −
 * lgamma(1 − x) for x < 0; exactly 0 at 1 and 2; +Inf at the poles (0 and the negative integers) and at ±Inf.
 */
export function lgamma(x: number): number {
  const positive = (v: number): number => {
    let p = 1;
    let z = v;
    while (z < 10) {
      p *= z;
      z += 1;
    }
    const r = 1 / (z * z);
    // (z − ½) ln z − z + ½ ln 2π + Σ B₂ₖ/(2k(2k − 1) z^{2k−1})
    const series =
      (0.08333333333333333 +
        r *
          (-0.002777777777777778 +
            r *
              (0.0007936507936507937 +
                r *
                  (-0.0005952380952380953 +
                    r *
                      (0.0008417508417508417 +
                        r * (-0.0019175269175269176 + r * (0.00641025641025641 + r * -0.029550653594771242))))))) /
      z;
    const lz = Math.log(z);
    return z * (lz - 1) - 0.5 * lz + 0.9189385332046728 + series - Math.log(p);
  };
  if (Number.isNaN(x)) return x;
  if (x === Infinity || x === -Infinity) return Infinity;
  if (x === 1 || x === 2) return 0;
  if (x > 0) return positive(x);
  const r = x - Math.round(x);
  if (r === 0) return Infinity;
  return 1.1447298858494002 - Math.log(Math.abs(Math.sin(Math.PI * r))) - positive(1 - x);
}

/**
 * ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function ψ = Γ′/Γ (n = 0: ψ itself): for x > 0 the
 * recurrence to z = x + m ≥ 10 + n and the asymptotic series there, ψ(z) ~ ln z − 1/(2z) −
 * Σ B₂ₖ/(2k z^{2k}) and ψ⁽ⁿ⁾(z) = (−1)ⁿ⁺¹ n! ζ(n + 1, z) ~ (−1)ⁿ⁺¹ n! (z⁻ⁿ/n + z⁻ⁿ⁻¹/2 +
 * Σ B₂ₖ/(2k)! (n + 1)…(n + 2k − 1) z^{−n−2k}); for x < 0 the reflection ψ⁽ⁿ⁾(x) = (−1)ⁿ ψ⁽ⁿ⁾(1 − x) −
 * πⁿ⁺¹ Pₙ(cot πx), P₀(c) = c, Pₖ₊₁(c) = −(1 + c²) Pₖ′(c). At the poles: ±Inf by the sign of a zero
 * (−1/x for even n), +Inf for odd n, NaN at the negative integers for even n; ψ⁽ⁿ⁾(+Inf) = +Inf (n = 0)
 * or 0, ψ⁽ⁿ⁾(−Inf) = NaN.
 */
export function polygamma(n: number, x: number): number {
  const positive = (v: number): number => {
    const bernoulli = [
      0.08333333333333333, -0.001388888888888889, 3.306878306878307e-5, -8.267195767195768e-7, 2.08767569878681e-8,
      -5.284190138687493e-10, 1.3382536530684679e-11, -3.3896802963225827e-13, 8.586062056277845e-15,
      -2.174868698558062e-16,
    ];
    let z = v;
    let near = 0;
    while (z < 10 + n) {
      near += n === 0 ? 1 / z : Math.pow(z, -n - 1);
      z += 1;
    }
    const r = 1 / (z * z);
    if (n === 0) {
      // Σ B₂ₖ/(2k z^{2k}) = Σ (B₂ₖ/(2k)!)·(2k − 1)!/z^{2k}
      let tail = 0;
      let scale = 1;
      for (let k = 1; k <= 10; k++) {
        scale *= k === 1 ? r : (2 * k - 2) * (2 * k - 1) * r;
        tail += (bernoulli[k - 1] as number) * scale;
      }
      return Math.log(z) - 0.5 / z - tail - near;
    }
    let tail = 0;
    let scale = Math.pow(z, -n);
    for (let k = 1; k <= 10; k++) {
      scale *= (k === 1 ? n + 1 : (n + 2 * k - 2) * (n + 2 * k - 1)) * r;
      tail += (bernoulli[k - 1] as number) * scale;
    }
    let factorial = 1;
    for (let j = 2; j <= n; j++) factorial *= j;
    const zeta = near + Math.pow(z, -n) / n + Math.pow(z, -n - 1) / 2 + tail;
    return (n % 2 === 1 ? factorial : -factorial) * zeta;
  };
  // orders outside 0…64 (MAX_POLYGAMMA_ORDER, written out: worker threads rebuild this function from its source) are
  // not ψ⁽ⁿ⁾: NaN, where the recurrence to 10 + n would otherwise run n steps
  if (!Number.isInteger(n) || n < 0 || n > 64) return NaN;
  if (Number.isNaN(x)) return x;
  if (x === Infinity) return n === 0 ? Infinity : 0;
  if (x === -Infinity) return NaN;
  if (x > 0) return positive(x);
  const r = x - Math.round(x);
  if (r === 0) return x === 0 && n % 2 === 0 ? -1 / x : n % 2 === 1 ? Infinity : NaN;
  const cot = Math.cos(Math.PI * r) / Math.sin(Math.PI * r);
  // the coefficients of Pₙ, from P₀ = c by the recurrence of −(1 + c²) d/dc
  let p = [0, 1];
  for (let k = 0; k < n; k++) {
    const q = new Array<number>(p.length + 1).fill(0);
    for (let j = 0; j < q.length; j++) q[j] = -(j + 1) * (p[j + 1] ?? 0) - (j - 1) * (p[j - 1] ?? 0);
    p = q;
  }
  let value = 0;
  for (let j = p.length - 1; j >= 0; j--) value = value * cot + (p[j] as number);
  return (n % 2 === 0 ? 1 : -1) * positive(1 - x) - Math.pow(Math.PI, n + 1) * value;
}
