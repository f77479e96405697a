/**
 * @file One benchmark cell, run in its own process so that its peak RSS is its own:
 * `node bench/dist/cell.js <lib> <workload> <size index> <reps> <threads> <reference.json>` prints one
 * JSON line. The reference (f64, computed once by the parent) is read from its file, so that its
 * memory is nobody's peak. The library `native` is the C floor, run as a child process that times
 * itself (peak RSS: its own). `baseRssMB` is the RSS before the inputs exist (the runtime and the
 * library loaded): peak − base is what the workload itself holds.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { LibraryEntry } from './libs/library.js';
import { warmGenerators } from './data.js';
import { runNative } from './native.js';
import { type Inputs, type Reference, type Workload, type WorkloadId, workloads } from './workloads.js';

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
  readonly baseRssMB: number;
}

/** A size line of /proc/self/status in MB (VmHWM: peak resident memory of this process; getrusage's maxRSS would include the parent's before exec). */
function statusMB(key: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1];
  return kb === undefined ? process.resourceUsage().maxRSS / 1024 : Number(kb) / 1024;
}

const libraries: Record<string, () => Promise<LibraryEntry>> = {
  xent: async () => {
    const m = await import('./libs/xent.js');
    return { library: m.xentLibrary, floatsAt: m.tensorFloats };
  },
  'xent-norelax': async () => {
    const m = await import('./libs/xent.js');
    return { library: m.xentNoRelaxLibrary, floatsAt: m.tensorFloats };
  },
  tfjs: async () => ({ library: (await import('./libs/tfjs.js')).tfjsLibrary }),
  'jax-js': async () => ({ library: (await import('./libs/jaxjs.js')).jaxjsLibrary }),
};

/** A library name, with `-webgpu` for its WebGPU path. */
function libraryOf(name: string): { load: (() => Promise<LibraryEntry>) | undefined; device: 'cpu' | 'webgpu' } {
  const gpu = name.endsWith('-webgpu');
  return { load: libraries[gpu ? name.slice(0, -'-webgpu'.length) : name], device: gpu ? 'webgpu' : 'cpu' };
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/** max |out − ref| / max |ref| over the reference's checks; `valueAt(c, k)` is the value at check c's k-th position. */
function relativeError(reference: Reference, valueAt: (check: number, k: number) => number): number {
  if (reference.checks.length === 0) return NaN;
  let worst = 0;
  let scale = 0;
  reference.checks.forEach((c, check) => {
    c.values.forEach((expected, k) => {
      worst = Math.max(worst, Math.abs(valueAt(check, k) - expected));
      scale = Math.max(scale, Math.abs(expected));
    });
  });
  return worst / scale;
}

/** Times a JS library: a checked warm-up run (read before its outputs are released), a second warm-up, then `reps` runs. */
async function measureLibrary(
  lib: string,
  w: Workload,
  dims: readonly number[],
  reference: Reference,
  reps: number,
  threads: number,
): Promise<{ samples: number[]; relError: number; peakRssMB: number; baseRssMB: number }> {
  const { load, device } = libraryOf(lib);
  if (load === undefined) throw new Error(`unknown library ${lib}`);
  const { library, floatsAt } = await load();
  warmGenerators();
  const baseRssMB = statusMB('VmRSS');
  // on the GPU the inputs are uploaded from ordinary arrays
  const prepared = await library(w, w.inputs(dims, device === 'cpu' ? floatsAt : undefined), { threads, device });
  const first = await prepared.run(); // warm-up (tracing, compilation)
  const relError = relativeError(reference, (check, k) => {
    const c = reference.checks[check] as Reference['checks'][number];
    return (first.values[c.output] as ArrayLike<number>)[c.positions[k] as number] as number;
  });
  first.release();
  (await prepared.run()).release();
  const samples: number[] = [];
  const steps = w.steps ?? 1;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    (await prepared.run()).release();
    samples.push((performance.now() - t0) / steps);
  }
  return { samples, relError, peakRssMB: statusMB('VmHWM'), baseRssMB };
}

/** The C floor: timed inside C; its values at the reference's positions come back with the times. */
async function measureNative(
  w: Workload,
  inputs: Inputs,
  reference: Reference,
  reps: number,
): Promise<{ samples: readonly number[]; relError: number; peakRssMB: number; baseRssMB: number }> {
  const run = await runNative(w, inputs, reference, reps);
  const relError = relativeError(reference, (check, k) => run.checked[check]?.[k] ?? NaN);
  return { samples: run.samples, relError, peakRssMB: run.peakRssMB, baseRssMB: run.baseRssMB };
}

async function main(): Promise<void> {
  const [lib = 'xent', id = 'W1', sizeIndex = '0', repsText = '5', threads = '1', referenceFile] =
    process.argv.slice(2);
  const w = workloads[id as WorkloadId];
  const dims = w.sizes[Number(sizeIndex)] as readonly number[];
  const reference =
    referenceFile === undefined
      ? w.reference(w.inputs(dims))
      : (JSON.parse(readFileSync(referenceFile, 'utf8')) as Reference);
  const measured =
    lib === 'native'
      ? await measureNative(w, w.inputs(dims), reference, Number(repsText))
      : await measureLibrary(lib, w, dims, reference, Number(repsText), Number(threads));
  const result: CellResult = { lib, workload: w.id, dims, ...measured, medianMs: median(measured.samples) };
  // a peer's worker threads (jax-js's) would keep the process alive: the cell ends it once its line is out
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

await main();
