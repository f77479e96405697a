/**
 * @file ctcLoss with PyTorch's concatenated 1-D targets beyond the golden cases (torchGolden.test.ts runs them
 * eager): jitted (the lengths traced, the rows as wide as the total) against PyTorch's golden values and
 * gradients, every target empty in both forms, NaN where traced lengths do not sum to the targets' length, and
 * the rejection of bad concatenated targets.
 */
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { expectAllClose, i32, toNumbers } from './support.js';
import { type Case, decode, golden, type Spec, tensorOf } from './torchGoldenFile.js';

/** A ctc case of the golden file, its options as ctcLoss takes them. */
type CtcCase = Case & {
  readonly options: { blank: number; reduction: 'mean' | 'sum' | 'none'; zeroInfinity: boolean };
};
const byName = (name: string): CtcCase => {
  const c = golden.cases.find((k) => k.name === name);
  if (c === undefined) throw new Error(`no golden case ${name}`);
  return c as CtcCase;
};
const L = x.losses;
const tight = { rtol: 1e-10, atol: 1e-12 };

describe('ctcLoss with concatenated targets', () => {
  test.each([
    'ctc concatenated mean',
    'ctc concatenated blank=C-1 none',
    'ctc concatenated zero_infinity (an impossible sequence)',
  ])(
    'jitted: %s against PyTorch (value and gradient in the logits)',
    (name) => {
      const c = byName(name);
      const [logits, targets, inputLengths, targetLengths] = c.inputs.map((s) => tensorOf(s)) as [
        x.Tensor,
        x.Tensor,
        x.Tensor,
        x.Tensor,
      ];
      const loss = (z: x.Tensor, t: x.Tensor, il: x.Tensor, tl: x.Tensor): x.Tensor =>
        L.ctcLoss(x.logSoftmax(z), t, il, tl, c.options);
      const value = x.jit(loss)(logits, targets, inputLengths, targetLengths);
      expectAllClose(toNumbers(value), c.value.data.map(decode), tight, 'value');
      const cot = tensorOf(c.cotangent);
      const grad = x.jit(
        x.grad((z: x.Tensor, t: x.Tensor, il: x.Tensor, tl: x.Tensor) => x.sum(x.mul(loss(z, t, il, tl), cot))),
      )(logits, targets, inputLengths, targetLengths);
      expectAllClose(toNumbers(grad), (c.grads[0] as Spec).data.map(decode), tight, 'gradient');
    },
    60_000,
  );

  test('every target empty: padded [N, 0] and concatenated [0], eager and jitted, as PyTorch', () => {
    const c = byName('ctc concatenated, every target empty');
    const [logits, , inputLengths, targetLengths] = c.inputs.map((s) => tensorOf(s)) as [
      x.Tensor,
      x.Tensor,
      x.Tensor,
      x.Tensor,
    ];
    const want = c.value.data.map(decode);
    const n = targetLengths.shape[0] as number;
    for (const targets of [i32([], [n, 0]), i32([], [0])]) {
      const loss = (z: x.Tensor, t: x.Tensor): x.Tensor =>
        L.ctcLoss(x.logSoftmax(z), t, inputLengths, targetLengths, c.options);
      expectAllClose([x.item(loss(logits, targets))], want, tight, `eager ${targets.rank}-d`);
      expectAllClose([x.item(x.jit(loss)(logits, targets))], want, tight, `jitted ${targets.rank}-d`);
    }
  }, 60_000);

  test('traced lengths that do not sum to the targets length give NaN, not a loss', () => {
    const lp = x.logSoftmax(
      x.tensor(Float64Array.from([0.1, 0.5, -0.3, 0.2, 0.7, -1, 0.4, 0, 0.3, -0.2, 0.6, 0.1]), {
        shape: [3, 2, 2],
        dtype: 'f64',
      }),
    );
    const loss = x.jit((tl: x.Tensor) => L.ctcLoss(lp, i32([1, 1, 1]), i32([3, 3]), tl, { reduction: 'none' }));
    expect(toNumbers(loss(i32([2, 1]))).every(Number.isFinite)).toBe(true);
    for (const lengths of [
      [1, 1],
      [2, 0],
      [0, 1],
    ])
      expect(toNumbers(loss(i32(lengths))).every(Number.isNaN)).toBe(true);
    const zeroInf = x.jit((tl: x.Tensor) =>
      L.ctcLoss(lp, i32([1, 1, 1]), i32([3, 3]), tl, { reduction: 'sum', zeroInfinity: true }),
    );
    expect(Number.isNaN(x.item(zeroInf(i32([1, 1]))))).toBe(true);
  }, 60_000);

  test.each([
    [
      'a length sum other than the targets length',
      () => L.ctcLoss(x.zeros([3, 2, 3], { dtype: 'f64' }), i32([1, 2, 1]), i32([3, 3]), i32([1, 1])),
      /ctcLoss: argument 'targets'.*length 2 \(the sum of targetLengths\).*\[3\]/s,
    ],
    [
      'a length past the targets length',
      () => L.ctcLoss(x.zeros([3, 2, 3], { dtype: 'f64' }), i32([1, 2]), i32([3, 3]), i32([3, 0])),
      /ctcLoss: argument 'targetLengths'/,
    ],
    [
      'a blank among the concatenated labels',
      () => L.ctcLoss(x.zeros([3, 2, 3], { dtype: 'f64' }), i32([1, 0, 2]), i32([3, 3]), i32([1, 2])),
      /ctcLoss: argument 'targets'.*blank.*0 at \[1\]/s,
    ],
    [
      'a label past the classes',
      () => L.ctcLoss(x.zeros([3, 2, 3], { dtype: 'f64' }), i32([1, 3]), i32([3, 3]), i32([1, 1])),
      /ctcLoss: argument 'targets'.*3 at \[1\]/s,
    ],
    [
      'targets of rank 3',
      () => L.ctcLoss(x.zeros([3, 1, 3], { dtype: 'f64' }), i32([1], [1, 1, 1]), i32([3]), i32([1])),
      /ctcLoss: argument 'targets'.*concatenated/s,
    ],
    [
      'concatenated targets for the forward probabilities (padded only: log α is [T, N, 2S + 1])',
      () => L.ctcLossWithForwardProbs(x.zeros([3, 1, 3], { dtype: 'f64' }), i32([1]), i32([3]), i32([1])),
      /ctcLossWithForwardProbs: argument 'targets'.*padded/s,
    ],
  ])('%s is an XentError', (_name, call, message) => {
    expect(call).toThrow(x.XentError);
    expect(call).toThrow(message);
  });
});
