/**
 * @file x.export.torch against PyTorch 1.13 (Debian's, under /usr/bin/python3): every library loss exported and run
 * there gives xent's f64 value and gradients (PyTorch's autograd through the exported ops) to 1e-12 on fresh draws,
 * gradcheck passes on a sample, and keepVjp runs xent's own VJP (custom VJPs, several outputs, f32) as the backward.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { prims } from '@xent/core/internal';
import { applyPrim, floatsOf } from './support/cases.js';
import { libraryCases } from './support/libraryCases.js';
import { offKinks } from './support/offKinks.js';
import { type PrimCase, primSpecs, type PrimTestSpec } from './support/primSpecs.js';
import { type PyTensor, python, runTorch, type TorchResult, torchProbe } from './support/torchRunner.js';
import { toNumbers } from './support/numeric.js';

const inCi = process.env['CI'] !== undefined && process.env['CI'] !== 'false';
const skip = !torchProbe.ok && !inCi;
if (skip) console.warn(`exportTorch.test.ts skipped: ${torchProbe.why}`);

const [n, k] = [6, 5];
const f64 = (v: readonly number[], shape: readonly number[]): x.Tensor =>
  x.tensor(Float64Array.from(v), { shape: [...shape], dtype: 'f64' });
const i32 = (v: readonly number[]): x.Tensor => x.tensor(Int32Array.from(v), { shape: [v.length], dtype: 'i32' });
/** A draw: z and o [n, k] moved off the kinks (distinct entries), labels [n]. */
const draws = fc
  .tuple(
    fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n * k, maxLength: n * k }),
    fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n * k, maxLength: n * k }),
    fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n }),
  )
  .map(([z, o, y]) => ({ z: f64(offKinks(z, n * k), [n, k]), o: f64(offKinks(o, n * k), [n, k]), y: i32(y) }));

/** Where `got` differs from `want` beyond 1e-12 (relative to the tensor's largest entry, at least 1), or undefined. */
function mismatch(label: string, got: PyTensor | undefined, want: x.Tensor, tol = 1e-12): string | undefined {
  if (got === undefined) return `${label}: missing`;
  if (got.dtype !== want.dtype) return `${label}: dtype ${got.dtype}, expected ${want.dtype}`;
  const w = toNumbers(want);
  const scale = Math.max(1, ...w.map((v) => (Number.isFinite(v) ? Math.abs(v) : 0)));
  for (const [i, a] of got.values.entries()) {
    const b = w[i] as number;
    if (!(Object.is(a, b) || Math.abs(a - b) <= tol * scale))
      return `${label}[${i}]: PyTorch ${a}, xent ${b} (|Δ| ${Math.abs(a - b).toExponential(2)})`;
  }
  return got.values.length === w.length ? undefined : `${label}: ${got.values.length} values, expected ${w.length}`;
}

/** The mismatches of one result against xent's value and gradients. */
function check(
  name: string,
  r: TorchResult | undefined,
  value: readonly x.Tensor[],
  grads: readonly x.Tensor[],
  tol?: number,
): string[] {
  if (r === undefined) return [`${name}: no result`];
  if (r.error !== undefined) return [`${name}: ${r.error}`];
  return [
    ...value.map((v, i) => mismatch(`${name} out[${i}]`, r.outputs[i], v, tol)),
    ...grads.map((g, i) => mismatch(`${name} grad[${i}]`, r.grads[i], g, tol)),
  ].filter((m): m is string => m !== undefined);
}

const example = {
  z: f64(new Array<number>(n * k).fill(0), [n, k]),
  o: f64(new Array<number>(n * k).fill(0), [n, k]),
  y: i32(new Array<number>(n).fill(0)),
};

/**
 * 1e-12, but for polygamma: PyTorch 1.13's trigamma (polygamma of order 1, also digamma's derivative) is accurate to
 * about 5e-10 relative (measured against mpmath at 40 digits over [0.3, 8]: 4.9e-10; orders 0, 2, 3, 4: below 1e-15).
 */
const toleranceOf = (prim: string): number => (prim === 'polygamma' ? 1e-9 : 1e-12);

