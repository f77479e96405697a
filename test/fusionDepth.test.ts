/**
 * @file Loop-carried elementwise and movement recurrences (each step reads the previous state
 * through several shifts) stay compilable: fuse bounds how often one kernel recomputes a node, so
 * the kernel's expression grows with the number of steps, not exponentially (checked against an
 * f64 host loop, eager and jitted).
 */
import { describe, expect, test } from 'vitest';
import { programLaunches } from '@xent/core/internal';
import * as x from 'xent';
import { expectAllClose, toNumbers } from './support/numeric.js';

const L = 7;

/** t shifted right by k along its only axis, `fill` entering on the left. */
const shift = (t: x.Tensor, k: number): x.Tensor => x.slice(x.pad(t, [[k, 0]]), [0], [L]);

/** s ← ½ (logaddexp(s, shift₁ s) + logaddexp(shift₂ s, ½ s)) − 1, for `steps` steps (contracting, so differences stay accurate). */
function recurrence(s0: x.Tensor, steps: number): x.Tensor {
  let s = s0;
  for (let t = 0; t < steps; t++)
    s = x.sub(x.mul(x.add(x.logaddexp(s, shift(s, 1)), x.logaddexp(shift(s, 2), x.mul(s, 0.5))), 0.5), 1);
  return s;
}

/** The same recurrence on f64 numbers. */
function hostRecurrence(s0: readonly number[], steps: number): number[] {
  const lae = (a: number, b: number): number => Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
  let s = [...s0];
  for (let t = 0; t < steps; t++) {
    const at = (i: number): number => (i < 0 ? 0 : (s[i] as number));
    s = s.map((v, i) => 0.5 * (lae(v, at(i - 1)) + lae(at(i - 2), 0.5 * v)) - 1);
  }
  return s;
}

const s0 = Array.from({ length: L }, (_, i) => Math.sin(i + 1));

describe('loop-carried recurrences through shifts', () => {
  test('eager f64', { timeout: 60_000 }, () => {
    expectAllClose(toNumbers(recurrence(x.tensor(Float64Array.from(s0)), 50)), hostRecurrence(s0, 50), {
      rtol: 1e-12,
      atol: 1e-12,
    });
  });
  for (const backend of ['cpu', 'cpu-js'] as const) {
    test(`jitted f64 and f32 on ${backend}`, { timeout: 60_000 }, () => {
      const f = x.jit((s: x.Tensor) => recurrence(s, 50), { backend });
      expectAllClose(toNumbers(f(x.tensor(Float64Array.from(s0)))), hostRecurrence(s0, 50), {
        rtol: 1e-12,
        atol: 1e-12,
      });
      const s32 = s0.map(Math.fround);
      expectAllClose(toNumbers(f(x.tensor(Float32Array.from(s32), { shape: [L] }))), hostRecurrence(s32, 50), {
        rtol: 1e-4,
        atol: 1e-4,
      });
    });
  }
  test(
    'jitted gradient of the sum over 20 steps, against central differences of the host loop',
    { timeout: 120_000 },
    () => {
      const g = x.jit(x.grad((s: x.Tensor) => x.sum(recurrence(s, 20))));
      const h = 1e-6;
      const sum = (v: readonly number[]): number => hostRecurrence(v, 20).reduce((a, b) => a + b, 0);
      const fd = s0.map(
        (_, i) =>
          (sum(s0.map((v, j) => (j === i ? v + h : v))) - sum(s0.map((v, j) => (j === i ? v - h : v)))) / (2 * h),
      );
      expectAllClose(toNumbers(g(x.tensor(Float64Array.from(s0)))), fd, { rtol: 1e-6, atol: 1e-8 });
    },
  );
  test('the 50 steps take a kernel every few steps, not one per step nor one in all', { timeout: 60_000 }, () => {
    const program = x.jit((s: x.Tensor) => recurrence(s, 50)).program(x.tensor(Float64Array.from(s0)));
    const launches = programLaunches(program).length;
    expect(launches).toBeGreaterThan(1);
    expect(launches).toBeLessThan(50);
  });
});
