/**
 * @file One benchmark cell, run in its own process so that its peak RSS is its own:
 * `node bench/dist/cell.js <lib> <workload> <size index> <reps> <threads>` prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Library } from './libs/library.js';
import { type WorkloadId, workloads } from './workloads.js';

export interface CellResult {
  readonly lib: string;
  readonly workload: WorkloadId;
  readonly dims: readonly number[];
  /** Wall time of each timed run (per step for W4), ms. */
  readonly samples: readonly number[];
  readonly medianMs: number;
  /** max |out − ref| / max |ref| over the checked outputs (NaN when nothing is checked). */
  readonly relError: number;
  readonly peakRssMB: number;
}

/** Peak resident memory of this process (VmHWM; getrusage's maxRSS would include the parent's before exec). */
function peakRssMB(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? process.resourceUsage().maxRSS / 1024 : Number(kb) / 1024;
}

const libraries: Record<string, () => Promise<Library>> = {
  xent: async () => (await import('./libs/xent.js')).xentLibrary,
  'xent-norelax': async () => (await import('./libs/xent.js')).xentNoRelaxLibrary,
  tfjs: async () => (await import('./libs/tfjs.js')).tfjsLibrary,
  'jax-js': async () => (await import('./libs/jaxjs.js')).jaxjsLibrary,
};

/** A library name, with `-webgpu` for its WebGPU path. */
function libraryOf(name: string): { load: (() => Promise<Library>) | undefined; device: 'cpu' | 'webgpu' } {
  const gpu = name.endsWith('-webgpu');
  return { load: libraries[gpu ? name.slice(0, -'-webgpu'.length) : name], device: gpu ? 'webgpu' : 'cpu' };
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function main(): Promise<void> {
  const [lib = 'xent', id = 'W1', sizeIndex = '0', repsText = '5', threads = '1'] = process.argv.slice(2);
  const w = workloads[id as WorkloadId];
  const dims = w.sizes[Number(sizeIndex)] as readonly number[];
  const inputs = w.inputs(dims);
  const { load, device } = libraryOf(lib);
  if (load === undefined) throw new Error(`unknown library ${lib}`);
  const prepared = await (await load())(w, inputs, { threads: Number(threads), device });
  const first = await prepared.run(); // warm-up (tracing, compilation)
  const reference = w.reference(inputs);
  let worst = 0;
  let scale = 0;
  for (const c of reference.checks) {
    const out = first[c.output] as ArrayLike<number>;
    c.positions.forEach((p, i) => {
      worst = Math.max(worst, Math.abs((out[p] as number) - (c.values[i] as number)));
      scale = Math.max(scale, Math.abs(c.values[i] as number));
    });
  }
  await prepared.run();
  const samples: number[] = [];
  const steps = w.steps ?? 1;
  for (let r = 0; r < Number(repsText); r++) {
    const t0 = performance.now();
    await prepared.run();
    samples.push((performance.now() - t0) / steps);
  }
  const result: CellResult = {
    lib,
    workload: w.id,
    dims,
    samples,
    medianMs: median(samples),
    relError: reference.checks.length === 0 ? NaN : worst / scale,
    peakRssMB: peakRssMB(),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
