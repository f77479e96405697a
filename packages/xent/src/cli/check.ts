/**
 * @file `xent check`: load a user's module (TypeScript or JavaScript), find its losses and their
 * claims, run the gradient check and certify on each, print the reports, and exit non-zero when a
 * gradient is wrong or a claimed property fails.
 */
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { Backend, Tensor } from '@xent/core';
import {
  type Kind,
  kinds,
  type LawName,
  lawNames,
  type Report,
  certify,
  formatReport,
  operandsFor,
  signatures,
  tensorOf,
} from '@xent/laws';
import fc from 'fast-check';
import { describeLoadError, importModule, isTypeScript, stripsTypes } from './loadModule.js';

export interface CheckOptions {
  readonly file: string;
  readonly exportName?: string;
  readonly kind?: Kind;
  readonly runs: number;
  readonly seed: number;
  readonly backend: 'cpu' | 'webgpu';
  readonly json: boolean;
  /** Print the reports but exit 0 when the module could be checked (the quick start's demo). */
  readonly exitZero: boolean;
}

/** A problem with the command line or the user's module: printed without a stack, exit code 2. */
export class CheckError extends Error {}

type Fn = (...args: Tensor[]) => Tensor;

const usage = `usage: xent check <file.ts|file.js> [--export NAME] [--kind ${kinds.join('|')}] [--runs N] [--seed S] [--backend cpu|webgpu] [--json] [--exit-zero]`;

export function parseArgs(argv: readonly string[]): CheckOptions {
  const [command, file, ...rest] = argv;
  if (command !== 'check' || file === undefined || file.startsWith('--')) throw new CheckError(usage);
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i] as string;
    if (!flag.startsWith('--')) throw new CheckError(`unexpected argument '${flag}'\n${usage}`);
    if (flag === '--json' || flag === '--exit-zero') flags.set(flag, true);
    else {
      const v = rest[++i];
      if (v === undefined) throw new CheckError(`${flag} needs a value\n${usage}`);
      flags.set(flag, v);
    }
  }
  const known = ['--export', '--kind', '--runs', '--seed', '--backend', '--json', '--exit-zero'];
  for (const f of flags.keys()) if (!known.includes(f)) throw new CheckError(`unknown option ${f}\n${usage}`);
  const str = (f: string): string | undefined =>
    typeof flags.get(f) === 'string' ? (flags.get(f) as string) : undefined;
  const kind = str('--kind');
  if (kind !== undefined && !(kinds as readonly string[]).includes(kind))
    throw new CheckError(`--kind must be one of ${kinds.join(', ')}, got '${kind}'`);
  const int = (f: string, fallback: number): number => {
    const v = str(f);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < (f === '--seed' ? 0 : 1))
      throw new CheckError(`${f} must be a ${f === '--seed' ? 'non-negative' : 'positive'} integer, got '${v}'`);
    return n;
  };
  const backend = str('--backend') ?? 'cpu';
  if (backend !== 'cpu' && backend !== 'webgpu')
    throw new CheckError(`--backend must be cpu or webgpu, got '${backend}'`);
  const exportName = str('--export');
  return {
    file,
    ...(exportName === undefined ? {} : { exportName }),
    ...(kind === undefined ? {} : { kind: kind as Kind }),
    runs: int('--runs', 40),
    seed: int('--seed', 1),
    backend,
    json: flags.has('--json'),
    exitZero: flags.has('--exit-zero'),
  };
}

/** Imports the user's module; TypeScript through Node's type stripping. */
async function loadModule(file: string): Promise<Record<string, unknown>> {
  const path = resolvePath(file);
  if (!existsSync(path)) throw new CheckError(`no such file: ${file}`);
  if (isTypeScript(path) && !stripsTypes())
    throw new CheckError(
      `could not load ${file}: a .ts module needs Node ≥ 24 with its type stripping on, and it is off in this Node (${process.version}, started with --no-experimental-strip-types?); or pass a compiled .js`,
    );
  try {
    return await importModule(path);
  } catch (e) {
    throw new CheckError(`could not load ${file}: ${describeLoadError(e)}`);
  }
}

