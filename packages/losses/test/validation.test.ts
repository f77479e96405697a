/**
 * @file Argument checking of the losses, entropies, divergences and EmaTeacher: options objects (unknown keys with a
 * "did you mean", wrong types, null, bad enum values, non-finite and out-of-range numbers), tensors of ours only, and
 * composites that name themselves, never the function they are built on.
 */
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { f64, i32 } from './support.js';

const { losses: L, entropy: H, divergence: Dv } = x;
const z = f64([1, 2, 3, 0, 1, 0], [2, 3]);
const y = i32([0, 2]);
const z3 = f64([1, 2, 3, 0, 1, 0, 2, 2, 1, 0.5, 0, -1], [2, 2, 3]);
const y2 = i32([0, 2, 1, 1], [2, 2]);
/** An object that a `'node' in v` check would take for a tensor. */
const duck = { node: {}, shape: [2, 3], dtype: 'f64', rank: 2, size: 6 };

/** The XentError `f` throws (failing the test if it throws something else or nothing). */
function errorOf(f: () => unknown): x.XentError {
  try {
    f();
  } catch (e) {
    if (e instanceof x.XentError) return e;
    throw e;
  }
  throw new Error('expected an XentError, nothing was thrown');
}

/** Calls a public function with arguments its types would refuse (what plain JavaScript can pass). */
const call =
  (f: unknown, ...args: unknown[]) =>
  (): unknown =>
    (f as (...a: unknown[]) => unknown)(...args);

