/**
 * @file Per-example gradient norms of a 784→128→10 tanh MLP over a batch of 256 (f32): xent's
 * jit(vmap(grad)) against per-example loops (jitted and eager grad) and jax-js's jit(vmap(grad)) on
 * its wasm worker threads, in one process; checked against each other and an f64 oracle.
 * `node bench/dist/perExampleGrads.js [--repeats 15] [--loop-repeats 7] [--threads <cores>] [--jax-threads <cores>]`
 * (`--threads`: xent's; `--jax-threads 1`: jax-js without workers, on the main thread).
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as x from 'xent';
import { oneHotRows } from './libs/library.js';
import { installWorkerShim, startedWorkers } from './libs/workerShim.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const repeats = Number(arg('--repeats') ?? '15');
const loopRepeats = Number(arg('--loop-repeats') ?? '7');
const threads = Number(arg('--threads') ?? String(cpus().length));
const jaxThreads = Number(arg('--jax-threads') ?? String(cpus().length));

const BATCH = 256;
const FEATURES = 784;
const HIDDEN = 128;
const CLASSES = 10;
/** Largest relative difference allowed between xent's batched and looped norms, and against the f64 oracle. */
const XENT_TOLERANCE = 1e-5;
/** Largest relative difference allowed between jax-js's norms and xent's. */
const PEER_TOLERANCE = 1e-4;

/** Deterministic values `scale·sin(k·i + phase)`, f32. */
const sines = (n: number, k: number, phase: number, scale: number): Float32Array<ArrayBuffer> =>
  Float32Array.from({ length: n }, (_, i) => scale * Math.sin(k * i + phase));

const w1Values = sines(FEATURES * HIDDEN, 0.37, 0.1, 0.1);
const w2Values = sines(HIDDEN * CLASSES, 0.71, 0.3, 0.1);
const featureValues = sines(BATCH * FEATURES, 0.013, 0.5, 1);
const labelValues = Int32Array.from({ length: BATCH }, (_, i) => (i * 7 + 3) % CLASSES);

