/**
 * @file Threads: large kernels split across workers give bit-for-bit the single-thread results, and
 * an index error raised inside a worker reaches the caller as the usual IndexError.
 */
import { describe, expect, test } from 'vitest';
import { programLaunches } from '@xent/core/internal';
import * as x from 'xent';
import { availableThreads, createCpuBackend } from '@xent/cpu';
import { wasmIneligibility } from '../src/wasm/plan.js';

/** The timeout these tests had as part of the root suite (its project default). */
const TIMEOUT = 300_000;

const one = createCpuBackend({ threads: 1 });
const many = createCpuBackend({ threads: Math.max(2, availableThreads()) });

const values = (n: number, seed: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.37) * 3);

const ce = (z: x.Tensor, y: x.Tensor): x.Tensor =>
  x.mean(x.sub(x.logsumexp(z, { axis: -1 }), x.squeeze(x.gather(z, x.expandDims(y, -1), { axis: -1 }), -1)));

describe('split kernels equal the single-thread kernels bit for bit', { timeout: TIMEOUT }, () => {
  const z = x.tensor(values(96 * 1500, 1), { shape: [96, 1500] });
  const y = x.tensor(
    Int32Array.from({ length: 96 }, (_, i) => (i * 37) % 1500),
    { shape: [96] },
  );
  const cases: [string, (...a: x.Tensor[]) => x.TensorOutput, x.Tensor[]][] = [
    ['cross-entropy value and gradient', x.valueAndGrad(ce), [z, y]],
    ['softmax', (t) => x.softmax(t), [z]],
    ['entropy gradient', x.grad((t: x.Tensor) => x.sum(x.mul(x.softmax(t), x.logSoftmax(t)))), [z]],
    [
      '1-D elementwise with a tail (length not a multiple of 4)',
      (t) => x.exp(x.neg(t)),
      [x.tensor(values(100_003, 2))],
    ],
    [
      'matmul with a partial last panel',
      (a, b) => x.matmul(a, x.transpose(b)),
      [x.tensor(values(130 * 70, 3), { shape: [130, 70] }), x.tensor(values(301 * 70, 4), { shape: [301, 70] })],
    ],
  ];
  test.each(cases)('%s', (_name, f, args) => {
    const a = x.jit(f, { backend: one })(...(args as never[]));
    const b = x.jit(f, { backend: many })(...(args as never[]));
    const flat = (o: x.TensorOutput): x.Tensor[] => (o instanceof x.Tensor ? [o] : o.flatMap(flat));
    const [fa, fb] = [flat(a), flat(b)];
    expect(fb.length).toBe(fa.length);
    fa.forEach((t, i) => {
      expect(Buffer.from((fb[i] as x.Tensor).data().buffer).equals(Buffer.from(t.data().buffer))).toBe(true);
    });
  });
});

test('an index error inside a worker thread surfaces as an IndexError', { timeout: TIMEOUT }, () => {
  const rows = 4000;
  const table = x.tensor(values(rows * 64, 5), { shape: [rows, 64] });
  const idx = Int32Array.from({ length: rows }, (_, i) => i);
  idx[rows - 3] = rows + 7; // in the last (worker's) range
  const f = x.jit((t: x.Tensor, i: x.Tensor) => x.take(t, i, { axis: 0 }), { backend: many });
  const program = f.program(table, x.tensor(idx));
  const kernels = programLaunches(program).flatMap((s) => (s.kernel.kind === 'map' ? [s.kernel] : []));
  expect(kernels.map((k) => wasmIneligibility(k))).toEqual([undefined]);
  expect(() => f(table, x.tensor(idx))).toThrow(
    // the worker reports the check's site: the IndexError blames take, whose indices they are
    new x.IndexError('take', `xent.take: argument 'indices' expected values in [0, ${rows}), got ${rows + 7}`),
  );
});

test('the worker threads start and run their share of a split kernel', { timeout: TIMEOUT }, () => {
  const rows = 4096;
  const f = x.jit((t: x.Tensor) => x.sum(x.exp(t), { axis: -1 }), { backend: many });
  const t = x.tensor(values(rows * 256, 6), { shape: [rows, 256] });
  const want = x.jit((u: x.Tensor) => x.sum(x.exp(u), { axis: -1 }), { backend: createCpuBackend({ threads: 1 }) })(t);
  expect(Array.from(f(t).data())).toEqual(Array.from(want.data()));
  // a worker that never reported ready (a control block laid out differently on the two sides) leaves none
  expect(many.startedWorkers()).toBeGreaterThan(0);
});
