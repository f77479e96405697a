/**
 * @file Limits, not hangs: requests larger than a limit (random keys and samples, CPU memory, host
 * arrays, threads) are refused at once with a ResourceError giving what was asked, the limit and its
 * name; bad backend options are XentErrors before any device is touched; uniform samples stay finite
 * and inside [low, high) for any finite bounds.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { caught } from './support/caught.js';

const key = x.random.key(0);

/** The ResourceError `f` throws, checked to carry the numbers its message gives. */
function resourceError(f: () => unknown): x.ResourceError {
  const e = caught(f, x.ResourceError);
  expect(e).toBeInstanceOf(x.XentError);
  expect(e.requested).toBeGreaterThan(e.limit);
  expect(e.message).toContain(String(e.requested));
  expect(e.message).toContain(String(e.limit));
  expect(e.message).toContain(e.limitName);
  return e;
}

describe('ResourceError', () => {
  test('is an XentError exported by xent, with the numbers as fields', () => {
    const e = new x.ResourceError('f', 'xent.f: too big', 10, 5, 'maxThings');
    expect(e).toBeInstanceOf(x.XentError);
    expect([e.name, e.fn, e.requested, e.limit, e.limitName]).toEqual(['ResourceError', 'f', 10, 5, 'maxThings']);
  });
});

describe('random: sizes are checked before any loop or allocation (these ran unbounded before)', () => {
  test('split(key, 2³¹) is over the 2²⁴ keys one split makes', () => {
    const e = resourceError(() => x.random.split(key, 2 ** 31));
    expect([e.requested, e.limit]).toEqual([2 ** 31, 2 ** 24]);
    expect(e.message).toBe(
      "xent.split: argument 'n' expected at most 16777216 keys (maxSplitKeys; for more streams, foldIn an index), got 2147483648 keys",
    );
    expect(x.random.split(key, 3)).toHaveLength(3);
  });

  test('uniform(key, [2³¹]) is over the 4 GiB of one host array', () => {
    const e = resourceError(() => x.random.uniform(key, [2 ** 31]));
    expect([e.requested, e.limit]).toEqual([2 ** 31, 2 ** 30]);
    expect(e.message).toBe(
      "xent.uniform: argument 'shape' expected at most 1073741824 f32 elements (maxHostBytes: 4294967296 bytes (4 GiB) per host array), got 2147483648 f32 elements",
    );
    // f64 halves the elements allowed; every sampler checks
    expect(resourceError(() => x.random.uniform(key, [2 ** 15, 2 ** 15], { dtype: 'f64' })).limit).toBe(2 ** 29);
    expect(resourceError(() => x.random.normal(key, [2 ** 16, 2 ** 16])).fn).toBe('normal');
    expect(resourceError(() => x.random.gumbel(key, [2 ** 16, 2 ** 16])).fn).toBe('gumbel');
  });

  test('permutation(key, 2³¹) is over the 4 GiB of one host array', () => {
    const e = resourceError(() => x.random.permutation(key, 2 ** 31));
    expect(e.message).toMatch(/^xent\.permutation: argument 'n' expected at most 1073741824 i32 elements/);
  });
});

