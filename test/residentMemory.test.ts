/**
 * @file Tensors resident in the CPU backend's memory: programs read their arguments in place and
 * return their results without a copy, so what must hold is ownership. Results never alias one
 * another or a later call's; dispose() frees at once and a later use is a clear error; a block
 * freed is reused only once nothing holds it; long loops keep the memory steady; tensors made
 * before the memory grew stay correct, on worker threads too.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const cpu = x.backends.cpu;
const usage = (): { liveBytes: number; memoryBytes: number } => cpu.memoryUsage();

/** Deterministic values of `n` elements from `seed` (sines: no two seeds agree). */
const values = (n: number, seed: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed * 1.7) * 3);

/** Softmax cross-entropy (mean) of `z` [n, v] with labels `y`, and its gradient, in f64. */
function ceReference(z: Float32Array, y: Int32Array, n: number, v: number): { loss: number; grad: Float64Array } {
  const grad = new Float64Array(n * v);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let j = 0; j < v; j++) m = Math.max(m, z[i * v + j] as number);
    let s = 0;
    for (let j = 0; j < v; j++) s += Math.exp((z[i * v + j] as number) - m);
    const lse = m + Math.log(s);
    loss += lse - (z[i * v + (y[i] as number)] as number);
    for (let j = 0; j < v; j++) grad[i * v + j] = (Math.exp((z[i * v + j] as number) - lse) - (j === y[i] ? 1 : 0)) / n;
  }
  return { loss: loss / n, grad };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
};

const [N, V] = [64, 1024];
const labels = x.tensor(
  Int32Array.from({ length: N }, (_, i) => (i * 37) % V),
  { shape: [N] },
);
const step = x.jit(x.valueAndGrad(x.losses.crossEntropy));

