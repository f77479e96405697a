/**
 * @file The CPU backend's memory kinds: 64-bit where the runtime has memory64 (kernels, worker
 * threads and the allocator then work past 4 GiB), 32-bit otherwise or under `XENT_CPU_MEMORY=32`
 * (the `memory32` vitest project runs every CPU test that way), and each kind's modules declare it.
 */
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { createCpuBackend, wasmFeatures } from '@xent/cpu';
import { type MapKernel, load, loopVar, scalar } from '@xent/core/internal';
import { allocateBlock, freeBlock, memoryUsage, residentOffset } from '../src/heap/resident.js';
import { MAX_MEMORY_BYTES, memoryType } from '../src/memory.js';
import { mapKernelModule } from '../src/wasm/compile.js';

const TIMEOUT = 120_000;
const GiB = 2 ** 30;

const forced32 = process.env['XENT_CPU_MEMORY'] === '32';

test('the memory is 64-bit exactly where memory64 exists and 32-bit is not asked for', () => {
  const address = wasmFeatures().memory64 && !forced32 ? 64 : 32;
  expect(memoryType.address).toBe(address);
  expect(MAX_MEMORY_BYTES).toBe(address === 64 ? 16 * GiB : 4 * GiB);
  // a kernel module's memory import: 'env' 'memory', kind 0x02, limits flags (shared, max; 64-bit), min 1
  const k: MapKernel = {
    kind: 'map',
    shape: [64],
    inputs: [{ dtype: 'f32', size: 64 }],
    outputs: [scalar('exp', 'f32', [load(0, 'f32', loopVar(0))])],
  };
  const bytes = Array.from(mapKernelModule(k, false));
  const name = Array.from(new TextEncoder().encode('memory'));
  const at = bytes.findIndex((_, i) => name.every((b, j) => bytes[i + j] === b)) + name.length;
  expect(bytes.slice(at, at + 3)).toEqual([0x02, address === 64 ? 0x07 : 0x03, 0x01]);
});

/** Values in [-3, 3] that differ from element to element. */
const values = (n: number, seed: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.37) * 3);

/** Largest |a − b| / max(1, |b|). */
const relError = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let worst = 0;
  for (let i = 0; i < b.length; i++)
    worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)) / Math.max(1, Math.abs(b[i] as number)));
  return worst;
};

/** Mean cross-entropy of rows of `z` ([rows, cols]) against labels `y`, and its gradient, in f64. */
function crossEntropyReference(z: Float32Array, y: Int32Array, rows: number, cols: number): [number, Float64Array] {
  let loss = 0;
  const grad = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = z.subarray(r * cols, (r + 1) * cols);
    const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    loss += max + Math.log(sum) - (row[y[r] as number] as number);
    for (let c = 0; c < cols; c++) grad[r * cols + c] = Math.exp((row[c] as number) - max) / sum / rows;
    const target = r * cols + (y[r] as number);
    grad[target] = (grad[target] as number) - 1 / rows;
  }
  return [loss / rows, grad];
}

// In a 64-bit memory a block reserving the first 4¼ GiB (never written: its pages stay untouched)
// puts every tensor and program buffer after it, at addresses a 32-bit kernel or a 32-bit thread
// argument would wrap; in a 32-bit memory the same kernels run below 4 GiB.
const past4GiB = memoryType.address === 64;

