/**
 * @file Fused linear cross-entropy: losses.linearCrossEntropy and the automatic rewrite against the
 * unfused f64 reference CE(h·Wᵀ + b, y) on random inputs (every option, per-row cotangents, ragged
 * sizes, D = 1, extremes), second order, memory accounting of the scheduled programs, and errors.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { programLaunches } from '@xent/core/internal';
import * as x from 'xent';
import type { Graph } from 'xent';
import { expectAllClose, toNumbers } from './support/numeric.js';

type Options = x.losses.LinearCrossEntropyOptions;

const f64 = (shape: number[], values: readonly number[]): x.Tensor =>
  x.tensor(Float64Array.from(values), { shape, dtype: 'f64' });
const tol = { rtol: 1e-9, atol: 1e-11 };

/** The unfused reference: the same loss on the materialised logits (small enough that no rewrite fires). */
function unfused(h: x.Tensor, w: x.Tensor, y: x.Tensor, o: Options): x.Tensor {
  let z = x.matmul(h, x.transpose(w));
  if (o.bias !== undefined) z = x.add(z, o.bias);
  if (o.softcap !== undefined) z = x.mul(x.tanh(x.div(z, o.softcap)), o.softcap);
  return x.losses.crossEntropy(z, y, {
    ...(o.reduction === undefined ? {} : { reduction: o.reduction }),
    ...(o.ignoreIndex === undefined ? {} : { ignoreIndex: o.ignoreIndex }),
    ...(o.labelSmoothing === undefined ? {} : { labelSmoothing: o.labelSmoothing }),
  });
}

/** Value and cotangents of (h, W, b) under a cotangent `ct` of the loss (per row for 'none'). */
function pullback(
  f: (h: x.Tensor, w: x.Tensor, b: x.Tensor) => x.Tensor,
  h: x.Tensor,
  w: x.Tensor,
  b: x.Tensor,
  ct: x.Tensor,
) {
  const [value, back] = x.vjp(f, h, w, b);
  return { value: toNumbers(value), grads: back(ct).map(toNumbers) };
}

/** a·sin(i·k + phase) for i < len: smooth, deterministic operands. */
const wave = (len: number, k: number, a: number, phase = 0): number[] =>
  Array.from({ length: len }, (_, i) => a * Math.sin(i * k + phase));

/** h [n, d], W [v, d] and b [v] in f64, as waves. */
const waveOperands = (n: number, d: number, v: number, phase = 0): [x.Tensor, x.Tensor, x.Tensor] => [
  f64([n, d], wave(n * d, 1.3, 1.5, phase)),
  f64([v, d], wave(v * d, 0.7, 0.5, phase)),
  f64([v], wave(v, 2.1, 0.3, phase)),
];

/**
 * An f32 value and gradients against f64 ones: the loss within rtol 1e-5 and atol `loss`, each
 * gradient within rtol 1e-3 and atol `gradient`·(its largest reference entry) + `floor`.
 */
function expectF32Result(
  [value, grads]: readonly [x.Tensor, readonly x.Tensor[]],
  [refValue, refGrads]: readonly [x.Tensor, readonly x.Tensor[]],
  atol: { readonly loss: number; readonly gradient: number; readonly floor: number },
): void {
  expectAllClose(toNumbers(value), toNumbers(refValue), { rtol: 1e-5, atol: atol.loss }, 'loss');
  grads.forEach((g, i) => {
    const want = toNumbers(refGrads[i] as x.Tensor);
    const scale = want.reduce((m, q) => Math.max(m, Math.abs(q)), 0);
    expectAllClose(toNumbers(g), want, { rtol: 1e-3, atol: atol.gradient * scale + atol.floor }, `gradient ${i}`);
  });
}

const IGNORE = -100;

/** Every option of the loss: bias, ignored rows, reduction, smoothing and softcap. */
const optionArbs = {
  bias: fc.boolean(),
  ignore: fc.constantFrom('none', 'some', 'all'),
  reduction: fc.constantFrom('mean', 'sum', 'none'),
  smoothing: fc.constantFrom(0, 0.1),
  softcap: fc.constantFrom(undefined, 3),
};

