/**
 * @file The ORT WebGPU finding as a law failure: onnxruntime-node's WebGPU execution provider computes
 * ReduceLogSumExp naively, so a cross-entropy row with a logit past 88.72 (the overflow of exp in f32) is
 * +Infinity; the finiteness law fails with that counterexample, and the same model on the CPU provider
 * holds every law (the reference: a finite loss at the counterexample itself). xent's own export of the same
 * loss (logsumexp decomposed as max-shift/exp/sum/log/add) holds every law on ORT WebGPU, its VJP included.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { modelDir, writeOnnxCrossEntropy } from '../support/engineModels.js';

const { certifyEngine, formatEngineReport, onnxEngine } = x.laws;
const required = process.env['CI'] === 'true' || process.env['XENT_REQUIRE_GPU'] === '1';
const dir = modelDir();
const model = writeOnnxCrossEntropy(dir, 'ce.onnx', 'f32');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The WebGPU engine, or undefined (tests skip) where ORT finds no adapter and none is required. */
async function webgpuEngine(): Promise<x.laws.Engine | undefined> {
  try {
    return await onnxEngine(model, { provider: 'webgpu' });
  } catch (e) {
    if (required) throw e;
    console.warn(`ORT WebGPU tests skipped: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}
const gpu = await webgpuEngine();
afterAll(() => gpu?.close());

describe.skipIf(gpu === undefined)('a ReduceLogSumExp cross-entropy on ORT WebGPU', () => {
  test(
    'the finiteness law fails at a logit past 88.72; the CPU provider holds it there',
    { timeout: 60_000 },
    async () => {
      const engine = gpu as x.laws.Engine;
      const report = await certifyEngine(engine, { runs: 40, seed: 1 });
      console.log(formatEngineReport(report));
      const finite = report.results.find((l) => l.law === 'finite');
      expect(finite?.status).toBe('fails');
      expect(finite?.message).toMatch(/^value not finite in f32: Infinity at entry \d+ of \[/);
      const [c] = JSON.parse(finite?.counterexample ?? '[]') as [
        { batch: number; classes: number; logits: number[]; labels: number[] },
      ];
      expect(Math.max(...c.logits)).toBeGreaterThan(88.7228);
      expect(Math.max(...c.logits)).toBeLessThan(88.73);
      expect(report.results.filter((l) => l.law !== 'finite').map((l) => l.status)).toEqual([
        'holds',
        'holds',
        'not applicable',
      ]);

      const cpu = await onnxEngine(model);
      try {
        const feeds = {
          logits: { dtype: 'f32' as const, shape: [c.batch, c.classes], values: c.logits },
          labels: { dtype: 'i64' as const, shape: [c.batch], values: c.labels },
        };
        const onCpu = (await cpu.run(feeds))['out']?.values ?? [];
        const onGpu = (await engine.run(feeds))['out']?.values ?? [];
        expect(onCpu.every(Number.isFinite)).toBe(true);
        expect(onGpu.some((v) => v === Infinity)).toBe(true);
        expect((await certifyEngine(cpu, { runs: 40, seed: 1 })).ok).toBe(true);
      } finally {
        await cpu.close();
      }
    },
  );

  test(
    'our own export (logsumexp decomposed) holds every law on ORT WebGPU, its VJP included',
    { timeout: 60_000 },
    async () => {
      const path = join(dir, 'xent-ce.onnx');
      const z = x.zeros([4, 6], { dtype: 'f32' });
      const y = x.tensor(Int32Array.from([0, 1, 2, 3]), { shape: [4], dtype: 'i32' });
      const ce = (logits: x.Tensor, labels: x.Tensor): x.Tensor => x.losses.crossEntropy(logits, labels);
      writeFileSync(path, x.export.onnx(ce, [z, y], { withGradient: true }));
      const engine = await onnxEngine(path, { provider: 'webgpu' });
      try {
        const report = await certifyEngine(engine, { runs: 40, seed: 1 });
        expect(report.results.map((l) => [l.law, l.status])).toEqual([
          ['shiftInvariant', 'holds'],
          ['finite', 'holds'],
          ['masking', 'holds'],
          ['adjoint', 'holds'],
        ]);
      } finally {
        await engine.close();
      }
    },
  );
});