describe('kernels against plain JavaScript, on one thread and split across two', { timeout: TIMEOUT }, () => {
  const backends = [1, 2].map((threads) => [threads, createCpuBackend({ threads })] as const);

  test.each(backends)(
    `map, reductions, matmul, a row group and a gather ${past4GiB ? 'past 4 GiB' : 'in a 32-bit memory'}, %i thread(s)`,
    (_, backend) => {
      const reserved = past4GiB ? allocateBlock(4 * GiB + GiB / 4) : undefined;
      const live: x.Tensor[] = [];
      const keep = <T extends x.Tensor>(t: T): T => (live.push(t), t);
      const placed = (t: x.Tensor): void => {
        const offset = residentOffset(t.view()) as number;
        if (past4GiB) expect(offset).toBeGreaterThan(2 ** 32);
        else expect(offset).toBeLessThan(2 ** 32);
      };
      try {
        if (past4GiB) expect(memoryUsage().memoryBytes).toBeGreaterThan(4 * GiB);
        // map, 2¹⁷ + 3 elements (split across threads, with a tail)
        const n = 2 ** 17 + 3;
        const v = values(n, 1);
        const a = keep(x.tensor(v));
        placed(a);
        const mapped = keep(x.jit((t: x.Tensor) => x.add(x.mul(x.exp(t), 2), 1), { backend })(a));
        placed(mapped);
        expect(
          relError(
            mapped.data(),
            Array.from(v, (u) => Math.exp(u) * 2 + 1),
          ),
        ).toBeLessThan(1e-6);

        // row reductions over [256, 1024]: sum of squares and logsumexp
        const [rows, cols] = [256, 1024];
        const zv = values(rows * cols, 2);
        const z = keep(x.tensor(zv, { shape: [rows, cols] }));
        placed(z);
        const [sq, lse] = x.jit(
          (t: x.Tensor) => [x.sum(x.mul(t, t), { axis: -1 }), x.logsumexp(t, { axis: -1 })] as const,
          { backend },
        )(z) as [x.Tensor, x.Tensor];
        keep(sq);
        keep(lse);
        const rowsOf = (f: (row: Float32Array) => number): number[] =>
          Array.from({ length: rows }, (_, r) => f(zv.subarray(r * cols, (r + 1) * cols)));
        expect(
          relError(
            sq.data(),
            rowsOf((row) => row.reduce((s, u) => s + u * u, 0)),
          ),
        ).toBeLessThan(1e-5);
        expect(
          relError(
            lse.data(),
            rowsOf((row) => Math.log(row.reduce((s, u) => s + Math.exp(u), 0))),
          ),
        ).toBeLessThan(1e-5);

        // matmul [96, 160] · [160, 200] (the last column panel partial)
        const [m, k, p] = [96, 160, 200];
        const [av, bv] = [values(m * k, 3), values(k * p, 4)];
        const ma = keep(x.tensor(av, { shape: [m, k] }));
        const mb = keep(x.tensor(bv, { shape: [k, p] }));
        const product = keep(x.jit((s: x.Tensor, t: x.Tensor) => x.matmul(s, t), { backend })(ma, mb));
        placed(product);
        const expected = new Float64Array(m * p);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < p; j++) {
            let dot = 0;
            for (let q = 0; q < k; q++) dot += (av[i * k + q] as number) * (bv[q * p + j] as number);
            expected[i * p + j] = dot;
          }
        expect(relError(product.data(), expected)).toBeLessThan(1e-5);

        // a row group: cross-entropy's value and gradient read each row once
        const yv = Int32Array.from({ length: rows }, (_, i) => (i * 37) % cols);
        const y = keep(x.tensor(yv, { shape: [rows] }));
        const [loss, grad] = x.jit(x.valueAndGrad(x.losses.crossEntropy), { backend })(z, y) as [x.Tensor, x.Tensor];
        keep(loss);
        keep(grad);
        placed(grad);
        const [lossRef, gradRef] = crossEntropyReference(zv, yv, rows, cols);
        expect(Math.abs(x.item(loss) - lossRef)).toBeLessThan(1e-5 * Math.abs(lossRef));
        expect(relError(grad.data(), gradRef)).toBeLessThan(1e-6);

        // a gather (scalar loads at computed element indices)
        const idx = keep(
          x.tensor(
            Int32Array.from({ length: rows * 64 }, (_, i) => (i * 7919) % cols),
            { shape: [rows, 64] },
          ),
        );
        const gathered = keep(x.jit((t: x.Tensor, i: x.Tensor) => x.gather(t, i, { axis: 1 }), { backend })(z, idx));
        const idxv = idx.data();
        expect(Array.from(gathered.data())).toEqual(
          Array.from({ length: rows * 64 }, (_, i) => zv[Math.floor(i / 64) * cols + (idxv[i] as number)]),
        );
      } finally {
        for (const t of live) t.dispose();
        if (reserved !== undefined) freeBlock(reserved);
      }
    },
  );
});
