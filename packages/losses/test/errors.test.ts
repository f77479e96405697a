/** @file Bad input gets an XentError naming the loss, the argument, what was expected and what came (toolchain notes §5.4). */
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { f64, i32 } from './support.js';

const { losses: L, entropy: H, divergence: Dv } = x;
const z = f64([1, 2, 3, 0, 1, 0], [2, 3]);
const y = i32([0, 2]);

/** Runs `f` and returns the XentError it throws (failing the test if it throws something else or nothing). */
function errorOf(f: () => unknown): x.XentError {
  try {
    f();
  } catch (e) {
    if (e instanceof x.XentError) return e;
    throw e;
  }
  throw new Error('expected an XentError, nothing was thrown');
}

describe.each<[string, () => unknown, new (...a: never[]) => x.XentError, RegExp]>([
  [
    'labels [N, 1] against logits [N, K] (no silent broadcasting)',
    () => L.crossEntropy(z, i32([0, 2], [2, 1])),
    x.ShapeError,
    /crossEntropy: argument 'labels' expected shape \[2\].*got \[2, 1\]/,
  ],
  [
    'class index out of range',
    () => L.crossEntropy(z, i32([0, 3])),
    x.IndexError,
    /argument 'labels' expected class indices in \[0, 3\).*got 3 at flat index 1/,
  ],
  ['negative class index', () => L.focalLoss(z, i32([-1, 0])), x.IndexError, /focalLoss: argument 'labels'.*got -1/],
  [
    'float labels',
    () => L.crossEntropy(z, f64([0, 2], [2])),
    x.DTypeError,
    /crossEntropy: argument 'labels' expected an i32 Tensor, got dtype f64/,
  ],
  [
    'integer logits',
    () => L.crossEntropy(i32([1, 2, 3, 4, 5, 6], [2, 3]), y),
    x.DTypeError,
    /argument 'logits' expected a floating-point \(f32 or f64\) Tensor of rank ≥ 1, got dtype i32/,
  ],
  [
    'empty batch',
    () => L.crossEntropy(f64([], [0, 3]), i32([])),
    x.ValueError,
    /argument 'logits' expected a non-empty batch, got shape \[0, 3\]/,
  ],
  ['no classes', () => L.crossEntropy(f64([], [2, 0]), y), x.ShapeError, /at least one class/],
  [
    'label smoothing = 1',
    () => L.crossEntropy(z, y, { labelSmoothing: 1 }),
    x.ValueError,
    /argument 'labelSmoothing' expected a number in \[0, 1\), got 1/,
  ],
  [
    'temperature 0',
    () => L.crossEntropy(z, y, { temperature: 0 }),
    x.ValueError,
    /argument 'temperature' expected a finite number > 0, got 0/,
  ],
  [
    'unknown reduction',
    () => L.crossEntropy(z, y, { reduction: 'avg' as never }),
    x.ValueError,
    /argument 'reduction' expected one of 'mean', 'sum', 'none', got string 'avg'/,
  ],
  [
    'class weights of the wrong length',
    () => L.crossEntropy(z, y, { weights: f64([1, 2], [2]) }),
    x.ShapeError,
    /argument 'weights' expected shape \[3\]/,
  ],
  [
    'negative class weight',
    () => L.crossEntropy(z, y, { weights: f64([1, -2, 1], [3]) }),
    x.ValueError,
    /argument 'weights' expected finite weights ≥ 0, got -2/,
  ],
  [
    'non-integer ignoreIndex',
    () => L.crossEntropy(z, y, { ignoreIndex: 0.5 }),
    x.ValueError,
    /argument 'ignoreIndex' expected an integer/,
  ],
  [
    'soft targets off the simplex',
    () => L.softTargetCrossEntropy(z, f64([0.5, 0.5, 0.5, 0, 1, 0], [2, 3])),
    x.ValueError,
    /argument 'targets' expected rows summing to 1.*row 0 summing to 1.5/,
  ],
  [
    'negative probability',
    () => Dv.klFromProbs(f64([1.5, -0.5], [1, 2]), f64([0.5, 0.5], [1, 2])),
    x.ValueError,
    /argument 'p' expected probabilities ≥ 0/,
  ],
  [
    'BCE targets [N] against logits [N, 1]',
    () => L.binaryCrossEntropyWithLogits(f64([1, 2], [2, 1]), f64([1, 0], [2])),
    x.ShapeError,
    /argument 'targets' expected shape \[2, 1\].*got \[2\]/,
  ],
  [
    'BCE targets outside [0, 1]',
    () => L.binaryCrossEntropyWithLogits(f64([1, 2], [2]), f64([1, 2], [2])),
    x.ValueError,
    /argument 'targets' expected values in \[0, 1\], got 2/,
  ],
  [
    'f32 targets with f64 logits',
    () =>
      L.softTargetCrossEntropy(
        z,
        x.tensor([
          [1, 0, 0],
          [0, 1, 0],
        ]),
      ),
    x.DTypeError,
    /argument 'targets' expected dtype f64/,
  ],
  [
    'GCE q = 0',
    () => L.generalizedCrossEntropy(z, y, { q: 0 }),
    x.ValueError,
    /argument 'q' expected a number in \(0, 1\]/,
  ],
  [
    'RCE with log 0 := +4',
    () => L.reverseCrossEntropy(z, y, { logZero: 4 }),
    x.ValueError,
    /argument 'logZero' expected a finite number < 0/,
  ],
  [
    'squentropy with one class',
    () => L.squentropy(f64([1, 2], [2, 1]), i32([0, 0])),
    x.ShapeError,
    /at least 2 classes/,
  ],
  ['Tsallis q = 0', () => H.tsallis(z, 0), x.ValueError, /argument 'q' expected a finite number > 0/],
  ['Rényi α < 0', () => H.renyi(z, -1), x.ValueError, /argument 'alpha' expected a number ≥ 0/],
  [
    'W1 centres not increasing',
    () => L.wassersteinOrdinalLoss(z, y, { centers: [0, 2, 1] }),
    x.ValueError,
    /argument 'centers' expected 3 finite, strictly increasing bin centres/,
  ],
  [
    'InfoNCE views of different shapes',
    () => L.infoNce(f64([1, 2, 3, 4], [2, 2]), f64([1, 2, 3, 4, 5, 6], [3, 2])),
    x.ShapeError,
    /infoNce: argument 'b' expected shape \[2, 2\]/,
  ],
  [
    'joint table not summing to 1',
    () => H.mutualInformation(f64([0.5, 0.5, 0.5, 0.5], [2, 2])),
    x.ValueError,
    /a table summing to 1/,
  ],
  [
    'Dice: unknown variant',
    () => L.diceLoss(f64([0.5], [1]), f64([1], [1]), { variant: 'cubic' as never }),
    x.ValueError,
    /argument 'variant' expected one of 'squared', 'linear', got string 'cubic'/,
  ],
])('%s', (_name, f, Kind, message) => {
  test('throws the right XentError with a readable message', () => {
    const e = errorOf(f);
    expect(e).toBeInstanceOf(Kind);
    expect(e.message).toMatch(message);
  });
});

test('traced labels out of range fail when the jitted loss runs (IndexError), not with silent garbage', () => {
  const f = x.jit((logits: x.Tensor, labels: x.Tensor) => L.crossEntropy(logits, labels));
  expect(() => f(z, i32([0, 7]))).toThrow(x.IndexError);
});
