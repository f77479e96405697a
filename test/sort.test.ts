/**
 * @file sort, argsort, topK, argmax and argmin against a host-side stable sort in f64 (arrays with
 * duplicates, NaN, ±Inf and −0, any axis, both directions) on every CPU backend, eager and jitted;
 * i32 extremes; gradients of sorted and top-k values against f64 central differences; vmap; and
 * the errors of bad arguments.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { expectAllClose, toNumbers } from './support/numeric.js';

/** A tensor of `values` with `shape` and `dtype`. */
function mk(values: readonly number[], shape: readonly number[], dtype: 'f64' | 'f32' | 'i32' = 'f64'): x.Tensor {
  const data =
    dtype === 'f64' ? Float64Array.from(values) : dtype === 'f32' ? Float32Array.from(values) : Int32Array.from(values);
  return x.tensor(data, { shape, dtype });
}

const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 1, -1, 2.5, 2.5, -7];

/** A shape of rank 1–3 with dims 1–5, an axis of it, and values drawn with many ties and specials. */
const caseArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
    descending: fc.boolean(),
    values: fc.array(
      fc.oneof(fc.constantFrom(...SPECIAL), fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true })),
      { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) },
    ),
  }),
);

const stridesOf = (shape: readonly number[]): number[] =>
  shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

/** The host's stable argsort of every line along `axis` (NaN largest, −0 = +0), and the values gathered by it. */
function hostSort(
  values: readonly number[],
  shape: readonly number[],
  axis: number,
  descending: boolean,
): { values: number[]; indices: number[] } {
  const ax = axis < 0 ? axis + shape.length : axis;
  const strides = stridesOf(shape);
  const n = shape[ax] as number;
  const outV = new Array<number>(values.length);
  const outI = new Array<number>(values.length);
  const rank = (v: number): number => (Number.isNaN(v) ? 1 : 0);
  for (let flat = 0; flat < values.length; flat++) {
    if (Math.floor(flat / (strides[ax] as number)) % n !== 0) continue; // one line per start
    const at = (t: number): number => flat + t * (strides[ax] as number);
    const order = Array.from({ length: n }, (_, t) => t);
    // a merge-free definition: compare (NaN-class, value) then position
    order.sort((p, q) => {
      const a = values[at(p)] as number;
      const b = values[at(q)] as number;
      let c = rank(a) - rank(b) || (rank(a) === 1 ? 0 : a < b ? -1 : a > b ? 1 : 0);
      if (descending) c = -c;
      return c !== 0 ? c : p - q;
    });
    order.forEach((t, j) => {
      outI[at(j)] = t;
      outV[at(j)] = values[at(t)] as number;
    });
  }
  return { values: outV, indices: outI };
}

/** Equal as numbers, NaN equal to NaN, and −0 told apart from +0 (stability keeps their order). */
const sameNumbers = (got: readonly number[], want: readonly number[]): boolean =>
  got.length === want.length && got.every((g, i) => Object.is(g, want[i]));

const backendNames = ['cpu', 'cpu-js', 'reference'] as const;

