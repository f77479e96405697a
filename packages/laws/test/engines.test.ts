/**
 * @file The engine laws on other runtimes: a cross-entropy ONNX model (ReduceLogSumExp) on onnxruntime-node's
 * CPU provider in f32 and f64 (with its VJP, right and wrong), and PyTorch functions run by /usr/bin/python3 —
 * torch's cross-entropy and xent's own torch export (with and without keepVjp) hold every law, a naive
 * log(sum(exp)) fails finiteness in f32 at the overflow of exp.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { modelDir, writeOnnxCrossEntropy, writePythonModule } from '../../../test/support/engineModels.js';

const { certifyEngine, formatEngineReport, onnxEngine, pythonEngine } = x.laws;
const dir = modelDir();
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The error a call throws or its promise rejects with (arguments are checked before anything is awaited). */
async function refusal(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (e) {
    expect(e).toBeInstanceOf(x.XentError);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

/** The report of every engine law on the engine (20 runs, seed 1), the engine closed after. */
async function certified(engine: x.laws.Engine): Promise<x.laws.EngineReport> {
  try {
    return await certifyEngine(engine, { runs: 20, seed: 1 });
  } finally {
    await engine.close();
  }
}

const statuses = (r: x.laws.EngineReport): Record<string, string> =>
  Object.fromEntries(r.results.map((l) => [l.law, l.status]));

/** The largest logit of a failing law's counterexample (fast-check prints the drawn case as JSON). */
const largestLogit = (r: x.laws.EngineReport, law: x.laws.EngineLawName): number => {
  const printed = r.results.find((l) => l.law === law)?.counterexample ?? '[]';
  const [c] = JSON.parse(printed) as [{ logits: number[] }];
  return Math.max(...c.logits);
};

describe('an ONNX cross-entropy on onnxruntime-node (CPU provider)', () => {
  test(
    'f32, ReduceLogSumExp, no VJP: shift, finiteness and masking hold; the adjoint test does not apply',
    { timeout: 60_000 },
    async () => {
      const report = await certified(await onnxEngine(writeOnnxCrossEntropy(dir, 'ce32.onnx', 'f32')));
      expect(statuses(report)).toEqual({
        shiftInvariant: 'holds',
        finite: 'holds',
        masking: 'holds',
        adjoint: 'not applicable',
      });
      expect(report.ok).toBe(true);
    },
  );

  test(
    'f64 with its VJP as outputs: the adjoint test holds; a VJP that drops the cotangent fails it',
    { timeout: 60_000 },
    async () => {
      const right = await certified(await onnxEngine(writeOnnxCrossEntropy(dir, 'ce64.onnx', 'f64', 'right')));
      expect(statuses(right)).toEqual({ shiftInvariant: 'holds', finite: 'holds', masking: 'holds', adjoint: 'holds' });
      const wrong = await certified(await onnxEngine(writeOnnxCrossEntropy(dir, 'wrong.onnx', 'f64', 'unscaled')));
      expect(statuses(wrong)['adjoint']).toBe('fails');
      expect(formatEngineReport(wrong)).toMatch(
        /adjoint fails: ⟨J·u, v⟩ = \S+ \(central difference\) but ⟨u, Jᵀv⟩ = \S+/,
      );
    },
  );
  test(
    'f32 at a fixed shape [3, 5], its VJP named d_out, d_logits (as x.export.onnx writes one): every law holds at that shape',
    { timeout: 60_000 },
    async () => {
      const report = await certified(
        await onnxEngine(writeOnnxCrossEntropy(dir, 'fixed.onnx', 'f32', 'right', [3, 5])),
      );
      expect(statuses(report)).toEqual({
        shiftInvariant: 'holds',
        finite: 'holds',
        masking: 'holds',
        adjoint: 'holds',
      });
    },
  );
});

describe('PyTorch functions run by /usr/bin/python3', () => {
  test("torch's cross-entropy holds every law in f32, its autograd VJP included", { timeout: 60_000 }, async () => {
    const path = writePythonModule(
      dir,
      'torch_ce.py',
      'import torch.nn.functional as F\n\ndef cross_entropy(logits, labels):\n    return F.cross_entropy(logits, labels, reduction="none")\n',
    );
    const report = await certified(await pythonEngine(path));
    expect(statuses(report)).toEqual({ shiftInvariant: 'holds', finite: 'holds', masking: 'holds', adjoint: 'holds' });
  });

  test(
    "xent's own PyTorch export of cross-entropy (fixed shape, i32 labels, f64), with and without keepVjp: checked at its shape",
    { timeout: 60_000 },
    async () => {
      const ce = (logits: x.Tensor, y: x.Tensor): x.Tensor => x.losses.crossEntropy(logits, y);
      const example = [
        x.zeros([4, 5], { dtype: 'f64' }),
        x.tensor(Int32Array.from([0, 1, 2, 3]), { shape: [4], dtype: 'i32' }),
      ];
      const kept = writePythonModule(dir, 'keptVjp.py', x.export.torch(ce, example, { name: 'loss', keepVjp: true }));
      const keptReport = await certified(await pythonEngine(kept, { dtype: 'f64', labels: 'i32', shape: [4, 5] }));
      expect(statuses(keptReport)).toEqual({
        shiftInvariant: 'holds',
        finite: 'holds',
        masking: 'holds',
        adjoint: 'holds',
      });
      const path = writePythonModule(dir, 'exported.py', x.export.torch(ce, example, { name: 'loss' }));
      const options = { dtype: 'f64', labels: 'i32' } as const;
      const report = await certified(await pythonEngine(path, { ...options, shape: [4, 5] }));
      expect(statuses(report)).toEqual({
        shiftInvariant: 'holds',
        finite: 'holds',
        masking: 'holds',
        adjoint: 'holds',
      });
      expect(await refusal(() => pythonEngine(path, options))).toMatch(
        /exported\.py: TypeError: args\[0\]: expected a tensor torch\.float64 \(4, 5\), got torch\.float64 \(2, 3\)/,
      );
    },
  );

  test(
    'a naive log(sum(exp(z))) fails finiteness where exp overflows: past 88.72 in f32, past 709.78 in f64',
    { timeout: 60_000 },
    async () => {
      const path = writePythonModule(
        dir,
        'naive.py',
        'import torch\n\ndef naive(logits, labels):\n    picked = logits.gather(1, labels.unsqueeze(1)).squeeze(1)\n    return torch.log(torch.exp(logits).sum(1)) - picked\n',
      );
      const f32 = await certified(await pythonEngine(path));
      expect(statuses(f32)['finite']).toBe('fails');
      expect(formatEngineReport(f32)).toMatch(/finite fails: value not finite in f32: Infinity at entry \d+ of \[/);
      // exp overflows f32 past log(2¹²⁸) = 88.7228; shrinking stops just above it.
      expect(largestLogit(f32, 'finite')).toBeGreaterThan(88.7228);
      expect(largestLogit(f32, 'finite')).toBeLessThan(88.73);
      const f64 = await pythonEngine(path, { dtype: 'f64' });
      try {
        const report = await certifyEngine(f64, { runs: 20, laws: ['finite'] });
        expect(statuses(report)['finite']).toBe('fails');
        // log(Number.MAX_VALUE) = 709.7827
        expect(largestLogit(report, 'finite')).toBeGreaterThan(709.7827);
        expect(largestLogit(report, 'finite')).toBeLessThan(709.79);
      } finally {
        await f64.close();
      }
    },
  );
});

describe('bad engines and options are refused, naming the function and the argument', () => {
  test('onnxEngine and pythonEngine', { timeout: 30_000 }, async () => {
    expect(await refusal(() => onnxEngine(42 as unknown as string))).toMatch(
      /xent\.onnxEngine: argument 'path' expected a string, got number 42/,
    );
    expect(await refusal(() => onnxEngine(`${dir}/missing.onnx`))).toMatch(
      /xent\.onnxEngine: argument 'path' expected an ONNX model onnxruntime-node loads on cpu, got .*missing\.onnx/,
    );
    expect(await refusal(() => onnxEngine(`${dir}/ce32.onnx`, { provider: 'cuda' as 'cpu' }))).toMatch(
      /xent\.onnxEngine: argument 'provider' expected one of 'cpu', 'webgpu'/,
    );
    const two = writePythonModule(dir, 'two.py', 'def a(z, y):\n    return z\n\ndef b(z, y):\n    return z\n');
    expect(await refusal(() => pythonEngine(two))).toMatch(
      /xent\.pythonEngine: argument 'path' expected a Python module with a torch function of \(logits, labels\), got .*two\.py: ValueError: the module defines 2 public functions \(a, b\): name one/,
    );
    expect(await refusal(() => pythonEngine(two, { function: 'c' }))).toMatch(
      /no function 'c' \(its functions: a, b\)/,
    );
    expect(await refusal(() => pythonEngine(two, { dtype: 'f16' as 'f32' }))).toMatch(/argument 'dtype'/);
    expect(await refusal(() => pythonEngine(two, { shape: [4] }))).toMatch(
      /xent\.pythonEngine: argument 'shape' expected \[batch, classes\], got \[4\]/,
    );
  });

  test('certifyEngine: unknown laws, option keys and port names', { timeout: 30_000 }, async () => {
    const engine = await onnxEngine(`${dir}/ce32.onnx`);
    try {
      expect(await refusal(() => certifyEngine(engine, { laws: ['proper' as 'finite'] }))).toMatch(
        /xent\.certifyEngine: argument 'laws\[0\]/,
      );
      expect(await refusal(() => certifyEngine(engine, { run: 3 } as x.laws.CertifyEngineOptions))).toMatch(/options/);
      expect(await refusal(() => certifyEngine(engine, { names: { logits: 'z' } }))).toMatch(
        /xent\.certifyEngine: argument 'logits' expected the name of a float logits input, got onnxruntime-node cpu: .* with logits \(f32\), labels \(i64\)/,
      );
      expect(await refusal(() => certifyEngine({} as x.laws.Engine))).toMatch(/argument 'engine' expected an Engine/);
    } finally {
      await engine.close();
    }
  });
});
