/**
 * @file `xent check`: load a user's module (TypeScript or JavaScript), find its losses (skipping
 * helpers) and their claims, certify each, print the reports, and exit non-zero when a gradient is
 * wrong, a value or gradient is not finite, or a claimed property fails.
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
  type RoleNames,
  operandsFor,
  signatures,
  tensorOf,
} from '@xent/laws';
import fc from 'fast-check';
import { checkEngine, isEngineFile } from './checkEngine.js';
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
  /** For an ONNX model: onnxruntime-node's execution provider. */
  readonly engine?: 'cpu' | 'webgpu';
  /** For a Python module: the float dtype its function runs in. */
  readonly dtype?: 'f32' | 'f64';
  /** For a Python module: the labels' dtype. */
  readonly labelDtype?: 'i32' | 'i64';
  /** For a Python module: the fixed [batch, classes] it takes. */
  readonly shape?: readonly [number, number];
  /** For a model or module: the names of its logits and labels inputs and its loss output. */
  readonly names?: RoleNames;
}

/** A problem with the command line or the user's module: printed without a stack, exit code 2. */
export class CheckError extends Error {}

type Fn = (...args: Tensor[]) => Tensor;

const usage = `usage: xent check <file.ts|file.js> [--export NAME] [--kind ${kinds.join('|')}] [--runs N] [--seed S] [--backend cpu|webgpu] [--json] [--exit-zero]
       xent check <model.onnx> [--engine cpu|webgpu] [--logits NAME] [--labels NAME] [--out NAME] [--runs N] [--seed S] [--json] [--exit-zero]
       xent check <module.py> [--export FUNCTION] [--dtype f32|f64] [--label-dtype i32|i64] [--shape B,K] [--runs N] [--seed S] [--json] [--exit-zero]`;

