/**
 * @file The benchmark suite (`npm run bench [-- --workloads W1,W4 --sizes small --libs xent,tfjs --reps 5]`;
 * `--sizes` is `all`, `small` (each workload's first size) or size positions such as `0,2`).
 * Libraries: native (the C floor, bench/native, compiled here with gcc; one thread), xent (all cores),
 * xent-1, xent-norelax and xent-1-norelax (relaxed SIMD off), jax-js (its wasm worker threads, one per
 * core, as in a browser), jax-js-1 (one thread), tfjs, and on WebGPU under Dawn xent-webgpu,
 * tfjs-webgpu, jax-js-webgpu. Each cell runs in a child process; the table shows the median time, its
 * ratio to the measured bandwidth floor, to the native floor and to the first library listed after
 * it, the error against an f64 reference (computed once here and handed to the cells in a file),
 * peak RSS, and the workload's own memory: peak RSS less the RSS before the inputs existed (the
 * runtime and the library loaded), also as a ratio to the native floor's.
 * Results go to bench/results/latest.json. This is a measurement, not a test: nothing asserts a time.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CellResult } from './cell.js';
import { copyBandwidth } from './floor.js';
import { buildNative } from './native.js';
import { type WorkloadId, workloads } from './workloads.js';

interface Options {
  readonly workloads: WorkloadId[];
  /** Positions in each workload's size list, or all of them. */
  readonly sizes: readonly number[] | 'all';
  readonly libs: string[];
  readonly reps: number;
  readonly timeoutS: number;
}

function sizesOption(value: string): Options['sizes'] {
  if (value === 'all') return 'all';
  if (value === 'small') return [0];
  return value.split(',').map(Number);
}

function parse(argv: readonly string[]): Options {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    workloads: (get('--workloads') ?? 'W1,W2,W3,W4,W5').split(',') as WorkloadId[],
    sizes: sizesOption(get('--sizes') ?? 'all'),
    libs: (get('--libs') ?? 'native,xent,xent-norelax,xent-1,xent-1-norelax,jax-js,jax-js-1,tfjs').split(','),
    reps: Number(get('--reps') ?? '5'),
    timeoutS: Number(get('--timeout') ?? '600'),
  };
}

const cellScript = fileURLToPath(new URL('./cell.js', import.meta.url));

/**
 * The cell's library and threads: `xent` and `jax-js` use every core, `xent-1` and `jax-js-1` one
 * thread; `-norelax` turns xent's relaxed SIMD off.
 */
function cellLibrary(lib: string): [string, number] {
  const suffix = lib.endsWith('-norelax') ? '-norelax' : '';
  const base = lib.slice(0, lib.length - suffix.length);
  if (base === 'xent-1') return [`xent${suffix}`, 1];
  if (base === 'xent') return [`xent${suffix}`, cpus().length];
  if (lib === 'jax-js-1') return ['jax-js', 1];
  if (lib === 'jax-js') return ['jax-js', cpus().length];
  return [lib, 1];
}

