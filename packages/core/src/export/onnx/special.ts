/**
 * @file erf, erfc and erfinv as ONNX subgraphs, by the algorithm of xent's own (kernel/special.ts): the series below 1,
 * Laplace's continued fraction beyond, both unrolled to their longest length (the fraction's depth at |x| = 1:
 * deeper tails only converge further). ONNX's Erf loses erfc's digits for large x, and onnxruntime's CPU
 * provider has no f64 Erf.
 */
import type { FloatDType } from '../../ir/dtype.js';
import type { OnnxGraphBuilder } from './builder.js';

/** Terms of the series 2/√π e^{−x²} Σ 2ⁿx^{2n+1}/(2n+1)!! for |x| < 1: the 40th is below 2⁻⁵³ of the sum. */
const SERIES_TERMS = 40;
/** Depth of the continued fraction: ⌈230/a² + 12⌉ at a = 1, the deepest xent's erfc evaluates. */
const FRACTION_DEPTH = 242;

/** e^{−a²} with a² split as h² + (a − h)(a + h), h = a to 16 fraction bits. */
function gauss(b: OnnxGraphBuilder, a: string, dtype: FloatDType): string {
  const scale = b.scalar(dtype, 65536);
  const h = b.op('Div', [b.op('Floor', [b.op('Mul', [a, scale])]), scale]);
  const hh = b.op('Exp', [b.op('Neg', [b.op('Mul', [h, h])])]);
  const rest = b.op('Exp', [b.op('Neg', [b.op('Mul', [b.op('Sub', [a, h]), b.op('Add', [a, h])])])]);
  return b.op('Mul', [hh, rest]);
}

/** erf(x) by the series (meant for |x| < 1). */
function erfSeries(b: OnnxGraphBuilder, x: string, a: string, dtype: FloatDType): string {
  const twoX2 = b.op('Mul', [b.scalar(dtype, 2), b.op('Mul', [x, x])]);
  let term = x;
  let sum = x;
  for (let n = 1; n < SERIES_TERMS; n++) {
    term = b.op('Mul', [term, b.op('Div', [twoX2, b.scalar(dtype, 2 * n + 1)])]);
    sum = b.op('Add', [sum, term]);
  }
  return b.op('Mul', [b.op('Mul', [b.scalar(dtype, 1.1283791670955126), gauss(b, a, dtype)]), sum]);
}

/** erfc(a) by the continued fraction e^{−a²}/√π · 1/(a + ½/(a + 1/(a + (3/2)/(a + …)))) (meant for a ≥ 1). */
function erfcFraction(b: OnnxGraphBuilder, a: string, dtype: FloatDType): string {
  let f = a;
  for (let k = FRACTION_DEPTH; k >= 1; k--) f = b.op('Add', [a, b.op('Div', [b.scalar(dtype, k / 2), f])]);
  return b.op('Div', [b.op('Mul', [b.scalar(dtype, 0.5641895835477563), gauss(b, a, dtype)]), f]);
}

/** The pieces both functions choose between: |x|, whether |x| < 1, the series and the fraction's tail. */
function pieces(b: OnnxGraphBuilder, x: string, dtype: FloatDType) {
  const a = b.op('Abs', [x]);
  const small = b.op('Less', [a, b.scalar(dtype, 1)]);
  // each branch sees an argument in its own domain, so the other's overflow never reaches the chosen one
  const inner = b.op('Where', [small, x, b.scalar(dtype, 0)]);
  const outer = b.op('Where', [small, b.scalar(dtype, 1), a]);
  const infinite = b.op('Equal', [a, b.scalar(dtype, Infinity)]);
  const tail = b.op('Where', [infinite, b.scalar(dtype, 0), erfcFraction(b, outer, dtype)]);
  return {
    small,
    series: erfSeries(b, inner, b.op('Abs', [inner]), dtype),
    tail,
    negative: b.op('Less', [x, b.scalar(dtype, 0)]),
  };
}

