/** @file The tensor API and composites: creation, reading values, broadcasting, and each composite against a direct computation. */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type DeviceArray, ir } from '@xent/core/internal';
import * as x from 'xent';
import { shapeArb, sizeOf, valuesArb } from './support/arbitraries.js';
import { expectAllClose, toNumbers } from './support/numeric.js';

const f64 = (values: readonly number[], shape: readonly number[] = [values.length]): x.Tensor =>
  x.tensor(Float64Array.from(values), { shape, dtype: 'f64' });

describe('creating and reading tensors', () => {
  test('nested arrays infer shape and default to f32; booleans to bool', () => {
    const z = x.tensor([
      [1, 2, 3],
      [0, 0, 1],
    ]);
    expect(z.shape).toEqual([2, 3]);
    expect(z.dtype).toBe('f32');
    expect(z.toArray()).toEqual([
      [1, 2, 3],
      [0, 0, 1],
    ]);
    expect(z.data()).toBeInstanceOf(Float32Array);
    const b = x.tensor([true, false]);
    expect(b.dtype).toBe('bool');
    expect(b.toArray()).toEqual([true, false]);
    expect(x.tensor(2.5, { dtype: 'f64' }).toArray()).toBe(2.5);
    expect(x.tensor([[], []]).shape).toEqual([2, 0]);
  });

  test('typed arrays keep their dtype and are copied', () => {
    const src = new Float64Array([1, 2, 3, 4]);
    const t = x.tensor(src, { shape: [2, 2] });
    src[0] = 99;
    expect(t.dtype).toBe('f64');
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const copy = t.data();
    copy[1] = -1;
    expect(toNumbers(t)).toEqual([1, 2, 3, 4]);
  });

  test('f32 tensors store values rounded to f32', () => {
    expect(toNumbers(x.tensor([0.1]))).toEqual([Math.fround(0.1)]);
    expect(toNumbers(x.add(x.tensor([0.1]), x.tensor([0.2])))).toEqual([
      Math.fround(Math.fround(0.1) + Math.fround(0.2)),
    ]);
  });

  test('item, zeros, ones, full, arange', () => {
    expect(x.item(x.sum(x.ones([2, 3], { dtype: 'f64' })))).toBe(6);
    expect(toNumbers(x.full([2], 7, { dtype: 'i32' }))).toEqual([7, 7]);
    expect(toNumbers(x.arange(4))).toEqual([0, 1, 2, 3]);
    expect(x.zeros([0, 3]).size).toBe(0);
    expect(() => x.item(x.ones([2]))).toThrow(/expected a tensor with one element, got shape \[2\]/);
  });
});

describe('printing tensors (toString, console.log, util.inspect)', () => {
  const t = x.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  test('dtype, shape, then the values as nested brackets', () => {
    expect(String(t)).toBe('Tensor f32[2, 3] [[1, 2, 3], [4, 5, 6]]');
    expect(inspect(t)).toBe(String(t));
    expect(inspect({ logits: t })).toBe('{ logits: Tensor f32[2, 3] [[1, 2, 3], [4, 5, 6]] }');
    expect(String(x.tensor([1, 2], { dtype: 'i32' }))).toBe('Tensor i32[2] [1, 2]');
    expect(String(x.tensor([true, false]))).toBe('Tensor bool[2] [true, false]');
    expect(String(x.tensor(2.5, { dtype: 'f64' }))).toBe('Tensor f64[] 2.5');
    expect(String(x.zeros([2, 0]))).toBe('Tensor f32[2, 0] [[], []]');
  });

  test('f32 values print as the shortest decimal that reads back; NaN, ±Infinity and -0 by name', () => {
    expect(String(x.tensor([0.1, 1 / 3, 1e-45]))).toBe('Tensor f32[3] [0.1, 0.33333334, 1e-45]');
    expect(String(x.tensor([0.1, 1 / 3], { dtype: 'f64' }))).toBe('Tensor f64[2] [0.1, 0.3333333333333333]');
    expect(String(x.tensor([NaN, Infinity, -Infinity, -0]))).toBe('Tensor f32[4] [NaN, Infinity, -Infinity, -0]');
  });

  test('up to 100 values print in full; more print as their count and the first and last three', () => {
    expect(String(x.arange(100))).toMatch(/^Tensor i32\[100\] \[0, 1, .*, 98, 99\]$/);
    expect(String(x.arange(101))).toBe('Tensor i32[101] (101 values: 0, 1, 2, …, 98, 99, 100)');
    expect(inspect(x.zeros([1000, 1000]))).toBe('Tensor f32[1000, 1000] (1000000 values: 0, 0, 0, …, 0, 0, 0)');
  });

  test('a traced tensor says so instead of reading values', () => {
    const seen: string[] = [];
    x.grad((z: x.Tensor) => {
      seen.push(String(z), inspect(z));
      return x.sum(z);
    })(t);
    expect(seen).toEqual(['Tensor f32[2, 3] (traced)', 'Tensor f32[2, 3] (traced)']);
  });

  test('device data says where it lives instead of reading it', () => {
    const onDevice: DeviceArray = {
      kind: 'device',
      backend: 'webgpu',
      dtype: 'f32',
      size: 6,
      read: () => Promise.reject(new Error('not read by printing')),
      dispose: () => undefined,
      disposed: false,
    };
    expect(String(new x.Tensor(ir.build.constant(onDevice, [2, 3], 'f32')))).toBe('Tensor f32[2, 3] (on webgpu)');
  });
});