describe.skipIf(skip)(`x.export.torch on PyTorch (${torchProbe.why})`, () => {
  test('CI has PyTorch: the export tests never skip there', () => {
    expect(torchProbe.ok, torchProbe.why).toBe(true);
  });

  const exported = Object.entries(libraryCases).map(([name, loss]) => ({
    name,
    loss,
    source: x.export.torch(loss as (...a: never[]) => unknown, [example.z, example.o, example.y]),
  }));

  test(`every library loss (${Object.keys(libraryCases).length} cases), with and without keepVjp: value and gradients equal xent's f64 to 1e-12`, () => {
    const kept = Object.entries(libraryCases).map(([name, loss]) => ({
      name: `${name} (keepVjp)`,
      loss,
      source: x.export.torch(loss as (...a: never[]) => unknown, [example.z, example.o, example.y], { keepVjp: true }),
    }));
    const cases = [...exported, ...kept];
    fc.assert(
      fc.property(draws, ({ z, o, y }) => {
        const results = runTorch(
          cases.map((e) => ({
            source: e.source,
            args: [{ tensor: z, grad: true }, { tensor: o, grad: true }, { tensor: y }],
          })),
        );
        const want = exported.map((e) => x.valueAndGrad(e.loss, { argnums: [0, 1] })(z, o, y));
        const failures = cases.flatMap((e, i) => {
          const [v, g] = want[i % exported.length] as [x.Tensor, x.Tensor[]];
          return check(e.name, results[i], [v], g);
        });
        expect(failures).toEqual([]);
      }),
      { numRuns: 1 },
    );
  }, 120_000);

  test(`every primitive (${prims.length}) on its test spec's random cases: torch's value and gradient, and with keepVjp xent's VJP, equal xent's f64`, () => {
    const cases = prims.flatMap((prim) =>
      fc.sample((primSpecs[prim] as PrimTestSpec<unknown>).cases, 3).map((c: PrimCase) => {
        const floats = floatsOf(c);
        const f = (...fl: x.Tensor[]): x.Tensor => applyPrim(prim, c, fl);
        const out = f(...floats);
        const differentiable = floats.length > 0 && (out.dtype === 'f64' || out.dtype === 'f32') && out.size > 0;
        const grads = differentiable
          ? x.grad((...fl: x.Tensor[]) => x.sum(f(...fl)), { argnums: floats.map((_, i) => i) })(...floats)
          : [];
        return { prim, floats, f, out, grads: grads, differentiable };
      }),
    );
    const runs = cases.flatMap((c) => (c.differentiable ? [false, true] : [false]).map((keepVjp) => ({ c, keepVjp })));
    const results = runTorch(
      runs.map(({ c, keepVjp }) => ({
        source: x.export.torch(c.f as (...a: never[]) => unknown, c.floats, { keepVjp }),
        args: c.floats.map((t) => ({ tensor: t, grad: c.differentiable })),
      })),
    );
    const failures = runs.flatMap(({ c, keepVjp }, i) =>
      check(`${c.prim}${keepVjp ? ' (keepVjp)' : ''}`, results[i], [c.out], c.grads, toleranceOf(c.prim)),
    );
    expect(failures).toEqual([]);
  }, 120_000);

  test('torch.autograd.gradcheck passes on a sample of the exports', () => {
    const sample = [
      'crossEntropy (weights, ignoreIndex, smoothing)',
      'focalLoss',
      'entropy.vonNeumann',
      'linearCrossEntropy (weights, smoothing)',
      'barlowTwins',
    ];
    const { z, o, y } = fc.sample(draws, 1)[0] as { z: x.Tensor; o: x.Tensor; y: x.Tensor };
    const results = runTorch(
      sample.map((name) => ({
        source: (exported.find((e) => e.name === name) as { source: string }).source,
        args: [{ tensor: z, grad: true }, { tensor: o, grad: true }, { tensor: y }],
        gradcheck: true,
      })),
    );
    expect(results.map((r, i) => `${sample[i]}: ${r.error ?? String(r.gradcheck)}`)).toEqual(
      sample.map((s) => `${s}: true`),
    );
  }, 60_000);

  describe("keepVjp: xent's own VJP as the backward (torch.autograd.Function)", () => {
    const draw = (): { z: x.Tensor; o: x.Tensor; y: x.Tensor } =>
      fc.sample(draws, 1)[0] as { z: x.Tensor; o: x.Tensor; y: x.Tensor };

    test('pytree arguments (a dict), the fused linear cross-entropy (linearLogitStats and its VJP prim) and a softcap', () => {
      const { z, o, y } = draw();
      const ce = (a: { logits: x.Tensor; labels: x.Tensor }): x.Tensor =>
        x.losses.crossEntropy(a.logits, a.labels, { labelSmoothing: 0.1 });
      const lce = (h: x.Tensor, w: x.Tensor, labels: x.Tensor): x.Tensor =>
        x.losses.linearCrossEntropy(h, w, labels, { softcap: 2, weights: x.add(x.cast(x.arange(n), 'f64'), 1) });
      const results = runTorch([
        {
          source: x.export.torch(ce, [{ logits: z, labels: y }], { keepVjp: true }),
          args: [{ logits: { tensor: z, grad: true }, labels: { tensor: y } }],
        },
        {
          source: x.export.torch(lce, [z, o, y], { keepVjp: true }),
          args: [{ tensor: z, grad: true }, { tensor: o, grad: true }, { tensor: y }],
        },
        {
          source: x.export.torch(lce, [z, o, y]),
          args: [{ tensor: z, grad: true }, { tensor: o, grad: true }, { tensor: y }],
        },
      ]);
      const [cv, cg] = x.valueAndGrad((logits: x.Tensor) => ce({ logits, labels: y }))(z);
      const [lv, lg] = x.valueAndGrad(lce, { argnums: [0, 1] })(z, o, y);
      expect([
        ...check('crossEntropy', results[0], [cv], [cg]),
        ...check('linearCrossEntropy keepVjp', results[1], [lv], lg),
        ...check('linearCrossEntropy autograd', results[2], [lv], lg),
      ]).toEqual([]);
    }, 60_000);

    test('the chunked linear-logit helpers give the same stats and packed gradient for every chunk size (ragged ones included)', () => {
      const h = f64(
        Array.from({ length: 7 * 3 }, (_, i) => Math.sin(i)),
        [7, 3],
      );
      const w = f64(
        Array.from({ length: 5 * 3 }, (_, i) => Math.cos(i)),
        [5, 3],
      );
      const y = i32([0, 4, 2, 1, 3, 3, 0]);
      const lce = (a: x.Tensor, b: x.Tensor, labels: x.Tensor): x.Tensor =>
        x.losses.linearCrossEntropy(a, b, labels, { softcap: 2 });
      const dir = mkdtempSync(join(tmpdir(), 'xent-chunks-'));
      const module = join(dir, 'lce.py');
      writeFileSync(module, x.export.torch(lce, [h, w, y], { keepVjp: true }));
      const script = [
        'import importlib.util, sys, torch',
        'spec = importlib.util.spec_from_file_location("lce", sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
        'torch.manual_seed(0)',
        'h, w, b = torch.randn(7, 3, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64), torch.randn(5, dtype=torch.float64)',
        'y = torch.tensor([0, 4, 2, 1, 3, 3, 0], dtype=torch.int32)',
        'ct = torch.randn(7, 5, dtype=torch.float64)',
        'stats = {c: m._linear_logit_stats(h, w, b, y, 2.0, chunk=c) for c in (1, 2, 3, 7, 1024)}',
        'grads = {c: m._linear_logit_grad(h, w, b, y, stats[c], ct, 2.0, False, chunk=c) for c in stats}',
        'print(max((stats[c] - stats[1024]).abs().max().item() for c in stats))',
        'print(max(((grads[c] - grads[1024]).abs() / grads[1024].abs().clamp(min=1)).max().item() for c in grads))',
      ].join('\n');
      const [statsGap, gradGap] = execFileSync(python, ['-c', script, module], { encoding: 'utf8', timeout: 60_000 })
        .trim()
        .split('\n')
        .map(Number);
      expect(statsGap).toBe(0);
      expect(gradGap).toBeLessThan(1e-14);
    }, 60_000);

    test("a custom-VJP loss: the backward is the user's rule, not the derivative PyTorch would take", () => {
      const { z } = draw();
      // straight-through rounding: the value floors, the backward passes the cotangent through
      const straightThrough = x.customVjp(
        (t: x.Tensor) => [x.floor(t), null] as const,
        (_r: null, ct: x.Tensor) => [ct],
      );
      const loss = (t: x.Tensor): x.Tensor => x.sum(x.square(straightThrough(t)));
      const [v, g] = x.valueAndGrad(loss)(z);
      const [kept, plain] = runTorch([
        { source: x.export.torch(loss, [z], { keepVjp: true }), args: [{ tensor: z, grad: true }] },
        { source: x.export.torch(loss, [z]), args: [{ tensor: z, grad: true }] },
      ]);
      expect(check('keepVjp', kept, [v], [g])).toEqual([]);
      expect(toNumbers(g).some((d) => d !== 0)).toBe(true);
      // without keepVjp PyTorch differentiates the expanded forward: floor's derivative, zero
      expect(plain?.grads[0]?.values.every((d) => d === 0)).toBe(true);
    }, 60_000);

    test('several outputs (a dict with a list, a static leaf and an integer output), cotangent 1 on each floating one', () => {
      const { z, y } = draw();
      const f = (t: x.Tensor, labels: x.Tensor) => ({
        loss: x.losses.crossEntropy(t, labels),
        parts: [x.logsumexp(t, { axis: -1 }), x.argmax(t, { axis: -1 })],
        scale: 2,
      });
      const floatSum = (t: x.Tensor, labels: x.Tensor): x.Tensor => {
        const r = f(t, labels);
        return x.add(r.loss, x.sum(r.parts[0] as x.Tensor));
      };
      const r = f(z, y);
      const g = x.grad(floatSum)(z, y);
      const [kept] = runTorch([
        {
          source: x.export.torch(f, [z, y], { keepVjp: true, name: 'several' }),
          fn: 'several',
          args: [{ tensor: z, grad: true }, { tensor: y }],
        },
      ]);
      expect(check('several', kept, [r.loss, r.parts[0] as x.Tensor, r.parts[1] as x.Tensor], [g])).toEqual([]);
    }, 60_000);

    test("f32 stays f32 (values within f32 rounding of xent's), and a leaf of another dtype is a TypeError, not a conversion", () => {
      const { z, y } = draw();
      const z32 = x.cast(z, 'f32');
      const loss = (t: x.Tensor, labels: x.Tensor): x.Tensor => x.losses.focalLoss(t, labels, { gamma: 2 });
      const source = x.export.torch(loss, [z32, y], { keepVjp: true });
      const [ok, wrong] = runTorch([
        { source, args: [{ tensor: z32, grad: true }, { tensor: y }] },
        { source, args: [{ tensor: z, grad: true }, { tensor: y }] },
      ]);
      const [v, g] = x.valueAndGrad(loss)(z32, y);
      expect(check('focalLoss f32', ok, [v], [g], 1e-6)).toEqual([]);
      expect(wrong?.error).toMatch(
        /^TypeError: args\[0\]: expected a tensor torch\.float32 \(6, 5\), got torch\.float64/,
      );
    }, 60_000);
  });
});