describe('resident tensors: zero-copy reads, no aliasing', () => {
  test('results of two calls are distinct arrays; the first keeps its values after the second runs', () => {
    const z1 = values(N * V, 1);
    const z2 = values(N * V, 2);
    const [, g1] = step(x.tensor(z1, { shape: [N, V] }), labels);
    const kept = g1.data();
    const [, g2] = step(x.tensor(z2, { shape: [N, V] }), labels);
    expect(g1.view()).not.toBe(g2.view());
    expect(g1.data()).toEqual(kept);
    const y = labels.data();
    expect(maxAbsDiff(g1.view(), ceReference(z1, y, N, V).grad)).toBeLessThan(1e-6);
    expect(maxAbsDiff(g2.view(), ceReference(z2, y, N, V).grad)).toBeLessThan(1e-6);
  });

  test('view() is the data itself (no copy, in the shared memory); data() is a copy', () => {
    const t = x.tensor(values(4096, 3), { shape: [4096] });
    expect(t.view()).toBe(t.view());
    expect(t.view().buffer).toBeInstanceOf(SharedArrayBuffer);
    const copy = t.data();
    expect(copy.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    copy[0] = 1234;
    expect(t.view()[0]).not.toBe(1234);
  });

  test('x.tensor copies its input once: changing the source later changes nothing', () => {
    const src = values(4096, 4);
    const t = x.tensor(src, { shape: [4096] });
    const before = t.data();
    src.fill(7);
    expect(t.data()).toEqual(before);
  });
});

describe('dispose', () => {
  test('a disposed tensor cannot be read or used: a BackendError naming the function and argument', () => {
    const t = x.tensor(values(4096, 5), { shape: [64, 64] });
    t.dispose();
    expect(t.disposed).toBe(true);
    for (const read of [() => t.data(), () => t.view(), () => t.toArray()]) {
      expect(read).toThrow(x.BackendError);
      expect(read).toThrow(/disposed/);
    }
    expect(() => x.add(t, 1)).toThrow(/xent\.add: argument 'a'.*disposed/);
    expect(() => step(t, labels)).toThrow(x.BackendError);
    expect(String(t)).toMatch(/disposed/);
    // disposing twice is harmless
    t.dispose();
  });

  test('a freed block is reused, and the tensor that held it fails rather than reading its new contents', () => {
    const a = x.tensor(values(4096, 6), { shape: [4096] });
    const { liveBytes } = usage();
    a.dispose();
    expect(usage().liveBytes).toBeLessThan(liveBytes);
    const b = x.tensor(values(4096, 7), { shape: [4096] });
    expect(b.data()).toEqual(values(4096, 7));
    expect(() => x.sum(a)).toThrow(x.BackendError);
  });

  test('disposing one tensor leaves the others that share its values intact', () => {
    const a = x.tensor(values(4096, 8), { shape: [4096] });
    // two tensors over one node (as internal code wraps nodes) hold one resident array
    const same = new x.Tensor(a.node);
    expect(same.view()).toBe(a.view());
    const returned = x.jit((t: x.Tensor) => t)(a);
    // equal scalars share one interned constant
    const s1 = x.tensor(2.5);
    const s2 = x.tensor(2.5);
    a.dispose();
    s1.dispose();
    expect(same.data()).toEqual(values(4096, 8));
    expect(returned.data()).toEqual(values(4096, 8));
    expect(x.item(s2)).toBe(2.5);
    // the last holder's dispose frees it
    same.dispose();
    expect(() => x.sum(same)).toThrow(x.BackendError);
  });

  test('`using` disposes at the end of the block', () => {
    let outside: x.Tensor | undefined;
    {
      using t = x.tensor(values(4096, 9), { shape: [4096] });
      outside = t;
      expect(x.item(x.sum(t))).toBeCloseTo(
        values(4096, 9).reduce((s, v) => s + v, 0),
        2,
      );
    }
    expect(outside.disposed).toBe(true);
    expect(() => outside.data()).toThrow(x.BackendError);
  });
});

describe('lifetimes over long loops', () => {
  test('10 000 steps of a jitted loss and gradient with dispose keep live bytes and memory steady', () => {
    const z = x.tensor(values(N * V, 10), { shape: [N, V] });
    const run = (): number => {
      const [loss, grad] = step(z, labels);
      const v = x.item(loss);
      loss.dispose();
      grad.dispose();
      return v;
    };
    for (let i = 0; i < 100; i++) run();
    const before = usage();
    const rss = process.memoryUsage().rss;
    let last = 0;
    for (let i = 0; i < 10_000; i++) last = run();
    expect(usage()).toEqual(before);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 2 ** 20);
    expect(last).toBeCloseTo(ceReference(z.data(), labels.data(), N, V).loss, 5);
  });

  test('10 000 eager steps with `using` keep live bytes and memory steady', () => {
    const a = x.tensor(values(10_000, 11), { shape: [10_000] });
    const run = (): number => {
      using b = x.add(a, 1);
      using c = x.mul(b, 2);
      using d = x.sum(c);
      return x.item(d);
    };
    for (let i = 0; i < 100; i++) run();
    const before = usage();
    let last = 0;
    for (let i = 0; i < 10_000; i++) last = run();
    expect(usage()).toEqual(before);
    const expected = values(10_000, 11).reduce((s, v) => s + 2 * (v + 1), 0);
    expect(Math.abs(last - expected) / Math.abs(expected)).toBeLessThan(1e-5);
  });

  test('a synchronous loop that never disposes keeps at most the per-task budget resident, and stays correct', () => {
    const a = x.tensor(values(10_000, 12), { shape: [10_000] });
    const before = usage();
    let last = 0;
    // 2 × 40 KiB resident results per step: 20 000 steps would hold 1.6 GB if nothing bounded them
    for (let i = 0; i < 20_000; i++) last = x.item(x.sum(x.mul(x.add(a, 1), 2)));
    const grown = usage().memoryBytes - before.memoryBytes;
    expect(grown).toBeLessThanOrEqual(2 ** 28 + 2 ** 24);
    const expected = values(10_000, 12).reduce((s, v) => s + 2 * (v + 1), 0);
    expect(Math.abs(last - expected) / Math.abs(expected)).toBeLessThan(1e-5);
  });

  test('data the user keeps does not count in the task budget: a disposed step result stays resident in a synchronous loop', async () => {
    // a task of its own (the tests before may have used this one's budget), then one synchronous loop
    await new Promise((r) => setTimeout(r, 0));
    // 200 MiB of kept data and a 64 MiB result: past 256 MiB together, but only results count
    const kept = x.zeros([50 * 2 ** 20]);
    const b = x.tensor(values(2 ** 24, 15), { shape: [2 ** 24] });
    const twice = x.jit((t: x.Tensor) => x.mul(t, 2));
    const live = usage().liveBytes;
    for (let i = 0; i < 10; i++) {
      const r = twice(b);
      expect(r.view().buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(usage().liveBytes - live).toBeGreaterThanOrEqual(2 ** 26);
      expect(r.view()[12345]).toBe((b.view()[12345] as number) * 2);
      r.dispose();
    }
    expect(usage().liveBytes).toBe(live);
    kept.dispose();
    b.dispose();
  });

  test('results dropped without dispose are freed once collected and the event loop turns', async () => {
    const z = x.tensor(values(N * V, 13), { shape: [N, V] });
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await settle();
    const before = usage().liveBytes;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 50; i++) step(z, labels);
      await settle();
      expect(usage().liveBytes).toBe(before);
    }
  });
});

