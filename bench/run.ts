/**
 * @file Benchmark (`npm run bench`): softmax cross-entropy forward + backward, xent against a
 * hand-written JavaScript loop (the floor any JS library must approach) in the same process.
 * Prints a table of ratios and writes bench/results/ce.json. Not a test: nothing asserts a time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as x from 'xent';

interface Row {
  readonly name: string;
  readonly ms: number;
}

/** Median wall time of `f` over `reps` runs after `warmup` runs. */
function time(f: () => unknown, reps: number, warmup = 2): number {
  for (let i = 0; i < warmup; i++) f();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

/** Mean CE over rows and its gradient, by hand: one pass for max, one for the sum, one for the gradient. */
function handWritten(z: Float32Array, y: Int32Array, n: number, c: number): { loss: number; grad: Float32Array } {
  const grad = new Float32Array(n * c);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    let m = -Infinity;
    for (let j = 0; j < c; j++) m = Math.max(m, z[row + j] as number);
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp((z[row + j] as number) - m);
    const lse = m + Math.log(s);
    const yi = y[i] as number;
    loss += lse - (z[row + yi] as number);
    for (let j = 0; j < c; j++) grad[row + j] = (Math.exp((z[row + j] as number) - lse) - (j === yi ? 1 : 0)) / n;
  }
  return { loss: loss / n, grad };
}

const ce = (z: x.Tensor, y: x.Tensor): x.Tensor =>
  x.mean(x.sub(x.logsumexp(z, { axis: -1 }), x.squeeze(x.gather(z, x.expandDims(y, -1), { axis: -1 }), -1)));

function main(): void {
  const [n, c] = [256, 4096];
  const z = new Float32Array(n * c).map((_, i) => Math.sin(i * 12.9898) * 4);
  const y = new Int32Array(n).map((_, i) => (i * 7919) % c);
  const zt = x.tensor(z, { shape: [n, c] });
  const yt = x.tensor(y, { shape: [n] });
  const compiled = x.jit(x.valueAndGrad(ce));
  const eager = x.valueAndGrad(ce);

  // The three must agree before their times mean anything.
  const ref = handWritten(z, y, n, c);
  const [v] = compiled(zt, yt);
  if (Math.abs(x.item(v) - ref.loss) > 1e-4 * Math.abs(ref.loss))
    throw new Error('xent and the hand-written loop disagree');

  const reps = 7;
  const rows: Row[] = [
    { name: 'hand-written JS loop', ms: time(() => handWritten(z, y, n, c), reps) },
    { name: 'xent jit(valueAndGrad) — reference interpreter', ms: time(() => compiled(zt, yt), reps) },
    { name: 'xent valueAndGrad, eager (traced every call)', ms: time(() => eager(zt, yt), reps) },
  ];
  const floor = (rows[0] as Row).ms;
  console.log(`softmax cross-entropy forward + backward, f32 logits [${n}, ${c}], median of ${reps}`);
  for (const r of rows)
    console.log(`  ${r.name.padEnd(50)} ${r.ms.toFixed(1).padStart(8)} ms   ×${(r.ms / floor).toFixed(1)}`);
  mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
  const out = new URL('../results/ce.json', import.meta.url);
  writeFileSync(out, JSON.stringify({ shape: [n, c], dtype: 'f32', reps, rows }, null, 2));
  console.log(`wrote ${out.pathname}`);
}

main();