describe.each(backendNames)('%s backend', (name) => {
  const backend = x.backends[name];
  beforeAll(() => {
    x.setDefaultBackend(backend);
  });
  afterAll(() => {
    x.setDefaultBackend(x.backends.cpu);
  });
  test('sort and argsort equal a host stable sort (f64 and f32, duplicates, NaN, ±Inf, −0, any axis, both directions)', () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.constantFrom<'f64' | 'f32'>('f64', 'f32'),
        ({ shape, axis, descending, values }, dtype) => {
          const vals = dtype === 'f32' ? values.map((v) => Math.fround(v)) : values;
          const t = mk(vals, shape, dtype);
          const want = hostSort(vals, shape, axis, descending);
          const eager = x.sort(t, { axis, descending });
          const jitted = x.jit((u: x.Tensor) => x.sort(u, { axis, descending }), { backend })(t);
          for (const r of [eager, jitted]) {
            expect(r.indices.dtype).toBe('i32');
            expect(r.values.dtype).toBe(dtype);
            expect(r.values.shape).toEqual(shape);
            expect(toNumbers(r.indices)).toEqual(want.indices);
            expect(sameNumbers(toNumbers(r.values), want.values)).toBe(true);
          }
          const idx = x.jit((u: x.Tensor) => x.argsort(u, { axis, descending }), { backend })(t);
          expect(toNumbers(idx)).toEqual(want.indices);
        },
      ),
    );
  });

  test('long lines (merge passes over runs) equal the host sort, on the last and the first axis', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 17, max: 300 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (n, rows, descending, first, seed) => {
          const shape = first ? [n, rows] : [rows, n];
          const values = Array.from({ length: n * rows }, (_, i) => {
            const r = (i * 7919 + seed * 104729) % 23;
            return r === 0 ? NaN : r === 1 ? -0 : r === 2 ? Infinity : (r % 11) - 5;
          });
          const axis = first ? 0 : 1;
          const want = hostSort(values, shape, axis, descending);
          const r = x.jit((u: x.Tensor) => x.sort(u, { axis, descending }), { backend })(mk(values, shape));
          expect(toNumbers(r.indices)).toEqual(want.indices);
          expect(sameNumbers(toNumbers(r.values), want.values)).toBe(true);
        },
      ),
      { numRuns: 20 },
    );
  });

  test('i32 sorts exactly, INT_MIN and INT_MAX included, and argmax/argmin/min/max do not overflow', () => {
    const big = [5, -2147483648, 2147483647, 7, -2147483648, 0, 2147483647, -1];
    const t = mk(big, [2, 4], 'i32');
    {
      for (const descending of [false, true]) {
        for (const axis of [0, 1]) {
          const want = hostSort(big, [2, 4], axis, descending);
          const r = x.sort(t, { axis, descending });
          expect(toNumbers(r.values)).toEqual(want.values);
          expect(toNumbers(r.indices)).toEqual(want.indices);
        }
      }
      expect(toNumbers(x.argmin(t))).toEqual([1, 0]);
      expect(toNumbers(x.argmax(t))).toEqual([2, 2]);
      expect(toNumbers(x.min(t, { axis: 1 }))).toEqual([-2147483648, -2147483648]);
      expect(toNumbers(x.max(t, { axis: 1 }))).toEqual([2147483647, 2147483647]);
      expect(toNumbers(x.argmin(x.tensor([3, -2147483648, -2147483648], { dtype: 'i32' })))).toEqual([1]);
    }
  });

  test('topK equals the first k of the host sort (largest or smallest; sorted, or in axis order)', () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), fc.boolean(), fc.nat(), ({ shape, axis, values }, largest, sorted, kSeed) => {
        const ax = axis < 0 ? axis + shape.length : axis;
        const n = shape[ax] as number;
        const k = kSeed % (n + 1);
        const t = mk(values, shape, 'f64');
        const full = hostSort(values, shape, ax, largest);
        const r = x.jit((u: x.Tensor) => x.topK(u, k, { axis, largest, sorted }), { backend })(t);
        const outShape = shape.map((d, i) => (i === ax ? k : d));
        expect(r.indices.shape).toEqual(outShape);
        // the first k of each line of the full sort, reordered by index when not sorted
        const strides = stridesOf(shape);
        const outStrides = stridesOf(outShape);
        const wantI = new Array<number>(outShape.reduce((a, b) => a * b, 1));
        for (let o = 0; o < wantI.length; o++) {
          const idx = outShape.map((d, i) => Math.floor(o / (outStrides[i] as number)) % d);
          if (idx[ax] !== 0) continue;
          const line = Array.from(
            { length: k },
            (_, j) => full.indices[idx.reduce((s, v, i) => s + (i === ax ? j : v) * (strides[i] as number), 0)],
          ) as number[];
          if (!sorted) line.sort((p, q) => p - q);
          line.forEach((v, j) => (wantI[o + j * (outStrides[ax] as number)] = v));
        }
        expect(toNumbers(r.indices)).toEqual(wantI);
        const wantV = wantI.map((j, o) => {
          const idx = outShape.map((d, i) => Math.floor(o / (outStrides[i] as number)) % d);
          return values[idx.reduce((s, v, i) => s + (i === ax ? j : v) * (strides[i] as number), 0)] as number;
        });
        expect(sameNumbers(toNumbers(r.values), wantV)).toBe(true);
      }),
    );
  });

  test('argmax and argmin: the first index on ties, the first NaN if any, any axis, keepDims', () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), ({ shape, axis, values }, keepDims) => {
        const ax = axis < 0 ? axis + shape.length : axis;
        const t = mk(values, shape, 'f64');
        const strides = stridesOf(shape);
        const n = shape[ax] as number;
        for (const [fn, better] of [
          [x.argmax, (a: number, b: number) => a > b],
          [x.argmin, (a: number, b: number) => a < b],
        ] as const) {
          const want: number[] = [];
          for (let flat = 0; flat < values.length; flat++) {
            if (Math.floor(flat / (strides[ax] as number)) % n !== 0) continue;
            const at = (j: number): number => values[flat + j * (strides[ax] as number)] as number;
            let best = 0;
            for (let j = 1; j < n && !Number.isNaN(at(best)); j++)
              if (Number.isNaN(at(j)) || better(at(j), at(best))) best = j;
            want.push(best);
          }
          const got = x.jit((u: x.Tensor) => fn(u, { axis, keepDims }), { backend })(t);
          expect(got.dtype).toBe('i32');
          expect(got.shape).toEqual(shape.map((d, i) => (i === ax ? 1 : d)).filter((_, i) => keepDims || i !== ax));
          expect(toNumbers(got)).toEqual(want);
        }
      }),
    );
  });
});

