/**
 * @file The `xent check` command, run as a user runs it (node on the built CLI): the shipped example's
 * report and exit codes, TypeScript modules of the user's loaded by Node's type stripping (types,
 * sibling imports), JSON output, a loss that is not finite at large logits, helpers skipped beside
 * losses, and clear errors for bad modules, TypeScript that type stripping rejects, and bad options; and
 * the engine laws on an ONNX model (onnxruntime-node's CPU provider) and a PyTorch function.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { writeOnnxCrossEntropy } from './support/engineModels.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = fileURLToPath(new URL('./.cli-modules/', import.meta.url));
const run = promisify(execFile);

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `xent <args>` with extra environment variables; returns its exit code and output. */
async function xentWith(env: Record<string, string>, ...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run('node', [`${root}packages/xent/dist/cli.js`, ...args], {
      cwd: root,
      timeout: 120_000,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Runs `xent <args>`; returns its exit code and output. */
const xent = (...args: string[]): Promise<Outcome> => xentWith({}, ...args);

/** Writes a module into test/.cli-modules (inside the repository, so that `xent` resolves). */
function module(name: string, source: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}${name}`, source);
  return `test/.cli-modules/${name}`;
}

test('the shipped example: every report printed, exit 1 because squentropy claims shift invariance; --exit-zero exits 0', async () => {
  const r = await xent('check', 'examples/losses.ts', '--runs', '8');
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/crossEntropy — classification/);
  expect(r.stdout).toMatch(/jeffreys — divergence/);
  expect(r.stdout).toMatch(/claimed shiftInvariant fails: f\(g·x\) = .* but f\(x\) = /);
  expect(r.stdout).toMatch(/xent check: 1 of 5 function\(s\) NOT ok: squentropy/);
  expect(r.stderr).toMatch(/checking crossEntropy \(classification\) \[1\/21\] gradient/);
  const zero = await xent('check', 'examples/losses.ts', '--runs', '4', '--exit-zero', '--export', 'squentropy');
  expect(zero.code).toBe(0);
  expect(zero.stdout).toMatch(/NOT ok: claimed shiftInvariant fails/);
}, 180_000);

test("a user's TypeScript module with a per-function claim, a kind, and --json", async () => {
  const file = module(
    'mine.ts',
    `import * as x from 'xent';
type Loss = ((z: x.Tensor, y: x.Tensor) => x.Tensor) & { claims?: string[] };
export const bounded: Loss = (z, y) => x.losses.maeLoss(z, y);
bounded.claims = ['bounded', 'symmetric'];
export const kind = 'classification';
`,
  );
  const r = await xent('check', file, '--runs', '10', '--json');
  expect(r.code).toBe(0);
  const reports = JSON.parse(r.stdout) as {
    name: string;
    ok: boolean;
    results: { law: string; status: string; claimed: boolean }[];
  }[];
  expect(reports).toHaveLength(1);
  expect(reports[0]).toMatchObject({ name: 'bounded', ok: true });
  expect(reports[0]?.results.find((l) => l.law === 'symmetric')).toMatchObject({ status: 'holds', claimed: true });
}, 120_000);

test('a module written with types (interfaces, generics, satisfies, type-only imports) loads without TypeScript; its constant is not checked', async () => {
  const file = module(
    'typed.ts',
    `import type { Tensor } from 'xent';
import * as x from 'xent';

interface Options {
  readonly weight: number;
}
export type Loss<T extends Tensor = Tensor> = (z: T, y: T) => T;
abstract class Scale {
  abstract readonly by: number;
}
const options = { weight: 0.5 } satisfies Options;
function scaled<T extends Tensor>(f: Loss<T>, w: number): Loss<T> {
  return (z: T, y: T): T => x.mul(w, f(z, y)) as T;
}

export const halfCe: Loss = scaled(x.losses.crossEntropy, options.weight);
export const weight: number = options.weight;
export const claims: Readonly<Record<string, readonly string[]>> = { halfCe: ['shiftInvariant'] };
export type { Options, Scale };
`,
  );
  const r = await xent('check', file, '--runs', '6', '--json');
  expect(r.code).toBe(0);
  expect(r.stderr).not.toMatch(/Warning/);
  const reports = JSON.parse(r.stdout) as { name: string; ok: boolean }[];
  expect(reports).toEqual([expect.objectContaining({ name: 'halfCe', ok: true })]);
}, 120_000);

test('a module importing sibling .ts modules as ./x.js (as tsc writes them) and as ./x.ts', async () => {
  module('weights.ts', 'export const weight: number = 0.5;\n');
  module(
    'sibling.ts',
    `import * as x from 'xent';
import { weight } from './weights.js';
export const ce = (z: x.Tensor, y: x.Tensor): x.Tensor => x.mul(weight, x.losses.crossEntropy(z, y));
`,
  );
  const file = module(
    'main.ts',
    `import type * as x from 'xent';
import { ce } from './sibling.js';
import { weight } from './weights.ts';
export const scaledCe = (z: x.Tensor, y: x.Tensor): x.Tensor => ce(z, y);
export const claims = weight > 0 ? ['shiftInvariant'] : [];
`,
  );
  const r = await xent('check', file, '--runs', '6');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/scaledCe — classification/);
  expect(r.stdout).toMatch(/xent check: 1 function\(s\), all ok/);
  module('flags.ts', 'export enum Flag {\n  On,\n}\n');
  const bad = await xent(
    'check',
    module('flagged.ts', "import { Flag } from './flags.js';\nexport const f = Flag.On;\n"),
  );
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(
    /could not load test\/\.cli-modules\/flagged\.ts: TypeScript enum at test\/\.cli-modules\/flags\.ts:1 is not supported/,
  );
}, 120_000);

test('a wrong gradient makes the check fail (exit 1)', async () => {
  const file = module(
    'wrong.ts',
    `import * as x from 'xent';
const half = x.customVjp((t: x.Tensor) => [x.square(t), t] as const, (t, ct) => [x.mul(ct, t)]);
export const loss = (z: x.Tensor, y: x.Tensor): x.Tensor => x.add(x.losses.crossEntropy(z, y), x.mean(half(z)));
`,
  );
  const r = await xent('check', file, '--runs', '10', '--export', 'loss');
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/gradient fails: ⟨∇f, d⟩ = .* by autodiff but .* by finite differences/);
  expect(r.stdout).toMatch(/NOT ok: the gradient is wrong/);
}, 120_000);

test('a loss that overflows at large logits fails the finite law unclaimed (exit 1), with its counterexample', async () => {
  const file = module(
    'naive.ts',
    `import * as x from 'xent';
/** log Σ exp z − z_y, written the textbook way: exp overflows at large logits. */
export const naiveCe = (z: x.Tensor, y: x.Tensor): x.Tensor =>
  x.mean(x.sub(x.log(x.sum(x.exp(z), { axis: -1 })), x.squeeze(x.gather(z, x.expandDims(y, -1), { axis: -1 }), -1)));
`,
  );
  const r = await xent('check', file, '--runs', '10');
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/finite value and gradient, f64 and f32, inputs up to ±1e4 +FAILS/);
  expect(r.stdout).toMatch(
    /\nfinite fails: value not finite in f32: Infinity at entry 0 of \[Infinity\] \(\[[\d.]+\] in f64\) for inputs \[.*88\.72\d*.*\], \[.*\]\n {2}counterexample: \[\[\{"shape":\[\d+,\d+\],"values":\[.*88\.72/,
  );
  expect(r.stdout).toMatch(/NOT ok: a value or gradient is not finite/);
  expect(r.stdout).toMatch(/xent check: 1 of 1 function\(s\) NOT ok: naiveCe/);
}, 120_000);

test('helpers exported beside a loss are skipped and listed; --json keeps stdout JSON; --export on a helper is an error', async () => {
  const file = module(
    'helpers.ts',
    `import * as x from 'xent';
export const ce = (z: x.Tensor, y: x.Tensor): x.Tensor => x.losses.crossEntropy(z, y);
export const double = (n: number): number => n * 2;
export const probabilities = (z: x.Tensor): x.Tensor => x.softmax(z);
export const predictions = (z: x.Tensor): x.Tensor => x.argmax(z, { axis: -1 });
`,
  );
  const r = await xent('check', file, '--runs', '6');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/ce — classification/);
  expect(r.stdout).not.toMatch(/(double|probabilities|predictions) — /);
  expect(r.stdout).toMatch(
    /\nskipped helper\(s\): double, predictions, probabilities \(not functions of kind classification; give them a kind or --export to check\)\nxent check: 1 function\(s\), all ok/,
  );
  const json = await xent('check', file, '--runs', '4', '--json');
  expect(json.code).toBe(0);
  expect((JSON.parse(json.stdout) as { name: string }[]).map((rep) => rep.name)).toEqual(['ce']);
  expect(json.stderr).toMatch(/xent check: skipped helper\(s\): double, predictions, probabilities/);
  const asked = await xent('check', file, '--runs', '4', '--export', 'double');
  expect(asked.code).toBe(2);
  expect(asked.stderr).toMatch(/'double' is not a classification function: .* returned number, not a tensor/);
}, 120_000);

test('a helper named by a claims entry is checked, and must be a function of its kind', async () => {
  const file = module(
    'claimed.ts',
    `import * as x from 'xent';
export const ce = (z: x.Tensor, y: x.Tensor): x.Tensor => x.losses.crossEntropy(z, y);
export const labelsOf = (z: x.Tensor): x.Tensor => x.argmax(z, { axis: -1 });
export const claims = { ce: ['shiftInvariant'], labelsOf: ['bounded'] };
`,
  );
  const r = await xent('check', file, '--runs', '4');
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/'labelsOf' is not a classification function: .* returned an i32 tensor, not a float one/);
}, 120_000);

test.each([
  [
    'a syntax error',
    'broken.ts',
    'export const loss = (z => ;\n',
    [],
    /could not load test\/\.cli-modules\/broken\.ts: SyntaxError at test\/\.cli-modules\/broken\.ts:1:\d+: \S/,
  ],
  [
    'an enum (TypeScript that type stripping cannot remove)',
    'enum.ts',
    'export const a = 1;\nenum Reduction { Mean, Sum }\nexport const r = Reduction.Mean;\n',
    [],
    /^xent check: could not load test\/\.cli-modules\/enum\.ts: TypeScript enum at test\/\.cli-modules\/enum\.ts:2:1 is not supported by Node's type stripping \(use a union of literals or an object with 'as const', or compile the module to \.js\)\n$/,
  ],
  [
    'a namespace',
    'namespace.ts',
    'export const a = 1;\nnamespace Losses {\n  export const w = 1;\n}\n',
    [],
    /^xent check: could not load test\/\.cli-modules\/namespace\.ts: TypeScript namespace declaration at test\/\.cli-modules\/namespace\.ts:2 is not supported by Node's type stripping \(use the module's own exports, or compile the module to \.js\)\n$/,
  ],
  [
    'a parameter property',
    'property.ts',
    'export class Scaled {\n  constructor(private readonly w: number) {}\n}\n',
    [],
    /could not load test\/\.cli-modules\/property\.ts: TypeScript parameter property at test\/\.cli-modules\/property\.ts:2:\d+ is not supported by Node's type stripping \(declare the field and assign it in the constructor, or compile the module to \.js\)/,
  ],
  [
    'a missing sibling',
    'lonely.ts',
    "import { w } from './missing.js';\nexport const f = w;\n",
    [],
    /could not load test\/\.cli-modules\/lonely\.ts: Error: Cannot find module '.*missing\.js'/,
  ],
  [
    'a module that exports no function',
    'constant.ts',
    'export const n: number = 3;\n',
    [],
    /constant\.ts exports no functions to check \(its exports: n\)/,
  ],
  [
    '--export naming a constant',
    'constants.ts',
    "import * as x from 'xent';\nexport const n = 3;\nexport const f = (z: x.Tensor) => z;\n",
    ['--export', 'n'],
    /export 'n' of .*constants\.ts is not a function/,
  ],
  [
    'a missing export',
    'one.ts',
    "import * as x from 'xent';\nexport const a = (z: x.Tensor) => z;\n",
    ['--export', 'b'],
    /has no export named 'b' \(its exports: a\)/,
  ],
  [
    'a module whose functions are all helpers (none is a loss of its kind)',
    'notloss.ts',
    "import * as x from 'xent';\nexport const f = (): number => 3;\nexport const g = (z: x.Tensor): x.Tensor => x.softmax(z);\n",
    [],
    /notloss\.ts exports no function to check: 'f' is not a classification function \(.* returned number, not a tensor\); 'g' is not a classification function \(.* returned shape \[\d+, \d+\] for a batch of \d+, not a scalar or one value per example\); give a loss a kind, or name it with --export/,
  ],
  [
    'an unknown kind',
    'kind.ts',
    "import * as x from 'xent';\nexport const f = (z: x.Tensor) => z;\n",
    ['--kind', 'ranking'],
    /--kind must be one of classification, soft-target, divergence, entropy, regularizer, got 'ranking'/,
  ],
  ['a missing file', 'absent.ts', undefined, [], /no such file: /],
] as const)(
  '%s is reported clearly (exit 2, no stack trace)',
  async (_name, file, source, extra, message) => {
    const path = source === undefined ? `test/.cli-modules/${file}` : module(file, source);
    const r = await xent('check', path, '--runs', '2', ...extra);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  },
  60_000,
);

test('a .ts module when type stripping is off: a clear error; a compiled .js still loads', async () => {
  const off = { NODE_OPTIONS: '--no-experimental-strip-types' };
  const ts = await xentWith(off, 'check', module('plain.ts', 'export const n = 3;\n'));
  expect(ts.code).toBe(2);
  expect(ts.stderr).toMatch(
    /^xent check: could not load test\/\.cli-modules\/plain\.ts: a \.ts module needs Node ≥ 24 with its type stripping on, .*; or pass a compiled \.js\n$/,
  );
  const js = await xentWith(off, 'check', module('plain.js', 'export const n = 3;\n'));
  expect(js.stderr).toMatch(/plain\.js exports no functions to check \(its exports: n\)/);
}, 60_000);

test('usage errors', async () => {
  expect((await xent('lint', 'x.ts')).stderr).toMatch(/usage: xent check <file/);
  expect((await xent('check', 'examples/losses.ts', '--runs', 'many')).stderr).toMatch(
    /--runs must be a positive integer, got 'many'/,
  );
});

test('an ONNX model and a PyTorch function: the engine laws, their exit codes and the options that apply to them', async () => {
  mkdirSync(dir, { recursive: true });
  const onnx = await xent('check', writeOnnxCrossEntropy(dir, 'ce.onnx', 'f32'), '--runs', '10');
  expect(onnx.code).toBe(0);
  expect(onnx.stdout).toMatch(
    /^onnxruntime-node cpu: .*ce\.onnx — classification: loss\(logits \[B, K\], labels \[B\]\) \(seed 1\)\n/,
  );
  expect(onnx.stdout).toMatch(/\nxent check: onnxruntime-node cpu: .*ce\.onnx: ok\n$/);
  const naive = module(
    'naive.py',
    'import torch\n\ndef naive(logits, labels):\n    return torch.log(torch.exp(logits).sum(1)) - logits.gather(1, labels.unsqueeze(1)).squeeze(1)\n',
  );
  const py = await xent('check', naive, '--runs', '10');
  expect(py.code).toBe(1);
  expect(py.stdout).toMatch(
    /\nfinite fails: value not finite in f32: Infinity at entry \d+ of \[.*\] for z = \[.*88\.72\d*.*\], y = \[.*\]\n {2}counterexample: /,
  );
  expect(py.stdout).toMatch(/\nxent check: \/usr\/bin\/python3 torch f32: .*naive\.py:naive: NOT ok\n$/);
  expect((await xent('check', naive, '--shape', '4')).stderr).toMatch(
    /^xent check: --shape must be two positive integers B,K \(batch, classes\), got '4'\n$/,
  );
  expect((await xent('check', naive, '--engine', 'webgpu')).stderr).toBe(
    `xent check: --engine applies to an ONNX model (.onnx), not to ${naive}\n`,
  );
  expect((await xent('check', 'test/.cli-modules/ce.onnx', '--logits', 'z')).stderr).toMatch(
    /^xent check: --logits expected the name of a float logits input, got onnxruntime-node cpu: .* with logits \(f32\), labels \(i64\)\n$/,
  );
}, 120_000);
