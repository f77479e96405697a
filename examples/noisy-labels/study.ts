/**
 * @file The noisy-label study (`npm run example:noisy-labels [-- --quick] [--seeds N] [--out file.svg]`):
 * softmax regression and a small MLP trained on real MNIST digits with CE, GCE, SCE, MAE and
 * NCE+RCE at 0–60% symmetric label noise, evaluated on clean test labels.
 */
import { writeFileSync } from 'node:fs';
import * as x from 'xent';
import { lineChart, type Series } from './chart.js';
import { mnistSplit, withSymmetricNoise } from './data.js';
import { accuracy, type LossFn, type ModelKind, train } from './train.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const seeds = Number(flag('--seeds') ?? (quick ? 1 : 3));
const out = flag('--out') ?? 'docs/noisy-labels.svg';

const L = x.losses;
const losses: Record<string, LossFn> = {
  CE: (z, y) => L.crossEntropy(z, y),
  'GCE q=0.7': (z, y) => L.generalizedCrossEntropy(z, y, { q: 0.7 }),
  'SCE 0.1/1': (z, y) => L.symmetricCrossEntropy(z, y, { alpha: 0.1, beta: 1, logZero: -4 }),
  MAE: (z, y) => L.maeLoss(z, y),
  'NCE+RCE': (z, y) => L.activePassiveLoss(z, y, { active: 'nce', passive: 'rce', alpha: 1, beta: 1 }),
};
const noises = quick ? [0, 0.4] : [0, 0.2, 0.4, 0.6];
const models: ModelKind[] = quick ? ['softmax'] : ['softmax', 'mlp'];
const epochs = quick ? 1 : 8;

const key = x.random.key(20261122);
const { train: trainSet, test: testSet } = mnistSplit(
  x.random.foldIn(key, 0),
  0.2,
  quick ? { train: 512, test: 256 } : undefined,
);
const total = models.length * Object.keys(losses).length * noises.length * seeds;
let done = 0;
const started = Date.now();
const results = new Map<string, number[]>();

for (const kind of models)
  for (const [name, loss] of Object.entries(losses))
    for (const noise of noises)
      for (let seed = 0; seed < seeds; seed++) {
        const runKey = x.random.foldIn(x.random.foldIn(key, 1000 * seed + 1), Math.round(noise * 100));
        const noisy = withSymmetricNoise(trainSet.labels, noise, x.random.foldIn(runKey, 7));
        const params = train(trainSet, noisy, {
          kind,
          loss,
          epochs,
          batch: 128,
          lr: kind === 'mlp' ? 1e-3 : 5e-3,
          key: runKey,
          onEpoch: (e) => {
            process.stderr.write(
              `\r[${done + 1}/${total}] ${kind} ${name} noise ${noise * 100}% seed ${seed}: epoch ${e}/${epochs} (${((Date.now() - started) / 1000).toFixed(0)} s)   `,
            );
          },
        });
        const cell = `${kind}|${name}|${noise}`;
        results.set(cell, [...(results.get(cell) ?? []), accuracy(kind, params, testSet)]);
        done++;
      }
process.stderr.write('\n');

const stats = (v: readonly number[]): [number, number] => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return [m, v.length > 1 ? (Math.max(...v) - Math.min(...v)) / 2 : 0];
};
for (const kind of models) {
  console.log(
    `\n${kind === 'mlp' ? 'MLP (784-64-10, ReLU)' : 'softmax regression'}: clean test accuracy, mean ± half-range over ${seeds} seed(s), ${trainSet.labels.length} training digits, ${epochs} epoch(s) of Adam`,
  );
  console.log(['loss'.padEnd(10), ...noises.map((n) => `${n * 100}% noise`.padStart(16))].join(''));
  for (const name of Object.keys(losses)) {
    const cells = noises.map((n) => {
      const [m, s] = stats(results.get(`${kind}|${name}|${n}`) ?? []);
      return `${(100 * m).toFixed(1)} ± ${(100 * s).toFixed(1)}`.padStart(16);
    });
    console.log([name.padEnd(10), ...cells].join(''));
  }
}

const series = (kind: ModelKind): Series[] =>
  Object.keys(losses).map((name) => ({
    name,
    points: noises.map((n) => [n, ...stats(results.get(`${kind}|${name}|${n}`) ?? [])] as const),
  }));
const last = models[models.length - 1] as ModelKind;
writeFileSync(
  out,
  lineChart(
    `MNIST, ${last === 'mlp' ? 'MLP' : 'softmax regression'}: accuracy under symmetric label noise`,
    series(last),
  ),
);
console.log(`\nchart: ${out}`);