describe.each<[string, () => unknown, new (...a: never[]) => x.XentError, string]>([
  [
    'a snake_case option key is an error with the camelCase key suggested',
    call(L.crossEntropy, z, y, { label_smoothing: 0.5 }),
    x.ValueError,
    "xent.crossEntropy: argument 'options' expected an options object with keys among reduction, weights, ignoreIndex, labelSmoothing, temperature, got unknown key 'label_smoothing' (did you mean 'labelSmoothing'?)",
  ],
  [
    'an unknown reduction of a sequence loss',
    call(L.sequenceCrossEntropy, z3, y2, { reduction: 'avg' }),
    x.ValueError,
    "xent.sequenceCrossEntropy: argument 'reduction' expected one of 'mean', 'sum', 'none', got string 'avg'",
  ],
  [
    "perplexity's reductions are its own ('sum' is not one)",
    call(L.perplexity, z3, y2, { reduction: 'sum' }),
    x.ValueError,
    "xent.perplexity: argument 'reduction' expected one of 'mean', 'none', got string 'sum'",
  ],
  [
    'options that are not an object',
    call(L.focalLoss, z, y, 'mean'),
    x.ValueError,
    "xent.focalLoss: argument 'options' expected an options object with keys among reduction, weights, ignoreIndex, gamma, got string 'mean'",
  ],
  [
    'null options',
    call(Dv.kl, z, z, null),
    x.ValueError,
    "xent.kl: argument 'options' expected an options object with keys among reduction, got null",
  ],
  [
    'an array for options',
    call(L.maeLoss, z, y, []),
    x.ValueError,
    "xent.maeLoss: argument 'options' expected an options object with keys among reduction, weights, ignoreIndex, got an array []",
  ],
  [
    'a flag that is not a boolean',
    call(L.alignmentLoss, z, z, { stopGradient: 0 }),
    x.ValueError,
    "xent.alignmentLoss: argument 'stopGradient' expected a boolean (true or false), got number 0",
  ],
  [
    'a string flag',
    call(L.vneRegularizer, z, { maximize: 'no' }),
    x.ValueError,
    "xent.vneRegularizer: argument 'maximize' expected a boolean (true or false), got string 'no'",
  ],
  [
    'an unknown similarity',
    call(L.infoNce, z, z, { similarity: 'euclidean' }),
    x.ValueError,
    "xent.infoNce: argument 'similarity' expected one of 'cosine', 'dot', got string 'euclidean'",
  ],
  [
    'an infinite temperature',
    call(L.distillationLoss, z, z, { temperature: Infinity }),
    x.ValueError,
    "xent.distillationLoss: argument 'temperature' expected a finite number > 0, got Infinity",
  ],
  [
    'a NaN confidence-penalty weight',
    call(L.confidencePenalty, z, y, { beta: NaN }),
    x.ValueError,
    "xent.confidencePenalty: argument 'beta' expected a finite number, got NaN",
  ],
  [
    'an infinite focal γ',
    call(L.focalLoss, z, y, { gamma: Infinity }),
    x.ValueError,
    "xent.focalLoss: argument 'gamma' expected a finite number ≥ 0, got Infinity",
  ],
  [
    'temperature on a loss that has none',
    call(L.maeLoss, z, y, { temperature: 2 }),
    x.ValueError,
    "xent.maeLoss: argument 'options' expected an options object with keys among reduction, weights, ignoreIndex, got unknown key 'temperature'",
  ],
  [
    'a non-integer ignoreIndex',
    call(L.linearCrossEntropy, z, z, y, { ignoreIndex: -0.5 }),
    x.ValueError,
    "xent.linearCrossEntropy: argument 'ignoreIndex' expected an integer, got -0.5",
  ],
  [
    'a posWeight that is neither a number ≥ 0 nor a [C] tensor',
    call(L.binaryCrossEntropyWithLogits, z, z, { posWeight: -1 }),
    x.ValueError,
    "xent.binaryCrossEntropyWithLogits: argument 'posWeight' expected a finite number ≥ 0 or a floating-point (f32 or f64) Tensor of rank 1, got number -1",
  ],
  [
    'a non-finite bin centre',
    call(L.wassersteinOrdinal, z, z, { centers: [0, 1, Infinity] }),
    x.ValueError,
    "xent.wassersteinOrdinal: argument 'centers[2]' expected a finite number, got Infinity",
  ],
  [
    'a Vendi order that is not a number',
    call(H.vendiScore, z, { q: '2' }),
    x.ValueError,
    "xent.vendiScore: argument 'q' expected a number ≥ 0, got string '2'",
  ],
  [
    'a correlation of 1',
    call(H.gaussianMutualInformation, 1),
    x.ValueError,
    "xent.gaussianMutualInformation: argument 'rho' expected a number in (-1, 1), got 1",
  ],
  [
    'an extra argument',
    call(H.shannon, z, {}),
    x.ValueError,
    "xent.shannon: argument 'arguments[1]' expected at most 1 argument(s) (logits), got 2 arguments",
  ],
  [
    'duck-typed logits',
    call(L.crossEntropy, duck, y),
    x.ValueError,
    "xent.crossEntropy: argument 'logits' expected a floating-point (f32 or f64) Tensor of rank ≥ 1, got an object {node, shape, dtype, rank, size}",
  ],
  [
    'duck-typed labels',
    call(L.focalLoss, z, { ...duck, dtype: 'i32', shape: [2], rank: 1 }),
    x.ValueError,
    "xent.focalLoss: argument 'labels' expected an i32 Tensor, got an object {node, shape, dtype, rank, size}",
  ],
  [
    'duck-typed targets',
    call(L.softTargetCrossEntropy, z, duck),
    x.ValueError,
    "xent.softTargetCrossEntropy: argument 'targets' expected a floating-point (f32 or f64) Tensor, got an object {node, shape, dtype, rank, size}",
  ],
  [
    'duck-typed class weights',
    call(L.crossEntropy, z, y, { weights: { ...duck, shape: [3], rank: 1 } }),
    x.ValueError,
    "xent.crossEntropy: argument 'weights' expected a floating-point (f32 or f64) Tensor of rank 1, got an object {node, shape, dtype, rank, size}",
  ],
  [
    'a duck-typed teacher parameter',
    call((initial: unknown, decay: unknown) => new x.EmaTeacher(initial as x.Tensor[], decay as number), [duck], 0.9),
    x.ValueError,
    "xent.EmaTeacher: argument 'initial[0]' expected a floating-point (f32 or f64) Tensor, got an object {node, shape, dtype, rank, size}",
  ],
  [
    'a decay of 1',
    call((initial: unknown, decay: unknown) => new x.EmaTeacher(initial as x.Tensor[], decay as number), [z], 1),
    x.ValueError,
    "xent.EmaTeacher: argument 'decay' expected a number in [0, 1), got 1",
  ],
])('%s', (_name, f, Kind, message) => {
  test('is rejected with the documented message', () => {
    const e = errorOf(f);
    expect(e).toBeInstanceOf(Kind);
    expect(e.message).toBe(message);
  });
});

