/**
 * @file The index-check repros shared by the CPU and WebGPU tests: gradients that read an out-of-range
 * index only in their backward pass, with their arguments and the IndexError message each must raise.
 */
import * as x from 'xent';

/** An i32 tensor. */
export const i32 = (values: number[] | number[][]): x.Tensor => x.tensor(values, { dtype: 'i32' });

/** Logits [2, 3]: two rows, K = 3 classes. */
export const logits = (): x.Tensor =>
  x.tensor([
    [0.5, -1, 2],
    [1, 0, -0.5],
  ]);

/** A hand-written cross-entropy: mean(logsumexp(z) − z_y). */
export const ce = (z: x.Tensor, y: x.Tensor): x.Tensor =>
  x.mean(x.sub(x.logsumexp(z, { axis: -1 }), x.squeeze(x.gather(z, x.expandDims(y, -1), { axis: -1 }), -1)));

export type Fn = (...args: x.Tensor[]) => x.Tensor;

/** The three gradients of the issue, the arguments that read a bad index only in the backward pass, and the error. */
export const repros: [string, () => Fn, () => x.Tensor[], RegExp | string][] = [
  [
    'losses.crossEntropy, label 7 for K = 3',
    () => x.grad((a: x.Tensor, b: x.Tensor) => x.losses.crossEntropy(a, b)),
    () => [logits(), i32([0, 7])],
    // concrete labels are checked by the loss itself ('labels'), traced ones by the gather that reads them
    /argument '(labels|indices)' expected (class indices|values) in \[0, 3\), got 7/,
  ],
  [
    'a hand-written gather loss, label 3 for K = 3',
    () => x.grad(ce),
    () => [logits(), i32([1, 3])],
    "xent.gather: argument 'indices' expected values in [0, 3), got 3",
  ],
  [
    'take of index 5 from 2 rows',
    () => x.grad((a: x.Tensor) => x.sum(x.take(a, i32([5])))),
    () => [logits()],
    // take checks concrete indices itself, traced ones as the program runs: either way it blames take
    /^xent\.take: argument 'indices' expected values in \[0, 2\).*got 5/,
  ],
];
