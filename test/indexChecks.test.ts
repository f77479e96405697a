/**
 * @file Validation belongs to the data: an out-of-range index raises an IndexError in every program
 * that reads it (forward, backward or both, whatever dead-code elimination keeps), on every CPU
 * backend, eager and jitted; indices equal to a loss's ignoreIndex stay allowed.
 */
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { type Fn, i32, logits, repros } from './support/indexRepros.js';

/** Eager, and jitted on each CPU backend. */
const modes: [string, (f: Fn) => Fn][] = [
  ['eager', (f) => f],
  ...(['cpu', 'cpu-js', 'reference'] as const).map((b): [string, (f: Fn) => Fn] => [
    `jit on ${b}`,
    (f) => x.jit(f, { backend: b }),
  ]),
];

describe.each(modes)('%s', (_mode, wrap) => {
  test.each(repros)('grad of %s is an IndexError', (_name, make, args, message) => {
    const read = (): unknown => wrap(make())(...args()).data();
    expect(read).toThrow(x.IndexError);
    expect(read).toThrow(message);
  });
});

describe('checks that must not fire', () => {
  test('labels at ignoreIndex are allowed in the gradient', () => {
    const g = x.grad((a: x.Tensor, b: x.Tensor) => x.losses.crossEntropy(a, b, { ignoreIndex: -100 }));
    const eager = g(logits(), i32([2, -100]));
    const jitted = x.jit(g)(logits(), i32([2, -100]));
    expect(Array.from(eager.data())).toEqual(Array.from(jitted.data()));
    expect(Array.from(eager.data()).slice(3)).toEqual([0, 0, 0]);
  });

  test('in-range indices give the gradient of the gather (a scatter-add)', () => {
    const g = x.grad((a: x.Tensor) => x.sum(x.take(a, i32([1, 1, 0]))))(logits());
    expect(Array.from(g.data())).toEqual([1, 1, 1, 2, 2, 2]);
  });
});

describe('composites that read indices', () => {
  test('oneHot of traced indices out of range is an IndexError when computed', () => {
    const f = x.jit((y: x.Tensor) => x.oneHot(y, 3));
    expect(() => f(i32([0, 3])).data()).toThrow(x.IndexError);
    expect(() => f(i32([0, 3])).data()).toThrow('expected values in [0, 3), got 3');
  });

  test('the fused linear cross-entropy checks its targets in its gradient kernel', () => {
    const w = x.tensor([
      [0.2, -0.1],
      [0.4, 0.3],
      [-0.5, 0.1],
    ]);
    const g = x.jit(x.grad((h: x.Tensor, y: x.Tensor) => x.losses.linearCrossEntropy(h, w, y)));
    expect(() =>
      g(
        x.tensor([
          [1, 2],
          [0.5, -1],
        ]),
        i32([0, 3]),
      ).data(),
    ).toThrow(x.IndexError);
  });

  test('a loss that reads the labels only through their one-hot rows (Brier) raises, forward and backward', () => {
    const brier = (a: x.Tensor, b: x.Tensor): x.Tensor => x.losses.brierLoss(a, b);
    expect(() =>
      x
        .jit(brier)(logits(), i32([0, 7]))
        .data(),
    ).toThrow(x.IndexError);
    expect(() =>
      x
        .jit(x.grad(brier))(logits(), i32([0, 7]))
        .data(),
    ).toThrow(x.IndexError);
  });
});
