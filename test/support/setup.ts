/** @file vitest setup: one fast-check seed per run (fixed in CI, XENT_SEED to replay), printed on failure by fast-check. */
import fc from 'fast-check';

const fromEnv = process.env['XENT_SEED'];
const seed =
  fromEnv !== undefined
    ? Number(fromEnv)
    : process.env['CI'] !== undefined
      ? 20261122
      : Math.floor(Math.random() * 2 ** 31);

fc.configureGlobal({ seed, numRuns: 60 });
