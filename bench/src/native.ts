/**
 * @file The native floor ("C-1T"): bench/native's C reference of W1–W5, compiled with gcc in the
 * bench run (`-O3 -march=native`, no `-ffast-math`) into bench/dist/native, run single-threaded as
 * a child process that is given the cell's inputs on stdin and times itself.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Inputs, Reference, Workload } from './workloads.js';

export const NATIVE_FLAGS = ['-O3', '-march=native', '-std=gnu11'] as const;

const sources = fileURLToPath(new URL('../native/', import.meta.url));
const binary = fileURLToPath(new URL('./native/xent-bench-native', import.meta.url));

/** Compiles the floor: the compiler and flags used, or why there is no floor in this run. */
export function buildNative(): { readonly built: string } | { readonly missing: string } {
  let version: string;
  try {
    version = execFileSync('gcc', ['-dumpfullversion'], { encoding: 'utf8' }).trim();
  } catch {
    return { missing: 'no gcc on this machine' };
  }
  mkdirSync(fileURLToPath(new URL('./native/', import.meta.url)), { recursive: true });
  const files = readdirSync(sources)
    .filter((f) => f.endsWith('.c'))
    .map((f) => `${sources}${f}`);
  try {
    execFileSync('gcc', [...NATIVE_FLAGS, '-o', binary, ...files, '-lm'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return { missing: `gcc failed: ${String((e as { stderr?: unknown }).stderr ?? e).split('\n')[0] ?? ''}` };
  }
  return { built: `gcc ${version} ${NATIVE_FLAGS.join(' ')}, 1 thread` };
}

export interface NativeRun {
  /** Time per step of each timed run, ms. */
  readonly samples: readonly number[];
  /** For each check of the reference, the floor's values at its positions. */
  readonly checked: readonly (readonly number[])[];
  /** The C process's own peak RSS, and its RSS before it allocated anything. */
  readonly peakRssMB: number;
  readonly baseRssMB: number;
}

/** The stdin of bench/native/main.c: the inputs, the labels, and the positions the reference checks. */
function stdinOf(inputs: Inputs, reference: Reference): Buffer[] {
  const i64 = (...values: number[]): Buffer => Buffer.from(BigInt64Array.from(values.map(BigInt)).buffer);
  const bytes = (a: Float32Array | Int32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return [
    i64(inputs.floats.length),
    ...inputs.floats.flatMap((f) => [i64(f.length), bytes(f)]),
    i64(inputs.labels.length),
    bytes(inputs.labels),
    i64(reference.checks.length),
    ...reference.checks.map((c) => i64(c.output, c.positions.length, ...c.positions)),
  ];
}

/** Runs the floor on this workload: one warm-up run, then `reps` timed runs (of `steps` steps for W4). */
export async function runNative(w: Workload, inputs: Inputs, reference: Reference, reps: number): Promise<NativeRun> {
  const child = spawn(binary, [w.id, String(reps), String(w.steps ?? 1), ...inputs.dims.map(String)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin.on('error', () => undefined); // a floor that stops reading has failed: its exit status says why
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  for (const chunk of stdinOf(inputs, reference))
    if (!child.stdin.write(chunk)) await new Promise((resolve) => child.stdin.once('drain', resolve));
  child.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(err.trim() || `the native floor exited with ${String(code)}`);
  const result = JSON.parse(out) as {
    samples: number[];
    checks: (number | null)[][];
    vmHwmKB: number;
    maxRssKB: number;
    baseRssKB: number;
  };
  return {
    samples: result.samples,
    checked: result.checks.map((values) => values.map((v) => v ?? NaN)),
    peakRssMB: (result.vmHwmKB > 0 ? result.vmHwmKB : result.maxRssKB) / 1024,
    baseRssMB: Math.max(0, result.baseRssKB) / 1024,
  };
}