describe('broadcasting', () => {
  test('elementwise ops follow numpy broadcasting', () => {
    fc.assert(
      fc.property(
        shapeArb(0, 3),
        fc.array(fc.boolean(), { maxLength: 3 }),
        fc.integer({ min: 0, max: 3 }),
        (shape, ones, drop) => {
          const other = shape.slice(Math.min(drop, shape.length)).map((d, i) => (ones[i] === true ? 1 : d));
          const a = f64(
            Array.from({ length: sizeOf(shape) }, (_, i) => i),
            shape,
          );
          const b = f64(
            Array.from({ length: sizeOf(other) }, (_, i) => 100 * i),
            other,
          );
          const out = x.add(a, b);
          expect(out.shape).toEqual(shape);
          // Check one element per position against the rule: out[i] = a[i] + b[i aligned right, 1 → 0].
          const strides = other.map((_, j) => sizeOf(other.slice(j + 1)));
          const values = toNumbers(out);
          values.forEach((v, k) => {
            const index = shape.map((_, d) => Math.floor(k / sizeOf(shape.slice(d + 1))) % (shape[d] as number));
            const lead = shape.length - other.length;
            const bk = other.reduce(
              (acc, dim, j) => acc + (dim === 1 ? 0 : (index[j + lead] as number) * (strides[j] as number)),
              0,
            );
            expect(v).toBe(k + 100 * bk);
          });
        },
      ),
    );
  });

  test('literals take the dtype of the tensor they meet', () => {
    expect(x.mul(x.arange(3), 2).dtype).toBe('i32');
    expect(x.mul(2, x.tensor([1], { dtype: 'f64' })).dtype).toBe('f64');
    expect(x.where(x.tensor([true, false]), 1, x.tensor([5, 6], { dtype: 'f64' })).toArray()).toEqual([1, 6]);
  });
});