/** Distinct values (gaps ≥ 0.1), so a small step keeps the order and the sort is differentiable there. */
const distinctArb = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 6 })).chain(([rows, n]) =>
  fc
    .shuffledSubarray(
      Array.from({ length: 40 }, (_, i) => i),
      { minLength: rows * n, maxLength: rows * n },
    )
    .map((picked) => ({ shape: [rows, n], values: picked.map((p) => (p - 20) * 0.37 + Math.sin(p) * 0.01) })),
);

/** Central differences of a scalar f at v along each coordinate (f64). */
function fdGradient(f: (t: x.Tensor) => x.Tensor, values: readonly number[], shape: readonly number[]): number[] {
  const h = 1e-6;
  return values.map((_, i) => {
    const at = (d: number): number =>
      x.item(
        f(
          mk(
            values.map((v, j) => (j === i ? v + d : v)),
            shape,
            'f64',
          ),
        ),
      );
    return (at(h) - at(-h)) / (2 * h);
  });
}

describe('gradients', () => {
  test('∇ of a weighted sum of sorted values and of top-k values equals f64 central differences, on both axes', () => {
    fc.assert(
      fc.property(distinctArb, fc.boolean(), fc.integer({ min: 0, max: 1 }), ({ shape, values }, descending, axis) => {
        const w = mk(
          values.map((_, i) => Math.cos(3 * i) + 2),
          shape,
          'f64',
        );
        const n = shape[axis] as number;
        const k = Math.max(1, n - 1);
        const kShape = shape.map((d, i) => (i === axis ? k : d));
        const wk = mk(
          Array.from({ length: kShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i) + 1.5),
          kShape,
          'f64',
        );
        const losses: ((t: x.Tensor) => x.Tensor)[] = [
          (t) => x.sum(x.mul(x.sort(t, { axis, descending }).values, w)),
          (t) => x.sum(x.mul(x.topK(t, k, { axis, largest: !descending }).values, wk)),
          (t) => x.sum(x.mul(x.topK(t, k, { axis, largest: descending, sorted: false }).values, wk)),
        ];
        for (const f of losses) {
          const t = mk(values, shape, 'f64');
          expectAllClose(toNumbers(x.grad(f)(t)), fdGradient(f, values, shape), { rtol: 1e-6, atol: 1e-7 });
          expectAllClose(toNumbers(x.jit(x.grad(f))(t)), fdGradient(f, values, shape), { rtol: 1e-6, atol: 1e-7 });
        }
      }),
      { numRuns: 30 },
    );
  });

  test('second order: the sorted values are piecewise linear, so the Hessian-vector product is zero', () => {
    const t = x.tensor([0.3, -1.2, 2.2, 0.9], { dtype: 'f64' });
    const f = (u: x.Tensor): x.Tensor => x.sum(x.square(x.sort(u).values));
    // ∇ = 2·x (sorting then squaring is a permutation-invariant sum of squares), ∇² = 2·I
    expectAllClose(toNumbers(x.grad(f)(t)), [0.6, -2.4, 4.4, 1.8], { rtol: 1e-12, atol: 0 });
    expectAllClose(toNumbers(x.hvp(f)(t, x.tensor([1, 2, 3, 4], { dtype: 'f64' }))), [2, 4, 6, 8], {
      rtol: 1e-12,
      atol: 0,
    });
    const g = (u: x.Tensor): x.Tensor => x.sum(x.mul(x.topK(u, 2).values, x.tensor([1, -3], { dtype: 'f64' })));
    expectAllClose(toNumbers(x.hvp(g)(t, x.tensor([1, 2, 3, 4], { dtype: 'f64' }))), [0, 0, 0, 0], {
      rtol: 0,
      atol: 0,
    });
  });

  test('argsort, argmax and argmin carry no gradient', () => {
    const t = x.tensor([0.3, -1.2, 2.2], { dtype: 'f64' });
    const f = (u: x.Tensor): x.Tensor =>
      x.add(
        x.sum(x.cast(x.argsort(u), 'f64')),
        x.add(x.sum(x.cast(x.argmax(u), 'f64')), x.sum(x.cast(x.argmin(u), 'f64'))),
      );
    expect(toNumbers(x.grad(f)(t))).toEqual([0, 0, 0]);
  });
});

