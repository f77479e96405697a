/**
 * @file −Inf-masked logits through every hard-label loss, against the table in docs/losses.md: −Inf at
 * non-label classes, and a row that is all −Inf; value and gradient, f32 and f64, eager on the default
 * CPU backend and jitted on the reference interpreter.
 */
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { signatureOf } from '@xent/core/internal';
import { expectAllClose, toNumbers } from './support.js';

const L = x.losses;
const I = -Infinity;
const none = { reduction: 'none' } as const;

/** Per-sample values of a hard-label loss for logits [N, K] and labels [N]. */
type Loss = (z: x.Tensor, y: x.Tensor) => x.Tensor;

/** What the documentation says a loss gives when some non-label logits are −Inf (and the label's is finite). */
type Masked =
  /** Value and gradient of `like` (default: the loss itself) on the logits with the −Inf classes left out; gradient 0 at −Inf logits. */
  | {
      readonly kind: 'dropped';
      readonly like?: (z: x.Tensor, y: x.Tensor, kept: readonly number[], k: number) => x.Tensor;
    }
  /** 0 with a zero gradient (the normaliser Σ_j L(z, j) is +Inf). */
  | { readonly kind: 'zero' }
  /** +Inf; a finite gradient at the finite logits and `atMasked(k)` at each −Inf logit (K classes). */
  | { readonly kind: 'infinite'; readonly atMasked: (k: number) => number }
  /** NaN value and gradient. */
  | { readonly kind: 'nan' };

/** What a row of logits that are all −Inf gives: the sample's value and its row of the gradient (per unit cotangent). */
interface Dead {
  readonly value: number;
  readonly gradient: (k: number, y: number) => readonly number[];
}

interface Spec {
  /** The export this case covers. */
  readonly fn: string;
  readonly loss: Loss;
  readonly masked: Masked;
  readonly dead: Dead;
  /** Takes one sample only (the loss sees the logits through a shared bias). */
  readonly single?: boolean;
}

const nanRow = (k: number): number[] => new Array<number>(k).fill(NaN);
const zeroRow = (k: number): number[] => new Array<number>(k).fill(0);
/** −q/T for the (smoothed) target q = (1 − ε)e_y + ε/K: the log p terms' derivative, the softmax part 0. */
const targetRow =
  (eps: number, t = 1) =>
  (k: number, y: number): number[] =>
    Array.from({ length: k }, (_, j) => -((j === y ? 1 - eps : 0) + eps / k) / t);
const nanDead: Dead = { value: NaN, gradient: nanRow };

/** The class indices 0, …, K − 1 of logits [N, K]. */
const range = (z: x.Tensor): number[] => Array.from({ length: z.shape[1] as number }, (_, j) => j);
/** Class weights 1 + j/2 for the classes `classes` (original indices). */
const classWeights = (classes: readonly number[], dtype: x.DType): x.Tensor =>
  x.tensor(
    classes.map((j) => 1 + j / 2),
    { dtype },
  );
/** Negatives [N, K] for logits [N, ·]: the odd classes among `classes` (original indices), in every row. */
const oddNegatives = (z: x.Tensor, classes: readonly number[]): x.Tensor =>
  x.tensor(Array.from({ length: z.shape[0] as number }, () => classes.map((j) => j % 2 === 1)));
/** Class embeddings [K, 2]: (cos j, sin j) for the classes `classes` (original indices). */
const classEmbeddings = (classes: readonly number[], dtype: x.DType): x.Tensor =>
  x.tensor(
    classes.map((j) => [Math.cos(j), Math.sin(j)]),
    { dtype },
  );

