/**
 * @file Fused linear cross-entropy on WebGPU: the WGSL stats and gradient kernels (sizes that are
 * not multiples of the 64-wide workgroups, bias, ignored rows, smoothing, softcap) against the f64
 * CPU result, and the automatic rewrite in a program jitted for the GPU.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';

// the WebGPU backend rewrites from 2²² logits (its default): the cases here from 512 × 8192 fire
const gpu = await gpuBackend();
afterAll(() => {
  gpu?.dispose();
});

const f32 = (shape: number[], v: readonly number[]): x.Tensor => x.tensor(Float32Array.from(v), { shape });

/** The passes of a program's linear-logit kernels, in order. */
const linearPasses = (program: x.Program): string[] =>
  program.steps.flatMap((s) => (s.kind === 'launch' && s.kernel.kind === 'linearLogits' ? [s.kernel.pass] : []));

/** Hidden states h [n, d], a classifier W [v, d] and labels y [n] for the rewrite's cases. */
const operands = (n: number, d: number, v: number) => ({
  h: f32(
    [n, d],
    Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.7)),
  ),
  w: f32(
    [v, d],
    Array.from({ length: v * d }, (_, i) => Math.cos(i * 0.37)),
  ),
  y: x.tensor(
    Int32Array.from({ length: n }, (_, i) => (i * 131) % v),
    { shape: [n], dtype: 'i32' },
  ),
});

