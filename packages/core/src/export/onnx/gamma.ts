/**
 * @file lgamma and polygamma as ONNX subgraphs, by the algorithm of xent's own (kernel/special.ts): the
 * recurrence up to z ≥ 10 (+ n) unrolled to its longest length with each step guarded by z < 10 (+ n), the
 * asymptotic series there, and the reflection for x < 0 (its polynomial in cot πx computed here: n is static).
 */
import type { FloatDType } from '../../ir/dtype.js';
import type { OnnxGraphBuilder } from './builder.js';

/** B₂ₖ/(2k)!, k = 1…10: the asymptotic series' coefficients. */
const BERNOULLI = [
  0.08333333333333333, -0.001388888888888889, 3.306878306878307e-5, -8.267195767195768e-7, 2.08767569878681e-8,
  -5.284190138687493e-10, 1.3382536530684679e-11, -3.3896802963225827e-13, 8.586062056277845e-15,
  -2.174868698558062e-16,
];

/** Stirling's series' coefficients B₂ₖ/(2k(2k − 1)), from the last (Horner's order). */
const STIRLING = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417, -0.0005952380952380953,
  0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];

/** The pieces of the reflection: round(x) as JavaScript rounds (half up), r = x − round(x), and the argument of the positive branch. */
function reflection(b: OnnxGraphBuilder, x: string, dtype: FloatDType) {
  const c = (v: number): string => b.scalar(dtype, v);
  const rounded = b.op('Floor', [b.op('Add', [x, c(0.5)])]);
  const r = b.op('Sub', [x, rounded]);
  const positive = b.op('Less', [c(0), x]);
  return {
    r,
    positive,
    argument: b.op('Where', [positive, x, b.op('Sub', [c(1), x])]),
    pole: b.op('Equal', [r, c(0)]),
  };
}

/** log|Γ(x)|: 0 at 1 and 2, +∞ at the poles and at ±∞. */
export function lgamma(b: OnnxGraphBuilder, x: string, dtype: FloatDType): string {
  const c = (v: number): string => b.scalar(dtype, v);
  const { r, positive, argument, pole } = reflection(b, x, dtype);
  let z = argument;
  let p = c(1);
  for (let step = 0; step < 10; step++) {
    const below = b.op('Less', [z, c(10)]);
    p = b.op('Where', [below, b.op('Mul', [p, z]), p]);
    z = b.op('Where', [below, b.op('Add', [z, c(1)]), z]);
  }
  const rr = b.op('Div', [c(1), b.op('Mul', [z, z])]);
  const [last, ...rest] = STIRLING as [number, ...number[]];
  const horner = rest.reduce((acc, k) => b.op('Add', [c(k), b.op('Mul', [rr, acc])]), c(last));
  const series = b.op('Div', [horner, z]);
  const lz = b.op('Log', [z]);
  // (z − ½) ln z − z + ½ ln 2π + series − ln p, in xent's order
  const stirling = [
    b.op('Neg', [b.op('Mul', [c(0.5), lz])]),
    c(0.9189385332046728),
    series,
    b.op('Neg', [b.op('Log', [p])]),
  ].reduce((acc, t) => b.op('Add', [acc, t]), b.op('Mul', [z, b.op('Sub', [lz, c(1)])]));
  const sine = b.op('Abs', [b.op('Sin', [b.op('Mul', [c(Math.PI), r])])]);
  const reflected = b.op('Sub', [b.op('Sub', [c(1.1447298858494002), b.op('Log', [sine])]), stirling]);
  let value = b.op('Where', [positive, stirling, b.op('Where', [pole, c(Infinity), reflected])]);
  const oneOrTwo = b.op('Or', [b.op('Equal', [x, c(1)]), b.op('Equal', [x, c(2)])]);
  value = b.op('Where', [oneOrTwo, c(0), value]);
  value = b.op('Where', [b.op('Equal', [b.op('Abs', [x]), c(Infinity)]), c(Infinity), value]);
  return b.op('Where', [b.op('IsNaN', [x]), x, value]);
}