const specs: Record<string, Spec> = {
  crossEntropy: {
    fn: 'crossEntropy',
    loss: (z, y) => L.crossEntropy(z, y, none),
    masked: { kind: 'dropped' },
    dead: { value: NaN, gradient: targetRow(0) },
  },
  nllLoss: {
    fn: 'nllLoss',
    // the logits taken as log-probabilities as they are: −x_y, whatever the other entries
    loss: (z, y) => L.nllLoss(z, y, none),
    masked: { kind: 'dropped' },
    dead: { value: Infinity, gradient: targetRow(0) },
  },
  'crossEntropy T=2, class weights': {
    fn: 'crossEntropy',
    loss: (z, y) => L.crossEntropy(z, y, { ...none, temperature: 2, weights: classWeights(range(z), z.dtype) }),
    masked: {
      kind: 'dropped',
      like: (z, y, kept) => L.crossEntropy(z, y, { ...none, temperature: 2, weights: classWeights(kept, z.dtype) }),
    },
    dead: { value: NaN, gradient: (k, y) => targetRow(0, 2)(k, y).map((g) => g * (1 + y / 2)) },
  },
  'crossEntropy ε=0.2': {
    fn: 'crossEntropy',
    loss: (z, y) => L.crossEntropy(z, y, { ...none, labelSmoothing: 0.2 }),
    masked: { kind: 'infinite', atMasked: (k) => -0.2 / k },
    dead: { value: NaN, gradient: targetRow(0.2) },
  },
  linearCrossEntropy: {
    fn: 'linearCrossEntropy',
    // The logits are the bias: h = 0 [1, 1], W = 0 [K, 1].
    loss: (z, y) => {
      const k = z.shape[1] as number;
      const zeros = (shape: number[]) => x.zeros(shape, { dtype: z.dtype as x.FloatDType });
      return L.linearCrossEntropy(zeros([1, 1]), zeros([k, 1]), y, { ...none, bias: x.reshape(z, [k]) });
    },
    masked: { kind: 'dropped', like: (z, y) => L.crossEntropy(z, y, none) },
    dead: nanDead,
    single: true,
  },
  'focalLoss γ=2': {
    fn: 'focalLoss',
    loss: (z, y) => L.focalLoss(z, y, { ...none, gamma: 2 }),
    masked: { kind: 'dropped' },
    dead: { value: NaN, gradient: zeroRow },
  },
  'focalLoss γ=0.5': {
    fn: 'focalLoss',
    loss: (z, y) => L.focalLoss(z, y, { ...none, gamma: 0.5 }),
    masked: { kind: 'dropped' },
    dead: { value: NaN, gradient: zeroRow },
  },
  confidencePenalty: {
    fn: 'confidencePenalty',
    loss: (z, y) => L.confidencePenalty(z, y, { ...none, beta: 0.3 }),
    masked: { kind: 'dropped' },
    dead: nanDead,
  },
  maeLoss: { fn: 'maeLoss', loss: (z, y) => L.maeLoss(z, y, none), masked: { kind: 'dropped' }, dead: nanDead },
  brierLoss: { fn: 'brierLoss', loss: (z, y) => L.brierLoss(z, y, none), masked: { kind: 'dropped' }, dead: nanDead },
  rescaledSquareLoss: {
    fn: 'rescaledSquareLoss',
    loss: (z, y) => L.rescaledSquareLoss(z, y, { ...none, k: 2, m: 3 }),
    masked: { kind: 'infinite', atMasked: () => -Infinity },
    dead: { value: Infinity, gradient: (k) => new Array<number>(k).fill(-Infinity) },
  },
  squentropy: {
    fn: 'squentropy',
    loss: (z, y) => L.squentropy(z, y, none),
    masked: { kind: 'infinite', atMasked: () => -Infinity },
    dead: { value: NaN, gradient: (k, y) => Array.from({ length: k }, (_, j) => (j === y ? -1 : -Infinity)) },
  },
  generalizedCrossEntropy: {
    fn: 'generalizedCrossEntropy',
    loss: (z, y) => L.generalizedCrossEntropy(z, y, { ...none, q: 0.7 }),
    masked: { kind: 'dropped' },
    dead: nanDead,
  },
  'compSumLoss τ=0.5': {
    fn: 'compSumLoss',
    loss: (z, y) => L.compSumLoss(z, y, { ...none, tau: 0.5 }),
    masked: { kind: 'dropped' },
    dead: nanDead,
  },
  'compSumLoss τ=1.5': {
    fn: 'compSumLoss',
    loss: (z, y) => L.compSumLoss(z, y, { ...none, tau: 1.5 }),
    masked: { kind: 'dropped' },
    dead: nanDead,
  },
  reverseCrossEntropy: {
    fn: 'reverseCrossEntropy',
    loss: (z, y) => L.reverseCrossEntropy(z, y, none),
    masked: { kind: 'dropped' },
    dead: nanDead,
  },
  symmetricCrossEntropy: {
    fn: 'symmetricCrossEntropy',
    loss: (z, y) => L.symmetricCrossEntropy(z, y, none),
    masked: { kind: 'dropped' },
    dead: nanDead,
  },
  normalizedCrossEntropy: {
    fn: 'normalizedCrossEntropy',
    loss: (z, y) => L.normalizedCrossEntropy(z, y, none),
    masked: { kind: 'zero' },
    dead: nanDead,
  },
  normalizedFocalLoss: {
    fn: 'normalizedFocalLoss',
    loss: (z, y) => L.normalizedFocalLoss(z, y, { ...none, gamma: 1.5 }),
    masked: { kind: 'zero' },
    dead: nanDead,
  },
  'normalized(crossEntropy)': {
    fn: 'normalized',
    loss: (z, y) => L.normalized(L.crossEntropy)(z, y, none),
    masked: { kind: 'zero' },
    dead: nanDead,
  },
  'normalized(focalLoss)': {
    fn: 'normalized',
    loss: (z, y) => L.normalized(L.focalLoss)(z, y, none),
    masked: { kind: 'zero' },
    dead: nanDead,
  },
  'activePassiveLoss nce+rce': {
    fn: 'activePassiveLoss',
    loss: (z, y) => L.activePassiveLoss(z, y, { ...none, alpha: 0.7, beta: 0.3 }),
    masked: { kind: 'dropped', like: (z, y) => x.mul(0.3, L.reverseCrossEntropy(z, y, none)) },
    dead: nanDead,
  },
  'activePassiveLoss nfl+mae': {
    fn: 'activePassiveLoss',
    loss: (z, y) => L.activePassiveLoss(z, y, { ...none, active: 'nfl', passive: 'mae', alpha: 2, beta: 0.5 }),
    masked: { kind: 'dropped', like: (z, y) => x.mul(0.5, L.maeLoss(z, y, none)) },
    dead: nanDead,
  },
  'withLogitClip(crossEntropy)': {
    fn: 'withLogitClip',
    loss: L.withLogitClip((z: x.Tensor, y: x.Tensor) => L.crossEntropy(z, y, none), 1),
    masked: { kind: 'nan' },
    dead: nanDead,
  },
  wassersteinOrdinalLoss: {
    fn: 'wassersteinOrdinalLoss',
    loss: (z, y) => L.wassersteinOrdinalLoss(z, y, none),
    // Σ_k p_k·|c_k − c_y| over the kept classes, at their own centres.
    masked: { kind: 'dropped', like: (z, y, kept) => L.wassersteinOrdinalLoss(z, y, { ...none, centers: kept }) },
    dead: nanDead,
  },
  sequenceCrossEntropy: {
    fn: 'sequenceCrossEntropy',
    // One token per sequence: logits [N, 1, K].
    loss: (z, y) => L.sequenceCrossEntropy(x.expandDims(z, 1), x.expandDims(y, 1), none),
    masked: { kind: 'dropped' },
    dead: { value: NaN, gradient: targetRow(0) },
  },
  perplexity: {
    fn: 'perplexity',
    loss: (z, y) => L.perplexity(x.expandDims(z, 1), x.expandDims(y, 1), none),
    masked: { kind: 'dropped' },
    dead: nanDead,
  },
  sequenceLogProbs: {
    fn: 'sequenceLogProbs',
    loss: (z, y) => L.sequenceLogProbs(x.expandDims(z, 1), x.expandDims(y, 1)),
    masked: { kind: 'dropped' },
    // log p_y = z_y − logsumexp z: as crossEntropy's, with the sign flipped.
    dead: { value: NaN, gradient: (k, y) => targetRow(0)(k, y).map((g) => -g) },
  },
  ldrKlLoss: {
    fn: 'ldrKlLoss',
    loss: (z, y) => L.ldrKlLoss(z, y, { ...none, lambda: 0.5 }),
    // λ·(log Σ_k e^{(z_k + δ_{ky} − z_y)/λ} − log K) counts the masked classes in K: λ·log(K'/K) below the kept problem's.
    masked: {
      kind: 'dropped',
      like: (z, y, kept, k) => x.add(L.ldrKlLoss(z, y, { ...none, lambda: 0.5 }), 0.5 * Math.log(kept.length / k)),
    },
    dead: nanDead,
  },
  encouragingLoss: {
    fn: 'encouragingLoss',
    loss: (z, y) => L.encouragingLoss(z, y, none),
    masked: { kind: 'dropped' },
    dead: nanDead,
  },
  passAtNLoss: {
    fn: 'passAtNLoss',
    loss: (z, y) => L.passAtNLoss(z, y, { ...none, n: 4 }),
    masked: { kind: 'dropped' },
    dead: nanDead,
  },
  negativeLearningLoss: {
    fn: 'negativeLearningLoss',
    loss: (z, y) => L.negativeLearningLoss(z, y, none),
    masked: { kind: 'dropped' },
    dead: nanDead,
  },
  cramerOrdinalLoss: {
    fn: 'cramerOrdinalLoss',
    loss: (z, y) => L.cramerOrdinalLoss(z, y, none),
    // Σ over the kept classes, at their own centres.
    masked: { kind: 'dropped', like: (z, y, kept) => L.cramerOrdinalLoss(z, y, { ...none, centers: kept }) },
    dead: nanDead,
  },
  multiclassHingeLoss: {
    fn: 'multiclassHingeLoss',
    loss: (z, y) => L.multiclassHingeLoss(z, y, none),
    masked: { kind: 'dropped' },
    // max_k(z_k + 1 − [k = y]) − z_y is −Inf − (−Inf); the max's gradient splits over its K tied entries.
    dead: { value: NaN, gradient: (k, y) => Array.from({ length: k }, (_, j) => 1 / k - (j === y ? 1 : 0)) },
  },
  multiclassPerceptronLoss: {
    fn: 'multiclassPerceptronLoss',
    loss: (z, y) => L.multiclassPerceptronLoss(z, y, none),
    masked: { kind: 'dropped' },
    // max_k z_k − z_y is −Inf − (−Inf); the max's gradient splits over its K tied entries.
    dead: { value: NaN, gradient: (k, y) => Array.from({ length: k }, (_, j) => 1 / k - (j === y ? 1 : 0)) },
  },
  multiclassSparsemaxLoss: {
    fn: 'multiclassSparsemaxLoss',
    loss: (z, y) => L.multiclassSparsemaxLoss(z, y, none),
    masked: { kind: 'dropped' },
    dead: { value: NaN, gradient: targetRow(0) },
  },
  'contrastiveTokenLoss (odd classes negative)': {
    fn: 'contrastiveTokenLoss',
    loss: (z, y) => L.contrastiveTokenLoss(z, y, oddNegatives(z, range(z)), none),
    // LSE over {y} ∪ N of the kept classes.
    masked: { kind: 'dropped', like: (z, y, kept) => L.contrastiveTokenLoss(z, y, oddNegatives(z, kept), none) },
    // through logSoftmax, NaN in that row
    dead: nanDead,
  },
  emoLoss: {
    fn: 'emoLoss',
    loss: (z, y) => L.emoLoss(z, y, classEmbeddings(range(z), z.dtype), none),
    // 1 − Σ_i p_i·cos(e_i, e_y) over the kept classes, with their own embeddings.
    masked: { kind: 'dropped', like: (z, y, kept) => L.emoLoss(z, y, classEmbeddings(kept, z.dtype), none) },
    dead: nanDead,
  },
};

