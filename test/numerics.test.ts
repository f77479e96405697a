/**
 * @file NaN debugging on the CPU: isnan/isinf/isfinite against JavaScript; in debug mode (debugNans,
 * XENT_DEBUG_NANS=1, jit's checkNumerics) a NaN or ±Inf made inside a program names its primitive,
 * op, call site and derivative, eagerly and under jit, on every CPU backend; finite runs and
 * non-finite inputs pass untouched; off, nothing is recorded and the compiled program is the same.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { provenanceOf } from '../packages/core/src/ir/provenance.js';
import { isLibraryFrame, packageRoots, parseStack, userFrame } from '../packages/core/src/util/callSite.js';
import { caught } from './support/caught.js';
import { checkError, nanCases, specials } from './support/nanCases.js';

afterEach(() => {
  x.debugNans(false);
});

const floats = (values: readonly number[], dtype: 'f32' | 'f64'): x.Tensor =>
  x.tensor(dtype === 'f32' ? Float32Array.from(values) : Float64Array.from(values));

describe('isnan, isinf and isfinite', () => {
  const tests = [
    ['isnan', x.isnan, (v: number) => Number.isNaN(v)],
    ['isinf', x.isinf, (v: number) => Math.abs(v) === Infinity],
    ['isfinite', x.isfinite, (v: number) => Number.isFinite(v)],
  ] as const;
  const backends = ['cpu', 'cpu-js', 'reference'] as const;
  test.for(tests.flatMap((t) => (['f32', 'f64'] as const).map((d) => [...t, d] as const)))(
    '%s on %s-like values agrees with JavaScript, eagerly and jitted on every CPU backend',
    ([, op, js, dtype]) => {
      const t = floats(specials, dtype);
      const expected = Array.from(t.data() as ArrayLike<number>, js);
      expect(op(t).dtype).toBe('bool');
      expect(op(t).toArray()).toEqual(expected);
      for (const backend of backends) expect(x.jit(op, { backend })(t).toArray()).toEqual(expected);
    },
  );

  test('integers and booleans are never NaN or infinite', () => {
    for (const t of [x.tensor([1, -2], { dtype: 'i32' }), x.tensor([true, false])]) {
      expect(x.isnan(t).toArray()).toEqual([false, false]);
      expect(x.isinf(t).toArray()).toEqual([false, false]);
      expect(x.isfinite(t).toArray()).toEqual([true, true]);
    }
  });

  test('they have no gradient and keep the shape', () => {
    const f = (v: x.Tensor): x.Tensor => x.sum(x.where(x.isfinite(v), v, 0));
    expect(
      x
        .grad(f)(x.tensor([[1, Infinity]]))
        .toArray(),
    ).toEqual([[1, 0]]);
    expect(x.isnan(x.tensor([[NaN], [2]])).shape).toEqual([2, 1]);
    expect(() => x.isnan([1] as never)).toThrow(x.ValueError);
  });
});

type Fn = (a: x.Tensor) => x.Tensor;

/** Ways to run a function with NaN checks on or off; eager ones run op by op. */
const modes: readonly (readonly [string, (f: Fn, check: boolean) => Fn, boolean])[] = [
  ['eager (debugNans)', (f, check) => (x.debugNans(check), f), true],
  ['jit (checkNumerics)', (f, check) => x.jit(f, { checkNumerics: check }), false],
  ['jit (debugNans)', (f, check) => (x.debugNans(check), x.jit(f)), false],
  ['jit on the reference interpreter', (f, check) => x.jit(f, { checkNumerics: check, backend: 'reference' }), false],
  ['jit on generated JavaScript', (f, check) => x.jit(f, { checkNumerics: check, backend: 'cpu-js' }), false],
];