describe('vmap', () => {
  test('vmap of sort, topK and their gradients equals the per-example results', () => {
    const batch = mk(
      Array.from({ length: 3 * 2 * 4 }, (_, i) => Math.sin(1.3 * i) * 3),
      [3, 2, 4],
    );
    const per = (u: x.Tensor): x.Tensor =>
      x.add(x.sum(x.mul(x.sort(u, { axis: 0, descending: true }).values, u)), x.sum(x.topK(u, 2, { axis: 1 }).values));
    const examples = [0, 1, 2].map((b) => x.squeeze(x.slice(batch, [b, 0, 0], [b + 1, 2, 4]), 0));
    const sorted = x.vmap((u: x.Tensor) => x.sort(u, { axis: -1 }).indices)(batch);
    expect(toNumbers(sorted)).toEqual(examples.flatMap((e) => toNumbers(x.argsort(e, { axis: -1 }))));
    expectAllClose(
      toNumbers(x.vmap(per)(batch)),
      examples.map((e) => x.item(per(e))),
      { rtol: 1e-12, atol: 0 },
    );
    expectAllClose(
      toNumbers(x.vmap(x.grad(per))(batch)),
      examples.flatMap((e) => toNumbers(x.grad(per)(e))),
      { rtol: 1e-12, atol: 0 },
    );
  });
});

describe('bad arguments', () => {
  const t = x.tensor([[1, 2, 3]]);
  test('each is an XentError naming the function and the argument', () => {
    expect(() => x.sort(t, { axis: 2 })).toThrow(/sort.*axis/);
    expect(() => x.sort(x.tensor(1))).toThrow(/sort.*axis/);
    expect(() => x.argsort(t, { descend: true } as never)).toThrow(/argsort.*descend/);
    expect(() => x.sort(x.tensor([true, false]) as never)).toThrow(/sort.*x/);
    expect(() => x.topK(t, 4)).toThrow(/topK.*k.*\[0, 3\]/);
    expect(() => x.topK(t, 1.5)).toThrow(/topK.*k/);
    expect(() => x.topK(t, -1)).toThrow(/topK.*k/);
    expect(() => x.topK(t, 1, { largest: 'yes' } as never)).toThrow(/topK.*largest/);
    expect(() => x.argmin(mk([], [2, 0]))).toThrow(/argmin.*non-empty/);
    expect(() => x.argmax(mk([], [0]))).toThrow(/argmax.*non-empty/);
    for (const f of [() => x.sort(t, { axis: 2 }), () => x.topK(t, 4), () => x.argmin(mk([], [0]))])
      expect(f).toThrow(x.XentError);
  });

  test('k = 0 and empty lines are fine', () => {
    const r = x.topK(t, 0);
    expect(r.values.shape).toEqual([1, 0]);
    expect(x.sort(mk([], [2, 0])).values.shape).toEqual([2, 0]);
  });
});
