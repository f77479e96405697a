/** @file The shipped examples run end to end (the studies in their --quick mode), and the noisy-label study takes user losses. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import * as x from 'xent';
import { compareLosses, formatTables, paperLosses } from '../examples/noisy-labels/compare.js';

const root = fileURLToPath(new URL('..', import.meta.url));

test('examples/equivariance.ts trains both models and prints their test and invariance errors', async () => {
  const { stdout } = await promisify(execFile)('node', [`${root}examples/dist/equivariance.js`, '--quick'], {
    cwd: root,
    timeout: 120_000,
  });
  expect(stdout).toMatch(/model +test MSE +invariance err\./);
  expect(stdout).toMatch(/plain MSE +\d+\.\d{4} +\d\.\d{2}e[-+]\d+/);
  expect(stdout).toMatch(/MSE \+ invariance \(λ=1\) +\d+\.\d{4} +\d\.\d{2}e[-+]\d+/);
}, 120_000);

test('examples/noisy-labels runs end to end in --quick mode: real MNIST digits, every loss, a table and an SVG chart', async () => {
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const svg = `${mkdtempSync(`${tmpdir()}/xent-`)}/chart.svg`;
  const { stdout } = await promisify(execFile)(
    'node',
    [`${root}examples/dist/noisy-labels/study.js`, '--quick', '--out', svg],
    {
      cwd: root,
      timeout: 120_000,
    },
  );
  for (const loss of ['CE', 'GCE q=0.7', 'SCE 0.1/1', 'MAE', 'NCE+RCE'])
    expect(stdout).toMatch(new RegExp(`${loss.replace('+', '\\+')} +\\d+\\.\\d ± \\d+\\.\\d +\\d+\\.\\d ± \\d+\\.\\d`));
  const chart = readFileSync(svg, 'utf8');
  expect(chart).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(chart.match(/<path /g)).toHaveLength(5);
}, 120_000);

test('compareLosses runs the study for a user-supplied map of losses and reports every cell', () => {
  const results = compareLosses(
    { CE: paperLosses.CE, 'half CE': (z, y) => x.mul(0.5, paperLosses.CE(z, y)) },
    { quick: true },
  );
  expect(results.losses).toEqual(['CE', 'half CE']);
  for (const loss of results.losses)
    for (const noise of results.noises) {
      const [accuracy, ...rest] = results.accuracies('softmax', loss, noise);
      expect(rest).toEqual([]);
      expect(accuracy).toBeGreaterThan(0.2);
      expect(accuracy).toBeLessThanOrEqual(1);
    }
  expect(formatTables(results)).toMatch(/half CE +\d+\.\d ± 0\.0 +\d+\.\d ± 0\.0/);
}, 60_000);
