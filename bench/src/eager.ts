/**
 * @file Fixed costs of small calls, xent against TensorFlow.js's CPU backend in one process: an eager
 * 3-op chain on [8, 10] (µs per op), an eager gradient of a 3-op function on [8, 10] (µs per call) and,
 * for xent, a jitted one-op call on [8, 10]. Rounds of the libraries alternate, so both see the same load;
 * medians and 10th percentiles over rounds.
 * `node bench/dist/eager.js [--rounds 31] [--libs xent,tfjs]`.
 */
import * as tf from '@tensorflow/tfjs';
import * as x from 'xent';
import { normals } from './data.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const rounds = Number(arg('--rounds') ?? '31');
const libs = (arg('--libs') ?? 'xent,tfjs').split(',');

const SHAPE = [8, 10] as const;
const values = normals(SHAPE[0] * SHAPE[1], 1, 5);

/** One measured case: `calls` calls of `step` per round, each worth `per` units of the reported cost. */
interface Case {
  readonly lib: string;
  readonly name: string;
  readonly per: number;
  readonly calls: number;
  readonly step: () => void;
}

function xentCases(): Case[] {
  x.setDefaultBackend(x.backends.cpu);
  const a = x.tensor(values, { shape: [...SHAPE] });
  const g = x.grad((t: x.Tensor) => x.sum(x.exp(x.mul(t, t))));
  const neg = x.jit(x.neg);
  return [
    { lib: 'xent', name: 'eager 3-op chain, µs per op', per: 3, calls: 300, step: () => x.exp(x.mul(x.add(a, 1), 2)) },
    { lib: 'xent', name: 'eager grad of a 3-op function, µs', per: 1, calls: 100, step: () => g(a) },
    { lib: 'xent', name: 'jitted one-op call, µs', per: 1, calls: 1000, step: () => neg(a) },
  ];
}

async function tfjsCases(): Promise<Case[]> {
  if (!(await tf.setBackend('cpu'))) throw new Error('TensorFlow.js could not start its cpu backend');
  await tf.ready();
  const a = tf.tensor2d(values, [...SHAPE]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.exp(tf.mul(t, t))));
  return [
    {
      lib: 'tfjs',
      name: 'eager 3-op chain, µs per op',
      per: 3,
      calls: 300,
      step: () => {
        tf.tidy(() => tf.exp(tf.mul(tf.add(a, 1), 2)));
      },
    },
    {
      lib: 'tfjs',
      name: 'eager grad of a 3-op function, µs',
      per: 1,
      calls: 100,
      step: () => {
        tf.tidy(() => g(a));
      },
    },
  ];
}

const cases = [...(libs.includes('xent') ? xentCases() : []), ...(libs.includes('tfjs') ? await tfjsCases() : [])];

/** Microseconds per unit of one round of `c`. */
function round(c: Case): number {
  const t0 = performance.now();
  for (let i = 0; i < c.calls; i++) c.step();
  return ((performance.now() - t0) * 1000) / c.calls / c.per;
}

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;

const times = new Map<Case, number[]>(cases.map((c) => [c, []]));
for (const c of cases) for (let i = 0; i < 3; i++) round(c); // warm-up: compilation, caches, the JIT
for (let r = 0; r < rounds; r++) for (const c of cases) times.get(c)?.push(round(c));

console.log(`eager and small-call costs on [${SHAPE.join(', ')}] f32, ${rounds} rounds (median, p10)`);
for (const name of [...new Set(cases.map((c) => c.name))]) {
  const cells = cases
    .filter((c) => c.name === name)
    .map((c) => {
      const sorted = [...(times.get(c) ?? [])].sort((p, q) => p - q);
      return `${c.lib} ${quantile(sorted, 0.5).toFixed(1)} (${quantile(sorted, 0.1).toFixed(1)})`;
    });
  console.log(`  ${name.padEnd(36)} ${cells.join('   ')}`);
}
