/**
 * @file Sample selection under label noise (`npm run example:per-example [-- --quick] [--seeds N]`):
 * the study's MLP on real MNIST digits at 40% and 60% symmetric noise, trained with CE, GCE, and CE on
 * the examples of each batch with the smallest loss or the smallest per-example gradient norm.
 */
import { compareLosses, formatTables, meanAndSpread, paperLosses } from './compare.js';
import { labelPrecision, selectionMethods, selections } from './sampleSelection.js';

const args = process.argv.slice(2);
const seedsAt = args.indexOf('--seeds');
const quick = args.includes('--quick');

const started = Date.now();
const seconds = (): string => ((Date.now() - started) / 1000).toFixed(0);
let current = '';
const precisions = new Map<string, number[]>();
const results = compareLosses(selectionMethods, {
  quick,
  models: ['mlp'],
  noises: [0.4, 0.6],
  ...(seedsAt >= 0 ? { seeds: Number(args[seedsAt + 1]) } : {}),
  onRun: (index, total, what) => (current = `[${index + 1}/${total}] ${what}`),
  onEpoch: (epoch, epochs) => process.stderr.write(`\r${current}: epoch ${epoch}/${epochs} (${seconds()} s)   `),
  onTrained: ({ loss, noise, params, trainSet, noisyLabels }) => {
    const scores = selections[loss];
    if (scores === undefined) return;
    const precision = labelPrecision(scores, paperLosses.CE, params, trainSet, noisyLabels, noise, 128);
    precisions.set(`${loss}|${noise}`, [...(precisions.get(`${loss}|${noise}`) ?? []), precision]);
  },
});
process.stderr.write('\n');
console.log(`\n${formatTables(results)}\n`);
console.log('label precision: correct labels among the training examples the final model keeps (%), r = η');
for (const name of Object.keys(selections)) {
  const cells = results.noises.map((noise) => {
    const [mean, spread] = meanAndSpread(precisions.get(`${name}|${noise}`) ?? []);
    return `${(100 * mean).toFixed(1)} ± ${(100 * spread).toFixed(1)}`.padStart(16);
  });
  console.log([name.padEnd(Math.max(10, ...results.losses.map((l) => l.length + 2))), ...cells].join(''));
}
console.log(`\ntotal: ${seconds()} s`);