/** erf(x): the series for |x| < 1, beyond ±(1 − erfc(|x|)); NaN stays NaN. */
export function erf(b: OnnxGraphBuilder, x: string, dtype: FloatDType): string {
  const { small, series, tail, negative } = pieces(b, x, dtype);
  const one = b.scalar(dtype, 1);
  const large = b.op('Where', [negative, b.op('Sub', [tail, one]), b.op('Sub', [one, tail])]);
  const value = b.op('Where', [small, series, large]);
  return b.op('Where', [b.op('IsNaN', [x]), x, value]);
}

/** erfc(x): 1 − the series for |x| < 1, the continued fraction beyond (2 − it for x ≤ −1); NaN stays NaN. */
export function erfc(b: OnnxGraphBuilder, x: string, dtype: FloatDType): string {
  const { small, series, tail, negative } = pieces(b, x, dtype);
  const large = b.op('Where', [negative, b.op('Sub', [b.scalar(dtype, 2), tail]), tail]);
  const value = b.op('Where', [small, b.op('Sub', [b.scalar(dtype, 1), series]), large]);
  return b.op('Where', [b.op('IsNaN', [x]), x, value]);
}

/** Halley steps erfinv takes at most (xent's, which stops early at a fixed point: here later steps are guarded). */
const HALLEY_STEPS = 4;

/**
 * erfinv(x): the rough closed form, then Halley steps y ← y − u/(1 + y·u), u = (erf y − |x|)/erf′(y), on erf
 * below 0.85 and on erfc above, each kept only until a step leaves y unchanged; ±∞ at ±1, NaN outside [−1, 1].
 */
export function erfinv(b: OnnxGraphBuilder, x: string, dtype: FloatDType): string {
  const c = (v: number): string => b.scalar(dtype, v);
  const a = b.op('Abs', [x]);
  const a2 = b.op('Mul', [a, a]);
  const taylor = b.op('Mul', [
    b.op('Mul', [c(0.886226925452758), a]),
    b.op('Add', [
      c(1),
      b.op('Mul', [a2, b.op('Add', [c(0.2617993877991494), b.op('Mul', [a2, c(0.14393173084921979)])])]),
    ]),
  ]);
  const l = b.op('Log', [b.op('Mul', [b.op('Sub', [c(1), a]), b.op('Add', [c(1), a])])]);
  const centre = b.op('Add', [c(4.330746750799873), b.op('Div', [l, c(2)])]);
  const closed = b.op('Sqrt', [
    b.op('Sub', [b.op('Sqrt', [b.op('Sub', [b.op('Mul', [centre, centre]), b.op('Div', [l, c(0.147)])])]), centre]),
  ]);
  let y = b.op('Where', [b.op('Less', [a, c(0.5)]), taylor, closed]);
  const onErf = b.op('Less', [a, c(0.85)]);
  let done = b.op('Not', [b.op('Less', [a, c(1)])]);
  for (let step = 0; step < HALLEY_STEPS; step++) {
    const series = b.op('Sub', [erfSeries(b, y, b.op('Abs', [y]), dtype), a]);
    const fraction = b.op('Sub', [b.op('Sub', [c(1), a]), erfcFraction(b, y, dtype)]);
    const residual = b.op('Where', [onErf, series, fraction]);
    const u = b.op('Div', [residual, b.op('Mul', [c(1.1283791670955126), gauss(b, y, dtype)])]);
    const next = b.op('Sub', [y, b.op('Div', [u, b.op('Add', [c(1), b.op('Mul', [y, u])])])]);
    const settled = b.op('Or', [done, b.op('Equal', [next, y])]);
    y = b.op('Where', [settled, y, next]);
    done = settled;
  }
  const signed = b.op('Where', [b.op('Less', [x, c(0)]), b.op('Neg', [y]), y]);
  const edge = b.op('Where', [b.op('Equal', [a, c(1)]), b.op('Mul', [x, c(Infinity)]), c(NaN)]);
  const inside = b.op('Where', [b.op('Equal', [a, c(0)]), x, signed]);
  return b.op('Where', [b.op('Less', [a, c(1)]), inside, edge]);
}