function runCell(
  lib: string,
  id: WorkloadId,
  size: number,
  reps: number,
  timeoutS: number,
  referenceFile: string,
): CellResult | string {
  const [name, threads] = cellLibrary(lib);
  try {
    const out = execFileSync(
      process.execPath,
      ['--max-old-space-size=16384', cellScript, name, id, String(size), String(reps), String(threads), referenceFile],
      {
        encoding: 'utf8',
        timeout: timeoutS * 1000,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const line = out.trim().split('\n').pop() ?? '';
    return JSON.parse(line) as CellResult;
  } catch (e) {
    const err = e as { signal?: string; stderr?: string };
    if (err.signal === 'SIGTERM') return `timeout after ${timeoutS} s`;
    const lines = (err.stderr ?? String(e)).split('\n').filter((l) => /Error/.test(l));
    return `failed: ${lines[0]?.trim() ?? 'no error message'}`;
  }
}

/** What a cell's workload itself holds: peak RSS less the RSS before its inputs existed. */
const ownRss = (r: CellResult): number => r.peakRssMB - r.baseRssMB;

const fmt = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : '—');

type Cell = CellResult | { lib: string; error: string };

function main(): void {
  const options = parse(process.argv.slice(2));
  // `× <base>` is the ratio to the first library listed other than the native floor (xent, or xent-webgpu)
  const base = options.libs.find((l) => l !== 'native') ?? 'xent';
  const baseWidth = Math.max(7, base.length + 2);
  const native = options.libs.includes('native') ? buildNative() : undefined;
  const bandwidth = copyBandwidth();
  console.log(`copy bandwidth ${(bandwidth / 1e6).toFixed(1)} GB/s; ${cpus().length} cores; ${process.version}`);
  if (native !== undefined)
    console.log(`native: ${'built' in native ? native.built : `${native.missing}; its rows say so`}`);
  console.log('');
  const results: { workload: WorkloadId; dims: readonly number[]; floorMs: number; cells: Cell[] }[] = [];
  for (const id of options.workloads) {
    const w = workloads[id];
    const picked = options.sizes;
    w.sizes.forEach((dims, size) => {
      if (picked !== 'all' && !picked.includes(size)) return;
      const floorMs = w.bytes(dims) / bandwidth;
      const referenceFile = join(tmpdir(), `xent-bench-reference-${id}-${String(size)}.json`);
      writeFileSync(referenceFile, JSON.stringify(w.reference(w.inputs(dims))));
      const unit = w.steps === undefined ? 'ms' : 'µs/step';
      const scale = w.steps === undefined ? 1 : 1000;
      console.log(`${id} ${w.title} [${dims.join(' × ')}]${w.steps === undefined ? `; floor ${fmt(floorMs)} ms` : ''}`);
      console.log(
        `  ${'library'.padEnd(14)} ${unit.padStart(10)} ${'× floor'.padStart(8)} ${'× native'.padStart(8)} ${`× ${base}`.padStart(baseWidth)} ${'rel. error'.padStart(10)} ${'peak RSS'.padStart(9)} ${'own RSS'.padStart(8)} ${'own × native'.padStart(12)}`,
      );
      const run = (lib: string): Cell => {
        if (lib === 'native' && native !== undefined && 'missing' in native) return { lib, error: native.missing };
        const r = runCell(lib, id, size, options.reps, options.timeoutS, referenceFile);
        return typeof r === 'string' ? { lib, error: r } : { ...r, lib };
      };
      // the native floor runs first, so that every row's ratio to it is known when the row is printed
      const nativeCell = options.libs.includes('native') ? run('native') : undefined;
      const nativeResult = nativeCell !== undefined && 'medianMs' in nativeCell ? nativeCell : undefined;
      const cells: Cell[] = [];
      let baseMs = NaN;
      for (const lib of options.libs) {
        const r = lib === 'native' && nativeCell !== undefined ? nativeCell : run(lib);
        cells.push(r);
        if ('error' in r) {
          console.log(`  ${lib.padEnd(14)} ${r.error}`);
          continue;
        }
        if (lib === base) baseMs = r.medianMs;
        const ratioFloor = w.steps === undefined ? r.medianMs / floorMs : NaN;
        console.log(
          `  ${lib.padEnd(14)} ${fmt(r.medianMs * scale).padStart(10)} ${fmt(ratioFloor).padStart(8)} ${fmt(r.medianMs / (nativeResult?.medianMs ?? NaN), 2).padStart(8)} ${fmt(r.medianMs / baseMs, 2).padStart(baseWidth)} ${(Number.isFinite(r.relError) ? r.relError.toExponential(1) : '—').padStart(10)} ${`${fmt(r.peakRssMB, 0)} MB`.padStart(9)} ${`${fmt(ownRss(r), 0)} MB`.padStart(8)} ${fmt(ownRss(r) / (nativeResult === undefined ? NaN : ownRss(nativeResult)), 2).padStart(12)}`,
        );
      }
      results.push({ workload: id, dims, floorMs, cells });
      console.log('');
    });
  }
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}latest.json`,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        bandwidthBytesPerMs: bandwidth,
        native: native === undefined ? 'not listed' : 'built' in native ? native.built : native.missing,
        options,
        results,
      },
      null,
      2,
    ),
  );
  console.log(`wrote ${dir}latest.json`);
}

main();