const median = (v: readonly number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;

/** Median ms of `run` (awaited when it returns a promise) over `count` calls after two warm-up calls (compilation, memory growth, worker start). */
async function time(run: () => unknown, count: number): Promise<number> {
  await run();
  await run();
  const times: number[] = [];
  for (let r = 0; r < count; r++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** max |a − b| / |b| over the examples. */
const maxRelativeDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Array.from(b, (expected, i) => Math.abs((a[i] as number) - expected) / Math.abs(expected)).reduce(
    (m, d) => Math.max(m, Number.isNaN(d) ? Infinity : d),
    0,
  );

/**
 * The norms in f64, independent of any autodiff: each example's gradients are outer products
 * (∂w2 = h ⊗ (p − onehot), ∂w1 = x ⊗ δ with δ = (1 − h²) ⊙ w2·(p − onehot)), so ‖∂w‖ = ‖a‖·‖b‖.
 */
function oracleNorms(): Float64Array {
  const out = new Float64Array(BATCH);
  for (let b = 0; b < BATCH; b++) {
    const row = featureValues.subarray(b * FEATURES, (b + 1) * FEATURES);
    const h = new Float64Array(HIDDEN);
    for (let f = 0; f < FEATURES; f++)
      for (let j = 0; j < HIDDEN; j++)
        h[j] = (h[j] as number) + (row[f] as number) * (w1Values[f * HIDDEN + j] as number);
    h.forEach((v, j) => (h[j] = Math.tanh(v)));
    const z = Array.from({ length: CLASSES }, (_, c) =>
      h.reduce((s, hj, j) => s + hj * (w2Values[j * CLASSES + c] as number), 0),
    );
    const m = Math.max(...z);
    const total = z.reduce((s, zc) => s + Math.exp(zc - m), 0);
    const dz = z.map((zc, c) => Math.exp(zc - m) / total - (c === labelValues[b] ? 1 : 0));
    const delta = Array.from(
      h,
      (hj, j) => (1 - hj * hj) * dz.reduce((s, d, c) => s + d * (w2Values[j * CLASSES + c] as number), 0),
    );
    const sq = (v: ArrayLike<number>): number => Array.from(v).reduce((s, e) => s + e * e, 0);
    out[b] = Math.sqrt(sq(h) * sq(dz) + sq(row) * sq(delta));
  }
  return out;
}

interface XentParams {
  readonly w1: x.Tensor;
  readonly w2: x.Tensor;
}

/** One example's loss: cross-entropy of tanh(x·w1)·w2 for features [784] and a scalar label. */
const exampleLoss = (p: XentParams, features: x.Tensor, label: x.Tensor): x.Tensor =>
  x.losses.crossEntropy(
    x.matmul(x.tanh(x.matmul(x.reshape(features, [1, FEATURES]), p.w1)), p.w2),
    x.reshape(label, [1]),
  );

/** Euclidean norm of the gradients along `axes` (all of one example's: [0, 1]; per example of batched ones: [1, 2]). */
const gradientNorm = (g: XentParams, axes: number[]): x.Tensor =>
  x.sqrt(x.add(x.sum(x.square(g.w1), { axis: axes }), x.sum(x.square(g.w2), { axis: axes })));

/** xent's three variants; each call returns the 256 norms, read to the host. */
function xentVariants(): { vmap: () => Float32Array; loopJit: () => Float32Array; loopEager: () => Float32Array } {
  x.setDefaultBackend(x.createCpuBackend({ threads }));
  const params: XentParams = {
    w1: x.tensor(w1Values, { shape: [FEATURES, HIDDEN] }),
    w2: x.tensor(w2Values, { shape: [HIDDEN, CLASSES] }),
  };
  const features = x.tensor(featureValues, { shape: [BATCH, FEATURES] });
  const labels = x.tensor(labelValues, { shape: [BATCH], dtype: 'i32' });
  // the loops get their examples already sliced, outside the timing (in their favour)
  const rows = Array.from({ length: BATCH }, (_, b) =>
    x.tensor(featureValues.subarray(b * FEATURES, (b + 1) * FEATURES), { shape: [FEATURES] }),
  );
  const rowLabels = Array.from({ length: BATCH }, (_, b) =>
    x.tensor(labelValues.subarray(b, b + 1), { shape: [], dtype: 'i32' }),
  );
  const batchedNorms = x.jit((p: XentParams, xs: x.Tensor, ys: x.Tensor) => {
    const g = x.vmap(x.grad(exampleLoss), { inAxes: [null, 0, 0] })(p, xs, ys);
    return gradientNorm(g, [1, 2]);
  });
  const jittedNorm = x.jit((p: XentParams, xi: x.Tensor, yi: x.Tensor) =>
    gradientNorm(x.grad(exampleLoss)(p, xi, yi), [0, 1]),
  );
  const eagerGrad = x.grad(exampleLoss);
  const loop = (norm: (b: number) => x.Tensor): Float32Array => {
    const out = new Float32Array(BATCH);
    for (let b = 0; b < BATCH; b++) {
      const n = norm(b);
      out[b] = n.data()[0] as number;
      n.dispose();
    }
    return out;
  };
  return {
    vmap: () => {
      const n = batchedNorms(params, features, labels);
      const values = n.data() as Float32Array;
      n.dispose();
      return values;
    },
    loopJit: () => loop((b) => jittedNorm(params, rows[b] as x.Tensor, rowLabels[b] as x.Tensor)),
    loopEager: () =>
      loop((b) => {
        const g = eagerGrad(params, rows[b] as x.Tensor, rowLabels[b] as x.Tensor);
        const n = gradientNorm(g, [0, 1]);
        g.w1.dispose();
        g.w2.dispose();
        return n;
      }),
  };
}

/**
 * jax-js's jit(vmap(grad)) with the norms inside, on its wasm device with `jaxThreads` worker
 * threads (1: none, on the main thread). Its CE takes one-hot targets (its jit cannot differentiate takeAlongAxis); it owns what it
 * is passed, so the inputs are passed with `.ref`, and `data()` consumes the result.
 */
async function jaxjsVmap(): Promise<() => Promise<Float32Array>> {
  if (jaxThreads > 1) installWorkerShim(jaxThreads);
  const { grad, init, jit, nn, numpy: np, vmap, defaultDevice } = await import('@jax-js/jax');
  type JArray = import('@jax-js/jax').numpy.Array;
  const devices = await init('wasm');
  if (!devices.includes('wasm')) throw new Error(`jax-js could not start its wasm device (has ${devices.join(', ')})`);
  defaultDevice('wasm');
  const w1 = np.array(w1Values).reshape([FEATURES, HIDDEN]);
  const w2 = np.array(w2Values).reshape([HIDDEN, CLASSES]);
  const features = np.array(featureValues).reshape([BATCH, FEATURES]);
  const onehot = np.array(oneHotRows(labelValues, CLASSES)).reshape([BATCH, CLASSES]);
  const exampleLossJ = (p: { w1: JArray; w2: JArray }, xi: JArray, oh: JArray): JArray => {
    const z = np.matmul(np.tanh(np.matmul(xi.reshape([1, FEATURES]), p.w1)), p.w2);
    return nn
      .logsumexp(z.ref, -1)
      .sub(np.sum(z.mul(oh.reshape([1, CLASSES])), -1))
      .sum();
  };
  const norms = jit((p: { w1: JArray; w2: JArray }, xs: JArray, ohs: JArray) => {
    const g = vmap(grad(exampleLossJ), [null, 0, 0])(p, xs, ohs);
    return np.sqrt(np.sum(np.square(g.w1), [1, 2]).add(np.sum(np.square(g.w2), [1, 2])));
  });
  return async () => {
    const values = (await norms({ w1: w1.ref, w2: w2.ref }, features.ref, onehot.ref).data()) as Float32Array;
    if (jaxThreads > 1 && startedWorkers() === 0) throw new Error('jax-js ran without starting its worker threads');
    return values;
  };
}

const oracle = oracleNorms();
const xent = xentVariants();
const vmapNorms = xent.vmap();
const checks: [string, ArrayLike<number>, ArrayLike<number>, number][] = [
  ['xent jit(vmap(grad)) vs f64 oracle', vmapNorms, oracle, XENT_TOLERANCE],
  ['xent loop, jitted grad vs jit(vmap(grad))', xent.loopJit(), vmapNorms, XENT_TOLERANCE],
  ['xent loop, eager grad vs jit(vmap(grad))', xent.loopEager(), vmapNorms, XENT_TOLERANCE],
];
const rows: [string, number][] = [
  ['xent jit(vmap(grad))', await time(xent.vmap, repeats)],
  ['xent loop, jitted grad (A)', await time(xent.loopJit, loopRepeats)],
  ['xent loop, eager grad (B)', await time(xent.loopEager, loopRepeats)],
];
// jax-js last: its worker threads start with its import and stay for the rest of the process
const jaxjs = await jaxjsVmap();
checks.push(['jax-js jit(vmap(grad)) vs xent', await jaxjs(), vmapNorms, PEER_TOLERANCE]);
rows.push([
  `jax-js jit(vmap(grad)), wasm, ${jaxThreads > 1 ? `${jaxThreads} workers` : 'main thread'}`,
  await time(jaxjs, repeats),
]);

console.log(
  `per-example gradient norms, MLP ${FEATURES}→${HIDDEN}→${CLASSES}, batch ${BATCH}, f32; xent ${threads} threads; ${process.version}`,
);
let failed = false;
for (const [name, values, expected, tolerance] of checks) {
  const d = maxRelativeDifference(values, expected);
  const ok = d <= tolerance;
  failed ||= !ok;
  console.log(`  ${name.padEnd(44)} max rel. diff ${d.toExponential(1)} ${ok ? 'ok' : `FAIL (> ${tolerance})`}`);
}
const base = rows[0]?.[1] ?? NaN;
console.log(`\n  ${'variant'.padEnd(44)} ${'ms'.padStart(8)} ${'× vmap'.padStart(8)}`);
for (const [name, ms] of rows)
  console.log(`  ${name.padEnd(44)} ${ms.toFixed(2).padStart(8)} ${(ms / base).toFixed(1).padStart(8)}`);
// jax-js's worker threads would keep the process alive
process.stdout.write('', () => process.exit(failed ? 1 : 0));