describe('composites name themselves, never the function they are built on', () => {
  const emptyClasses = f64([], [2, 0]);
  test.each<[string, () => unknown, string]>([
    [
      'perplexity: a label out of range',
      call(L.perplexity, z3, i32([0, 2, 1, 3], [2, 2])),
      "xent.perplexity: argument 'labels'",
    ],
    ['perplexity: logits of rank 2', call(L.perplexity, z, y), "xent.perplexity: argument 'logits'"],
    ['perplexity: labels of the wrong shape', call(L.perplexity, z3, y), "xent.perplexity: argument 'labels'"],
    [
      'sequenceCrossEntropy: a label out of range',
      call(L.sequenceCrossEntropy, z3, i32([0, 2, 1, 5], [2, 2])),
      "xent.sequenceCrossEntropy: argument 'labels'",
    ],
    ['tsallis at q = 1 (Shannon)', call(H.tsallis, emptyClasses, 1), "xent.tsallis: argument 'logits'"],
    ['renyi at α = 1 (Shannon)', call(H.renyi, emptyClasses, 1), "xent.renyi: argument 'logits'"],
    ['entropy.perplexity', call(H.perplexity, emptyClasses), "xent.perplexity: argument 'logits'"],
    ['entropyMinimization', call(H.entropyMinimization, emptyClasses), "xent.entropyMinimization: argument 'logits'"],
    [
      'informationMaximization',
      call(H.informationMaximization, emptyClasses),
      "xent.informationMaximization: argument 'logits'",
    ],
    ['vneRegularizer', call(L.vneRegularizer, f64([], [0, 2])), "xent.vneRegularizer: argument 'embeddings'"],
    [
      'normalized(crossEntropy): a label out of range',
      call(L.normalized(L.crossEntropy), z, i32([0, 3])),
      "xent.normalized(crossEntropy): argument 'labels'",
    ],
    [
      'normalized(crossEntropy): an unknown reduction',
      call(L.normalized(L.crossEntropy), z, y, { reduction: 'avg' }),
      "xent.normalized(crossEntropy): argument 'reduction'",
    ],
    [
      'normalized(crossEntropy): an option it does not take',
      call(L.normalized(L.crossEntropy), z, y, { labelSmoothing: 0.1 }),
      "xent.normalized(crossEntropy): argument 'options'",
    ],
    [
      'withLogitClip(crossEntropy): duck-typed logits',
      call(
        L.withLogitClip((t: x.Tensor) => L.crossEntropy(t, y), 1),
        duck,
      ),
      "xent.withLogitClip: argument 'logits'",
    ],
    [
      'withLogitClip: an order that is not 1, 2 or ∞',
      call(L.withLogitClip, L.crossEntropy, 1, { ord: 3 }),
      "xent.withLogitClip: argument 'ord'",
    ],
    [
      'divergence.kl: second logits of another shape',
      call(Dv.kl, z, f64([1, 2], [1, 2])),
      "xent.kl: argument 'qLogits'",
    ],
    [
      'divergence.jsFromProbs: rows off the simplex',
      call(Dv.jsFromProbs, f64([0.5, 0.5], [1, 2]), f64([0.5, 0.6], [1, 2])),
      "xent.jsFromProbs: argument 'q'",
    ],
  ])('%s', (_name, f, prefix) => {
    expect(errorOf(f).message.startsWith(prefix), errorOf(f).message).toBe(true);
  });
});

describe('EmaTeacher.update', () => {
  const teacher = (): x.EmaTeacher => new x.EmaTeacher([f64([0, 0], [2])], 0.5);
  test.each<[string, (t: x.EmaTeacher) => void, string]>([
    [
      'not an array',
      (t) => {
        t.update(f64([1, 1], [2]) as never);
      },
      "xent.EmaTeacher.update: argument 'student'",
    ],
    [
      'a duck-typed parameter',
      (t) => {
        t.update([duck as never]);
      },
      "xent.EmaTeacher.update: argument 'student[0]'",
    ],
    [
      'another count',
      (t) => {
        t.update([]);
      },
      "xent.EmaTeacher.update: argument 'student' expected 1 parameters",
    ],
    [
      'another shape',
      (t) => {
        t.update([f64([1], [1])]);
      },
      "xent.EmaTeacher.update: argument 'student[0]' expected f64 [2]",
    ],
    [
      'an extra argument',
      (t) => {
        (t.update as (...a: unknown[]) => void)([f64([1, 1], [2])], 0.1);
      },
      "xent.EmaTeacher.update: argument 'arguments[1]'",
    ],
  ])('%s', (_name, f, prefix) => {
    const t = teacher();
    const message = errorOf(() => {
      f(t);
    }).message;
    expect(message.startsWith(prefix), message).toBe(true);
    expect(t.updates).toBe(0);
  });

  test('a good update still moves the teacher', () => {
    const t = teacher();
    t.update([f64([2, 4], [2])]);
    expect(t.params.map((p) => [...(p.data() as Float64Array)])).toEqual([[1, 2]]);
  });
});
