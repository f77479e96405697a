/**
 * @file Extreme values and what to expect of them, shared by the CPU and WebGPU suites: the extremes
 * of each float dtype, agreement with tolerances that tell NaN and the infinities apart, every
 * hard-label loss at extreme temperatures and logits, and the rows of the NaN and ±Inf table of
 * docs/concepts.md with their values written out.
 */
import { expect } from 'vitest';
import * as x from 'xent';
import { close, type Tolerance } from './numeric.js';

export type Float = 'f32' | 'f64';
export const floats: readonly Float[] = ['f32', 'f64'];

/** f32-representable extremes (a few become subnormal or ±Inf in f32: what f32 does with them is the point). */
const common = [
  0,
  -0,
  1,
  -1,
  0.5,
  -2.5,
  1e-30,
  -1e-30,
  1e30,
  -1e30,
  3e38,
  -3e38,
  1e-40,
  -1e-45,
  Infinity,
  -Infinity,
  NaN,
  88.5,
  89,
  -103,
  -200,
  16777217,
];
export const extremes: Record<Float, readonly number[]> = {
  f32: common,
  f64: [...common, 1e300, -1e300, 1e-310, 709.5, 710, -745, Number.MAX_VALUE],
};

/** Throws naming the first element of `got` that does not agree with `want` (tolerance by element). */
export function expectAgree(
  got: readonly number[],
  want: readonly number[],
  tol: (i: number) => Tolerance,
  label: string,
) {
  expect(got.length, label).toBe(want.length);
  want.forEach((w, i) => {
    const g = got[i] as number;
    if (!close(g, w, tol(i))) throw new Error(`${label}: element ${i}: got ${g}, expected ${w}`);
  });
}

/** A tensor of `values` (i32 and bool from integers). */
export const tensorOf = (values: readonly number[], shape: readonly number[], dtype: x.DType): x.Tensor =>
  x.tensor(
    dtype === 'i32' ? Int32Array.from(values) : dtype === 'bool' ? Uint8Array.from(values) : Float64Array.from(values),
    { shape, dtype },
  );

const L = x.losses;
/** A hard-label loss of logits [N, K] and labels [N] at a temperature (dividing the logits, or the loss's own option). */
export type HardLoss = (z: x.Tensor, y: x.Tensor, temperature: number) => x.Tensor;

/** A loss of logits and labels, at temperature T as a loss of z/T. */
const scaled =
  (loss: (z: x.Tensor, y: x.Tensor) => x.Tensor): HardLoss =>
  (z, y, t) =>
    loss(x.div(z, t), y);

/** Every hard-label loss, and cross-entropy with its `temperature` option. */
export const hardLabelLosses: Record<string, HardLoss> = {
  crossEntropy: scaled((z, y) => L.crossEntropy(z, y)),
  'crossEntropy (temperature option)': (z, y, temperature) => L.crossEntropy(z, y, { temperature }),
  focalLoss: scaled((z, y) => L.focalLoss(z, y)),
  confidencePenalty: scaled((z, y) => L.confidencePenalty(z, y)),
  maeLoss: scaled((z, y) => L.maeLoss(z, y)),
  brierLoss: scaled((z, y) => L.brierLoss(z, y)),
  rescaledSquareLoss: scaled((z, y) => L.rescaledSquareLoss(z, y)),
  squentropy: scaled((z, y) => L.squentropy(z, y)),
  generalizedCrossEntropy: scaled((z, y) => L.generalizedCrossEntropy(z, y)),
  compSumLoss: scaled((z, y) => L.compSumLoss(z, y)),
  reverseCrossEntropy: scaled((z, y) => L.reverseCrossEntropy(z, y)),
  symmetricCrossEntropy: scaled((z, y) => L.symmetricCrossEntropy(z, y)),
  normalizedCrossEntropy: scaled((z, y) => L.normalizedCrossEntropy(z, y)),
  normalizedFocalLoss: scaled((z, y) => L.normalizedFocalLoss(z, y)),
  activePassiveLoss: scaled((z, y) => L.activePassiveLoss(z, y)),
};

