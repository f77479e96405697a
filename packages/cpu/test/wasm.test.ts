/**
 * @file The WebAssembly SIMD kernels: exp, log and tanh against Math over the whole f32 range, reductions
 * at extremes, and random programs wide enough to vectorise (with tails) against the reference;
 * exp, log, tanh, reductions and matmul both with relaxed SIMD multiply-adds and without.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type MapKernel, programLaunches } from '@xent/core/internal';
import * as x from 'xent';
import { createCpuBackend } from '@xent/cpu';
import { wasmIneligibility } from '../src/wasm/plan.js';
import { valuesArb } from '../../../test/support/arbitraries.js';
import { expectAllClose, toNumbers } from '../../../test/support/numeric.js';
import { expectMatchesReference } from '../../../test/support/parity.js';
import { exprArb } from '../../../test/support/randomGraphs.js';

const mapKernels = (p: x.Program): MapKernel[] =>
  programLaunches(p).flatMap((s) => (s.kernel.kind === 'map' ? [s.kernel] : []));
const vectorised = (p: x.Program): number => mapKernels(p).filter((k) => wasmIneligibility(k) === undefined).length;

/** Every 4099th f32 bit pattern (≈ one million values, all exponents, both signs, NaNs and infinities). */
function sampledFloats(): Float32Array {
  const n = 37 * Math.floor(2 ** 32 / 4099 / 37);
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = (i * 4099) >>> 0;
  return new Float32Array(bits.buffer);
}

/** The CPU backend with relaxed SIMD multiply-adds, and without. */
const relaxedBackends = [
  ['relaxed SIMD', createCpuBackend({ relaxedSimd: true })],
  ['plain SIMD', createCpuBackend({ relaxedSimd: false })],
] as const;

/** Whether this machine fuses f32x4.relaxed_madd: (1 + 2⁻¹²)² − (1 + 2⁻¹¹) is 2⁻²⁴ fused, 0 rounded first. */
function relaxedMaddFuses(): boolean {
  const f32 = (v: number): number[] => Array.from(new Uint8Array(new Float32Array([v]).buffer));
  const splat = (v: number): number[] => [0x43, ...f32(v), 0xfd, 0x13];
  // () → f32: lane 0 of relaxed_madd(splat a, splat a, splat c)
  const body = [0, ...splat(1 + 2 ** -12), ...splat(1 + 2 ** -12), ...splat(-(1 + 2 ** -11))];
  body.push(0xfd, 0x85, 0x02, 0xfd, 0x1f, 0, 0x0b);
  const bytes = Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7d],
    ...[0x03, 0x02, 0x01, 0x00],
    ...[0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00],
    ...[0x0a, body.length + 2, 0x01, body.length, ...body],
  ]);
  const wasm = (
    globalThis as unknown as {
      WebAssembly: {
        Instance: new (m: unknown) => { exports: { f: () => number } };
        Module: new (b: Uint8Array) => unknown;
      };
    }
  ).WebAssembly;
  return new wasm.Instance(new wasm.Module(bytes)).exports.f() !== 0;
}

/** |a − b| in units in the last place of b (denormal spacing below the normal range). */
function ulps(a: number, b: number): number {
  const magnitude = Math.abs(b);
  const spacing = magnitude < 1.1754943508222875e-38 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(magnitude)) - 23);
  return Math.abs(a - b) / spacing;
}

describe.each([
  ['exp', x.exp, Math.exp, 2],
  ['log', x.log, Math.log, 4],
  ['tanh', x.tanh, Math.tanh, 2],
] as const)('vectorised %s over the f32 range', (name, op, ref, bound) => {
  const input = sampledFloats();
  const t = x.tensor(input, { shape: [input.length / 37, 37] });
  const outputs = new Map<(typeof relaxedBackends)[number][1], Float32Array>();
  /** The backend's results over the sampled floats (computed once per backend). */
  const outputOf = (backend: (typeof relaxedBackends)[number][1]): Float32Array => {
    let out = outputs.get(backend);
    if (out === undefined) {
      const f = x.jit((v: x.Tensor) => op(v), { backend });
      expect(vectorised(f.program(t))).toBe(1);
      out = f(t).data() as Float32Array;
      outputs.set(backend, out);
    }
    return out;
  };
  test.each(relaxedBackends)(
    `%s: within ${bound} ulp of Math.${name} rounded to f32; special values exact`,
    (_label, backend) => {
      const out = outputOf(backend);
      let worst = 0;
      for (let i = 0; i < input.length; i++) {
        const want = Math.fround(ref(input[i] as number));
        const got = out[i] as number;
        if (!Number.isFinite(want) || want === 0) {
          if (!Object.is(got, want) && !(Number.isNaN(got) && Number.isNaN(want))) {
            throw new Error(`${name}(${input[i]}) = ${got}, expected ${want}`);
          }
          continue;
        }
        worst = Math.max(worst, ulps(got, want));
      }
      expect(worst).toBeLessThanOrEqual(bound);
    },
    120_000,
  );
  test('relaxed SIMD is used: where relaxed_madd fuses, some results differ from plain SIMD by a rounding', () => {
    const [on, off] = relaxedBackends.map(([, backend]) => outputOf(backend)) as [Float32Array, Float32Array];
    let differing = 0;
    for (let i = 0; i < input.length; i++) if (!Object.is(on[i], off[i])) differing++;
    if (relaxedMaddFuses()) expect(differing).toBeGreaterThan(0);
    else expect(differing).toBe(0);
  }, 120_000);
});