/** Hard-label losses over logits left out of the table, each with why. */
const unspecified: Readonly<Record<string, string>> = {
  expectedCalibrationError: 'a batch metric: one scalar, no per-sample values to table',
};

const DTYPES = ['f64', 'f32'] as const;
type Mode = 'eager' | 'reference';
const MODES: readonly Mode[] = ['eager', 'reference'];

/** Value (per sample) and gradient of Σ loss at z, eager on the default backend or jitted on the reference interpreter. */
function evaluate(loss: Loss, z: x.Tensor, y: x.Tensor, mode: Mode): [number[], number[]] {
  const vg = x.valueAndGrad(
    (t: x.Tensor) => {
      const perSample = loss(t, y);
      return [x.sum(perSample), perSample] as const;
    },
    { hasAux: true },
  );
  const [[, perSample], g] = mode === 'eager' ? vg(z) : x.jit(vg, { backend: 'reference' })(z);
  return [toNumbers(perSample), toNumbers(g)];
}

/** Equal element by element: NaN against NaN, ±Inf exactly, finite values within the tolerance. */
function expectSame(actual: readonly number[], expected: readonly number[], dtype: x.FloatDType, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  const special = (v: number): string => (Number.isNaN(v) ? 'NaN' : Number.isFinite(v) ? 'finite' : String(v));
  expect(actual.map(special), label).toEqual(expected.map(special));
  const finite = expected.flatMap((v, i) => (Number.isFinite(v) ? [i] : []));
  expectAllClose(
    finite.map((i) => actual[i] as number),
    finite.map((i) => expected[i] as number),
    dtype === 'f64' ? { rtol: 1e-10, atol: 1e-12 } : { rtol: 2e-5, atol: 1e-6 },
    label,
  );
}