const caseArb = fc
  .record({
    n: fc.integer({ min: 1, max: 13 }),
    d: fc.integer({ min: 1, max: 5 }),
    v: fc.integer({ min: 1, max: 37 }),
    ...optionArbs,
    scale: fc.constantFrom(1, 30),
  })
  .chain((c) =>
    fc.record({
      c: fc.constant(c),
      h: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: c.n * c.d, maxLength: c.n * c.d }),
      w: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: c.v * c.d, maxLength: c.v * c.d }),
      b: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: c.v, maxLength: c.v }),
      y: fc.array(fc.integer({ min: 0, max: c.v - 1 }), { minLength: c.n, maxLength: c.n }),
      drop: fc.array(fc.boolean(), { minLength: c.n, maxLength: c.n }),
      ct: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: c.n, maxLength: c.n }),
    }),
  );

describe('losses.linearCrossEntropy equals CE(h·Wᵀ + b, y) and its gradients', () => {
  test('every option combination, ragged sizes, D = 1, all-ignored rows, per-row cotangents (f64)', () => {
    fc.assert(
      fc.property(caseArb, ({ c, h, w, b, y, drop, ct }) => {
        const labels = y.map((k, i) => (c.ignore === 'all' || (c.ignore === 'some' && drop[i]) ? IGNORE : k));
        const o: Options = {
          reduction: c.reduction,
          labelSmoothing: c.smoothing,
          ...(c.ignore === 'none' ? {} : { ignoreIndex: IGNORE }),
          ...(c.softcap === undefined ? {} : { softcap: c.softcap }),
        };
        const H = f64(
          [c.n, c.d],
          h.map((q) => q * c.scale),
        );
        const W = f64([c.v, c.d], w);
        const B = f64([c.v], b);
        const Y = x.tensor(Int32Array.from(labels), { shape: [c.n], dtype: 'i32' });
        const cot = c.reduction === 'none' ? f64([c.n], ct) : f64([], [ct[0] as number]);
        const withBias = (bias: x.Tensor): Options => (c.bias ? { ...o, bias } : o);
        const fused = pullback((hh, ww, bb) => x.losses.linearCrossEntropy(hh, ww, Y, withBias(bb)), H, W, B, cot);
        const reference = pullback((hh, ww, bb) => unfused(hh, ww, Y, withBias(bb)), H, W, B, cot);
        expectAllClose(fused.value, reference.value, tol, 'loss');
        ['h', 'W', 'b'].forEach((name, i) => {
          expectAllClose(fused.grads[i] as number[], reference.grads[i] as number[], tol, `∂L/∂${name}`);
        });
      }),
      { numRuns: 80 },
    );
  });

  test('the paired f32 kernel (jit, SIMD CPU path): every option combination and per-row cotangents against f64', () => {
    const sizes = fc.record({
      n: fc.integer({ min: 8, max: 40 }),
      d: fc.integer({ min: 4, max: 12 }),
      v: fc.integer({ min: 130, max: 400 }),
      ...optionArbs,
      seed: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(sizes, (c) => {
        const labels = Array.from({ length: c.n }, (_, i) =>
          c.ignore === 'all' || (c.ignore === 'some' && i % 3 === 1) ? IGNORE : (i * 37 + c.seed) % c.v,
        );
        const y = x.tensor(Int32Array.from(labels), { shape: [c.n], dtype: 'i32' });
        const o: Options = {
          reduction: c.reduction,
          labelSmoothing: c.smoothing,
          ...(c.ignore === 'none' ? {} : { ignoreIndex: IGNORE }),
          ...(c.softcap === undefined ? {} : { softcap: c.softcap }),
        };
        const withBias = (bias: x.Tensor): Options => (c.bias ? { ...o, bias } : o);
        // 'none': the cotangent is an argument (not read from the loss), so stats and grad still pair
        const objective =
          (loss: (h: x.Tensor, w: x.Tensor, b: x.Tensor) => x.Tensor) =>
          (h: x.Tensor, w: x.Tensor, b: x.Tensor, ct: x.Tensor) =>
            c.reduction === 'none' ? x.sum(x.mul(loss(h, w, b), ct)) : loss(h, w, b);
        const fused = x.valueAndGrad(
          objective((h, w, b) => x.losses.linearCrossEntropy(h, w, y, withBias(b))),
          { argnums: [0, 1, 2] },
        );
        const reference = x.valueAndGrad(
          objective((h, w, b) => unfused(h, w, y, withBias(b))),
          { argnums: [0, 1, 2] },
        );
        const args = [
          f64([c.n, c.d], wave(c.n * c.d, 1.3, 2, c.seed)),
          f64([c.v, c.d], wave(c.v * c.d, 0.7, 1, c.seed)),
          f64([c.v], wave(c.v, 2.1, 0.5, c.seed)),
          f64([c.n], wave(c.n, 0.9, 1.5)),
        ] as const;
        const jitted = x.jit(fused);
        const args32 = args.map((a) => x.cast(a, 'f32')) as unknown as typeof args;
        const passes = jitted
          .program(...args32)
          .steps.flatMap((s) => (s.kind === 'launch' && s.kernel.kind === 'linearLogits' ? [s.kernel.pass] : []));
        expect(passes).toEqual(['statsGrad']);
        const [v32, g32] = jitted(...args32);
        const [v64, g64] = reference(...args);
        expectF32Result([v32, g32], [v64, g64], { loss: 1e-5, gradient: 1e-4, floor: 1e-7 });
      }),
      { numRuns: 40 },
    );
  });

  test('extreme hidden states (logits ±1e4) stay finite and exact; f32 logits near overflow match the f64 reference', () => {
    const h = f64([2, 2], [1e4, -1e4, -3e3, 2e3]);
    const w = f64([3, 2], [1, 0.5, -1, 0.25, 0.3, -2]);
    const y = x.tensor([2, 0], { dtype: 'i32' });
    const fused = pullback((hh, ww) => x.losses.linearCrossEntropy(hh, ww, y), h, w, f64([3], [0, 0, 0]), f64([], [1]));
    const reference = pullback((hh, ww) => unfused(hh, ww, y, {}), h, w, f64([3], [0, 0, 0]), f64([], [1]));
    expectAllClose(fused.value, reference.value, tol, 'loss');
    expectAllClose(fused.grads[0] as number[], reference.grads[0] as number[], tol, '∂L/∂h');
    // f32: logits of ±88 would overflow an unshifted exp
    const h32 = x.cast(f64([2, 2], [88, -40, 60, 87]), 'f32');
    const w32 = x.cast(w, 'f32');
    const [v32, g32] = x.valueAndGrad((hh: x.Tensor) => x.losses.linearCrossEntropy(hh, w32, y))(h32);
    const [v64, g64] = x.valueAndGrad((hh: x.Tensor) => unfused(hh, w, y, {}))(f64([2, 2], [88, -40, 60, 87]));
    expectAllClose(toNumbers(v32), toNumbers(v64), { rtol: 1e-6, atol: 1e-5 }, 'f32 loss');
    expectAllClose(toNumbers(g32), toNumbers(g64), { rtol: 1e-5, atol: 1e-6 }, 'f32 ∂L/∂h');
  });

  test('f32 on the SIMD CPU path (vocabulary chunks with a ragged last one, threads) agrees with f64, every stats column', () => {
    // 1100 rows: chunks of 3808 entries, so 16003 = 4·3808 + 771 (and a last matmul panel 3 wide)
    const [n, d, v] = [1100, 12, 16003];
    const h = f64([n, d], wave(n * d, 1.3, 1.5));
    const w = f64([v, d], wave(v * d, 0.7, 0.5));
    // entry 17 dominates every row by a clear margin, so the max's argmax is the same in f32 and f64
    const b = f64(
      [v],
      wave(v, 2.1, 0.3).map((q, i) => (i === 17 ? q + 10 : q)),
    );
    const y = x.tensor(
      Int32Array.from({ length: n }, (_, i) => (i % 7 === 3 ? IGNORE : (i * 131) % v)),
      { shape: [n], dtype: 'i32' },
    );
    const loss = (hh: x.Tensor, ww: x.Tensor, bb: x.Tensor) =>
      x.add(
        x.losses.linearCrossEntropy(hh, ww, y, { bias: bb, ignoreIndex: IGNORE, labelSmoothing: 0.1, softcap: 5 }),
        x.div(x.sum(x.linearLogitStats(hh, ww, { bias: bb }).max), n),
      );
    const args32 = [x.cast(h, 'f32'), x.cast(w, 'f32'), x.cast(b, 'f32')] as const;
    // the loss pairs its kernels: rows in blocks of ⌊2²⁴/16003⌋ = 1048, so 1100 = 1048 + 52, in
    // groups of ⌊2²⁰/16003⌋ = 65 rows; its square's cotangent reads the loss, so it runs the
    // separate stats and grad kernels over vocabulary chunks
    const cases: [(hh: x.Tensor, ww: x.Tensor, bb: x.Tensor) => x.Tensor, string[]][] = [
      [loss, ['statsGrad', 'statsGrad']],
      [(hh, ww, bb) => x.square(loss(hh, ww, bb)), ['grad', 'grad', 'stats', 'stats']],
    ];
    for (const [f, passes] of cases) {
      const vg = x.valueAndGrad(f, { argnums: [0, 1, 2] });
      const [v64, g64] = vg(h, w, b);
      const jitted = x.jit(vg);
      const kernels = jitted
        .program(...args32)
        .steps.flatMap((s) => (s.kind === 'launch' && s.kernel.kind === 'linearLogits' ? [s.kernel.pass] : []));
      expect(kernels.sort()).toEqual(passes);
      const [v32, g32] = jitted(...args32);
      expectF32Result([v32, g32], [v64, g64], { loss: 1e-6, gradient: 1e-4, floor: 0 });
    }
  });

  test('a vocabulary too wide for row blocks (V = 2 200 000: blocks of 7 rows) pairs stats and grad as two chunked passes, in f32', () => {
    const [n, d, v] = [10, 2, 2_200_000];
    const [h, w, b] = waveOperands(n, d, v);
    const y = x.tensor(
      Int32Array.from({ length: n }, (_, i) => (i * 220_013) % v),
      { shape: [n], dtype: 'i32' },
    );
    const vg = x.valueAndGrad(
      (hh: x.Tensor, ww: x.Tensor, bb: x.Tensor) => x.losses.linearCrossEntropy(hh, ww, y, { bias: bb }),
      {
        argnums: [0, 1, 2],
      },
    );
    const [v64, g64] = vg(h, w, b);
    const args32 = [x.cast(h, 'f32'), x.cast(w, 'f32'), x.cast(b, 'f32')] as const;
    const jitted = x.jit(vg);
    expect(
      jitted
        .program(...args32)
        .steps.some((s) => s.kind === 'launch' && s.kernel.kind === 'linearLogits' && s.kernel.pass === 'statsGrad'),
    ).toBe(true);
    const [v32, g32] = jitted(...args32);
    // ∂h sums 2.2M f32 terms that mostly cancel: its error is about √V·2⁻²⁴ ≈ 1e-4 of their size
    expectF32Result([v32, g32], [v64, g64], { loss: 1e-6, gradient: 1e-3, floor: 0 });
  });

  test('stats and grad stay two kernels when the cotangent reads the stats (log of the loss), and agree with the unfused loss', () => {
    const [n, d, v] = [6, 3, 11];
    const [h, w, b] = waveOperands(n, d, v, 0.3);
    const y = x.tensor(
      Int32Array.from({ length: n }, (_, i) => (i * 5) % v),
      { shape: [n], dtype: 'i32' },
    );
    const passesOf = (f: (hh: x.Tensor, ww: x.Tensor, bb: x.Tensor) => x.Tensor) => {
      const step = x.jit(x.valueAndGrad(f, { argnums: [0, 1, 2] }));
      const passes = step
        .program(h, w, b)
        .steps.flatMap((s) => (s.kind === 'launch' && s.kernel.kind === 'linearLogits' ? [s.kernel.pass] : []));
      return { passes, result: step(h, w, b) };
    };
    const fused = (hh: x.Tensor, ww: x.Tensor, bb: x.Tensor) => x.losses.linearCrossEntropy(hh, ww, y, { bias: bb });
    const logged = passesOf((hh, ww, bb) => x.log(fused(hh, ww, bb)));
    expect(logged.passes).toEqual(['stats', 'grad']);
    expect(passesOf(fused).passes).toEqual(['statsGrad']);
    const [value, grads] = logged.result;
    const [refValue, refGrads] = x.valueAndGrad(
      (hh: x.Tensor, ww: x.Tensor, bb: x.Tensor) => x.log(unfused(hh, ww, y, { bias: bb })),
      {
        argnums: [0, 1, 2],
      },
    )(h, w, b);
    expectAllClose(toNumbers(value), toNumbers(refValue), tol, 'loss');
    grads.forEach((g, i) => {
      expectAllClose(toNumbers(g), toNumbers(refGrads[i] as x.Tensor), tol, `gradient ${i}`);
    });
  });

  test('gradient filtering keeps the loss and changes the gradient by less than the dropped softmax mass', () => {
    const n = 8;
    const [d, v] = [4, 300];
    const h = f64(
      [n, d],
      Array.from({ length: n * d }, (_, i) => 4 * Math.sin(i)),
    );
    const w = f64(
      [v, d],
      Array.from({ length: v * d }, (_, i) => 3 * Math.cos(i * 0.7)),
    );
    const y = x.tensor(
      Int32Array.from({ length: n }, (_, i) => (i * 41) % v),
      { shape: [n], dtype: 'i32' },
    );
    const exact = x.valueAndGrad((hh: x.Tensor) => x.losses.linearCrossEntropy(hh, w, y))(h);
    const filtered = x.valueAndGrad((hh: x.Tensor) => x.losses.linearCrossEntropy(hh, w, y, { gradFilter: true }))(h);
    expect(toNumbers(filtered[0])).toEqual(toNumbers(exact[0]));
    const maxW = Math.max(...toNumbers(w).map(Math.abs));
    expectAllClose(toNumbers(filtered[1]), toNumbers(exact[1]), { rtol: 0, atol: (v * 2 ** -24 * maxW) / n }, '∂L/∂h');
  });

  test('second order: the Hessian-vector product through the fused loss matches the unfused one', () => {
    const h = f64([3, 2], [0.3, -0.2, 1.1, 0.5, -0.7, 0.9]);
    const w = f64([5, 2], [0.1, 0.4, -0.3, 0.8, 0.6, -0.5, 0.2, 0.2, -0.9, 0.1]);
    const y = x.tensor([4, 0, 2], { dtype: 'i32' });
    const dir = f64([3, 2], [1, 0.5, -0.25, 0.75, 0.1, -1]);
    const o: Options = { labelSmoothing: 0.1, softcap: 2 };
    const fused = x.hvp((hh) => x.losses.linearCrossEntropy(hh, w, y, o))(h, dir);
    const reference = x.hvp((hh) => unfused(hh, w, y, o))(h, dir);
    expectAllClose(toNumbers(fused), toNumbers(reference), tol, 'H·v');
  });

  test('bad input is a clear XentError naming the function and the argument', () => {
    const h = f64([2, 3], [1, 2, 3, 4, 5, 6]);
    const w = f64(
      [4, 3],
      Array.from({ length: 12 }, (_, i) => i),
    );
    const y = x.tensor([1, 3], { dtype: 'i32' });
    const call =
      (...a: unknown[]) =>
      () =>
        (x.losses.linearCrossEntropy as (...b: unknown[]) => unknown)(...a);
    expect(call(h, f64([4, 2], [1, 2, 3, 4, 5, 6, 7, 8]), y)).toThrow(
      /linearCrossEntropy: argument 'w' expected a classifier \[V, 3\]/,
    );
    expect(call(h, w, x.tensor([1, 4], { dtype: 'i32' }))).toThrow(
      /argument 'labels' expected class indices in \[0, 4\)/,
    );
    expect(call(h, w, x.tensor([1, 2, 3], { dtype: 'i32' }))).toThrow(/argument 'labels' expected shape \[2\]/);
    expect(call(h, w, y, { bias: f64([3], [0, 0, 0]) })).toThrow(/argument 'bias' expected f64\[4\]/);
    expect(call(h, w, y, { softcap: -1 })).toThrow(/argument 'softcap' expected a finite number > 0/);
    expect(call(x.cast(h, 'f32'), w, y)).toThrow(/argument 'w' expected dtype f32/);
    expect(call(h, w, y, { gradFilter: 'yes' })).toThrow(/argument 'gradFilter' expected a boolean/);
  });
});

describe('the automatic rewrite of CE(h·Wᵀ + b, y)', () => {
  // 1024 × 4096 logits, on a CPU backend that rewrites from 4M elements (the default waits for 32M)
  const fusing = x.createCpuBackend({ linearLogitsMinElements: 1 << 22 });
  const keeping = x.createCpuBackend({ linearLogitsMinElements: Infinity });
  const [n, d, v] = [1024, 3, 4096];
  const h = f64(
    [n, d],
    Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.7)),
  );
  const w = f64(
    [v, d],
    Array.from({ length: v * d }, (_, i) => Math.cos(i * 0.37)),
  );
  const b = f64(
    [v],
    Array.from({ length: v }, (_, i) => Math.sin(i) / 2),
  );
  const y = x.tensor(
    Int32Array.from({ length: n }, (_, i) => (i * 131) % v),
    { shape: [n], dtype: 'i32' },
  );
  const plain = (yy: x.Tensor) => (hh: x.Tensor, ww: x.Tensor, bb: x.Tensor) =>
    x.losses.crossEntropy(x.add(x.matmul(hh, x.transpose(ww)), bb), yy, { labelSmoothing: 0.1 });
  const step = x.jit(x.valueAndGrad(plain(y), { argnums: [0, 1, 2] }), { backend: fusing });
  /** How many fused linear-logit kernels a program launches. */
  const fusedKernels = (p: x.Program): number =>
    p.steps.filter((st) => st.kind === 'launch' && st.kernel.kind === 'linearLogits').length;

  test('fires: the scheduled program has fused kernels and no [N, V] buffer, and peak temporaries are O(N·D + V·D + N)', () => {
    const program = step.program(h, w, b);
    const kernels = programLaunches(program).map((s) => s.kernel);
    expect(kernels.filter((k) => k.kind === 'linearLogits').map((k) => k.pass)).toEqual(['statsGrad']);
    expect(kernels.some((k) => k.kind === 'matmul')).toBe(false);
    expect(Math.max(...program.buffers.map((buf) => buf.size))).toBeLessThan((n * v) / 8);
    const peak = x.peakTemporaryBytes(program);
    expect(peak).toBeLessThanOrEqual(8 * 4 * (n * d + v * d + v + 5 * n));
    // the unfused program of the same loss (its logits are detached from the rewrite by a non-row-wise use)
    const unfusedStep = x.jit(
      x.valueAndGrad(
        (hh: x.Tensor, ww: x.Tensor, bb: x.Tensor) =>
          x.add(plain(y)(hh, ww, bb), x.mul(0, x.sum(x.mul(x.matmul(hh, x.transpose(ww)), 0)))),
        {
          argnums: [0, 1, 2],
        },
      ),
      { backend: fusing },
    );
    expect(x.peakTemporaryBytes(unfusedStep.program(h, w, b))).toBeGreaterThanOrEqual(8 * n * v);
  });

  test('does not fire below the threshold, and equals the unfused reference (computed on row blocks below it)', () => {
    const [value, grads] = step(h, w, b) as unknown as [x.Tensor, x.Tensor[]];
    const half = n / 2;
    const halfProgram = x
      .jit(x.valueAndGrad(plain(x.slice(y, [0], [half])), { argnums: [0, 1, 2] }), { backend: fusing })
      .program(x.slice(h, [0, 0], [half, d]), w, b);
    expect(fusedKernels(halfProgram)).toBe(0);
    const rows = (t: x.Tensor, lo: number) => x.slice(t, [lo, 0], [lo + half, t.shape[1] as number]);
    const ys = [x.slice(y, [0], [half]), x.slice(y, [half], [n])];
    const parts = [0, half].map((lo, i) => {
      const [pv, pg] = x.valueAndGrad(plain(ys[i] as x.Tensor), { argnums: [0, 1, 2] })(rows(h, lo), w, b);
      return { value: toNumbers(pv)[0] as number, grads: pg.map(toNumbers) };
    });
    const [first, second] = parts as [(typeof parts)[0], (typeof parts)[0]];
    // each half is a mean over its rows: the whole mean is their average
    expectAllClose(toNumbers(value), [(first.value + second.value) / 2], tol, 'loss');
    const refH = [...(first.grads[0] as number[]), ...(second.grads[0] as number[])].map((g) => g / 2);
    expectAllClose(toNumbers(grads[0] as x.Tensor), refH, tol, '∂L/∂h');
    for (const [i, name] of [
      [1, 'W'],
      [2, 'b'],
    ] as const) {
      const other = second.grads[i] as number[];
      const ref = (first.grads[i] as number[]).map((g, k) => (g + (other[k] as number)) / 2);
      expectAllClose(toNumbers(grads[i] as x.Tensor), ref, tol, `∂L/∂${name}`);
    }
  });
  test('jit traces for the backend it runs on: a backend with another threshold never reuses a stale trace', () => {
    const vg = x.valueAndGrad(plain(y), { argnums: [0, 1, 2] });
    expect(fusedKernels(x.jit(vg, { backend: fusing }).program(h, w, b))).toBe(1);
    expect(fusedKernels(x.jit(vg, { backend: keeping }).program(h, w, b))).toBe(0);
    // one jitted function following the default backend as it changes
    const follow = x.jit(vg);
    const before = x.getDefaultBackend();
    try {
      x.setDefaultBackend(fusing);
      expect(fusedKernels(follow.program(h, w, b))).toBe(1);
      const [fusedValue, fusedGrads] = follow(h, w, b);
      x.setDefaultBackend(keeping);
      expect(fusedKernels(follow.program(h, w, b))).toBe(0);
      const [value, grads] = follow(h, w, b);
      x.setDefaultBackend(fusing);
      expect(fusedKernels(follow.program(h, w, b))).toBe(1);
      expect(follow.cacheSize).toBe(2);
      expectAllClose(toNumbers(fusedValue), toNumbers(value), tol, 'loss');
      fusedGrads.forEach((g, i) => {
        expectAllClose(toNumbers(g), toNumbers(grads[i] as x.Tensor), tol, `gradient ${i}`);
      });
    } finally {
      x.setDefaultBackend(before);
    }
  });

  test("the rewrite is the trace stage's `linearLogits` pass, before autodiff: jit's dump hook sees it", () => {
    const seen: [string, Graph][] = [];
    const dump = (pass: string, graph: Graph): void => {
      seen.push([pass, graph]);
    };
    x.jit(x.valueAndGrad(plain(y), { argnums: [0, 1, 2] }), { backend: fusing, dump }).program(h, w, b);
    // valueAndGrad's trace of the loss, then jit's of the value and gradient, then the graph passes
    expect(seen.map(([pass]) => pass).slice(0, 3)).toEqual(['linearLogits', 'linearLogits', 'expandCustom']);
    const prims = (g: Graph): string[] => g.nodes.flatMap((node) => (node.kind === 'op' ? [node.prim] : []));
    const [forward, whole] = seen.map(([, g]) => prims(g));
    expect(forward).toContain('linearLogitStats');
    expect(forward).not.toContain('matmul');
    expect(whole).toContain('linearLogitGrad');
  });

  test('the threshold is a checked backend option', () => {
    expect(() => x.createCpuBackend({ linearLogitsMinElements: -1 })).toThrow(
      /createCpuBackend: argument 'linearLogitsMinElements' expected a number ≥ 0, got -1/,
    );
    expect(x.backends.cpu.linearLogitsMinElements).toBe(2 ** 25);
    expect(x.backends.reference.linearLogitsMinElements).toBeUndefined();
  });
});
