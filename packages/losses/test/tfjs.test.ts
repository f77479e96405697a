/**
 * @file External agreement: values and gradients of the losses TensorFlow.js also ships (softmax CE
 * with label smoothing and weights, soft-target CE, sigmoid CE) on random inputs, tfjs in f32 on
 * its CPU backend against xent in f64.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, test } from 'vitest';
import * as x from 'xent';
import {
  batchArb,
  batchPairArb,
  expectAllClose,
  f64,
  labelsOf,
  logitsOf,
  num,
  rows,
  softmaxRow,
  toNumbers,
} from './support.js';

const L = x.losses;
const tol = { rtol: 2e-5, atol: 2e-6 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const oneHot = (y: readonly number[], k: number): number[] =>
  y.flatMap((c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0)));

test('softmax CE with label smoothing: value and ∇ agree with tf.losses.softmaxCrossEntropy', () => {
  fc.assert(
    fc.property(batchArb({ scale: 8 }), fc.double({ min: 0, max: 0.5, noNaN: true }), (b, eps) => {
      const labels = tf.tensor2d(oneHot(b.y, b.k), [b.n, b.k]);
      const tfLoss = (z: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, z, undefined, eps, tf.Reduction.MEAN);
      const logits = tf.tensor2d(b.z, [b.n, b.k]);
      const want = tfLoss(logits).dataSync()[0] as number;
      const wantGrad = Array.from(tf.grad(tfLoss)(logits).dataSync());
      const f = (z: x.Tensor) => L.crossEntropy(z, labelsOf(b), { labelSmoothing: eps });
      expectAllClose([num(f(logitsOf(b)))], [want], tol, 'value');
      expectAllClose(toNumbers(x.grad(f)(logitsOf(b))), wantGrad, tol, 'gradient');
    }),
    { numRuns: 30 },
  );
});

test('per-sample weighted softmax CE (reduction none) agrees with tfjs weights under Reduction.NONE', () => {
  fc.assert(
    fc.property(batchArb(), (b) => {
      const labels = tf.tensor2d(oneHot(b.y, b.k), [b.n, b.k]);
      const want = Array.from(
        tf.losses.softmaxCrossEntropy(labels, tf.tensor2d(b.z, [b.n, b.k]), undefined, 0, tf.Reduction.NONE).dataSync(),
      );
      expectAllClose(
        toNumbers(L.crossEntropy(logitsOf(b), labelsOf(b), { reduction: 'none' })),
        want,
        tol,
        'per sample',
      );
    }),
    { numRuns: 30 },
  );
});

test('soft-target CE agrees with tf.losses.softmaxCrossEntropy on soft labels and tf.metrics.categoricalCrossentropy', () => {
  fc.assert(
    fc.property(batchPairArb({ scale: 3 }), ([b, t]) => {
      const q = rows(t, b.k).flatMap((r) => softmaxRow(r));
      const want = tf.losses.softmaxCrossEntropy(
        tf.tensor2d(q, [b.n, b.k]),
        tf.tensor2d(b.z, [b.n, b.k]),
        undefined,
        0,
        tf.Reduction.NONE,
      );
      const ours = L.softTargetCrossEntropy(logitsOf(b), f64(q, [b.n, b.k]), { reduction: 'none' });
      expectAllClose(toNumbers(ours), Array.from(want.dataSync()), tol, 'soft CE');
      const probs = tf.softmax(tf.tensor2d(b.z, [b.n, b.k]));
      const metric = tf.metrics.categoricalCrossentropy(tf.tensor2d(q, [b.n, b.k]), probs);
      expectAllClose(
        toNumbers(ours),
        Array.from(metric.dataSync()),
        { rtol: 1e-4, atol: 1e-5 },
        'categoricalCrossentropy',
      );
    }),
    { numRuns: 30 },
  );
});

test('BCE with logits: value and ∇ agree with tf.losses.sigmoidCrossEntropy', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 8, maxLength: 8 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
      (s, y) => {
        const labels = tf.tensor2d(y, [2, 4]);
        const tfLoss = (z: tf.Tensor) => tf.losses.sigmoidCrossEntropy(labels, z, undefined, 0, tf.Reduction.MEAN);
        const logits = tf.tensor2d(s, [2, 4]);
        const f = (z: x.Tensor) => L.binaryCrossEntropyWithLogits(z, f64(y, [2, 4]));
        expectAllClose([num(f(f64(s, [2, 4])))], [tfLoss(logits).dataSync()[0] as number], tol, 'value');
        expectAllClose(
          toNumbers(x.grad(f)(f64(s, [2, 4]))),
          Array.from(tf.grad(tfLoss)(logits).dataSync()),
          tol,
          'gradient',
        );
      },
    ),
    { numRuns: 30 },
  );
});