describe('composites', () => {
  const rows = fc
    .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }))
    .chain(([r, c]) => valuesArb([r, c], 'any').map((v) => ({ r, c, v })));

  test('softmax rows sum to 1 and equal exp(z)/Σexp(z); logSoftmax is its log', () => {
    fc.assert(
      fc.property(rows, fc.double({ min: 0.1, max: 5, noNaN: true }), ({ r, c, v }, temperature) => {
        const z = f64(v, [r, c]);
        const p = toNumbers(x.softmax(z, { temperature }));
        const lp = toNumbers(x.logSoftmax(z, { temperature }));
        for (let i = 0; i < r; i++) {
          const row = v.slice(i * c, (i + 1) * c).map((a) => a / temperature);
          const total = row.reduce((s, a) => s + Math.exp(a), 0);
          expectAllClose(
            p.slice(i * c, (i + 1) * c),
            row.map((a) => Math.exp(a) / total),
            { rtol: 1e-14, atol: 1e-15 },
          );
          expectAllClose(
            lp.slice(i * c, (i + 1) * c),
            row.map((a) => a - Math.log(total)),
            { rtol: 1e-14, atol: 1e-14 },
          );
        }
      }),
    );
  });

  test('mean, variance, std against direct sums', () => {
    fc.assert(
      fc.property(valuesArb([7], 'any'), fc.boolean(), (v, unbiased) => {
        const t = f64(v);
        const m = v.reduce((a, b) => a + b, 0) / v.length;
        const ss = v.reduce((a, b) => a + (b - m) ** 2, 0);
        const variance = ss / (unbiased ? v.length - 1 : v.length);
        expectAllClose(toNumbers(x.mean(t)), [m], { rtol: 1e-14, atol: 1e-15 });
        expectAllClose(toNumbers(x.variance(t, { unbiased })), [variance], { rtol: 1e-13, atol: 1e-15 });
        expectAllClose(toNumbers(x.std(t, { unbiased })), [Math.sqrt(variance)], { rtol: 1e-13, atol: 1e-15 });
      }),
    );
  });

  test('norms of order 1, 2 and ∞ along an axis', () => {
    const t = f64([3, -4, 0, 1, 2, -2], [2, 3]);
    expect(toNumbers(x.norm(t, { axis: 1 }))).toEqual([5, 3]);
    expect(toNumbers(x.norm(t, { axis: 1, ord: 1 }))).toEqual([7, 5]);
    expect(toNumbers(x.norm(t, { axis: -1, ord: Infinity, keepDims: true }))).toEqual([4, 2]);
    expect(x.norm(t, { axis: -1, keepDims: true }).shape).toEqual([2, 1]);
  });

  test('relu, clip and their gradients at the kinks', () => {
    const t = f64([-1, 0, 2]);
    expect(toNumbers(x.relu(t))).toEqual([0, 0, 2]);
    expect(toNumbers(x.grad((u: x.Tensor) => x.sum(x.relu(u)))(t))).toEqual([0, 0, 1]);
    expect(toNumbers(x.clip(f64([-3, -1, 0.5, 1, 4]), -1, 1))).toEqual([-1, -1, 0.5, 1, 1]);
    expect(toNumbers(x.grad((u: x.Tensor) => x.sum(x.clip(u, -1, 1)))(f64([-3, -1, 0.5, 1, 4])))).toEqual([
      0, 1, 1, 1, 0,
    ]);
  });

  test('oneHot, argmax, roll, take, cumsum', () => {
    expect(x.oneHot(x.tensor([2, 0], { dtype: 'i32' }), 3).toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    expect(toNumbers(x.argmax(f64([1, 5, 5, 2, 0, 9], [2, 3])))).toEqual([1, 2]);
    expect(toNumbers(x.roll(f64([1, 2, 3, 4]), 1))).toEqual([4, 1, 2, 3]);
    expect(toNumbers(x.roll(f64([1, 2, 3, 4]), -5))).toEqual([2, 3, 4, 1]);
    expect(toNumbers(x.take(f64([10, 20, 30]), x.tensor([2, 2, 0], { dtype: 'i32' })))).toEqual([30, 30, 10]);
    expect(toNumbers(x.cumsum(f64([1, 2, 3])))).toEqual([1, 3, 6]);
    expect(toNumbers(x.cumsum(f64([1, 2, 3]), { exclusive: true }))).toEqual([0, 1, 3]);
    expect(toNumbers(x.cumsum(f64([1, 2, 3]), { reverse: true, exclusive: true }))).toEqual([5, 3, 0]);
    expect(toNumbers(x.min(f64([3, -2, 7])))).toEqual([-2]);
  });

  test('movement helpers: reshape with −1, squeeze, expandDims, stack, moveAxis, matmul of vectors', () => {
    const t = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(x.reshape(t, [-1, 2]).shape).toEqual([3, 2]);
    expect(x.squeeze(x.expandDims(t, 1)).shape).toEqual([2, 3]);
    expect(x.stack([t, t], -1).shape).toEqual([2, 3, 2]);
    expect(x.moveAxis(x.zeros([2, 3, 4]), 0, -1).shape).toEqual([3, 4, 2]);
    expect(toNumbers(x.matmul(f64([1, 2]), f64([3, 4])))).toEqual([11]);
    expect(toNumbers(x.matmul(t, f64([1, 0, -1])))).toEqual([-2, -2]);
    expect(x.matmul(x.zeros([5, 2, 3]), x.zeros([3, 4])).shape).toEqual([5, 2, 4]);
  });
});

describe('smooth composites are exact at 0 in every order', () => {
  const at = (v: number): x.Tensor => x.tensor(v, { dtype: 'f64' });
  const d1 = (f: (t: x.Tensor) => x.Tensor, v: number): number => x.item(x.grad(f)(at(v)));
  const d2 = (f: (t: x.Tensor) => x.Tensor, v: number): number => x.item(x.grad(x.grad(f))(at(v)));

  test.each([0, -0, 1e-300, -1e-300, 2, -2])('softplus, sigmoid and logSigmoid at %d', (v) => {
    const s = 1 / (1 + Math.exp(-v));
    expectAllClose(
      [x.item(x.softplus(at(v))), d1(x.softplus, v), d2(x.softplus, v)],
      [Math.log1p(Math.exp(v)), s, s * (1 - s)],
      {
        rtol: 1e-15,
        atol: 1e-16,
      },
    );
    expectAllClose(
      [x.item(x.sigmoid(at(v))), d1(x.sigmoid, v), d2(x.sigmoid, v)],
      [s, s * (1 - s), s * (1 - s) * (1 - 2 * s)],
      {
        rtol: 1e-14,
        atol: 1e-16,
      },
    );
    expectAllClose([d1(x.logSigmoid, v), d2(x.logSigmoid, v)], [1 - s, -s * (1 - s)], { rtol: 1e-14, atol: 1e-16 });
  });
});