describe.runIf(gpu !== undefined)('fused linear cross-entropy on WebGPU', () => {
  test('losses.linearCrossEntropy: value and ∂(h, W, b) in f32 on the GPU against f64 on the CPU', async () => {
    const backend = defined(gpu);
    const sizes = fc.record({
      n: fc.integer({ min: 1, max: 70 }),
      d: fc.integer({ min: 1, max: 70 }),
      v: fc.integer({ min: 1, max: 130 }),
      smoothing: fc.constantFrom(0, 0.1),
      softcap: fc.constantFrom(undefined, 4),
      seed: fc.integer({ min: 0, max: 1000 }),
    });
    await fc.assert(
      fc.asyncProperty(sizes, async ({ n, d, v, smoothing, softcap, seed }) => {
        const wave = (len: number, k: number) => Array.from({ length: len }, (_, i) => Math.sin(i * k + seed));
        const y = x.tensor(
          Int32Array.from({ length: n }, (_, i) => (i % 5 === 4 ? -1 : (i * 7 + seed) % v)),
          { shape: [n], dtype: 'i32' },
        );
        const loss = (h: x.Tensor, w: x.Tensor, b: x.Tensor) =>
          x.losses.linearCrossEntropy(h, w, y, {
            bias: b,
            ignoreIndex: -1,
            labelSmoothing: smoothing,
            ...(softcap === undefined ? {} : { softcap }),
          });
        const vg = x.valueAndGrad(loss, { argnums: [0, 1, 2] });
        const args = [f32([n, d], wave(n * d, 1.3)), f32([v, d], wave(v * d, 0.7)), f32([v], wave(v, 2.1))] as const;
        const [value, grads] = x.jit(vg, { backend })(...args);
        const [v64, g64] = vg(...(args.map((a) => x.cast(a, 'f64')) as [x.Tensor, x.Tensor, x.Tensor]));
        expectAllClose(await numbersAsync(value), toNumbers(v64), { rtol: 1e-4, atol: 1e-5 }, 'loss');
        for (const [i, g] of grads.entries()) {
          expectAllClose(
            await numbersAsync(g),
            toNumbers(g64[i] as x.Tensor),
            { rtol: 1e-3, atol: 1e-5 },
            `gradient ${i}`,
          );
        }
      }),
      { numRuns: 6 },
    );
  });

  test('paired row blocks (a ragged last one), and separate stats and grad kernels (vocabulary chunks, stats segments): 700 × 7000 logits against f64 on the CPU', async () => {
    const backend = defined(gpu);
    // 700 rows: paired blocks of 576 rows, so 700 = 576 + 124; dZ chunks of 5952 entries, so 7000 = 5952 + 1048
    const [n, d, v] = [700, 5, 7000];
    const wave = (len: number, k: number, a: number) => Array.from({ length: len }, (_, i) => a * Math.sin(i * k));
    const y = x.tensor(
      Int32Array.from({ length: n }, (_, i) => (i * 4099) % v),
      { shape: [n], dtype: 'i32' },
    );
    const loss = (h: x.Tensor, w: x.Tensor, b: x.Tensor) =>
      x.losses.linearCrossEntropy(h, w, y, { bias: b, labelSmoothing: 0.1, softcap: 6 });
    const args = [
      f32([n, d], wave(n * d, 1.3, 1)),
      f32([v, d], wave(v * d, 0.7, 1)),
      f32([v], wave(v, 2.1, 0.5)),
    ] as const;
    // the log's cotangent reads the loss, so its stats and grad kernels cannot be paired
    type Loss = (h: x.Tensor, w: x.Tensor, b: x.Tensor) => x.Tensor;
    const cases: [Loss, string[]][] = [
      [loss, ['statsGrad']],
      [(h, w, b) => x.log(loss(h, w, b)), ['stats', 'grad']],
    ];
    for (const [f, passes] of cases) {
      const vg = x.valueAndGrad(f, { argnums: [0, 1, 2] });
      const step = x.jit(vg, { backend });
      expect(linearPasses(step.program(...args))).toEqual(passes);
      const [value, grads] = step(...args);
      const [v64, g64] = vg(...(args.map((a) => x.cast(a, 'f64')) as [x.Tensor, x.Tensor, x.Tensor]));
      expectAllClose(await numbersAsync(value), toNumbers(v64), { rtol: 1e-4, atol: 1e-5 }, 'loss');
      for (const [i, g] of grads.entries()) {
        const want = toNumbers(g64[i] as x.Tensor);
        const scale = Math.max(...want.map(Math.abs));
        expectAllClose(await numbersAsync(g), want, { rtol: 1e-3, atol: 1e-4 * scale }, `gradient ${i}`);
      }
    }
  });

  test('a vocabulary too wide for row blocks (V = 300 000): the paired kernel runs the stats then the grad passes', async () => {
    const backend = defined(gpu);
    const [n, d, v] = [3, 2, 300_000];
    const { h, w, y } = operands(n, d, v);
    const vg = x.valueAndGrad((hh: x.Tensor, ww: x.Tensor) => x.losses.linearCrossEntropy(hh, ww, y), {
      argnums: [0, 1],
    });
    const step = x.jit(vg, { backend });
    expect(linearPasses(step.program(h, w))).toEqual(['statsGrad']);
    const [value, grads] = step(h, w);
    const [v64, g64] = vg(x.cast(h, 'f64'), x.cast(w, 'f64'));
    expectAllClose(await numbersAsync(value), toNumbers(v64), { rtol: 1e-4, atol: 1e-5 }, 'loss');
    for (const [i, g] of grads.entries()) {
      const want = toNumbers(g64[i] as x.Tensor);
      const scale = want.reduce((m, q) => Math.max(m, Math.abs(q)), 0);
      expectAllClose(await numbersAsync(g), want, { rtol: 1e-3, atol: 1e-4 * scale }, `gradient ${i}`);
    }
  });

  test('the rewrite fires in a GPU program: fused kernels, no [N, V] buffer, results equal the CPU', async () => {
    const backend = defined(gpu);
    const [n, d, v] = [512, 4, 8192];
    const { h, w, y } = operands(n, d, v);
    const vg = x.valueAndGrad((hh: x.Tensor, ww: x.Tensor) => x.losses.crossEntropy(x.matmul(hh, x.transpose(ww)), y), {
      argnums: [0, 1],
    });
    const step = x.jit(vg, { backend });
    const program = step.program(h, w);
    expect(linearPasses(program)).toEqual(['statsGrad']);
    expect(Math.max(...program.buffers.map((b) => b.size))).toBeLessThan((n * v) / 8);
    const [value, [gh, gw]] = step(h, w) as unknown as [x.Tensor, x.Tensor[]];
    const [v64, [gh64, gw64]] = x.jit(vg)(x.cast(h, 'f64'), x.cast(w, 'f64')) as unknown as [x.Tensor, x.Tensor[]];
    expectAllClose(await numbersAsync(value), toNumbers(v64), { rtol: 1e-4, atol: 1e-5 }, 'loss');
    expectAllClose(
      await numbersAsync(gh as x.Tensor),
      toNumbers(gh64 as x.Tensor),
      { rtol: 1e-3, atol: 1e-6 },
      '∂L/∂h',
    );
    expectAllClose(
      await numbersAsync(gw as x.Tensor),
      toNumbers(gw64 as x.Tensor),
      { rtol: 1e-3, atol: 1e-7 },
      '∂L/∂W',
    );
  });

  test("the runtime's peak live bytes: independent of N×V when fused, about 2·N·V·4 unfused", async () => {
    const backend = defined(gpu);
    const [n, d, v] = [512, 4, 32768];
    const { h, w, y } = operands(n, d, v);
    const peakOf = async (on: x.Backend, loss: (hh: x.Tensor, ww: x.Tensor) => x.Tensor): Promise<number> => {
      const step = x.jit(x.valueAndGrad(loss, { argnums: [0, 1] }), { backend: on });
      const run = async () => {
        const [value, grads] = step(h, w);
        await Promise.all([value, ...grads].map((t) => t.dataAsync()));
      };
      await run();
      await backend.sync();
      const before = backend.stats().liveBytes;
      backend.resetPeak();
      await run();
      return backend.stats().peakLiveBytes - before;
    };
    const fused = await peakOf(backend, (hh, ww) => x.losses.linearCrossEntropy(hh, ww, y));
    const plain = (hh: x.Tensor, ww: x.Tensor) => x.losses.crossEntropy(x.matmul(hh, x.transpose(ww)), y);
    // the same device, declaring that the rewrite never pays: the plain CE keeps its logits
    const unfused = await peakOf({ ...backend, linearLogitsMinElements: Infinity }, plain);
    // inputs, outputs and temporaries O(N·D + V·D + N), a 4M-logit dZ tile, the stats partials
    const small = 4 * 3 * (n * d + v * d + v + 8 * n);
    expect(fused).toBeLessThanOrEqual(small + 4 * (1 << 22) + 4 * 16 * 6 * 256 * 64);
    expect(unfused).toBeGreaterThanOrEqual(2 * 4 * n * v);
  });
});
