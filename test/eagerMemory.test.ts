/**
 * @file Bounded eager memory: a synchronous loop of eager calls keeps no memory once its results are
 * dropped, without waiting for the event loop to turn. The intern tables used WeakRefs, which keep their
 * targets alive until the current job ends: 10 000 eager `valueAndGrad(crossEntropy)` calls held every
 * node they traced (the live heap grew by ~324 MB) until the loop returned to the event loop.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, test } from 'vitest';
import * as x from 'xent';

// `global.gc` without --expose-gc on the command line: the flag set now applies to new contexts
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Live memory in MiB after a full collection: the JS heap and the array buffers outside it (tensors' data). */
const liveHeap = (): number => {
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / 2 ** 20;
};

/** Live-heap growth over `n` synchronous calls of `step` (after a warm-up that fills the caches). */
function growth(n: number, step: () => void): number {
  for (let i = 0; i < 100; i++) step();
  const before = liveHeap();
  for (let i = 0; i < n; i++) step();
  return liveHeap() - before;
}

// Bound: 64 MiB over 10 000 calls. Measured growth (2-core machine, Node 24): before the fix 330 MiB for
// valueAndGrad (every node of every trace held) and 777 MiB for the eager ops (every intermediate result
// held); after it 5.7 MiB and −2.1 MiB, not growing with more calls (the high-water size of the intern
// tables' WeakMaps).
const BOUND_MIB = 64;

test('10 000 eager valueAndGrad(crossEntropy) calls in a synchronous loop keep a bounded live heap', () => {
  const z = x.tensor([
    [1, 2, 3],
    [0, 1, 0],
  ]);
  const y = x.tensor([0, 2], { dtype: 'i32' });
  const f = x.valueAndGrad((logits: x.Tensor) => x.losses.crossEntropy(logits, y));
  let value = 0;
  const grown = growth(10_000, () => {
    value = x.item(f(z)[0]);
  });
  // the mean over rows of logsumexp(row) − row[label], computed here in f64
  const lse = (r: number[]): number => Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
  const expected = (lse([1, 2, 3]) - 1 + (lse([0, 1, 0]) - 0)) / 2;
  expect(Math.abs(value - expected)).toBeLessThan(1e-6);
  expect(grown).toBeLessThan(BOUND_MIB);
});

test('10 000 eager ops on concrete tensors keep a bounded live heap (their nodes hold 40 KiB results)', () => {
  // before the fix every op node stayed alive until the job ended, and with it its inputs: two
  // intermediate results of 10 000 f32 values per call
  const a = x.arange(10_000, { dtype: 'f32' });
  let last = 0;
  const grown = growth(10_000, () => {
    last = x.item(x.sum(x.mul(x.add(a, 1), 2)));
  });
  expect(last).toBe(2 * ((9999 * 10_000) / 2) + 2 * 10_000);
  expect(grown).toBeLessThan(BOUND_MIB);
});
