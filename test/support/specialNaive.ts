/**
 * @file Naive special functions for the prim specs, by algorithms other than the library's: erf by
 * Simpson's rule on 2/√π e^{−t²}, erfinv by Newton's method on it, and log Γ and ψ⁽ⁿ⁾ by the Taylor
 * series of log Γ(2 + z) (coefficients from ζ(k) − 1, summed directly) after the recurrence to |z| ≤ ½.
 */

const SIMPSON_STEPS = 4000;
const EULER_GAMMA = 0.5772156649015329;
const TERMS = 64;

/** erf(x) = 2/√π ∫₀ˣ e^{−t²} dt by composite Simpson's rule. */
export function naiveErf(x: number): number {
  const h = x / SIMPSON_STEPS;
  let s = 1 + Math.exp(-x * x);
  for (let i = 1; i < SIMPSON_STEPS; i++) s += (i % 2 === 1 ? 4 : 2) * Math.exp(-(i * h) * (i * h));
  return ((2 / Math.sqrt(Math.PI)) * h * s) / 3;
}

export const naiveErfc = (x: number): number => 1 - naiveErf(x);

/** The y with erf(y) = u (|u| < 1) by Newton's method from 0 (monotone: erf is concave on each side). */
export function naiveErfinv(u: number): number {
  let y = 0;
  for (let i = 0; i < 12; i++) y -= (naiveErf(y) - u) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-y * y));
  return y;
}

/** ζ(k) − 1 = Σ_{j≥2} j^{−k}: 30 terms, then the Euler–Maclaurin tail from 31. */
function zetaMinusOne(k: number): number {
  const J = 31;
  let s = 0;
  for (let j = 2; j < J; j++) s += j ** -k;
  const tail =
    J ** (1 - k) / (k - 1) +
    J ** -k / 2 +
    (k * J ** (-k - 1)) / 12 -
    (k * (k + 1) * (k + 2) * J ** (-k - 3)) / 720 +
    (k * (k + 1) * (k + 2) * (k + 3) * (k + 4) * J ** (-k - 5)) / 30240;
  return s + tail;
}

/** cₖ of log Γ(2 + z) = Σ_{k≥1} cₖ zᵏ: c₁ = 1 − γ, cₖ = (−1)ᵏ (ζ(k) − 1)/k. */
const coefficients: readonly number[] = Array.from({ length: TERMS + 1 }, (_, k) =>
  k === 0 ? 0 : k === 1 ? 1 - EULER_GAMMA : ((k % 2 === 0 ? 1 : -1) * zetaMinusOne(k)) / k,
);

/** The d-th derivative of log Γ(2 + z) at z (d = 0: log Γ itself). */
function derivativeAtTwo(d: number, z: number): number {
  let s = 0;
  for (let k = Math.max(d, 1); k <= TERMS; k++) {
    let falling = 1;
    for (let j = 0; j < d; j++) falling *= k - j;
    s += (coefficients[k] as number) * falling * z ** (k - d);
  }
  return s;
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/**
 * The d-th derivative of log|Γ| at x (d = 0: log|Γ(x)|, d = n + 1: ψ⁽ⁿ⁾(x)), by the recurrence
 * log|Γ(x)| = log|Γ(x + 1)| − log|x| (and its derivatives) to x + m in [1.5, 2.5).
 */
function logGammaDerivative(d: number, x: number): number {
  let v = x;
  let shift = 0;
  // the d-th derivative of log|t| is (−1)^{d−1} (d − 1)! t^{−d}
  const logTerm = (t: number): number =>
    d === 0 ? Math.log(Math.abs(t)) : ((d % 2 === 1 ? 1 : -1) * factorial(d - 1)) / t ** d;
  while (v < 1.5) {
    shift -= logTerm(v);
    v += 1;
  }
  while (v >= 2.5) {
    v -= 1;
    shift += logTerm(v);
  }
  return derivativeAtTwo(d, v - 2) + shift;
}

export const naiveLgamma = (x: number): number => logGammaDerivative(0, x);
export const naivePolygamma = (n: number, x: number): number => logGammaDerivative(n + 1, x);