/** Options that only apply to some files: to a model or module another engine runs, or only to xent's own. */
const onlyFor: Readonly<Record<string, (file: string) => string | undefined>> = {
  '--engine': (f) => (f.endsWith('.onnx') ? undefined : 'an ONNX model (.onnx)'),
  '--logits': (f) => (f.endsWith('.onnx') ? undefined : 'an ONNX model (.onnx)'),
  '--labels': (f) => (f.endsWith('.onnx') ? undefined : 'an ONNX model (.onnx)'),
  '--out': (f) => (f.endsWith('.onnx') ? undefined : 'an ONNX model (.onnx)'),
  '--dtype': (f) => (f.endsWith('.py') ? undefined : 'a Python module (.py)'),
  '--label-dtype': (f) => (f.endsWith('.py') ? undefined : 'a Python module (.py)'),
  '--shape': (f) => (f.endsWith('.py') ? undefined : 'a Python module (.py)'),
  '--kind': (f) =>
    isEngineFile(f)
      ? 'a TypeScript or JavaScript module (models and Python modules are classification losses)'
      : undefined,
  '--backend': (f) =>
    isEngineFile(f) ? "a TypeScript or JavaScript module (a model's engine is chosen with --engine)" : undefined,
};

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
  const known = ['--export', '--runs', '--seed', '--json', '--exit-zero', ...Object.keys(onlyFor)];
  for (const f of flags.keys()) {
    if (!known.includes(f)) throw new CheckError(`unknown option ${f}\n${usage}`);
    const only = onlyFor[f]?.(file);
    if (only !== undefined) throw new CheckError(`${f} applies to ${only}, not to ${file}`);
  }
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
  const engine = str('--engine');
  if (engine !== undefined && engine !== 'cpu' && engine !== 'webgpu')
    throw new CheckError(`--engine must be cpu or webgpu, got '${engine}'`);
  const dtype = str('--dtype');
  if (dtype !== undefined && dtype !== 'f32' && dtype !== 'f64')
    throw new CheckError(`--dtype must be f32 or f64, got '${dtype}'`);
  const labelDtype = str('--label-dtype');
  if (labelDtype !== undefined && labelDtype !== 'i32' && labelDtype !== 'i64')
    throw new CheckError(`--label-dtype must be i32 or i64, got '${labelDtype}'`);
  const shapeText = str('--shape');
  const shape = shapeText?.split(',').map(Number);
  if (shapeText !== undefined && (shape?.length !== 2 || !shape.every((d) => Number.isSafeInteger(d) && d >= 1)))
    throw new CheckError(`--shape must be two positive integers B,K (batch, classes), got '${shapeText}'`);
  const names = Object.fromEntries(
    (['logits', 'labels', 'out'] as const).flatMap((k) => {
      const v = str(`--${k}`);
      return v === undefined ? [] : [[k, v]];
    }),
  ) as RoleNames;
  return {
    file,
    ...(exportName === undefined ? {} : { exportName }),
    ...(kind === undefined ? {} : { kind: kind as Kind }),
    runs: int('--runs', 40),
    seed: int('--seed', 1),
    backend,
    json: flags.has('--json'),
    exitZero: flags.has('--exit-zero'),
    ...(engine === undefined ? {} : { engine }),
    ...(dtype === undefined ? {} : { dtype }),
    ...(labelDtype === undefined ? {} : { labelDtype }),
    ...(shape === undefined ? {} : { shape: shape as [number, number] }),
    ...(Object.keys(names).length === 0 ? {} : { names }),
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

/**
 * Per-function metadata: a property of the function or an entry keyed by its name in a `claims` / `kind`
 * export (both name the function: it is asked for), or a value of that export for the whole module.
 */
function metadata(
  mod: Record<string, unknown>,
  key: 'claims' | 'kind',
  name: string,
  fn: unknown,
): { readonly value: unknown; readonly named: boolean } | undefined {
  const own = (fn as Record<string, unknown>)[key];
  if (own !== undefined) return { value: own, named: true };
  const m = mod[key];
  if (m === undefined) return undefined;
  if (typeof m === 'object' && m !== null && !Array.isArray(m))
    return Object.hasOwn(m, name) ? { value: (m as Record<string, unknown>)[name], named: true } : undefined;
  return { value: m, named: false };
}

interface Subject {
  readonly name: string;
  readonly fn: Fn;
  readonly kind: Kind;
  readonly claims: readonly LawName[];
}

/** An exported function that is not a function of its kind and was not asked for: not checked. */
interface Helper {
  readonly name: string;
  readonly kind: Kind;
  readonly why: string;
}

/**
 * Why `fn` is not a function of `kind`, from one call on a small sample of the kind's inputs (2 or more
 * rows, not as many as there are classes, so that one value per example is told from one per class),
 * or undefined when it is one: it returns a float tensor and, when `strict`, a scalar or one value per
 * example, as a loss, entropy or regulariser does.
 */
function mismatch(fn: Fn, kind: Kind, strict: boolean): string | undefined {
  const sample = operandsFor(kind, { maxBatch: 3, maxClasses: 4 }).filter((o) => {
    const [batch = 0, classes] = o[0]?.shape ?? [];
    return batch >= 2 && batch !== classes;
  });
  const ops = fc.sample(sample, { numRuns: 1, seed: 7 })[0] ?? [];
  const batch = ops[0]?.shape[0];
  let out: unknown;
  try {
    out = fn(...ops.map(tensorOf));
  } catch (e) {
    return `calling it as ${signatures[kind]} threw ${e instanceof Error ? e.message : String(e)}`;
  }
  if (typeof out !== 'object' || out === null || !('dtype' in out) || !('shape' in out))
    return `${signatures[kind]} returned ${typeof out}, not a tensor`;
  const { dtype, shape } = out as Tensor;
  if (dtype !== 'f32' && dtype !== 'f64') return `${signatures[kind]} returned an ${dtype} tensor, not a float one`;
  if (strict && !(shape.length === 0 || (shape.length === 1 && shape[0] === batch)))
    return `${signatures[kind]} returned shape [${shape.join(', ')}] for a batch of ${batch}, not a scalar or one value per example`;
  return undefined;
}

/**
 * The exported functions to check, and the helpers skipped: a function is checked when `--export` names
 * it, when a `kind` / `claims` entry or property names it (then it must be a function of its kind), or
 * when it is one (see `mismatch`); the others are helpers.
 */
function subjects(mod: Record<string, unknown>, options: CheckOptions): { checked: Subject[]; skipped: Helper[] } {
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
  const checked: Subject[] = [];
  const skipped: Helper[] = [];
  for (const [name, fn] of chosen) {
    const kindOf = metadata(mod, 'kind', name, fn);
    const claimsOf = metadata(mod, 'claims', name, fn);
    const kind = options.kind ?? (kindOf?.value as Kind | undefined) ?? 'classification';
    if (!(kinds as readonly string[]).includes(kind))
      throw new CheckError(`the kind of '${name}' must be one of ${kinds.join(', ')}, got '${kind}'`);
    const claims = claimsOf?.value ?? [];
    if (!Array.isArray(claims))
      throw new CheckError(`the claims of '${name}' must be an array of law names (${lawNames.join(', ')})`);
    const asked = options.exportName !== undefined || kindOf?.named === true || claimsOf?.named === true;
    const why = mismatch(fn as Fn, kind, !asked);
    if (why === undefined) checked.push({ name, fn: fn as Fn, kind, claims: claims as LawName[] });
    else if (asked) throw new CheckError(`'${name}' is not a ${kind} function: ${why}`);
    else skipped.push({ name, kind, why });
  }
  if (checked.length === 0)
    throw new CheckError(
      `${options.file} exports no function to check: ${skipped.map((h) => `'${h.name}' is not a ${h.kind} function (${h.why})`).join('; ')}; give a loss a kind, or name it with --export`,
    );
  return { checked, skipped };
}

/** The one line that lists the helpers skipped, or undefined when there are none. */
function skippedLine(skipped: readonly Helper[]): string | undefined {
  if (skipped.length === 0) return undefined;
  const ofKinds = [...new Set(skipped.map((h) => h.kind))].join(' or ');
  return `skipped helper(s): ${skipped.map((h) => h.name).join(', ')} (not functions of kind ${ofKinds}; give them a kind or --export to check)`;
}

/** Where `check` writes: reports and the verdict, progress (overwritten on a terminal), and notes beside JSON output. */
export interface CheckOutput {
  readonly log: (line: string) => void;
  readonly progress: (line: string) => void;
  readonly note: (line: string) => void;
}

/** Runs the check; returns the exit code (0 ok, 1 a gradient is wrong, a value is not finite or a claim fails). */
export async function check(options: CheckOptions, out: CheckOutput): Promise<number> {
  if (isEngineFile(options.file)) {
    if (!existsSync(resolvePath(options.file))) throw new CheckError(`no such file: ${options.file}`);
    return checkEngine(options, out);
  }
  const mod = await loadModule(options.file);
  const { checked, skipped } = subjects(mod, options);
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
  for (const s of checked) {
    const report = await certify(s.fn, {
      kind: s.kind,
      runs: options.runs,
      seed: options.seed,
      claims: s.claims,
      name: s.name,
      ...(backend === undefined ? {} : { backend }),
      onLaw: (law, i, n) => {
        out.progress(`checking ${s.name} (${s.kind}) [${i + 1}/${n}] ${law}`);
      },
    });
    reports.push(report);
    if (!options.json) out.log(`${formatReport(report)}\n`);
  }
  const helpers = skippedLine(skipped);
  if (options.json) {
    out.log(JSON.stringify(reports, null, 2));
    if (helpers !== undefined) out.note(`xent check: ${helpers}`);
  } else {
    if (helpers !== undefined) out.log(helpers);
    const bad = reports.filter((r) => !r.ok);
    out.log(
      bad.length === 0
        ? `xent check: ${reports.length} function(s), all ok`
        : `xent check: ${bad.length} of ${reports.length} function(s) NOT ok: ${bad.map((r) => r.name).join(', ')}`,
    );
  }
  if (backend !== undefined && 'dispose' in backend) (backend as { dispose(): void }).dispose();
  return reports.every((r) => r.ok) || options.exitZero ? 0 : 1;
}