describe("CPU memory: the bytes needed against the memory's limit (4 GiB, or 16 GiB with memory64), not a raw RangeError", () => {
  const { maxMemoryBytes } = x.backends.cpu.memoryUsage();
  const bits = maxMemoryBytes === 2 ** 32 ? 32 : 64;

  test('arange(2³¹) on the default CPU backend: its 8 GiB buffer is over the memory (32-bit) or one buffer (64-bit)', () => {
    const e = resourceError(() => x.arange(2 ** 31));
    expect(e.limit).toBe(2 ** 32);
    if (bits === 32) {
      // 2³¹ i32 values are 8 GiB (plus the program's alignment)
      expect(e.requested).toBeGreaterThanOrEqual(2 ** 33);
      expect(e.message).toMatch(
        /^xent\.arange: this program \(largest buffer i32\[2147483648\]\) needs \d+ bytes \(8 GiB\), over the limit maxMemoryBytes \(the CPU backend's 32-bit WebAssembly memory\)/,
      );
    } else
      expect(e.message).toBe(
        "xent.arange: this program's buffer i32[2147483648] needs 8589934592 bytes (8 GiB), over the limit maxHostBytes (4294967296 bytes (4 GiB) per buffer: kernels address within one with 32-bit offsets) of 4294967296 bytes (4 GiB)",
      );
  });

  test('a program whose buffers are each under 4 GiB and together over the memory', () => {
    // five f32 results of 4 GiB − 64 bytes each (20 GiB together, over either memory) and the 64-byte arena staging the argument
    const n = 2 ** 30 - 16;
    const five = (t: x.Tensor): x.Tensor[] => [1, 2, 3, 4, 5].map((c) => x.add(x.broadcastTo(t, [n]), c));
    const e = resourceError(() => x.jit(five)(x.tensor(1)));
    expect([e.requested, e.limit]).toEqual([5 * n * 4 + 64, maxMemoryBytes]);
    expect(e.message).toBe(
      `xent.run: this program (largest buffer f32[${n}]) needs ${e.requested} bytes (20 GiB), over the limit maxMemoryBytes (the CPU backend's ${bits}-bit WebAssembly memory) of ${maxMemoryBytes} bytes (${bits === 32 ? 4 : 16} GiB)`,
    );
  });

  test('a jitted program on the CPU and reference backends', () => {
    const huge = (t: x.Tensor): x.Tensor => x.add(x.broadcastTo(t, [2 ** 31]), 1);
    expect(resourceError(() => x.jit(huge, { backend: 'cpu' })(x.tensor(1))).limit).toBe(2 ** 32);
    const e = resourceError(() => x.jit(huge, { backend: 'reference' })(x.tensor(1)));
    expect(e.message).toMatch(/^xent\.run: a f32\[2147483648\] value needs 8589934592 bytes \(8 GiB\)/);
  });

  test('a program at the limit still runs (the check counts exactly)', () => {
    expect(x.arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('backend constructors', () => {
  test('createCpuBackend: threads beyond 256 is a ResourceError; bad options are ValueErrors', () => {
    const e = resourceError(() => x.createCpuBackend({ threads: 1e6 }));
    expect(e.message).toMatch(/^xent\.createCpuBackend: argument 'threads' expected at most 256 threads/);
    expect(() => x.createCpuBackend({ threads: 0 })).toThrow(
      "xent.createCpuBackend: argument 'threads' expected an integer ≥ 1, got 0",
    );
    expect(() => x.createCpuBackend({ simd: 1 as unknown as boolean })).toThrow(x.ValueError);
    expect(x.createCpuBackend({ threads: 2 }).name).toBe('cpu');
  });

  test('availableThreads takes no argument and answers a count ≥ 1', () => {
    expect(x.availableThreads()).toBeGreaterThanOrEqual(1);
    expect(() => (x.availableThreads as (a: unknown) => number)(1)).toThrow(x.ValueError);
  });

  // the options are checked before any device is looked for, so these need no GPU
  test.each([
    // a cap under 256 bytes looped forever in the buffer splitter (floor(cap / 256) * 64 = 0)
    [
      { caps: { maxStorageBufferBindingSize: 100 } },
      "argument 'maxStorageBufferBindingSize' expected an integer ≥ 256",
    ],
    // a negative cap gave wrong sums
    [{ caps: { maxStorageBufferBindingSize: -4096 } }, "argument 'maxStorageBufferBindingSize'"],
    [{ caps: { maxComputeWorkgroupsPerDimension: 0 } }, "argument 'maxComputeWorkgroupsPerDimension'"],
    [{ caps: { maxBufferSize: 1024 } }, "argument 'caps' expected an options object"],
    // these gave raw TypeErrors
    [{ gpu: {} }, "argument 'gpu' expected a GPU object"],
    [{ powerPreference: 'ultra' }, "argument 'powerPreference' expected one of 'low-power', 'high-performance'"],
    [{ maxPooledBytes: -1 }, "argument 'maxPooledBytes' expected a number ≥ 0"],
  ])('webgpu(%o) rejects with a ValueError', async (options, message) => {
    const p = x.webgpu(options as x.WebGpuOptions);
    await expect(p).rejects.toThrow(x.ValueError);
    await expect(p).rejects.toThrow(`xent.webgpu: ${message}`);
  });
});

describe('uniform: lo + u·(hi − lo) without overflow, every sample finite and in [low, high)', () => {
  const inRange = (t: x.Tensor, low: number, high: number): void => {
    const values = Array.from(t.data() as ArrayLike<number>);
    const bad = values.filter((v) => !Number.isFinite(v) || v < low || v >= high);
    expect(bad).toEqual([]);
  };

  test('extreme f64 bounds (these gave Infinity samples)', () => {
    const max = Number.MAX_VALUE;
    for (const [low, high] of [
      [-1e308, 1e308],
      [-max, max],
      [1e308, max],
      [-max, -1e308],
      [-max, 0],
    ] as const) {
      const t = x.random.uniform(key, [2000], { dtype: 'f64', low, high });
      inRange(t, low, high);
      // spread over the interval, not stuck at an end: samples on both sides of its midpoint
      const mid = low / 2 + high / 2;
      const values = Array.from(t.data() as ArrayLike<number>);
      expect(values.some((v) => v < mid) && values.some((v) => v > mid)).toBe(true);
    }
  });

  test('f32 samples are rounded into [low, high), never onto high', () => {
    const f32max = 3.4028234663852886e38;
    inRange(x.random.uniform(key, [5000], { low: -f32max, high: f32max }), -f32max, f32max);
    // an interval holding one f32 value gives that value every time
    const one = x.random.uniform(key, [100], { low: 1, high: 1 + 2 ** -23 });
    expect(new Set(one.data())).toEqual(new Set([1]));
    // the default [0, 1): a draw within 2⁻²⁵ of 1 would round onto 1 in f32
    inRange(x.random.uniform(key, [100_000]), 0, 1);
  });

  test('any finite bounds (fast-check), f64 and f32', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer({ min: 0, max: 1000 }),
        (a, b, seed) => {
          fc.pre(a < b);
          inRange(x.random.uniform(x.random.key(seed), [64], { dtype: 'f64', low: a, high: b }), a, b);
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.float({ noNaN: true, noDefaultInfinity: true }),
        fc.float({ noNaN: true, noDefaultInfinity: true }),
        fc.integer({ min: 0, max: 1000 }),
        (a, b, seed) => {
          fc.pre(a < b);
          inRange(x.random.uniform(x.random.key(seed), [64], { low: a, high: b }), a, b);
        },
      ),
    );
  });

  test('bounds without a value of the dtype between them are ValueErrors', () => {
    expect(() => x.random.uniform(key, [2], { low: 1, high: 1 })).toThrow(x.ValueError);
    expect(() => x.random.uniform(key, [2], { low: 1, high: 0 })).toThrow(
      "xent.uniform: argument 'high' expected a bound above low (1) with an f32 value in [low, high), got 0",
    );
    // no f32 lies in [1 + 2⁻³⁰, 1 + 2⁻²⁴) (the next f32 after 1 is 1 + 2⁻²³); f64 has values there
    expect(() => x.random.uniform(key, [2], { low: 1 + 2 ** -30, high: 1 + 2 ** -24 })).toThrow(x.ValueError);
    expect(x.random.uniform(key, [2], { dtype: 'f64', low: 1 + 2 ** -30, high: 1 + 2 ** -24 }).size).toBe(2);
    expect(() => x.random.uniform(key, [2], { low: -1e39, high: 0 })).toThrow(
      "xent.uniform: argument 'low' expected a number within the f32 range, got -1e+39",
    );
  });
});