describe.skipIf(skip)('examples/export-torch', () => {
  test("the exported loss trains a tiny classifier in PyTorch 1.13 (and equals torch's label-smoothed cross_entropy)", () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const module = join(mkdtempSync(join(tmpdir(), 'xent-example-')), 'xent_loss.py');
    execFileSync('node', [`${root}examples/dist/export-torch/export.js`, module], { timeout: 60_000 });
    const out = execFileSync(python, [`${root}examples/export-torch/train.py`, module], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const gap = Number(/\|difference\| (\S+)/.exec(out)?.[1]);
    expect(gap).toBeLessThan(1e-6);
    const [, first, last, accuracy] = (
      /first epoch loss (\S+), last (\S+), training accuracy (\S+)/.exec(out) ?? []
    ).map(Number);
    expect(last).toBeLessThan((first as number) * 0.7);
    expect(accuracy).toBeGreaterThan(0.9);
  }, 60_000);
});

describe('x.export.torch rejects bad options with an XentError', () => {
  const f = (t: x.Tensor): x.Tensor => x.sum(t);
  const args = [x.zeros([2], { dtype: 'f64' })];
  test.each([
    [
      { nmae: 'loss' },
      /argument 'options' expected an options object with keys among name, keepVjp, got unknown key 'nmae'/,
    ],
    [{ name: 'class' }, /argument 'name' expected a Python identifier \(not a keyword\), got "class"/],
    [{ name: '2x' }, /argument 'name' expected a Python identifier/],
    [{ keepVjp: 'yes' }, /argument 'keepVjp' expected a boolean/],
    [null, /argument 'options'/],
  ])('%j', (options, message) => {
    expect(() => x.export.torch(f, args, options as never)).toThrow(x.XentError);
    expect(() => x.export.torch(f, args, options as never)).toThrow(message);
  });

  test('keepVjp needs a floating input and output', () => {
    expect(() => x.export.torch((t: x.Tensor) => x.argmax(t), args, { keepVjp: true })).toThrow(x.ValueError);
  });
});