/** Logits [2, 3] and temperatures at which every hard-label loss is compared (labels [0, 2]). */
export const lossSettings = [
  { label: 'temperature 1e-30', logits: [3, 1, -2, 0.5, 0.5, -1], temperature: 1e-30 },
  { label: 'temperature 1e30', logits: [3, 1, -2, 0.5, 0.5, -1], temperature: 1e30 },
  { label: 'logits ±1e30', logits: [1e30, -1e30, 0, -1e30, 1e30, 1e30], temperature: 1 },
] as const;

const inf = Infinity;
/** Elementwise inputs: 8 lanes and a tail. */
const specials = [NaN, inf, -inf, 2, -3, 0.5, -0.5, 0, 1];

/** Each row of the table: a function and what it gives on its inputs (written out, not computed). */
export const nanTable: readonly {
  readonly row: string;
  readonly f: (t: x.Tensor) => x.Tensor;
  readonly input: readonly (readonly number[])[];
  readonly want: readonly number[];
}[] = [
  { row: 'relu', f: (t) => x.relu(t), input: [specials], want: [NaN, inf, 0, 2, 0, 0.5, 0, 0, 1] },
  {
    row: 'maximum(x, 1)',
    f: (t) => x.maximum(t, 1),
    input: [specials],
    want: [NaN, inf, 1, 2, 1, 1, 1, 1, 1],
  },
  {
    row: 'maximum(1, x)',
    f: (t) => x.maximum(x.full(t.shape, 1, { dtype: t.dtype }), t),
    input: [specials],
    want: [NaN, inf, 1, 2, 1, 1, 1, 1, 1],
  },
  {
    row: 'minimum(x, 1)',
    f: (t) => x.minimum(t, 1),
    input: [specials],
    want: [NaN, 1, -inf, 1, -3, 0.5, -0.5, 0, 1],
  },
  {
    row: 'minimum(1, x)',
    f: (t) => x.minimum(x.full(t.shape, 1, { dtype: t.dtype }), t),
    input: [specials],
    want: [NaN, 1, -inf, 1, -3, 0.5, -0.5, 0, 1],
  },
  { row: 'clip(x, −1, 1)', f: (t) => x.clip(t, -1, 1), input: [specials], want: [NaN, 1, -1, 1, -1, 0.5, -0.5, 0, 1] },
  { row: 'abs', f: (t) => x.abs(t), input: [specials], want: [NaN, inf, inf, 2, 3, 0.5, 0.5, 0, 1] },
  { row: 'sign', f: (t) => x.sign(t), input: [specials], want: [NaN, 1, -1, 1, -1, 1, -1, 0, 1] },
  ...(
    [
      ['max', (t: x.Tensor) => x.max(t, { axis: 1 }), [NaN, inf, 8, -inf, NaN]],
      ['min', (t: x.Tensor) => x.min(t, { axis: 1 }), [NaN, 1, -inf, -inf, NaN]],
      ['argmax', (t: x.Tensor) => x.argmax(t, { axis: 1 }), [5, 2, 7, 0, 3]],
      [
        'logsumexp',
        (t: x.Tensor) => x.logsumexp(t, { axis: 1 }),
        // row 2 in f64: the −Inf entry adds nothing
        [NaN, inf, Math.log([1, 2, 4, 5, 6, 7, 8, 0].reduce((acc, v) => acc + Math.exp(v), 0)), -inf, NaN],
      ],
    ] as const
  ).map(([row, f, want]) => ({
    row: `${row} over rows`,
    f,
    input: [
      [1, 2, 3, 4, 5, NaN, 7, 8, 0],
      [1, 2, inf, 4, 5, 6, 7, 8, inf],
      [1, 2, -inf, 4, 5, 6, 7, 8, 0],
      new Array<number>(9).fill(-inf),
      [1, 2, -inf, NaN, inf, 6, 7, 8, NaN],
    ],
    want,
  })),
];

/** The softmax row of the table: rows with NaN, +Inf, some −Inf and only −Inf, and their softmax. */
export const softmaxRows = {
  input: [
    [NaN, 0, 1],
    [inf, 0, 1],
    [-inf, 0, 0],
    [-inf, -inf, -inf],
  ],
  want: [NaN, NaN, NaN, NaN, NaN, NaN, 0, 0.5, 0.5, NaN, NaN, NaN],
} as const;
