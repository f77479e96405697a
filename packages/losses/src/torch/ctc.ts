/** @file Connectionist temporal classification: the log-space forward algorithm, vectorised over the batch and the extended labels. */
import * as x from '@xent/core';
import { IndexError, ShapeError, type Tensor, ValueError } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import { reduce } from '../reduce.js';
import type { Reduction } from '../types.js';
import { formatShape, integerOption, reductionSchema } from '../validate.js';
import { hostValues, indicesWithin } from './args.js';

/**
 * log(Σ eᵃ) over the tensors as one reduction (−Inf with a zero gradient where every term is −Inf;
 * NaN stays NaN); the reduction also ends the fused chain of each time step.
 */
const logSumExpOf = (terms: readonly Tensor[]): Tensor => x.logsumexp(x.stack(terms, -1), { axis: -1 });

/** The batch entries along the last axis shifted right by k, −Inf entering on the left. */
function shiftRight(t: Tensor, k: number): Tensor {
  const [n, l] = t.shape as [number, number];
  const fill = x.full([n, k], -Infinity, { dtype: t.dtype as 'f64' });
  return x.slice(x.concat([fill, t], 1), [0, 0], [n, l]);
}

/** The checked operands of a CTC loss (targets padded [N, S]). */
interface CtcArgs {
  readonly logProbs: Tensor;
  readonly targets: Tensor;
  readonly inputLengths: Tensor;
  readonly targetLengths: Tensor;
  readonly blank: number;
  /** For concatenated targets: whether Σ targetLengths matches their length (a traced check; NaN losses where not). */
  readonly lengthsFit?: Tensor;
}

/** Labels in [0, C) other than the blank (checked when concrete); `at(k)` names the flat index k. */
function checkLabels(fn: string, values: ArrayLike<number>, c: number, blank: number, at: (k: number) => string): void {
  for (let k = 0; k < values.length; k++) {
    const v = values[k] as number;
    if (v < 0 || v >= c || v === blank)
      fail(
        IndexError,
        fn,
        'targets',
        `labels in [0, ${c}) other than the blank ${blank} within the target length`,
        `${v} at ${at(k)}`,
      );
  }
}

/**
 * Concatenated targets [ΣS_n] (PyTorch's 1-D form) as padded rows [N, S]: row n takes the S_n labels from offset
 * Σ_{k<n} S_k, blanks after. S is the longest length when the lengths are concrete, else the total length.
 */
function padConcatenated(targets: Tensor, targetLengths: Tensor, width: number, blank: number): Tensor {
  const [n, total] = [targetLengths.shape[0] as number, targets.shape[0] as number];
  if (width === 0) return x.full([n, 0], blank, { dtype: 'i32' });
  const offsets = x.cumsum(targetLengths, { exclusive: true });
  const column = x.iota([n, width], 1);
  const inside = x.less(column, x.expandDims(targetLengths, -1));
  const index = x.where(inside, x.minimum(x.add(x.expandDims(offsets, -1), column), total - 1), 0);
  const rows = x.broadcastTo(x.expandDims(targets, 0), [n, total]);
  return x.where(inside, x.gather(rows, index, { axis: 1 }), blank);
}

/**
 * Shapes [T, N, C], targets [N, S] (or concatenated [ΣS_n] where `concatenated`), [N], [N]; lengths in range;
 * targets within their lengths in [0, C) and not blank (values checked when concrete).
 */