const tensor = (rows: readonly (readonly number[])[], dtype: x.FloatDType): x.Tensor =>
  x.tensor(
    rows.map((r) => [...r]),
    { dtype },
  );
const labels = (y: readonly number[]): x.Tensor => x.tensor([...y], { dtype: 'i32' });

/** Rows with −Inf at some non-label classes, and their labels. */
const maskedRows: readonly (readonly [readonly number[], number])[] = [
  [[2, I, 0.5, I], 0],
  [[I, 1, -1, 3], 3],
  [[0.3, 0.2, I, 0.1, I], 1],
  [[I, I, 1.5, I], 2],
];

test('the table covers every loss that takes hard labels', () => {
  // Hard labels: an integer `labels` tensor; over logits: the first argument is `logits`.
  const hardLabels = (f: unknown): boolean => {
    const params = signatureOf(f)?.params ?? {};
    const spec = params['labels']?.spec;
    return (
      Object.keys(params)[0] === 'logits' &&
      spec?.kind === 'tensor' &&
      Array.isArray(spec.dtype) &&
      spec.dtype.every((d) => d === 'i32')
    );
  };
  const takesLabels = Object.entries(L)
    .filter(([, f]) => hardLabels(f))
    .map(([name]) => name);
  const covered = new Set(Object.values(specs).map((s) => s.fn));
  expect(takesLabels.length).toBeGreaterThanOrEqual(18);
  expect(takesLabels.filter((name) => !covered.has(name) && !(name in unspecified))).toEqual([]);
  // Every exclusion names a loss that is selected and has no spec.
  expect(Object.keys(unspecified).filter((name) => !takesLabels.includes(name) || covered.has(name))).toEqual([]);
  // The wrappers return hard-label losses.
  expect([...covered]).toEqual(expect.arrayContaining(['normalized', 'withLogitClip']));
});