describe.for(modes)('NaN debugging, %s', ([, mode, eager]) => {
  test.for(nanCases)('$name names the primitive, the op, the line and the operands', (c) => {
    checkError(
      caught(() => mode(c.f, true)(floats(c.arg, 'f32'))),
      c,
      eager,
    );
  });

  test('finite results pass untouched, and equal the unchecked ones', () => {
    for (const c of nanCases) {
      const arg = floats([0.5, 2], 'f32');
      const plain = mode(c.f, false)(arg).data();
      expect(mode(c.f, true)(arg).data()).toEqual(plain);
    }
  });

  test('non-finite inputs are not an error', () => {
    const log = mode((a) => x.log(a), true);
    expect(Array.from(log(floats([NaN, -Infinity, Infinity], 'f32')).data())).toEqual([NaN, NaN, Infinity]);
    const sum = mode((a) => x.sum(x.mul(a, 0)), true);
    expect(sum(floats([Infinity, 1], 'f32')).data()[0]).toBeNaN();
  });

  test(`a masked −Inf intermediate is ${eager ? 'an error eagerly (each op is checked)' : 'not an error (outputs are checked)'}`, () => {
    // p·log p with the p = 0 entries masked: log(0) = −∞ and 0·(−∞) = NaN never reach the output
    const entropy = mode((p) => x.neg(x.sum(x.where(x.greater(p, 0), x.mul(p, x.log(p)), 0))), true);
    const p = floats([0.5, 0.5, 0], 'f32');
    if (eager) expect(() => entropy(p)).toThrow(x.NumericsError);
    else expect(entropy(p).data()[0]).toBeCloseTo(Math.log(2), 6);
  });
});

describe('NaN debugging modes and their cost', () => {
  const f = (v: x.Tensor): x.Tensor => x.sum(x.sqrt(x.exp(v)));
  const formatted = (jitted: x.Jitted<typeof f>): string => x.formatProgram(jitted.program(x.tensor([1, 2])));
  // the program of a function traced before NaN debugging was ever switched in this file
  const before = formatted(x.jit(f));
  const grad = (): string => x.formatProgram(x.jit(x.grad(f)).program(x.tensor([1, 2])));
  const gradBefore = grad();

  test('off, the compiled programs are those of a build without it; on, the same programs run', () => {
    x.debugNans(true);
    expect(formatted(x.jit(f))).toBe(before);
    expect(
      x
        .jit(f)(x.tensor([1, 2]))
        .data()[0],
    ).toBeCloseTo(Math.exp(0.5) + Math.exp(1), 5);
    x.debugNans(false);
    expect(formatted(x.jit(f))).toBe(before);
    expect(formatted(x.jit(f, { checkNumerics: true }))).toBe(before);
    expect(grad()).toBe(gradBefore);
  });

  test('off, tracing records nothing (no stack is captured); on, every traced op records its call site', () => {
    const traced = (): x.Tensor[] => {
      let nodes: x.Tensor[] = [];
      x.vjp(
        (v: x.Tensor) => {
          const y = x.log(x.exp(v));
          nodes = [y];
          return y;
        },
        x.tensor([1]),
      );
      return nodes;
    };
    const [off] = traced();
    expect(provenanceOf((off as x.Tensor).node)).toBeUndefined();
    x.debugNans(true);
    const [on] = traced();
    const p = provenanceOf((on as x.Tensor).node);
    expect(p?.kind === 'traced' ? [p.op, p.site?.file.endsWith('numerics.test.ts')] : p).toEqual(['log', true]);
  });

  test('jit traces again with NaN debugging on, so errors name call sites', () => {
    const logOf = x.jit((a: x.Tensor) => x.log(a));
    expect(logOf(x.tensor([0])).data()[0]).toBe(-Infinity);
    x.debugNans(true);
    const e = caught(() => logOf(x.tensor([0])), x.NumericsError);
    expect(e.callSite).toMatch(/numerics\.test\.ts:\d+:\d+$/);
  });

  test('checkNumerics: false opts one function out; bad switches are refused', () => {
    x.debugNans(true);
    expect(
      x
        .jit((a: x.Tensor) => x.log(a), { checkNumerics: false })(x.tensor([0]))
        .data()[0],
    ).toBe(-Infinity);
    expect(x.debugNans(false)).toBe(true);
    expect(() => x.debugNans('yes' as never)).toThrow(
      "xent.debugNans: argument 'on' expected a boolean (true or false), got string 'yes'",
    );
    expect(() => x.jit(f, { checkNumerics: 1 as never })).toThrow(x.ValueError);
  });

  test('a custom VJP with a finite gradient at 0 (x.norm) passes where √(Σv²) fails', () => {
    x.debugNans(true);
    expect(
      x
        .grad((v: x.Tensor) => x.norm(v))(x.tensor([0, 0]))
        .toArray(),
    ).toEqual([0, 0]);
    expect(() => x.grad((v: x.Tensor) => x.sqrt(x.sum(x.square(v))))(x.tensor([0, 0]))).toThrow(x.NumericsError);
  });

  test('f64 programs are checked in f64: exp(700) is finite, exp(710) is not', () => {
    const expOf = x.jit((a: x.Tensor) => x.exp(a), { checkNumerics: true });
    expect(expOf(floats([700], 'f64')).data()[0]).toBeCloseTo(Math.exp(700), -290);
    const e = caught(() => expOf(floats([1, 710], 'f64')), x.NumericsError);
    expect([e.dtype, e.index]).toEqual(['f64', [1]]);
  });

  test('a reduction that overflows reports its largest operand', () => {
    const e = caught(
      () => x.jit((a: x.Tensor) => x.sum(a), { checkNumerics: true })(x.tensor([3e38, 3e38])),
      x.NumericsError,
    );
    expect(e.prim).toBe('sum');
    expect(e.operands[0]).toBeCloseTo(3e38, -32);
    expect(e.message).toContain('largest operand');
  });

  test('XENT_DEBUG_NANS=1 turns it on at startup (built packages, call sites outside the repository)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xent-nans-'));
    const xent = fileURLToPath(new URL('../packages/xent/dist/index.js', import.meta.url));
    const script = join(dir, 'loss.mjs');
    writeFileSync(
      script,
      [
        `import * as x from ${JSON.stringify(xent)};`,
        `try {`,
        `  x.log(x.tensor([0]));`,
        `} catch (e) {`,
        `  console.log(JSON.stringify({ name: e.name, op: e.op, site: e.callSite }));`,
        `}`,
      ].join('\n'),
    );
    const { stdout } = await promisify(execFile)(process.execPath, [script], {
      env: { ...process.env, XENT_DEBUG_NANS: '1' },
      timeout: 60_000,
    });
    const out = JSON.parse(stdout) as { name: string; op: string; site: string };
    expect(out.name).toBe('NumericsError');
    expect(out.op).toBe('log');
    expect(out.site).toMatch(/loss\.mjs:3:5$/);
  }, 120_000);
});

