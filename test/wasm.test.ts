/**
 * @file The WebAssembly SIMD kernels: exp and log against Math over the whole f32 range, reductions
 * at extremes, and random programs wide enough to vectorise (with tails) against the reference.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { wasmIneligibility } from '@xent/cpu';
import { valuesArb } from './support/arbitraries.js';
import { expectAllClose, toNumbers } from './support/numeric.js';
import { expectMatchesReference } from './support/parity.js';
import { exprArb } from './support/randomGraphs.js';

const mapKernels = (p: x.Program): x.MapKernel[] =>
  p.steps.flatMap((s) => (s.kind === 'launch' && s.kernel.kind === 'map' ? [s.kernel] : []));
const vectorised = (p: x.Program): number => mapKernels(p).filter((k) => wasmIneligibility(k) === undefined).length;

/** Every 4099th f32 bit pattern (≈ one million values, all exponents, both signs, NaNs and infinities). */
function sampledFloats(): Float32Array {
  const n = 37 * Math.floor(2 ** 32 / 4099 / 37);
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = (i * 4099) >>> 0;
  return new Float32Array(bits.buffer);
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
] as const)('vectorised %s over the f32 range', (name, op, ref, bound) => {
  test(`within ${bound} ulp of Math.${name} rounded to f32; special values exact`, () => {
    const input = sampledFloats();
    const f = x.jit((t: x.Tensor) => op(t));
    const t = x.tensor(input, { shape: [input.length / 37, 37] });
    expect(vectorised(f.program(t))).toBe(1);
    const out = f(t).data() as Float32Array;
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
  });
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

  test.each([
    ['logsumexp', (t: x.Tensor) => x.logsumexp(t, { axis: -1 })],
    ['max', (t: x.Tensor) => x.max(t, { axis: -1 })],
    ['sum', (t: x.Tensor) => x.sum(t, { axis: -1 })],
  ] as const)('%s matches the reference interpreter exactly in its special values', (_name, f) => {
    const fast = x.jit(f);
    expect(vectorised(fast.program(z))).toBe(1);
    const got = toNumbers(fast(z));
    const want = toNumbers(x.jit(f, { backend: 'reference' })(z));
    expectAllClose(got, want, { rtol: 1e-6, atol: 1e-6 });
  });
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
  });
});

test('vectorised matmul: any shape (tails included), transposed operands and batches, against the reference', () => {
  fc.assert(
    fc.property(
      fc.record({
        batch: fc.integer({ min: 1, max: 3 }),
        m: fc.integer({ min: 1, max: 21 }),
        k: fc.integer({ min: 1, max: 40 }),
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
        const fast = x.jit(f);
        const kinds = fast.program(a, b).steps.flatMap((s) => (s.kind === 'launch' ? [s.kernel.kind] : []));
        expect(kinds).toEqual(['matmul']);
        expectAllClose(toNumbers(fast(a, b)), toNumbers(x.jit(f, { backend: 'reference' })(a, b)), {
          rtol: 1e-5,
          atol: 1e-5,
        });
      },
    ),
    { numRuns: 100 },
  );
});
