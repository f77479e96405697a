/**
 * @file vitest setup: one fast-check seed per run (fixed in CI, XENT_SEED to replay), printed on failure by fast-check,
 * and a time budget per property.
 */
import fc from 'fast-check';

const fromEnv = process.env['XENT_SEED'];
const seed =
  fromEnv !== undefined
    ? Number(fromEnv)
    : process.env['CI'] !== undefined
      ? 20261122
      : Math.floor(Math.random() * 2 ** 31);

// A time budget per property instead of tighter timeouts: on a slow or loaded machine a property stops drawing new
// cases after 60 s (it always runs at least one, and a failure found before then still fails the test).
fc.configureGlobal({ seed, numRuns: 60 });
fc.installGlobalPlugin(fc.interruptAfterTimeLimit(60_000));
