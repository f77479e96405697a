/** @file The noisy-label study as a function: any map of losses, trained and scored on MNIST at several noise rates. */
import * as x from 'xent';
import { mnistSplit, type Split, withSymmetricNoise } from './data.js';
import { accuracy, type LossFn, type ModelKind, type Params, plainStep, type StepMaker, train } from './train.js';

export type { LossFn, ModelKind } from './train.js';

/** A loss, or a loss trained with a step of its own made for each noise rate (e.g. one that drops that fraction of each batch). */
export type Method = LossFn | { readonly loss: LossFn; readonly step: (noiseRate: number) => StepMaker };

/** The losses of the published study, with the papers' hyperparameters. */
export const paperLosses = {
  CE: (z, y) => x.losses.crossEntropy(z, y),
  'GCE q=0.7': (z, y) => x.losses.generalizedCrossEntropy(z, y, { q: 0.7 }),
  'SCE 0.1/1': (z, y) => x.losses.symmetricCrossEntropy(z, y, { alpha: 0.1, beta: 1, logZero: -4 }),
  MAE: (z, y) => x.losses.maeLoss(z, y),
  'NCE+RCE': (z, y) => x.losses.activePassiveLoss(z, y, { active: 'nce', passive: 'rce', alpha: 1, beta: 1 }),
} as const satisfies Readonly<Record<string, LossFn>>;

export interface StudyOptions {
  /** A tiny run (512 training and 256 test digits, one epoch, softmax regression, 0% and 40% noise) that checks the pipeline, not the numbers. */
  readonly quick?: boolean;
  /** Models to train (default both; softmax regression only with `quick`). */
  readonly models?: readonly ModelKind[];
  /** Symmetric noise rates on the training labels (default 0, 0.2, 0.4, 0.6). */
  readonly noises?: readonly number[];
  /** Runs per cell; initialisation, batch order and the noise draw change together (default 3, 1 with `quick`). */
  readonly seeds?: number;
  /** Epochs of Adam (default 8, 1 with `quick`). */
  readonly epochs?: number;
  /** Caps the number of training and test digits (default all: 8 000 and 2 000). */
  readonly limit?: { readonly train: number; readonly test: number };
  /** Called before each run with its position and a description. */
  readonly onRun?: (index: number, total: number, what: string) => void;
  /** Called after each epoch of a run. */
  readonly onEpoch?: (epoch: number, epochs: number) => void;
  /** Called after each run with its trained parameters, the training digits and the noisy labels it saw. */
  readonly onTrained?: (run: TrainedRun) => void;
}

/** A finished run of the study. */
export interface TrainedRun {
  readonly model: ModelKind;
  readonly loss: string;
  readonly noise: number;
  readonly seed: number;
  readonly params: Params;
  readonly trainSet: Split;
  readonly noisyLabels: Int32Array;
}

export interface StudyResults {
  readonly models: readonly ModelKind[];
  readonly losses: readonly string[];
  readonly noises: readonly number[];
  readonly seeds: number;
  readonly epochs: number;
  readonly trainSize: number;
  /** Clean test accuracies of every seed of a cell (in [0, 1]). */
  accuracies(model: ModelKind, loss: string, noise: number): readonly number[];
}

/** Trains every model with every loss (or method) at every noise rate and seed, and scores each run on clean test labels. */
export function compareLosses(losses: Readonly<Record<string, Method>>, options: StudyOptions = {}): StudyResults {
  const quick = options.quick ?? false;
  const models = options.models ?? (quick ? ['softmax'] : ['softmax', 'mlp']);
  const noises = options.noises ?? (quick ? [0, 0.4] : [0, 0.2, 0.4, 0.6]);
  const seeds = options.seeds ?? (quick ? 1 : 3);
  const epochs = options.epochs ?? (quick ? 1 : 8);
  const limit = options.limit ?? (quick ? { train: 512, test: 256 } : undefined);

  const key = x.random.key(20261122);
  const { train: trainSet, test: testSet } = mnistSplit(x.random.foldIn(key, 0), 0.2, limit);
  const cells = new Map<string, number[]>();
  const cell = (model: ModelKind, loss: string, noise: number): string => `${model}|${loss}|${noise}`;
  const total = models.length * Object.keys(losses).length * noises.length * seeds;
  let index = 0;
  for (const model of models)
    for (const [name, method] of Object.entries(losses))
      for (const noise of noises)
        for (let seed = 0; seed < seeds; seed++) {
          const { loss, step } =
            typeof method === 'function'
              ? { loss: method, step: plainStep }
              : { loss: method.loss, step: method.step(noise) };
          options.onRun?.(index++, total, `${model} ${name} noise ${noise * 100}% seed ${seed}`);
          const runKey = x.random.foldIn(x.random.foldIn(key, 1000 * seed + 1), Math.round(noise * 100));
          const noisy = withSymmetricNoise(trainSet.labels, noise, x.random.foldIn(runKey, 7));
          const params = train(trainSet, noisy, {
            kind: model,
            loss,
            step,
            epochs,
            batch: 128,
            lr: model === 'mlp' ? 1e-3 : 5e-3,
            key: runKey,
            ...(options.onEpoch === undefined ? {} : { onEpoch: (e: number) => options.onEpoch?.(e, epochs) }),
          });
          options.onTrained?.({ model, loss: name, noise, seed, params, trainSet, noisyLabels: noisy });
          const id = cell(model, name, noise);
          cells.set(id, [...(cells.get(id) ?? []), accuracy(params, testSet)]);
        }
  return {
    models,
    losses: Object.keys(losses),
    noises,
    seeds,
    epochs,
    trainSize: trainSet.labels.length,
    accuracies: (model, loss, noise) => cells.get(cell(model, loss, noise)) ?? [],
  };
}

/** Mean and half the range of a cell's accuracies. */
export function meanAndSpread(values: readonly number[]): [mean: number, spread: number] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return [mean, values.length > 1 ? (Math.max(...values) - Math.min(...values)) / 2 : 0];
}

/** One table per model: clean test accuracy (%), mean ± half-range, a row per loss and a column per noise rate. */
export function formatTables(results: StudyResults): string {
  const width = Math.max(10, ...results.losses.map((l) => l.length + 2));
  return results.models
    .map((model) => {
      const title = `${model === 'mlp' ? 'MLP (784-64-10, ReLU)' : 'softmax regression'}: clean test accuracy, mean ± half-range over ${results.seeds} seed(s), ${results.trainSize} training digits, ${results.epochs} epoch(s) of Adam`;
      const header = ['loss'.padEnd(width), ...results.noises.map((n) => `${n * 100}% noise`.padStart(16))].join('');
      const rows = results.losses.map((loss) => {
        const cells = results.noises.map((n) => {
          const [m, s] = meanAndSpread(results.accuracies(model, loss, n));
          return `${(100 * m).toFixed(1)} ± ${(100 * s).toFixed(1)}`.padStart(16);
        });
        return [loss.padEnd(width), ...cells].join('');
      });
      return [title, header, ...rows].join('\n');
    })
    .join('\n\n');
}