test('broadcastTo: numpy rule, eager and jitted, gradient sums over the broadcast axes (regression: scalars failed)', () => {
  const row = x.tensor([1, 2, 3], { dtype: 'f64' });
  expect(x.broadcastTo(row, [2, 3]).toArray()).toEqual([
    [1, 2, 3],
    [1, 2, 3],
  ]);
  expect(x.broadcastTo(x.tensor(7), [4]).toArray()).toEqual([7, 7, 7, 7]);
  expect(
    x
      .jit((t: x.Tensor) => x.broadcastTo(t, [2, 2]))(x.tensor(1.5))
      .toArray(),
  ).toEqual([
    [1.5, 1.5],
    [1.5, 1.5],
  ]);
  expect(x.broadcastTo(row, [3])).toBe(row);
  const g = x.grad((t: x.Tensor) =>
    x.sum(
      x.mul(
        x.broadcastTo(t, [2, 3]),
        x.tensor(
          [
            [1, 2, 3],
            [4, 5, 6],
          ],
          { dtype: 'f64' },
        ),
      ),
    ),
  )(row);
  expect(g.toArray()).toEqual([5, 7, 9]);
  expect(() => x.broadcastTo(row, [2, 4])).toThrow(x.ShapeError);
});

test('xent exports the user API only: compiler and kernel internals are in @xent/core/internal', async () => {
  expect(Object.keys(await import('xent')).sort()).toEqual([
    'AxisError',
    'BackendError',
    'DTypeError',
    'DeviceDataError',
    'EmaTeacher',
    'GradError',
    'IndexError',
    'InternalError',
    'NumericsError',
    'ResourceError',
    'ShapeError',
    'Tensor',
    'TraceError',
    'ValueError',
    'XentError',
    'abs',
    'add',
    'arange',
    'argmax',
    'argmin',
    'argsort',
    'availableThreads',
    'backends',
    'broadcastTo',
    'cast',
    'cdist',
    'ceil',
    'clip',
    'clipByNorm',
    'concat',
    'cos',
    'cosineSimilarity',
    'createCpuBackend',
    'cumsum',
    'customVjp',
    'debugNans',
    'digamma',
    'div',
    'divergence',
    'doubleCenter',
    'eigh',
    'eigvalsh',
    'einsum',
    'entropy',
    'equal',
    'equivariance',
    'erf',
    'erfc',
    'erfinv',
    'exp',
    'expandDims',
    'expm1',
    'export',
    'eye',
    'flip',
    'floor',
    'formatProgram',
    'full',
    'gather',
    'getDefaultBackend',
    'grad',
    'gram',
    'greater',
    'greaterEqual',
    'hessian',
    'hvp',
    'iota',
    'isfinite',
    'isinf',
    'isnan',
    'item',
    'jacfwd',
    'jacobian',
    'jacrev',
    'jit',
    'jvp',
    'laws',
    'less',
    'lessEqual',
    'lgamma',
    'linearLogitStats',
    'log',
    'log1mexp',
    'log1p',
    'logOneMinusSoftmax',
    'logSigmoid',
    'logSoftmax',
    'logaddexp',
    'logcumsumexp',
    'logit',
    'logsumexp',
    'losses',
    'maskedLogsumexp',
    'matmul',
    'max',
    'maximum',
    'mean',
    'min',
    'minimum',
    'moveAxis',
    'mul',
    'neg',
    'norm',
    'normalize',
    'notEqual',
    'oneHot',
    'ones',
    'onesLike',
    'optim',
    'pad',
    'pairwiseDistances',
    'peakTemporaryBytes',
    'polygamma',
    'pow',
    'printGraph',
    'random',
    'recip',
    'relu',
    'reshape',
    'roll',
    'safeDiv',
    'safeLog',
    'safeSqrt',
    'scan',
    'setDefaultBackend',
    'sigmoid',
    'sign',
    'sin',
    'slice',
    'softmax',
    'softplus',
    'sort',
    'sqrt',
    'square',
    'squeeze',
    'stack',
    'std',
    'stopGradient',
    'sub',
    'sum',
    'take',
    'tanh',
    'tensor',
    'topK',
    'transpose',
    'tree',
    'tril',
    'triu',
    'valueAndGrad',
    'variance',
    'vjp',
    'vmap',
    'webgpu',
    'weightedLogsumexp',
    'where',
    'xlogy',
    'zeros',
    'zerosLike',
  ]);
});
