/** @file The shipped examples run end to end (the equivariance study in its --quick mode). */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

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
