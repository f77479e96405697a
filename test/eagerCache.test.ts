/**
 * @file The eager program cache: eager results, drawn in sequences where one cached program serves many
 * calls (same op with other scalar literals, axes, keepdims, dtypes, shapes of equal size), match the
 * same graphs compiled without the cache (the reference interpreter; the CPU backend bit for bit),
 * earlier results are never changed by later calls, and the cache stays within its bounds.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { ir, primitive, prims, runGraph } from '@xent/core/internal';
import * as x from 'xent';
import {
  eagerCacheStats,
  MAX_ENTRIES,
  MAX_ENTRY_BYTES,
  MAX_HELD_BYTES,
} from '../packages/core/src/trace/eagerCache.js';
import { sizeOf, valuesArb } from './support/arbitraries.js';
import { floatPositions, tensorOf } from './support/cases.js';
import { expectAllClose } from './support/numeric.js';
import { type PrimCase, primSpecs, type PrimTestSpec } from './support/primSpecs.js';
import { build, exprArb, printExpr } from './support/randomGraphs.js';

type Backend = (typeof x.backends)[keyof typeof x.backends];

/** Builds one graph and reads its values on `backend` through the compile pipeline, bypassing the eager cache. */
const uncached = (outputs: readonly ir.Node[], backend: Backend): ArrayLike<number>[] =>
  runGraph(ir.makeGraph([], outputs), [], backend).map((c) => c.value as ArrayLike<number>);

/** The values of `f(t)`, traced once and run on the reference interpreter without the eager cache. */
function referenceOf(f: (t: x.Tensor) => x.Tensor, t: x.Tensor): { values: ArrayLike<number>; shape: number[] } {
  const graph = x.jit(f).graph(t);
  const [out] = runGraph(graph, [t.data()], x.backends.reference);
  return {
    values: (out as ir.ConstNode).value as ArrayLike<number>,
    shape: [...(graph.outputs[0] as ir.Node).type.shape],
  };
}

