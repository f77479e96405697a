/**
 * @file The `xent check` command, run as a user runs it (node on the built CLI): the shipped example's
 * report and exit codes, a TypeScript module of the user's, JSON output, and clear errors for bad
 * modules and options.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = fileURLToPath(new URL('./.cli-modules/', import.meta.url));
const run = promisify(execFile);

/** Runs `xent <args>`; returns its exit code and output. */
async function xent(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [`${root}packages/xent/dist/cli.js`, ...args], {
      cwd: root,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

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
  expect(r.stderr).toMatch(/checking crossEntropy \(classification\) \[1\/17\] gradient/);
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

test.each([
  [
    'a syntax error',
    'broken.ts',
    'export const loss = (z => ;\n',
    [],
    /could not load .*broken\.ts: SyntaxError: .*broken\.ts:1:\d+: /,
  ],
  [
    'a missing export',
    'one.ts',
    "import * as x from 'xent';\nexport const a = (z: x.Tensor) => z;\n",
    ['--export', 'b'],
    /has no export named 'b' \(its exports: a\)/,
  ],
  [
    'a function that is not a loss of its kind',
    'notloss.ts',
    'export const f = (): number => 3;\n',
    [],
    /'f' is not a classification function: .* returned number, not a tensor/,
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

test('usage errors', async () => {
  expect((await xent('lint', 'x.ts')).stderr).toMatch(/usage: xent check <file/);
  expect((await xent('check', 'examples/losses.ts', '--runs', 'many')).stderr).toMatch(
    /--runs must be a positive integer, got 'many'/,
  );
});
