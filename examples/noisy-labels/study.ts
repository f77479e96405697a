/**
 * @file The noisy-label study (`npm run example:noisy-labels [-- --quick] [--seeds N] [--out file.svg]`):
 * softmax regression and a small MLP trained on real MNIST digits with CE, GCE, SCE, MAE and
 * NCE+RCE at 0–60% symmetric label noise, evaluated on clean test labels.
 */
import { writeFileSync } from 'node:fs';
import { lineChart } from './chart.js';
import { compareLosses, formatTables, meanAndSpread, type ModelKind, paperLosses } from './compare.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const seeds = flag('--seeds');
const out = flag('--out') ?? 'docs/noisy-labels.svg';

const started = Date.now();
let current = '';
const results = compareLosses(paperLosses, {
  quick,
  ...(seeds === undefined ? {} : { seeds: Number(seeds) }),
  onRun: (index, total, what) => (current = `[${index + 1}/${total}] ${what}`),
  onEpoch: (epoch, epochs) => {
    process.stderr.write(`\r${current}: epoch ${epoch}/${epochs} (${((Date.now() - started) / 1000).toFixed(0)} s)   `);
  },
});
process.stderr.write('\n');
console.log(`\n${formatTables(results)}`);

const last = results.models[results.models.length - 1] as ModelKind;
const series = results.losses.map((name) => ({
  name,
  points: results.noises.map((n) => [n, ...meanAndSpread(results.accuracies(last, name, n))] as const),
}));
writeFileSync(
  out,
  lineChart(`MNIST, ${last === 'mlp' ? 'MLP' : 'softmax regression'}: accuracy under symmetric label noise`, series),
);
console.log(`\nchart: ${out}`);