/** Fails naming the first element that is not the same value (NaN matches NaN; 0 and −0 differ). */
function expectIdentical(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(Number(actual[i]), Number(expected[i])))
      throw new Error(`${label}: element ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

const backendNames = ['cpu', 'reference'] as const;

afterEach(() => {
  x.setDefaultBackend(x.backends.cpu);
});

// ---- every primitive, in random sequences ----

interface PrimStep {
  readonly prim: ir.Prim;
  readonly c: PrimCase;
  readonly floatDType: 'f32' | 'f64';
}

/**
 * Every primitive but eigh: its cases come from a filter (well-separated eigenvalues) that, drawn inside
 * a sequence, can reject for minutes; prims.test.ts runs eigh's cases one after another through the cache.
 */
const sequencedPrims = prims.filter((p) => p !== 'eigh');

const primStep: fc.Arbitrary<PrimStep> = fc
  .tuple(fc.constantFrom(...sequencedPrims), fc.constantFrom('f32' as const, 'f64' as const))
  .chain(([prim, floatDType]) =>
    (primSpecs[prim] as PrimTestSpec<unknown>).cases.map((c): PrimStep => ({ prim, c, floatDType })),
  );

/** The step's inputs as tensors (floats in its float dtype) and its params (f64 params follow the floats). */
function stepInputs({ c, floatDType }: PrimStep): { inputs: x.Tensor[]; params: unknown } {
  const floats = new Set(floatPositions(c));
  const inputs = c.inputs.map((s, i) => tensorOf(s, floats.has(i) ? floatDType : 'f64'));
  const p = c.params as { readonly dtype?: x.DType };
  return { inputs, params: floatDType === 'f32' && p.dtype === 'f64' ? { ...p, dtype: 'f32' } : p };
}

describe.each(backendNames)('eager primitives on %s, through the cache', (name) => {
  test('a sequence of primitives gives what each graph gives compiled on its own', () => {
    x.setDefaultBackend(x.backends[name]);
    fc.assert(
      fc.property(fc.array(primStep, { minLength: 1, maxLength: 6 }), (steps) => {
        // run the whole sequence first: a later call must not change an earlier result
        const runs = steps.map((step) => {
          const { inputs, params } = stepInputs(step);
          const eager = primitive(step.prim, params as never, ...inputs);
          const node = ir.op(
            step.prim,
            params as never,
            inputs.map((t) => t.node),
          );
          return { step, eager, node };
        });
        for (const { step, eager, node } of runs) {
          const label = `${step.prim} (${step.floatDType}) ${JSON.stringify(step.c.params)}`;
          const [ownBackend] = uncached([node], x.backends[name]);
          expectIdentical(eager.data(), ownBackend as ArrayLike<number>, label);
          const [reference] = uncached([node], x.backends.reference);
          const tol = step.floatDType === 'f32' ? primSpecs[step.prim].f32 : { rtol: 1e-9, atol: 1e-12 };
          expectAllClose(eager.data(), reference as ArrayLike<number>, tol, label);
        }
      }),
    );
  });
});

// ---- one op, many calls: literals, axes, keepdims, dtypes, equal-size shapes ----

/** Shapes with equal sizes, so that keys differing only in the shape meet in one sequence. */
const shapes = [[2, 3], [3, 2], [6], [1, 6], [3, 1, 2], []] as const;
type DT = 'f32' | 'f64' | 'i32';

/** Values that every dtype holds exactly and whose sums of ≤ 6 terms are exact: quarters in [−16, 16]. */
const exactValue = fc.integer({ min: -64, max: 64 }).map((k) => k / 4);

/** Scalar literals, among them the ones that are easy to confuse: 0 and −0, NaN, ±Infinity. */
const floatLiteral = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 2, 0.5, Number.NaN, Infinity, -Infinity),
  fc.double({ min: -4, max: 4, noNaN: true }),
);
const intLiteral = fc.integer({ min: -5, max: 5 });

type UnaryOp = { readonly text: string; readonly f: (t: x.Tensor) => x.Tensor };

const binaries = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'less', 'equal'] as const;

/** One public op on a tensor of `rank` and `dtype`, with whatever literal, axis or option it takes. */
function opArb(rank: number, dtype: DT): fc.Arbitrary<UnaryOp> {
  const literal = dtype === 'i32' ? intLiteral : floatLiteral;
  const usable = binaries.filter((b) => b !== 'div' || dtype !== 'i32');
  const binary = fc.tuple(fc.constantFrom(...usable), literal, fc.boolean()).map(([op, c, literalFirst]): UnaryOp => {
    const fn = x[op] as (a: x.TensorLike, b: x.TensorLike) => x.Tensor;
    return {
      text: literalFirst ? `${op}(${String(c)}, t)` : `${op}(t, ${String(c)})`,
      f: (t) => (literalFirst ? fn(c, t) : fn(t, c)),
    };
  });
  const axis =
    rank === 0 ? fc.constant(undefined) : fc.option(fc.integer({ min: -rank, max: rank - 1 }), { nil: undefined });
  const reduction = fc
    .tuple(fc.constantFrom('sum' as const, 'max' as const), axis, fc.boolean())
    .map(([op, ax, keepdims]): UnaryOp => ({
      text: `${op}(t, axis ${String(ax)}, keepdims ${String(keepdims)})`,
      f: (t) => x[op](t, ax === undefined ? { keepDims: keepdims } : { axis: ax, keepDims: keepdims }),
    }));
  const movement = fc.constantFrom<UnaryOp>(
    { text: 'transpose(t)', f: (t) => x.transpose(t) },
    { text: 'reshape(t, [6])', f: (t) => x.reshape(t, [t.size]) },
    { text: 'flip(t)', f: (t) => x.flip(t) },
  );
  const casts = fc
    .constantFrom<DT>('f32', 'f64', 'i32')
    .map((to): UnaryOp => ({ text: `cast(t, ${to})`, f: (t) => x.cast(t, to) }));
  return fc.oneof(binary, reduction, movement, casts);
}

interface Call {
  readonly shape: readonly number[];
  readonly dtype: DT;
  readonly values: readonly number[];
  readonly op: UnaryOp;
}

const callArb: fc.Arbitrary<Call> = fc
  .tuple(fc.constantFrom(...shapes), fc.constantFrom<DT>('f32', 'f64', 'i32'))
  .chain(([shape, dtype]) =>
    fc
      .tuple(fc.array(exactValue, { minLength: sizeOf(shape), maxLength: sizeOf(shape) }), opArb(shape.length, dtype))
      .map(([values, op]): Call => ({ shape, dtype, values: dtype === 'i32' ? values.map(Math.trunc) : values, op })),
  );

/** Sequences that repeat one op kind, so calls of the same key with other values follow each other. */
const sequenceArb = fc.oneof(
  fc.array(callArb, { minLength: 2, maxLength: 12 }),
  callArb.chain((first) =>
    fc
      .array(
        fc.tuple(
          fc.array(exactValue, { minLength: sizeOf(first.shape), maxLength: sizeOf(first.shape) }),
          opArb(first.shape.length, first.dtype),
        ),
        { minLength: 1, maxLength: 8 },
      )
      .map((rest) => [
        first,
        ...rest.map(([values, op]): Call => ({
          ...first,
          values: first.dtype === 'i32' ? values.map(Math.trunc) : values,
          op,
        })),
      ]),
  ),
);

const tensorFor = (c: Call): x.Tensor =>
  x.tensor(c.dtype === 'i32' ? Int32Array.from(c.values) : Float64Array.from(c.values), {
    shape: c.shape,
    dtype: c.dtype,
  });

describe.each(backendNames)('one op called many ways on %s', (name) => {
  test('each result is the value of its own call (literals, axes, keepdims, dtypes, equal-size shapes)', () => {
    x.setDefaultBackend(x.backends[name]);
    fc.assert(
      fc.property(sequenceArb, (calls) => {
        const results = calls.map((c) => ({ c, input: tensorFor(c), out: c.op.f(tensorFor(c)) }));
        for (const { c, input, out } of results) {
          const label = `${c.op.text} on ${c.dtype}[${c.shape.join(', ')}] ${JSON.stringify(c.values)}`;
          const expected = referenceOf(c.op.f, input);
          expect(out.shape, label).toEqual(expected.shape);
          expectIdentical(out.data(), expected.values, label);
        }
      }),
    );
  });
});

describe.each(backendNames)('confusable literals in sequence on %s', (name) => {
  test('each binary op with 0, −0, NaN, ±Infinity and ±1, one after another on one tensor, gives its own values', () => {
    x.setDefaultBackend(x.backends[name]);
    const literals = [0, -0, Number.NaN, Infinity, -Infinity, 1, -1];
    for (const dtype of ['f32', 'f64'] as const) {
      const t = x.tensor(Float64Array.from([-2, -0, 0, 0.5, 3, Number.NaN]), { shape: [2, 3], dtype });
      for (const op of binaries) {
        const fn = x[op] as (a: x.TensorLike, b: x.TensorLike) => x.Tensor;
        const runs = literals.flatMap((c) => [
          { text: `${op}(t, ${String(c)})`, f: (u: x.Tensor) => fn(u, c) },
          { text: `${op}(${String(c)}, t)`, f: (u: x.Tensor) => fn(c, u) },
        ]);
        const outs = runs.map((r) => r.f(t));
        runs.forEach((r, i) => {
          expectIdentical((outs[i] as x.Tensor).data(), referenceOf(r.f, t).values, `${r.text} ${dtype}`);
        });
      }
    }
  });
});

describe('eager gradients through the cache', () => {
  test('grad of Σ exp(c·t) is c·exp(c·t) for each call of a sequence with other literals and shapes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom(...shapes), fc.double({ min: -2, max: 2, noNaN: true })).chain(([shape, c]) =>
            fc
              .array(fc.double({ min: -1, max: 1, noNaN: true }), {
                minLength: sizeOf(shape),
                maxLength: sizeOf(shape),
              })
              .map((values) => ({ shape, c, values })),
          ),
          { minLength: 2, maxLength: 8 },
        ),
        (calls) => {
          const grads = calls.map(({ shape, c, values }) =>
            x.grad((t: x.Tensor) => x.sum(x.exp(x.mul(t, c))))(
              x.tensor(Float64Array.from(values), { shape, dtype: 'f64' }),
            ),
          );
          calls.forEach(({ c, values }, i) => {
            const g = grads[i] as x.Tensor;
            expectAllClose(
              g.data(),
              values.map((v) => c * Math.exp(c * v)),
              { rtol: 1e-13, atol: 1e-300 },
              `grad at c = ${c}`,
            );
          });
        },
      ),
    );
  });
});

describe('eager gradients of random programs through the cache', () => {
  const f64 = (values: readonly number[]): x.Tensor =>
    x.tensor(Float64Array.from(values), { shape: [2, 3], dtype: 'f64' });
  const pairs = fc.tuple(valuesArb([2, 3], 'unit'), valuesArb([2, 3], 'unit'));

  test('graphs with the same nodes wired differently are different programs', () => {
    const [a, b] = [f64([1, 2, 3, 4, 5, 6]), f64([-1, 0.5, 2, -3, 0.25, 1])];
    const [av, bv] = [a.data() as Float64Array, b.data() as Float64Array];
    // Σ(ab + ba), Σ(ab + aa), Σ(ab + bb): the same kinds of nodes in the same order, other inputs
    const fs = [
      (p: x.Tensor, q: x.Tensor) => x.sum(x.add(x.mul(p, q), x.mul(q, p))),
      (p: x.Tensor, q: x.Tensor) => x.sum(x.add(x.mul(p, q), x.mul(p, p))),
      (p: x.Tensor, q: x.Tensor) => x.sum(x.add(x.mul(p, q), x.mul(q, q))),
    ];
    const outs = fs.map((f) => x.valueAndGrad(f, { argnums: [0, 1] })(a, b));
    const sum = (v: (i: number) => number): number => Array.from(av, (_, i) => v(i)).reduce((s, t) => s + t, 0);
    const [ai, bi] = [(i: number) => av[i] as number, (i: number) => bv[i] as number];
    const expected = [
      [sum((i) => 2 * ai(i) * bi(i)), Array.from(av, (_, i) => 2 * bi(i)), Array.from(av, (_, i) => 2 * ai(i))],
      [
        sum((i) => ai(i) * bi(i) + ai(i) ** 2),
        Array.from(av, (_, i) => bi(i) + 2 * ai(i)),
        Array.from(av, (_, i) => ai(i)),
      ],
      [
        sum((i) => ai(i) * bi(i) + bi(i) ** 2),
        Array.from(av, (_, i) => bi(i)),
        Array.from(av, (_, i) => ai(i) + 2 * bi(i)),
      ],
    ] as const;
    outs.forEach(([value, [ga, gb]], k) => {
      const [v, da, db] = expected[k] as (typeof expected)[number];
      expectIdentical([x.item(value)], [v], `value of program ${k}`);
      expectIdentical(ga.data(), da, `d/da of program ${k}`);
      expectIdentical(gb.data(), db, `d/db of program ${k}`);
    });
  });

  test('valueAndGrad of programs drawn in sequence gives what the reference interpreter gives for each', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(exprArb, pairs), { minLength: 2, maxLength: 5 }), (draws) => {
        const fns = draws.map(
          ([e]) =>
            (p: x.Tensor, q: x.Tensor): x.Tensor =>
              x.sum(build(e, p, q)),
        );
        const results = draws.map(([, [a, b]], i) =>
          x.valueAndGrad(fns[i] as (p: x.Tensor, q: x.Tensor) => x.Tensor, { argnums: [0, 1] })(f64(a), f64(b)),
        );
        draws.forEach(([e, [a, b]], i) => {
          const vg = x.valueAndGrad(fns[i] as (p: x.Tensor, q: x.Tensor) => x.Tensor, { argnums: [0, 1] });
          const graph = x.jit(vg).graph(f64(a), f64(b));
          const expected = runGraph(graph, [Float64Array.from(a), Float64Array.from(b)], x.backends.reference);
          const [value, [ga, gb]] = results[i] as unknown as [x.Tensor, [x.Tensor, x.Tensor]];
          [value, ga, gb].forEach((t, k) => {
            expectAllClose(
              t.data(),
              (expected[k] as ir.ConstNode).value as Float64Array,
              { rtol: 1e-12, atol: 1e-14 },
              `${printExpr(e)} output ${k}`,
            );
          });
        });
      }),
      { numRuns: 40 },
    );
  });
});

// ---- what is cached, and the bounds ----

describe('the eager cache', () => {
  test('compiles once per key and backend', () => {
    const [first, second] = [x.createCpuBackend({ threads: 1 }), x.createCpuBackend({ threads: 1 })];
    const t = x.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
    x.setDefaultBackend(first);
    const outs = [7.25, 7.25, 7.25, -3].map((c) => x.div(t, c));
    expect(eagerCacheStats(first).programs).toBe(2);
    x.setDefaultBackend(second);
    outs.push(x.div(t, 7.25));
    expect(eagerCacheStats(second).programs).toBe(1);
    [7.25, 7.25, 7.25, -3, 7.25].forEach((c, i) => {
      expectIdentical(
        (outs[i] as x.Tensor).data(),
        Float32Array.from([1, 2, 3, 4, 5, 6], (v) => Math.fround(v / c)),
        `div by ${c}`,
      );
    });
  });

  test('does not key parameters that are not plain data, and still computes them', () => {
    const backend = x.createCpuBackend({ threads: 1 });
    x.setDefaultBackend(backend);
    const t = x.tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2], dtype: 'f64' });
    class Axes {
      readonly axes = [0];
    }
    const out = primitive('sum', new Axes() as never, t);
    expect(eagerCacheStats(backend).programs).toBe(0);
    expectIdentical(out.data(), [4, 6], 'sum over axis 0');
    // a fresh input: the node over `t` is interned with the first params object it was made with
    primitive('sum', { axes: [0] }, x.tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2], dtype: 'f64' }));
    expect(eagerCacheStats(backend).programs).toBe(1);
  });

  test(`holds at most ${MAX_ENTRIES} programs however many keys are used`, () => {
    const backend = x.createCpuBackend({ threads: 1 });
    x.setDefaultBackend(backend);
    for (let n = 1; n <= MAX_ENTRIES + 40; n++) {
      const out = x.add(x.tensor(new Float32Array(n).fill(1)), 0.5);
      expect(out.data()[n - 1]).toBe(1.5);
      expect(eagerCacheStats(backend).programs).toBe(Math.min(n, MAX_ENTRIES));
    }
  });

  test('keeps no program with more than MAX_ENTRY_BYTES of arguments, and at most MAX_HELD_BYTES of arguments in all', () => {
    const backend = x.createCpuBackend({ threads: 1 });
    x.setDefaultBackend(backend);
    const big = x.tensor(new Float32Array(MAX_ENTRY_BYTES / 4 + 1).fill(2));
    expect(x.mul(big, 3).data()[MAX_ENTRY_BYTES / 4]).toBe(6);
    expect(eagerCacheStats(backend)).toEqual({ programs: 0, heldBytes: 0 });
    // programs of exactly MAX_ENTRY_BYTES of arguments each (other lengths, so other keys): only so many fit
    const fit = Math.floor(MAX_HELD_BYTES / MAX_ENTRY_BYTES);
    for (let k = 0; k < fit + 3; k++) {
      const t = x.tensor(new Float32Array(MAX_ENTRY_BYTES / 4 - k).fill(k));
      expect(x.add(t, 1).data()[0]).toBe(k + 1);
      const { programs, heldBytes } = eagerCacheStats(backend);
      expect(heldBytes).toBeLessThanOrEqual(MAX_HELD_BYTES);
      expect(programs).toBe(Math.min(k + 1, fit));
    }
  });
});