/** Per-loss metadata: an object keyed by export name, a value for the whole module, or a property of the function. */
function metadata<T>(mod: Record<string, unknown>, key: 'claims' | 'kind', name: string, fn: unknown): T | undefined {
  const own = (fn as Record<string, unknown>)[key];
  if (own !== undefined) return own as T;
  const m = mod[key];
  if (m === undefined) return undefined;
  if (typeof m === 'object' && m !== null && !Array.isArray(m))
    return (m as Record<string, unknown>)[name] as T | undefined;
  return m as T;
}

interface Subject {
  readonly name: string;
  readonly fn: Fn;
  readonly kind: Kind;
  readonly claims: readonly LawName[];
}

function subjects(mod: Record<string, unknown>, options: CheckOptions): Subject[] {
  const functions = Object.entries(mod).filter(([, v]) => typeof v === 'function');
  if (options.exportName !== undefined && !(options.exportName in mod))
    throw new CheckError(
      `${options.file} has no export named '${options.exportName}' (its exports: ${Object.keys(mod).join(', ') || 'none'})`,
    );
  const chosen = options.exportName === undefined ? functions : functions.filter(([n]) => n === options.exportName);
  if (options.exportName !== undefined && chosen.length === 0)
    throw new CheckError(`export '${options.exportName}' of ${options.file} is not a function`);
  if (chosen.length === 0)
    throw new CheckError(
      `${options.file} exports no functions to check (its exports: ${Object.keys(mod).join(', ') || 'none'})`,
    );
  return chosen.map(([name, fn]) => {
    const kind = options.kind ?? metadata<Kind>(mod, 'kind', name, fn) ?? 'classification';
    if (!(kinds as readonly string[]).includes(kind))
      throw new CheckError(`the kind of '${name}' must be one of ${kinds.join(', ')}, got '${kind}'`);
    const claims = metadata<readonly string[]>(mod, 'claims', name, fn) ?? [];
    if (!Array.isArray(claims))
      throw new CheckError(`the claims of '${name}' must be an array of law names (${lawNames.join(', ')})`);
    return { name, fn: fn as Fn, kind, claims: claims as LawName[] };
  });
}

/** Calls the function once on a small input of its kind: it must return a tensor. */
function probe(s: Subject): void {
  const ops = fc.sample(operandsFor(s.kind, { maxBatch: 2, maxClasses: 3 }), { numRuns: 1, seed: 7 })[0] ?? [];
  const args = ops.map(tensorOf);
  let out: unknown;
  try {
    out = s.fn(...args);
  } catch (e) {
    throw new CheckError(
      `'${s.name}' is not a ${s.kind} function: calling it as ${signatures[s.kind]} threw ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (typeof out !== 'object' || out === null || !('dtype' in out) || !('shape' in out))
    throw new CheckError(
      `'${s.name}' is not a ${s.kind} function: ${signatures[s.kind]} returned ${typeof out}, not a tensor`,
    );
}

/** Runs the check; returns the exit code (0 ok, 1 a gradient or a claim fails). */
export async function check(
  options: CheckOptions,
  log: (line: string) => void,
  progress: (line: string) => void,
): Promise<number> {
  const mod = await loadModule(options.file);
  const list = subjects(mod, options);
  let backend: Backend | undefined;
  if (options.backend === 'webgpu') {
    const { webgpu } = await import('@xent/webgpu');
    try {
      backend = await webgpu();
    } catch (e) {
      throw new CheckError(`--backend webgpu: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const reports: Report[] = [];
  for (const s of list) {
    probe(s);
    const report = await certify(s.fn, {
      kind: s.kind,
      runs: options.runs,
      seed: options.seed,
      claims: s.claims,
      name: s.name,
      ...(backend === undefined ? {} : { backend }),
      onLaw: (law, i, n) => {
        progress(`checking ${s.name} (${s.kind}) [${i + 1}/${n}] ${law}`);
      },
    });
    reports.push(report);
    if (!options.json) log(`${formatReport(report)}\n`);
  }
  if (options.json) log(JSON.stringify(reports, null, 2));
  else {
    const bad = reports.filter((r) => !r.ok);
    log(
      bad.length === 0
        ? `xent check: ${reports.length} function(s), all ok`
        : `xent check: ${bad.length} of ${reports.length} function(s) NOT ok: ${bad.map((r) => r.name).join(', ')}`,
    );
  }
  if (backend !== undefined && 'dispose' in backend) (backend as { dispose(): void }).dispose();
  return reports.every((r) => r.ok) || options.exitZero ? 0 : 1;
}
