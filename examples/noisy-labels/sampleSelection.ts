/** @file Small-loss and small-gradient-norm sample selection (co-teaching style) as training steps of the noisy-label study: per-example losses and gradients with vmap, the selection inside the jitted step. */
import * as x from 'xent';
import { type Method, paperLosses } from './compare.js';
import type { Split } from './data.js';
import { type LossFn, logits, type OptimizerState, type Params, type StepMaker } from './train.js';

/** The loss [B] of each example: the batch loss applied to one row of logits [B, 10] at a time, mapped over the batch. */
export function perExampleLosses(loss: LossFn, batchLogits: x.Tensor, labels: x.Tensor): x.Tensor {
  const ofOne = (z: x.Tensor, y: x.Tensor): x.Tensor => loss(x.expandDims(z, 0), x.expandDims(y, 0));
  return x.vmap(ofOne, { inAxes: 0 })(batchLogits, labels);
}

/** The gradient of each example's loss: a tree like the parameters, each leaf with a leading batch axis [B, …]. */
export function perExampleGradients(loss: LossFn, params: Params, images: x.Tensor, labels: x.Tensor): Params {
  const lossOfOneExample = (p: Params, image: x.Tensor, label: x.Tensor): x.Tensor =>
    loss(logits(p, x.expandDims(image, 0)), x.expandDims(label, 0));
  return x.vmap(x.grad(lossOfOneExample), { inAxes: [null, 0, 0] })(params, images, labels);
}

/** The Euclidean norm [B] of each example's gradient over the whole parameter tree. */
export function gradientNorms(perExample: Params): x.Tensor {
  const squares = x.tree
    .leaves(perExample)
    .map((g) => x.sum(x.square(g), { axis: Array.from({ length: g.rank - 1 }, (_, i) => i + 1) }));
  return x.sqrt(squares.reduce((a, b) => x.add(a, b)));
}

/**
 * 1 for the `keep` examples with the smallest scores [B], 0 for the others (ties go to the earlier
 * example). xent has no sort, so each example's rank is counted from all B² pairwise comparisons.
 */
export function keepSmallest(scores: x.Tensor, keep: x.Tensor): x.Tensor {
  const n = scores.shape[0] as number;
  const mine = x.expandDims(scores, 1);
  const theirs = x.expandDims(scores, 0);
  const theyComeFirst = x.less(x.iota([n, n], 1), x.iota([n, n], 0));
  const rankedBefore = x.where(theyComeFirst, x.lessEqual(theirs, mine), x.less(theirs, mine));
  const rank = x.sum(x.cast(rankedBefore, 'f32'), { axis: 1 });
  return x.cast(x.less(rank, keep), 'f32');
}

/** How the fraction of each batch that is dropped grows: r = η·min(t/T_k, 1), co-teaching's schedule. */
export interface DropSchedule {
  /** η, the fraction finally dropped: the noise rate, known or estimated. */
  readonly noiseRate: number;
  /** T_k as a fraction of training (t is the fraction of training done, from 0 to 1). */
  readonly rampFraction: number;
}

/** How many examples of a batch of `batch` to keep at progress t: (1 − r_t)·B, rounded. */
function keepCount(schedule: DropSchedule, batch: number, progress: number): number {
  const dropped = schedule.noiseRate * Math.min(progress / schedule.rampFraction, 1);
  return Math.round((1 - dropped) * batch);
}

/** The score [B] that selection ranks the examples of a batch by; the smallest are kept. */
export type Scores = (loss: LossFn, params: Params, images: x.Tensor, labels: x.Tensor) => x.Tensor;

/** Each example's loss (small-loss selection). */
export const lossScores: Scores = (loss, params, images, labels) =>
  perExampleLosses(loss, logits(params, images), labels);

/** The norm of each example's gradient over all parameters (small-gradient-norm selection). */
export const gradientNormScores: Scores = (loss, params, images, labels) =>
  gradientNorms(perExampleGradients(loss, params, images, labels));

/** Adam on the mean loss of the examples of each batch with the smallest scores, in one jitted program (the keep count is a tensor: one trace). */
export function selectingStep(scores: Scores, schedule: DropSchedule): StepMaker {
  return (optimizer, loss) => {
    const step = x.jit((p: Params, s: OptimizerState, xb: x.Tensor, yb: x.Tensor, keep: x.Tensor) => {
      const kept = keepSmallest(scores(loss, p, xb, yb), keep);
      const keptMean = (q: Params): x.Tensor =>
        x.div(x.sum(x.mul(kept, perExampleLosses(loss, logits(q, xb), yb))), keep);
      return optimizer.step(p, x.grad(keptMean)(p), s);
    });
    return (p, s, xb, yb, progress) =>
      step(p, s, xb, yb, x.tensor(keepCount(schedule, xb.shape[0] as number, progress)));
  };
}

/**
 * Label precision (co-teaching's diagnostic): the fraction of correct labels among the examples that
 * trained parameters would keep at the final drop rate η, over the training set in batches.
 */
export function labelPrecision(
  scores: Scores,
  loss: LossFn,
  params: Params,
  data: Split,
  noisyLabels: Int32Array,
  noiseRate: number,
  batch: number,
): number {
  const select = x.jit((p: Params, xb: x.Tensor, yb: x.Tensor, keep: x.Tensor) =>
    keepSmallest(scores(loss, p, xb, yb), keep),
  );
  const keep = x.tensor(Math.round((1 - noiseRate) * batch));
  let kept = 0;
  let correct = 0;
  for (let start = 0; start + batch <= noisyLabels.length; start += batch) {
    const images = x.slice(data.images, [start, 0], [start + batch, 784]);
    const labels = noisyLabels.slice(start, start + batch);
    const mask = select(params, images, x.tensor(labels, { shape: [batch], dtype: 'i32' }), keep).data();
    mask.forEach((m, i) => {
      kept += m;
      correct += m * (labels[i] === data.labels[start + i] ? 1 : 0);
    });
  }
  return correct / kept;
}

/** T_k: the drop rate reaches η after a quarter of training (2 of the study's 8 epochs). */
const RAMP_FRACTION = 0.25;

/** The two selections, by the name of their method in the study. */
export const selections: Readonly<Record<string, Scores>> = {
  'CE, small loss': lossScores,
  'CE, small grad norm': gradientNormScores,
};

/** The compared methods: CE and GCE as in the study, and CE on the examples each selection keeps, told the true noise rate. */
export const selectionMethods: Readonly<Record<string, Method>> = {
  CE: paperLosses.CE,
  'GCE q=0.7': paperLosses['GCE q=0.7'],
  ...Object.fromEntries(
    Object.entries(selections).map(([name, scores]) => [
      name,
      {
        loss: paperLosses.CE,
        step: (noiseRate: number) => selectingStep(scores, { noiseRate, rampFraction: RAMP_FRACTION }),
      },
    ]),
  ),
};