describe('small tensors (pooled host arrays)', () => {
  test('small results of many calls keep their own values; data() owns its buffer, and transferring it changes no tensor', () => {
    const sizes = [17, 40, 160, 1000];
    const doubled = x.jit((t: x.Tensor) => x.mul(t, 2));
    const kept = sizes.flatMap((n, k) =>
      Array.from({ length: 50 }, (_, i) => {
        const input = values(n, 100 * k + i);
        return { want: input.map((v) => Math.fround(v * 2)), got: doubled(x.tensor(input, { shape: [n] })) };
      }),
    );
    const copy = (kept[3] as (typeof kept)[number]).got.data();
    const { buffer } = copy;
    expect(buffer).toBeInstanceOf(ArrayBuffer);
    expect(buffer.byteLength).toBe(copy.byteLength);
    structuredClone(copy, { transfer: [buffer as ArrayBuffer] });
    expect(copy.byteLength).toBe(0);
    for (const { want, got } of kept) expect(got.data()).toEqual(want);
  });
});

describe('a compiled program holds no argument or result of its last run', () => {
  test('an input dropped after a call is freed while the jitted function lives on', async () => {
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const sum = x.jit((t: x.Tensor) => x.sum(x.mul(t, 3), { axis: -1 }));
    const shape = [64, 4096];
    // one call first, so that what the first call allocates for good (workers, modules) is in the baseline
    const first = x.zeros(shape);
    sum(first).data();
    first.dispose();
    await settle();
    const before = usage().liveBytes;
    (() => {
      const input = x.tensor(values(64 * 4096, 21), { shape });
      expect(usage().liveBytes - before).toBeGreaterThanOrEqual(64 * 4096 * 4);
      const out = sum(input).data();
      expect(out[0]).toBeCloseTo(
        values(4096, 21).reduce((a, v) => a + 3 * v, 0),
        1,
      );
    })();
    await settle();
    expect(usage().liveBytes).toBe(before);
    expect(sum.cacheSize).toBe(1);
  });
});

describe('growth', () => {
  test('a tensor kept across programs that grow the memory keeps its values, on worker threads too', async () => {
    const keptValues = values(1 << 16, 14);
    const kept = x.tensor(keptValues, { shape: [64, 1024] });
    const threaded = x.createCpuBackend({ threads: 4 });
    const sumRows = x.jit((t: x.Tensor) => x.sum(x.exp(t), { axis: -1 }), { backend: threaded });
    const expected = Array.from({ length: 64 }, (_, i) =>
      keptValues.subarray(i * 1024, (i + 1) * 1024).reduce((s, v) => s + Math.exp(v), 0),
    );
    const big: x.Tensor[] = [];
    let growths = 0;
    for (let k = 0; k < 24 && growths < 3; k++) {
      const grownFrom = usage().memoryBytes;
      // 64 MiB more each round
      await new Promise((r) => setTimeout(r, 1));
      big.push(x.full([1 << 24], k));
      if (usage().memoryBytes > grownFrom) growths++;
      expect(kept.data()).toEqual(keptValues);
      const got = sumRows(kept).data();
      for (let i = 0; i < 64; i++)
        expect(Math.abs((got[i] as number) - (expected[i] as number)) / (expected[i] as number)).toBeLessThan(1e-5);
    }
    expect(growths).toBe(3);
    for (const t of big) t.dispose();
  });
});