describe('call sites', () => {
  const repo = '/repo/packages/core/src/util/callSite.ts';
  const installed = '/app/node_modules/@xent/core/dist/util/callSite.js';

  test('xent frames are known from the source layout and from an installed dist', () => {
    expect(packageRoots(repo)).toContain('/repo/packages/losses/');
    expect(packageRoots(repo)).toContain('/repo/packages/xent/');
    expect(packageRoots(installed)).toContain('/app/node_modules/@xent/webgpu/');
    expect(packageRoots(installed)).toContain('/app/node_modules/xent/');
    const roots = packageRoots(installed);
    expect(isLibraryFrame('/app/node_modules/xent/dist/index.js', roots)).toBe(true);
    expect(isLibraryFrame('/app/node_modules/fp-ts/lib/Either.js', roots)).toBe(true);
    expect(isLibraryFrame('node:internal/modules/run_main', roots)).toBe(true);
    expect(isLibraryFrame('/app/src/loss.ts', roots)).toBe(false);
  });

  test('the first frame outside xent is the call site, and the xent function it called is named', () => {
    const v8 = [
      'Error',
      '    at captureCallSite (/repo/packages/core/src/util/callSite.ts:1:1)',
      '    at applyOp (/repo/packages/core/src/trace/apply.ts:2:2)',
      '    at Module.norm (file:///repo/packages/core/src/nn/statistics.ts:3:3)',
      '    at loss (file:///home/me/loss.ts:12:34)',
      '    at node:internal/main:1:1',
    ].join('\n');
    expect(userFrame(parseStack(v8), packageRoots(repo))).toEqual({
      file: '/home/me/loss.ts',
      line: 12,
      column: 34,
      callee: 'norm',
    });
    const gecko = ['applyOp@http://host/node_modules/@xent/core/dist/trace/apply.js:2:2', '@http://host/app.js:7:9'];
    const site = userFrame(
      parseStack(gecko.join('\n')),
      packageRoots('http://host/node_modules/@xent/core/dist/a/b.js'),
    );
    expect(site).toEqual({ file: 'http://host/app.js', line: 7, column: 9, callee: 'applyOp' });
  });
});