/** ψ⁽ⁿ⁾(x) for x > 0 by the recurrence to z ≥ 10 + n and the asymptotic series. */
function polygammaPositive(b: OnnxGraphBuilder, n: number, v: string, dtype: FloatDType): string {
  const c = (w: number): string => b.scalar(dtype, w);
  let z = v;
  let near = c(0);
  for (let step = 0; step < 10 + n; step++) {
    const below = b.op('Less', [z, c(10 + n)]);
    const term = n === 0 ? b.op('Div', [c(1), z]) : b.op('Pow', [z, c(-n - 1)]);
    near = b.op('Where', [below, b.op('Add', [near, term]), near]);
    z = b.op('Where', [below, b.op('Add', [z, c(1)]), z]);
  }
  const r = b.op('Div', [c(1), b.op('Mul', [z, z])]);
  let tail = c(0);
  let scale = n === 0 ? c(1) : b.op('Pow', [z, c(-n)]);
  for (let k = 1; k <= 10; k++) {
    const factor =
      n === 0 ? (k === 1 ? 1 : (2 * k - 2) * (2 * k - 1)) : k === 1 ? n + 1 : (n + 2 * k - 2) * (n + 2 * k - 1);
    scale = b.op('Mul', [scale, k === 1 && n === 0 ? r : b.op('Mul', [c(factor), r])]);
    tail = b.op('Add', [tail, b.op('Mul', [c(BERNOULLI[k - 1] as number), scale])]);
  }
  if (n === 0) {
    const lead = b.op('Sub', [b.op('Log', [z]), b.op('Div', [c(0.5), z])]);
    return b.op('Sub', [b.op('Sub', [lead, tail]), near]);
  }
  let factorial = 1;
  for (let j = 2; j <= n; j++) factorial *= j;
  const zeta = [
    b.op('Div', [b.op('Pow', [z, c(-n)]), c(n)]),
    b.op('Div', [b.op('Pow', [z, c(-n - 1)]), c(2)]),
    tail,
  ].reduce((acc, t) => b.op('Add', [acc, t]), near);
  return b.op('Mul', [c(n % 2 === 1 ? factorial : -factorial), zeta]);
}

/** ψ⁽ⁿ⁾(x): the reflection ψ⁽ⁿ⁾(x) = (−1)ⁿ ψ⁽ⁿ⁾(1 − x) − πⁿ⁺¹ Pₙ(cot πx) for x ≤ 0, and xent's values at the poles and ±∞. */
export function polygamma(b: OnnxGraphBuilder, n: number, x: string, dtype: FloatDType): string {
  const c = (w: number): string => b.scalar(dtype, w);
  const { r, positive, argument, pole } = reflection(b, x, dtype);
  const value = polygammaPositive(b, n, argument, dtype);
  // Pₙ's coefficients from P₀ = c by the recurrence Pₖ₊₁ = −(1 + c²) Pₖ′
  let coefficients = [0, 1];
  for (let k = 0; k < n; k++) {
    const q = new Array<number>(coefficients.length + 1).fill(0);
    for (let j = 0; j < q.length; j++)
      q[j] = -(j + 1) * (coefficients[j + 1] ?? 0) - (j - 1) * (coefficients[j - 1] ?? 0);
    coefficients = q;
  }
  const angle = b.op('Mul', [c(Math.PI), r]);
  const cot = b.op('Div', [b.op('Cos', [angle]), b.op('Sin', [angle])]);
  const p = [...coefficients].reverse().reduce((acc, k) => b.op('Add', [b.op('Mul', [acc, cot]), c(k)]), c(0));
  const reflected = b.op('Sub', [
    b.op('Mul', [c(n % 2 === 0 ? 1 : -1), value]),
    b.op('Mul', [c(Math.pow(Math.PI, n + 1)), p]),
  ]);
  // at the poles: −1/x at 0 for even n (±∞ by the zero's sign), +∞ for odd n, NaN at the negative integers for even n
  const atPole =
    n % 2 === 1
      ? c(Infinity)
      : b.op('Where', [b.op('Equal', [x, c(0)]), b.op('Neg', [b.op('Div', [c(1), x])]), c(NaN)]);
  let out = b.op('Where', [positive, value, b.op('Where', [pole, atPole, reflected])]);
  out = b.op('Where', [b.op('Equal', [x, c(Infinity)]), c(n === 0 ? Infinity : 0), out]);
  out = b.op('Where', [b.op('Equal', [x, c(-Infinity)]), c(NaN), out]);
  return b.op('Where', [b.op('IsNaN', [x]), x, out]);
}