describe.each(Object.entries(specs))('%s', (_name, spec) => {
  test.each(DTYPES)('−Inf at non-label classes (%s): the documented value and gradient', (dtype) => {
    for (const [row, y] of maskedRows) {
      const k = row.length;
      const kept = row.flatMap((v, j) => (v === I ? [] : [j]));
      for (const mode of MODES) {
        const label = `${JSON.stringify(row)}, y = ${y}, ${mode}`;
        const [value, grad] = evaluate(spec.loss, tensor([row], dtype), labels([y]), mode);
        const masked = spec.masked;
        switch (masked.kind) {
          case 'dropped': {
            // The reference: the same problem without the −Inf classes, in f64, eager.
            const like = masked.like ?? ((z: x.Tensor, t: x.Tensor) => spec.loss(z, t));
            const [want, wantGrad] = evaluate(
              (z, t) => like(z, t, kept, k),
              tensor([kept.map((j) => row[j] as number)], 'f64'),
              labels([kept.indexOf(y)]),
              'eager',
            );
            const full = zeroRow(k);
            kept.forEach((j, i) => (full[j] = wantGrad[i] as number));
            expectSame(value, want, dtype, `value, ${label}`);
            expectSame(grad, full, dtype, `gradient, ${label}`);
            break;
          }
          case 'zero':
            expectSame(value, [0], dtype, `value, ${label}`);
            expectSame(grad, zeroRow(k), dtype, `gradient, ${label}`);
            break;
          case 'infinite':
            expect(value, label).toEqual([Infinity]);
            row.forEach((v, j) => {
              const g = grad[j] as number;
              if (v === I) expect(g, `∂/∂z_${j}, ${label}`).toBeCloseTo(masked.atMasked(k), dtype === 'f64' ? 12 : 6);
              else expect(Number.isFinite(g), `∂/∂z_${j} = ${g}, ${label}`).toBe(true);
            });
            break;
          case 'nan':
            expect(
              value.every(Number.isNaN) && grad.every(Number.isNaN),
              `${value.join(', ')} | ${grad.join(', ')}, ${label}`,
            ).toBe(true);
            break;
        }
      }
    }
  });

  test.each(DTYPES)('a row of logits that are all −Inf (%s): the documented value and gradient', (dtype) => {
    const live = [0.5, -1, 2, 0.25];
    const [yDead, yLive] = [2, 1];
    const k = live.length;
    const dead = new Array<number>(k).fill(I);
    for (const mode of MODES) {
      if (spec.single === true) {
        const [value, grad] = evaluate(spec.loss, tensor([dead], dtype), labels([yDead]), mode);
        expectSame(value, [spec.dead.value], dtype, `value, ${mode}`);
        expectSame(grad, spec.dead.gradient(k, yDead), dtype, `gradient, ${mode}`);
        continue;
      }
      // The other samples of the batch are unaffected.
      const [value, grad] = evaluate(spec.loss, tensor([dead, live], dtype), labels([yDead, yLive]), mode);
      const [alone, aloneGrad] = evaluate(spec.loss, tensor([live], 'f64'), labels([yLive]), 'eager');
      expectSame(value, [spec.dead.value, ...alone], dtype, `values, ${mode}`);
      expectSame(grad, [...spec.dead.gradient(k, yDead), ...aloneGrad], dtype, `gradient, ${mode}`);
    }
  });
});