function ctcArgs(
  fn: string,
  logProbs: Tensor,
  targets: Tensor,
  inputLengths: Tensor,
  targetLengths: Tensor,
  blankOption: number | undefined,
  concatenated: boolean,
): CtcArgs {
  const [t, n, c] = logProbs.shape as [number, number, number];
  if (t === 0 || n === 0 || c === 0)
    fail(ValueError, fn, 'logProbs', 'a non-empty [T, N, C] array', `shape ${formatShape(logProbs.shape)}`);
  const blank = blankOption ?? 0;
  if (blank < 0 || blank >= c) fail(ValueError, fn, 'blank', `a class index in [0, ${c})`, String(blank));
  const flat = concatenated && targets.rank === 1;
  if (!flat && (targets.rank !== 2 || targets.shape[0] !== n))
    fail(
      ShapeError,
      fn,
      'targets',
      `padded targets [${n}, S] (N from logProbs)${concatenated ? ' or concatenated targets [ΣS]' : ''}`,
      formatShape(targets.shape),
    );
  const len = flat ? (targets.shape[0] as number) : (targets.shape[1] as number);
  for (const [arg, v] of [
    ['inputLengths', inputLengths],
    ['targetLengths', targetLengths],
  ] as const)
    if (v.rank !== 1 || v.shape[0] !== n)
      fail(ShapeError, fn, arg, `shape [${n}] (N from logProbs)`, formatShape(v.shape));
  indicesWithin(fn, 'inputLengths', inputLengths, 1, t, 'lengths');
  indicesWithin(fn, 'targetLengths', targetLengths, 0, len, 'lengths');
  const labels = hostValues(targets);
  const lengths = hostValues(targetLengths);
  if (flat) {
    let width = len;
    if (lengths !== undefined) {
      const all = Array.from(lengths);
      const sum = all.reduce((acc, v) => acc + v, 0);
      if (sum !== len)
        fail(
          ShapeError,
          fn,
          'targets',
          `concatenated targets of length ${sum} (the sum of targetLengths)`,
          formatShape(targets.shape),
        );
      width = Math.max(0, ...all);
    }
    if (labels !== undefined) checkLabels(fn, labels, c, blank, (k) => `[${k}]`);
    const lengthsFit = x.equal(x.sum(targetLengths), len);
    return {
      logProbs,
      targets: padConcatenated(targets, targetLengths, width, blank),
      inputLengths,
      targetLengths,
      blank,
      lengthsFit,
    };
  }
  if (labels !== undefined && lengths !== undefined) {
    const rows = Array.from(labels);
    for (let i = 0; i < n; i++)
      checkLabels(fn, rows.slice(i * len, i * len + (lengths[i] as number)), c, blank, (j) => `[${i}, ${j}]`);
  }
  return { logProbs, targets, inputLengths, targetLengths, blank };
}

/** The per-sequence negative log-likelihoods [N] and the forward variables log α_t [N, 2S + 1], one per step. */
function ctcForward(a: CtcArgs): { readonly nll: Tensor; readonly alphas: Tensor[] } {
  const { logProbs, targets, inputLengths, targetLengths, blank } = a;
  const [steps, n] = logProbs.shape as [number, number, number];
  const len = targets.shape[1] as number;
  const width = 2 * len + 1;
  // labels past a sequence's length become blanks (PyTorch ignores the padding)
  const inside = x.less(x.iota([n, len], 1), x.expandDims(targetLengths, -1));
  const labels = x.where(inside, targets, blank);
  const blanks = x.full([n, len], blank, { dtype: 'i32' });
  // extended labels l' = (blank, l₁, blank, l₂, …, blank): [N, 2S + 1]
  const ext = x.concat(
    [x.reshape(x.stack([blanks, labels], -1), [n, 2 * len]), x.full([n, 1], blank, { dtype: 'i32' })],
    1,
  );
  // the skip s − 2 → s is allowed into a label that differs from the one two places back
  const back2 = x.slice(x.concat([x.full([n, 2], blank, { dtype: 'i32' }), ext], 1), [0, 0], [n, width]);
  const skip = x.greater(x.add(x.cast(x.notEqual(ext, blank), 'i32'), x.cast(x.notEqual(ext, back2), 'i32')), 1);
  const emit = x.gather(logProbs, x.broadcastTo(ext, [steps, n, width]), { axis: -1 });
  const at = (t: number): Tensor => x.reshape(x.slice(emit, [t, 0, 0], [t + 1, n, width]), [n, width]);
  const states = x.iota([n, width], 1);
  let alpha = x.where(x.less(states, 2), at(0), -Infinity);
  const alphas = [alpha];
  for (let t = 1; t < steps; t++) {
    const paths = logSumExpOf([alpha, shiftRight(alpha, 1), x.where(skip, shiftRight(alpha, 2), -Infinity)]);
    // sequences already ended keep their last α
    alpha = x.where(x.expandDims(x.less(t, inputLengths), -1), x.add(paths, at(t)), alpha);
    alphas.push(alpha);
  }
  // log p(l | x) = logaddexp(α(2S_n), α(2S_n − 1)), the second only when S_n > 0
  const last = x.mul(targetLengths, 2);
  const pick = (i: Tensor): Tensor => x.squeeze(x.gather(alpha, x.expandDims(i, -1), { axis: -1 }), -1);
  const beforeLast = x.where(x.greater(targetLengths, 0), pick(x.maximum(x.sub(last, 1), 0)), -Infinity);
  const nll = x.neg(logSumExpOf([pick(last), beforeLast]));
  return { nll, alphas };
}

const lengthsSchema = s.tensor({ dtype: ['i32'], rank: 1 });
const logProbsSchema = s.tensor({ dtype: 'float', rank: 3 });