describe('vectorised reductions at extremes', () => {
  const rows = [
    [1e4, -1e4, 0, 3, -Infinity, 2, 1, 0.5, 9999, -3, 7],
    Array.from({ length: 11 }, () => -Infinity),
    [1, 2, Infinity, 3, 4, 5, 6, 7, 8, 9, 10],
    [1, 2, NaN, 3, 4, 5, 6, 7, 8, 9, 10],
    [Infinity, Infinity, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    Array.from({ length: 11 }, (_, i) => -1e4 + i),
  ];
  const z = x.tensor(rows);

  const reductions = [
    ['logsumexp', (t: x.Tensor) => x.logsumexp(t, { axis: -1 })],
    ['max', (t: x.Tensor) => x.max(t, { axis: -1 })],
    ['sum', (t: x.Tensor) => x.sum(t, { axis: -1 })],
  ] as const;
  test.each(
    relaxedBackends.flatMap(([label, backend]) => reductions.map(([name, f]) => [name, label, f, backend] as const)),
  )(
    '%s (%s) matches the reference interpreter exactly in its special values',
    (_name, _label, f, backend) => {
      const fast = x.jit(f, { backend });
      expect(vectorised(fast.program(z))).toBe(1);
      const got = toNumbers(fast(z));
      const want = toNumbers(x.jit(f, { backend: 'reference' })(z));
      expectAllClose(got, want, { rtol: 1e-6, atol: 1e-6 });
    },
    120_000,
  );
});

describe.each([
  [3, 37],
  [4, 64],
])('vectorised random programs on [%i, %i] equal the reference interpreter', (rows, cols) => {
  const weights = x.tensor(
    Float32Array.from({ length: rows * cols }, (_, i) => Math.cos(i)),
    { shape: [rows, cols] },
  );
  const input = (v: readonly number[]): x.Tensor => x.tensor(Float32Array.from(v), { shape: [rows, cols] });

  test('forward and backward, f32', () => {
    let wasmKernels = 0;
    fc.assert(
      fc.property(exprArb, valuesArb([rows, cols], 'unit'), valuesArb([rows, cols], 'unit'), (e, a, b) => {
        const program = expectMatchesReference(e, input(a), input(b), weights, { rtol: 2e-4, atol: 2e-4 });
        wasmKernels += vectorised(program);
      }),
      { numRuns: 60 },
    );
    expect(wasmKernels).toBeGreaterThan(0);
  }, 300_000);
});

describe.each(relaxedBackends)('vectorised matmul, %s', (_label, backend) => {
  test('any shape (tails included), transposed operands and batches, against the reference', () => {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          m: fc.integer({ min: 1, max: 21 }),
          // k ≥ 2: a product over one term is an outer product, which simplify (outerMatmul) makes a map
          k: fc.integer({ min: 2, max: 40 }),
          n: fc.integer({ min: 1, max: 37 }),
          ta: fc.boolean(),
          tb: fc.boolean(),
        }),
        ({ batch, m, k, n, ta, tb }) => {
          const values = (count: number, seed: number): Float32Array =>
            Float32Array.from({ length: count }, (_, i) => Math.sin(seed + i * 1.3));
          const a = x.tensor(values(batch * m * k, 1), { shape: ta ? [batch, k, m] : [batch, m, k] });
          const b = x.tensor(values(batch * k * n, 2), { shape: tb ? [batch, n, k] : [batch, k, n] });
          const f = (p: x.Tensor, q: x.Tensor): x.Tensor =>
            x.matmul(ta ? x.transpose(p, [0, 2, 1]) : p, tb ? x.transpose(q, [0, 2, 1]) : q);
          const fast = x.jit(f, { backend });
          const kinds = programLaunches(fast.program(a, b)).map((s) => s.kernel.kind);
          expect(kinds).toEqual(['matmul']);
          expectAllClose(toNumbers(fast(a, b)), toNumbers(x.jit(f, { backend: 'reference' })(a, b)), {
            rtol: 1e-5,
            atol: 1e-5,
          });
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);
});

test('vectorised matmul multiply-adds with relaxed_madd when enabled: fused where the machine fuses', () => {
  // every C[i, j] = −(1 + 2⁻¹¹)·1 + (1 + 2⁻¹²)²: 2⁻²⁴ exactly, 0 when the product is rounded before the add
  const [m, n] = [64, 64];
  const a = x.tensor(
    Float32Array.from({ length: m * 2 }, (_, i) => (i % 2 === 0 ? -(1 + 2 ** -11) : 1 + 2 ** -12)),
    { shape: [m, 2] },
  );
  const b = x.tensor(
    Float32Array.from({ length: 2 * n }, (_, i) => (i < n ? 1 : 1 + 2 ** -12)),
    { shape: [2, n] },
  );
  const [[, on], [, off]] = relaxedBackends;
  const run = (backend: (typeof relaxedBackends)[number][1]): Set<number> => {
    const f = x.jit((p: x.Tensor, q: x.Tensor) => x.matmul(p, q), { backend });
    expect(programLaunches(f.program(a, b)).map((s) => s.kernel.kind)).toEqual(['matmul']);
    return new Set(toNumbers(f(a, b)));
  };
  expect(run(off)).toEqual(new Set([0]));
  expect(run(on)).toEqual(new Set([relaxedMaddFuses() ? 2 ** -24 : 0]));
  expect(toNumbers(x.jit((p: x.Tensor, q: x.Tensor) => x.matmul(p, q), { backend: 'reference' })(a, b))[0]).toBe(
    2 ** -24,
  );
}, 120_000);
