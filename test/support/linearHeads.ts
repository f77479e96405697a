/** @file The fused linear cross-entropy losses the kernel-law tests certify, their unfused f64 formulas, and their operands. */
import fc from 'fast-check';
import * as x from 'xent';

const values = (count: number): fc.Arbitrary<number[]> =>
  fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: count, maxLength: count });

/**
 * h [n, d], W [v, d], b [v] and labels y [n] for a vocabulary of v, with n and d in [16, 20] unless
 * given: the products of a CPU tile are then large enough for the SIMD kernels, which are the tiled
 * ones (smaller kernels, and any with a ragged chunk narrower than 8 columns, run as plain loops in f64).
 */
export const headOf = (
  v: number,
  rows = fc.integer({ min: 16, max: 20 }),
  width = fc.integer({ min: 16, max: 20 }),
): fc.Arbitrary<x.laws.Operand[]> =>
  fc.record({ n: rows, d: width }).chain(({ n, d }) =>
    fc.tuple(
      values(n * d).map((h) => x.laws.float(h, [n, d])),
      values(v * d).map((w) => x.laws.float(w, [v, d])),
      values(v).map((b) => x.laws.float(b, [v])),
      fc.array(fc.integer({ min: 0, max: v - 1 }), { minLength: n, maxLength: n }).map((y) => x.laws.integer(y)),
    ),
  );
export const heads = fc.integer({ min: 2, max: 90 }).chain(headOf);

/** The fused losses under test and their unfused f64 formulas, over (h, W, b, y). */
export const variants: [
  string,
  (h: x.Tensor, w: x.Tensor, b: x.Tensor, y: x.Tensor) => x.Tensor,
  (h: x.Tensor, w: x.Tensor, b: x.Tensor, y: x.Tensor) => x.Tensor,
][] = [
  [
    'linearCrossEntropy',
    (h, w, _b, y) => x.losses.linearCrossEntropy(h, w, y),
    (h, w, _b, y) => x.losses.crossEntropy(x.matmul(h, x.transpose(w)), y),
  ],
  [
    'linearCrossEntropy with bias, smoothing 0.1 and softcap 4',
    (h, w, b, y) => x.losses.linearCrossEntropy(h, w, y, { bias: b, labelSmoothing: 0.1, softcap: 4 }),
    (h, w, b, y) => {
      const u = x.add(x.matmul(h, x.transpose(w)), b);
      return x.losses.crossEntropy(x.mul(4, x.tanh(x.div(u, 4))), y, { labelSmoothing: 0.1 });
    },
  ],
  [
    'linearLogitStats (mean of lse + pick)',
    (h, w, b, y) => {
      const s = x.linearLogitStats(h, w, { bias: b, targets: y });
      return x.mean(x.add(s.lse, x.mul(0.5, s.pick)));
    },
    (h, w, b, y) => {
      const u = x.add(x.matmul(h, x.transpose(w)), b);
      const pick = x.squeeze(x.gather(u, x.expandDims(y, -1), { axis: -1 }), -1);
      return x.mean(x.add(x.logsumexp(u, { axis: -1 }), x.mul(0.5, pick)));
    },
  ],
];