export interface CtcOptions<R extends Reduction = Reduction> {
  /** The blank's class index (default 0). */
  readonly blank?: number;
  /** 'mean' (default: each loss divided by its target length, at least 1, then the batch mean, as PyTorch), 'sum' or 'none'. */
  readonly reduction?: R;
  /** Infinite losses (no alignment fits the input length) and their gradients become 0 (default false). */
  readonly zeroInfinity?: boolean;
}

function ctcLossImpl<R extends Reduction = 'mean'>(
  logProbs: Tensor,
  targets: Tensor,
  inputLengths: Tensor,
  targetLengths: Tensor,
  options: CtcOptions<R> = {},
): Tensor {
  const fn = 'ctcLoss';
  const a = ctcArgs(fn, logProbs, targets, inputLengths, targetLengths, options.blank, true);
  const forward = ctcForward(a).nll;
  // concatenated targets whose length is not Σ targetLengths (seen only while tracing) give NaN, not a loss
  const nll = a.lengthsFit === undefined ? forward : x.where(a.lengthsFit, forward, NaN);
  const kept = (options.zeroInfinity ?? false) ? x.where(x.equal(nll, Infinity), 0, nll) : nll;
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean') return reduce(kept, reduction);
  return x.mean(x.div(kept, x.cast(x.maximum(targetLengths, 1), logProbs.dtype as 'f64')));
}

/**
 * Connectionist temporal classification loss −log p(l | x) (Graves et al. 2006; PyTorch
 * `F.ctc_loss`): log-probabilities [T, N, C] (time first, as PyTorch), targets i32 either padded [N, S]
 * or concatenated [ΣS_n] (each sequence's labels in turn, as PyTorch's 1-D form; their length must be
 * Σ targetLengths: an error when concrete, NaN losses while tracing), input lengths [N] in [1, T] and
 * target lengths [N] in [0, S]. The forward algorithm runs in log space, a step per time step; its
 * gradient is the exact derivative in the log-probabilities.
 *
 * @example
 * losses.ctcLoss(x.logSoftmax(x.zeros([2, 1, 3], { dtype: 'f64' })), x.tensor([[1]], { dtype: 'i32' }), x.tensor([2], { dtype: 'i32' }), x.tensor([1], { dtype: 'i32' })) // 1.0986123
 */
export const ctcLoss = publicFn(
  'ctcLoss',
  {
    logProbs: logProbsSchema,
    targets: s.tensor({ dtype: ['i32'] }),
    inputLengths: lengthsSchema,
    targetLengths: lengthsSchema,
    options: s.options({ blank: integerOption, reduction: reductionSchema, zeroInfinity: s.optional(s.boolean) }),
  },
  ctcLossImpl,
);

/** The loss per sequence and the forward variables of every step. */
export interface CtcForward {
  /** −log p(l | x) per sequence [N]. */
  readonly loss: Tensor;
  /** log α_t(s) [T, N, 2S + 1] over the extended labels (blank, l₁, blank, …, l_S, blank); frozen after a sequence's input length. */
  readonly logAlpha: Tensor;
}

/**
 * The CTC loss per sequence with the forward log-probabilities log α of every step (optax
 * `ctc_loss_with_forward_probs`, in PyTorch's layout and arguments: log-probabilities [T, N, C],
 * padded targets and lengths; optax returns the blank and label states as two arrays, here they
 * interleave along the last axis).
 *
 * @example
 * losses.ctcLossWithForwardProbs(x.logSoftmax(x.zeros([2, 1, 3], { dtype: 'f64' })), x.tensor([[1]], { dtype: 'i32' }), x.tensor([2], { dtype: 'i32' }), x.tensor([1], { dtype: 'i32' })).loss // 1.0986123
 */
export const ctcLossWithForwardProbs = publicFn(
  'ctcLossWithForwardProbs',
  {
    logProbs: logProbsSchema,
    targets: s.tensor({ dtype: ['i32'] }),
    inputLengths: lengthsSchema,
    targetLengths: lengthsSchema,
    options: s.options({ blank: integerOption }),
  },
  (
    logProbs: Tensor,
    targets: Tensor,
    inputLengths: Tensor,
    targetLengths: Tensor,
    options: { readonly blank?: number } = {},
  ): CtcForward => {
    const a = ctcArgs('ctcLossWithForwardProbs', logProbs, targets, inputLengths, targetLengths, options.blank, false);
    const { nll, alphas } = ctcForward(a);
    return { loss: nll, logAlpha: x.stack(alphas, 0) };
  },
);
