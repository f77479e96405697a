/**
 * @file Composites and transforms: backends by name or object, callbacks that are not functions, errors that name
 * the argument the user passed (never an inner function's), NaN through relu and clip, and norms that neither
 * overflow nor underflow in f32 (against f64 computed here).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { caught } from './support/caught.js';
import { toNumbers } from './support/numeric.js';

const f64 = (values: readonly number[], shape: readonly number[] = [values.length]): x.Tensor =>
  x.tensor(Float64Array.from(values), { shape, dtype: 'f64' });
const f32 = (values: readonly number[], shape: readonly number[] = [values.length]): x.Tensor =>
  x.tensor(Float32Array.from(values), { shape, dtype: 'f32' });
const i32 = (values: readonly number[]): x.Tensor => x.tensor(Int32Array.from(values), { shape: [values.length] });

/** The XentError `run` throws, checked to name `fn` and `arg` as the grammar says. */
function rejects(run: () => unknown, fn: string, arg: string): x.XentError {
  const e = caught(run, x.XentError);
  expect(e.message.startsWith(`xent.${fn}: argument '${arg}' expected `), e.message).toBe(true);
  return e;
}

/** ∇ of Σ w·f(t) at `t` (`w` = 1 by default), as numbers. */
const gradOf = (f: (t: x.Tensor) => x.Tensor, t: x.Tensor, w?: x.Tensor): number[] =>
  toNumbers(x.grad((u: x.Tensor) => x.sum(w === undefined ? f(u) : x.mul(f(u), w)))(t));

/** Numbers of magnitude in [lo, hi], either sign. */
const signedArb = (lo: number, hi: number): fc.Arbitrary<number> =>
  fc.tuple(fc.double({ min: lo, max: hi, noNaN: true }), fc.boolean()).map(([m, negative]) => (negative ? -m : m));

/** |got − want| ≤ rtol·scale entry by entry (NaN only where NaN is wanted); the scale is max |want| by default. */
function expectScaledClose(
  got: readonly number[],
  want: readonly number[],
  rtol: number,
  what: string,
  scale = Math.max(...want.map(Math.abs)),
): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i] as number;
    if (Number.isNaN(w)) expect(g, `${what}[${i}]`).toBeNaN();
    else expect(Math.abs(g - w), `${what}[${i}]: ${g} vs ${w}`).toBeLessThanOrEqual(rtol * scale);
  });
}

describe('backends: one of the built-in names or a Backend object', () => {
  afterEach(() => {
    x.setDefaultBackend(x.backends.cpu);
  });

  /** A reference backend that counts what it compiles. */
  function spyBackend(): { backend: x.Backend; compiled: () => number } {
    let n = 0;
    const backend: x.Backend = {
      kind: 'graph',
      name: 'spy',
      compile: (graph: x.Graph) => {
        n++;
        return x.backends.reference.compile(graph);
      },
    };
    return { backend, compiled: () => n };
  }

  const double = (a: x.Tensor): x.Tensor => x.mul(a, 2);

  test("jit rejects an unknown name instead of running on the default backend ('gpu' did)", () => {
    const spy = spyBackend();
    x.setDefaultBackend(spy.backend);
    const e = rejects(() => x.jit(double, { backend: 'gpu' as never }), 'jit', 'backend');
    expect(e).toBeInstanceOf(x.ValueError);
    expect(e.message).toContain("one of 'cpu', 'cpu-js', 'reference' or a Backend");
    expect(spy.compiled()).toBe(0);
  });

  test('jit runs on the backend it names, by name or as an object, not on the default', () => {
    const spy = spyBackend();
    x.setDefaultBackend(spy.backend);
    for (const name of ['cpu', 'cpu-js', 'reference'] as const) {
      expect(toNumbers(x.jit(double, { backend: name })(f32([1, -2])))).toEqual([2, -4]);
    }
    expect(spy.compiled()).toBe(0);
    const other = spyBackend();
    expect(toNumbers(x.jit(double, { backend: other.backend })(f32([3])))).toEqual([6]);
    expect([spy.compiled(), other.compiled()]).toEqual([0, 1]);
  });

  test('objects that are not backends are a ValueError naming backend (a raw TypeError before)', () => {
    const compile = (): never => {
      throw new Error('never called');
    };
    const notBackends: unknown[] = [
      {},
      { kind: 'graph', name: 'no compile' },
      { kind: 'gpu', name: 'bad kind', compile },
      { kind: 'kernel', compile },
      { kind: 'kernel', name: 'bad limits', compile, kernelLimits: 4 },
      { kind: 'graph', name: 'bad threshold', compile, linearLogitsMinElements: -1 },
      null,
      5,
      () => 0,
    ];
    for (const backend of notBackends) {
      rejects(() => x.jit(double, { backend: backend as never }), 'jit', 'backend');
      rejects(
        () => {
          x.setDefaultBackend(backend as never);
        },
        'setDefaultBackend',
        'backend',
      );
    }
  });

  test('setDefaultBackend takes a name too; a bad one leaves the default as it was', () => {
    x.setDefaultBackend('reference');
    expect(x.getDefaultBackend()).toBe(x.backends.reference);
    x.setDefaultBackend('cpu');
    expect(x.getDefaultBackend()).toBe(x.backends.cpu);
    rejects(
      () => {
        x.setDefaultBackend('gpu' as never);
      },
      'setDefaultBackend',
      'backend',
    );
    rejects(
      () => {
        x.setDefaultBackend(undefined as never);
      },
      'setDefaultBackend',
      'backend',
    );
    expect(x.getDefaultBackend()).toBe(x.backends.cpu);
    expect(toNumbers(x.mul(f32([1, 2]), 3))).toEqual([3, 6]);
  });
});

describe('callbacks must be functions ("f is not a function" before)', () => {
  const t = f64([1, 2]);
  const id = (a: x.Tensor): x.Tensor => a;
  const cases: readonly (readonly [string, () => unknown, string, string])[] = [
    ['grad(1)', () => x.grad(1 as never), 'grad', 'f'],
    ["valueAndGrad('f')", () => x.valueAndGrad('f' as never), 'valueAndGrad', 'f'],
    ['vjp({}, t)', () => (x.vjp as (...args: unknown[]) => unknown)({}, t), 'vjp', 'f'],
    ['jvp(null, [t], [t])', () => x.jvp(null as never, [t] as never, [t] as never), 'jvp', 'f'],
    ['hvp(1)', () => x.hvp(1 as never), 'hvp', 'f'],
    ['jit(1)', () => x.jit(1 as never), 'jit', 'f'],
    ['jit(f, { dump: 1 })', () => x.jit(id, { dump: 1 as never }), 'jit', 'dump'],
    ['customVjp(1, bwd)', () => x.customVjp(1 as never, () => [null]), 'customVjp', 'fwd'],
    ["customVjp(fwd, 'b')", () => x.customVjp((a: x.Tensor) => [a, a] as const, 'b' as never), 'customVjp', 'bwd'],
    ['tree.map(tree, 1)', () => x.tree.map({ a: t }, 1 as never), 'map', 'f'],
    ['tree.map2(a, b, {})', () => x.tree.map2([t], [t], {} as never), 'map2', 'f'],
  ];
  test.for(cases)('%s', ([, run, fn, arg]) => {
    const e = rejects(run, fn, arg);
    expect(e).toBeInstanceOf(x.ValueError);
    expect(e.message).toContain('expected a function');
  });

  test('debugNans takes a boolean only, and keeps its setting when refused', () => {
    rejects(() => x.debugNans('yes' as never), 'debugNans', 'on');
    rejects(() => x.debugNans(1 as never), 'debugNans', 'on');
    expect(x.debugNans(false)).toBe(false);
  });
});

describe('errors name the argument the user passed', () => {
  const t = f64([1, 2]);
  const sq = (a: x.Tensor): x.Tensor => x.sum(x.square(a));

  test("vjp names its primals (not 'args[i]'), at any depth", () => {
    rejects(() => x.vjp((a: x.Tensor, b: x.Tensor) => x.add(a, b), t, i32([1, 2])), 'vjp', 'primals[1]');
    rejects(() => x.vjp((p: { a: x.Tensor; b: x.Tensor }) => p.a, { a: t, b: i32([1, 2]) }), 'vjp', 'primals[0].b');
    rejects(() => x.vjp((a: x.Tensor, k: number) => x.mul(a, k), t, 3), 'vjp', 'primals[1]');
    rejects(() => x.jvp(sq, [i32([1])] as never, [i32([1])] as never), 'jvp', 'primals[0]');
    rejects(() => x.jvp(sq, t as never, [t]), 'jvp', 'primals');
  });

  test('hvp reports its own name for a function that is not scalar (grad before)', () => {
    rejects(() => x.hvp((a: x.Tensor) => x.square(a))(t, t), 'hvp', 'f');
  });

  test('the options of grad and valueAndGrad are checked when the transform is made', () => {
    rejects(() => x.grad(sq, { argnums: -1 } as never), 'grad', 'argnums');
    rejects(() => x.grad(sq, { argnums: [] } as never), 'grad', 'argnums');
    rejects(() => x.valueAndGrad(sq, { hasAux: 1 } as never), 'valueAndGrad', 'hasAux');
    rejects(() => x.grad(sq, { argnum: 0 } as never), 'grad', 'options');
  });

  test('composites check their arguments first: no inner name (variance, norm, logsumexp…) reaches the user', () => {
    const m = f32([1, 2, 3, 4, 5, 6], [2, 3]);
    const cases: readonly (readonly [() => unknown, string, string])[] = [
      [() => x.std(f32([1]), { unbiased: true }), 'std', 'x'],
      [() => x.std(m, { axis: 2 }), 'std', 'axis'],
      [() => x.std(i32([1, 2])), 'std', 'x'],
      [() => x.normalize(m, { axis: 2 }), 'normalize', 'axis'],
      [() => x.normalize(m, { ord: 3 }), 'normalize', 'ord'],
      [() => x.normalize(m, { eps: 0 }), 'normalize', 'eps'],
      [() => x.normalize(m, { eps: 1e39 }), 'normalize', 'eps'],
      [() => x.clipByNorm(m, 1, { axis: -3 }), 'clipByNorm', 'axis'],
      [() => x.clipByNorm(m, 1, { ord: 0 }), 'clipByNorm', 'ord'],
      [() => x.clipByNorm(m, 1e39), 'clipByNorm', 'maxNorm'],
      [() => x.cosineSimilarity(m, m, { axis: 2 }), 'cosineSimilarity', 'axis'],
      [() => x.cosineSimilarity(m, f32([1, 2, 3]), {}), 'cosineSimilarity', 'b'],
      [() => x.cosineSimilarity(m, f64([1, 2, 3, 4, 5, 6], [2, 3])), 'cosineSimilarity', 'b'],
      [() => x.logOneMinusSoftmax(m, { axis: [0, 1] as never }), 'logOneMinusSoftmax', 'axis'],
      [() => x.logOneMinusSoftmax(m, { axis: 2 }), 'logOneMinusSoftmax', 'axis'],
      [() => x.softmax(m, { axis: [0, 1] as never }), 'softmax', 'axis'],
      [() => x.maskedLogsumexp(m, x.tensor([true, false, true]), {}), 'maskedLogsumexp', 'mask'],
      [() => x.maskedLogsumexp(m, x.greater(m, 2), { axis: 5 }), 'maskedLogsumexp', 'axis'],
      [() => x.weightedLogsumexp(m, x.ones([2, 3], { dtype: 'f64' })), 'weightedLogsumexp', 'weights'],
      [() => x.xlogy(m, f32([1, 2])), 'xlogy', 'y'],
      [() => x.safeDiv(m, f32([1, 2])), 'safeDiv', 'b'],
      [() => x.safeDiv(m, 1, 1e39), 'safeDiv', 'fallback'],
      [() => x.pairwiseDistances(m, f32([1, 2], [1, 2])), 'pairwiseDistances', 'b'],
      [() => x.doubleCenter(m), 'doubleCenter', 'k'],
      [() => x.linearLogitStats(m, f32([1, 2, 3, 4], [2, 2])), 'linearLogitStats', 'w'],
      [() => x.linearLogitStats(m, m, { bias: f32([1]) }), 'linearLogitStats', 'bias'],
      [() => x.linearLogitStats(m, m, { targets: i32([0]) }), 'linearLogitStats', 'targets'],
      [() => x.roll(m, 1, 2), 'roll', 'axis'],
    ];
    for (const [run, fn, arg] of cases) rejects(run, fn, arg);
  });

  test("oneHot names its dtype option (an internal error for 'float32' before) and casts to a valid one", () => {
    const y = i32([0, 2]);
    rejects(() => x.oneHot(y, 3, { dtype: 'float32' as never }), 'oneHot', 'dtype');
    rejects(() => x.oneHot(y, 0), 'oneHot', 'n');
    const hot = x.oneHot(y, 3, { dtype: 'f64' });
    expect(hot.dtype).toBe('f64');
    expect(hot.toArray()).toEqual([
      [1, 0, 0],
      [0, 0, 1],
    ]);
  });

  test('printGraph, formatProgram and peakTemporaryBytes take what jit gives, nothing else', () => {
    const f = x.jit((a: x.Tensor) => x.exp(x.mul(a, 2)));
    const a = f32([1, 2]);
    expect(x.printGraph(f.graph(a))).toContain('exp');
    expect(x.formatProgram(f.program(a))).toMatch(/^program \{/);
    expect(x.peakTemporaryBytes(f.program(a))).toBeGreaterThanOrEqual(0);
    rejects(() => x.printGraph({} as never), 'printGraph', 'graph');
    rejects(() => x.printGraph({ params: [1], nodes: [], outputs: [] } as never), 'printGraph', 'graph');
    rejects(() => x.printGraph(f.graph(a), { maxConstElements: -1 }), 'printGraph', 'maxConstElements');
    rejects(() => x.formatProgram(null as never), 'formatProgram', 'program');
    rejects(() => x.peakTemporaryBytes({ slots: 3 } as never), 'peakTemporaryBytes', 'program');
  });
});

describe('relu and clip: NaN stays NaN (relu(NaN) was 0), value and derivative', () => {
  const specials = [NaN, -Infinity, -2.5, -1e-300, -0, 0, 5e-324, 0.75, 3, Infinity];

  test('relu against max(x, 0) with NaN propagated; relu′ = 1 above 0, 0 at and below, NaN at NaN', () => {
    for (const dtype of ['f32', 'f64'] as const) {
      // the values as the dtype holds them (5e-324 is 0 in f32)
      const values = dtype === 'f32' ? specials.map(Math.fround) : specials;
      const t = x.tensor(values, { dtype });
      expect(toNumbers(x.relu(t)), dtype).toEqual(values.map((v) => (Number.isNaN(v) ? NaN : v > 0 ? v : 0)));
      expect(
        gradOf((u) => x.relu(u), t),
        dtype,
      ).toEqual(values.map((v) => (Number.isNaN(v) ? NaN : v > 0 ? 1 : 0)));
    }
    expect(toNumbers(x.relu(i32([-3, 0, 4])))).toEqual([0, 0, 4]);
  });

  test('relu: the gradient matches central differences away from 0, second derivatives are 0', () => {
    fc.assert(
      fc.property(fc.array(signedArb(1e-3, 10), { minLength: 1, maxLength: 6 }), (v) => {
        const h = 1e-6;
        const fd = v.map((a) => (Math.max(a + h, 0) - Math.max(a - h, 0)) / (2 * h));
        expectScaledClose(
          gradOf((u) => x.relu(u), f64(v)),
          fd,
          1e-9,
          'relu′',
        );
        const second = x.grad((u: x.Tensor) => x.sum(x.grad((w: x.Tensor) => x.sum(x.relu(w)))(u)))(f64(v));
        expect(toNumbers(second)).toEqual(v.map(() => 0));
      }),
    );
  });

  test('clip against min(max(x, lo), hi) with NaN propagated; the slope is 1 on [lo, hi], 0 outside, NaN at NaN', () => {
    const [lo, hi] = [-1, 0.75];
    const t = f64(specials);
    const want = specials.map((v) => (Number.isNaN(v) ? NaN : Math.min(Math.max(v, lo), hi)));
    expect(toNumbers(x.clip(t, lo, hi))).toEqual(want);
    const slope = specials.map((v) => (Number.isNaN(v) ? NaN : v >= lo && v <= hi ? 1 : 0));
    expect(gradOf((u) => x.clip(u, lo, hi), t)).toEqual(slope);
    expect(toNumbers(x.clip(t, -Infinity, Infinity))).toEqual(specials.map((v) => (Object.is(v, -0) ? -0 : v)));
    expect(toNumbers(x.clip(i32([-5, 1, 9]), 0, 4))).toEqual([0, 1, 4]);
    expect(toNumbers(x.clip(i32([-5, 1, 9]), -Infinity, 4))).toEqual([-5, 1, 4]);
  });

  test('clip bounds: lo ≤ hi (lo > hi was accepted), numbers the dtype holds, not NaN', () => {
    const t = f32([1, 2]);
    const e = rejects(() => x.clip(t, 1, 0), 'clip', 'hi');
    expect(e.message).toBe("xent.clip: argument 'hi' expected a number ≥ lo (1), got number 0");
    rejects(() => x.clip(t, NaN, 1), 'clip', 'lo');
    rejects(() => x.clip(t, 0, NaN), 'clip', 'hi');
    rejects(() => x.clip(t, -1e39, 1), 'clip', 'lo');
    rejects(() => x.clip(i32([1]), 0.5, 2), 'clip', 'lo');
    rejects(() => x.clip(i32([1]), 0, Infinity * 0), 'clip', 'hi');
    expect(toNumbers(x.clip(t, 1.5, 1.5))).toEqual([1.5, 1.5]);
  });
});

describe('norms in f32 neither overflow nor underflow (normalize([3e19, 4e19, 0]) was [0, 0, 0])', () => {
  test('the reported case', () => {
    const got = toNumbers(x.normalize(f32([3e19, 4e19, 0], [1, 3])));
    expectScaledClose(got, [0.6, 0.8, 0], 1e-6, 'normalize');
    expectScaledClose(toNumbers(x.norm(f32([3e19, 4e19, 0]))), [5e19], 1e-6, 'norm');
  });

  /** Rows of f32 values m·10^e (|m| ≤ 1, at least one |m| ≥ 0.1) with e huge or tiny, as rounded to f32. */
  const rowsArb = (exponents: fc.Arbitrary<number>): fc.Arbitrary<{ rows: number[][]; n: number }> =>
    fc.integer({ min: 1, max: 5 }).chain((n) =>
      fc
        .tuple(
          exponents,
          fc.array(
            fc
              .array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n })
              .filter((r) => r.some((m) => Math.abs(m) >= 0.1)),
            { minLength: 1, maxLength: 3 },
          ),
        )
        .map(([e, ms]) => ({ rows: ms.map((r) => r.map((m) => Math.fround(m * 10 ** e))), n })),
    );
  const huge = fc.integer({ min: 19, max: 36 });
  const tiny = fc.integer({ min: -35, max: -30 });

  const l2 = (r: readonly number[]): number => Math.sqrt(r.reduce((s, v) => s + v * v, 0));
  const dotOf = (a: readonly number[], b: readonly number[]): number =>
    a.reduce((s, v, i) => s + v * (b[i] as number), 0);
  const flat = (rows: readonly (readonly number[])[]): number[] => rows.flat();

  test.for([
    ['huge', huge],
    ['tiny', tiny],
  ] as const)('norm and its gradient x/‖x‖, %s values, against f64', ([, exponents]) => {
    fc.assert(
      fc.property(rowsArb(exponents), ({ rows, n }) => {
        const t = f32(flat(rows), [rows.length, n]);
        expectScaledClose(toNumbers(x.norm(t, { axis: -1 })), rows.map(l2), 1e-5, 'norm');
        const g = toNumbers(x.grad((u: x.Tensor) => x.sum(x.norm(u, { axis: -1 })))(t));
        rows.forEach((r, i) => {
          expectScaledClose(
            g.slice(i * n, (i + 1) * n),
            r.map((v) => v / l2(r)),
            1e-5,
            `∇norm row ${i}`,
          );
        });
      }),
    );
  });

  test.for([
    ['huge', huge],
    ['tiny', tiny],
  ] as const)(
    'normalize, clipByNorm and cosineSimilarity, %s values: values and gradients against f64',
    ([, exponents]) => {
      fc.assert(
        fc.property(
          rowsArb(exponents),
          fc.double({ min: 0.5, max: 2, noNaN: true }),
          fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 15, maxLength: 15 }),
          ({ rows, n }, tau, ws) => {
            const t = f32(flat(rows), [rows.length, n]);
            const w = f32(ws.slice(0, rows.length * n), [rows.length, n]);
            // eps far below the norms: the result is x/‖x‖ (an underflowed norm gave x/eps)
            const eps = 1e-44;
            const units = rows.map((r) => r.map((v) => v / l2(r)));
            expectScaledClose(toNumbers(x.normalize(t, { eps })), flat(units), 1e-5, 'normalize');
            // ∇⟨w, x/‖x‖⟩ = (w − u·⟨u, w⟩)/‖x‖ per row
            const wRows = rows.map((_, i) => ws.slice(i * n, (i + 1) * n));
            const gradUnit = (scale: number) =>
              rows.map((r, i) => {
                const u = units[i] as number[];
                const wi = wRows[i] as number[];
                const uw = dotOf(u, wi);
                return u.map((uj, j) => (scale * ((wi[j] as number) - uj * uw)) / l2(r));
              });
            const gotNormalize = gradOf((u) => x.normalize(u, { eps }), t, w);
            // scaled by 1/‖x‖, the size of the terms (the gradient itself may be about 0)
            gradUnit(1).forEach((want, i) => {
              const scale = 1 / l2(rows[i] as number[]);
              expectScaledClose(gotNormalize.slice(i * n, (i + 1) * n), want, 1e-5, `∇normalize row ${i}`, scale);
            });
            // clipByNorm: huge rows are rescaled to τ, tiny ones are kept
            const clippedWant = rows.map((r, i) =>
              l2(r) > tau ? (units[i] as number[]).map((uj) => tau * uj) : r.map((v) => v),
            );
            expectScaledClose(toNumbers(x.clipByNorm(t, tau)), flat(clippedWant), 1e-5, 'clipByNorm');
            const gotClip = gradOf((u) => x.clipByNorm(u, tau), t, w);
            rows.forEach((r, i) => {
              const clipped = l2(r) > tau;
              const want = clipped ? (gradUnit(tau)[i] as number[]) : (wRows[i] as number[]);
              const scale = clipped ? tau / l2(r) : 1;
              expectScaledClose(gotClip.slice(i * n, (i + 1) * n), want, 1e-5, `∇clipByNorm row ${i}`, scale);
            });
            // cosine similarity of each row with the reversed row; ∂/∂a = (b̂ − â⟨â, b̂⟩)/‖a‖
            const other = rows.map((r) => [...r].reverse());
            const b = f32(flat(other), [rows.length, n]);
            const cos = rows.map((r, i) => dotOf(r, other[i] as number[]) / (l2(r) * l2(other[i] as number[])));
            expectScaledClose(toNumbers(x.cosineSimilarity(t, b, { eps })), cos, 1e-5, 'cosineSimilarity', 1);
            const gotCos = toNumbers(x.grad((a: x.Tensor) => x.sum(x.cosineSimilarity(a, b, { eps })))(t));
            rows.forEach((r, i) => {
              const u = units[i] as number[];
              const v = (other[i] as number[]).map((y) => y / l2(other[i] as number[]));
              const want = u.map((uj, j) => ((v[j] as number) - uj * (cos[i] as number)) / l2(r));
              const scale = 1 / l2(r);
              expectScaledClose(gotCos.slice(i * n, (i + 1) * n), want, 1e-5, `∇cosineSimilarity row ${i}`, scale);
            });
          },
        ),
      );
    },
  );

  test('a subnormal vector (1e-40 in f32) has its norm, and normalizes to a unit vector', () => {
    const v = [3e-40, -4e-40].map(Math.fround);
    const n = l2(v);
    expectScaledClose(toNumbers(x.norm(f32(v))), [n], 1e-4, 'norm');
    expectScaledClose(
      toNumbers(x.normalize(f32(v), { eps: 1e-45 })),
      v.map((a) => a / n),
      1e-4,
      'normalize',
    );
  });

  test('zeros, infinities and NaN: ‖0‖ = 0 with gradient 0, normalize(0) = 0; ‖[∞, 1]‖ = ∞; NaN stays NaN', () => {
    for (const dtype of ['f32', 'f64'] as const) {
      const zero = x.zeros([3], { dtype });
      expect(toNumbers(x.norm(zero))).toEqual([0]);
      expect(gradOf((u) => x.norm(u), zero)).toEqual([0, 0, 0]);
      expect(toNumbers(x.normalize(zero))).toEqual([0, 0, 0]);
      expect(gradOf((u) => x.normalize(u), zero).every(Number.isFinite)).toBe(true);
      expect(toNumbers(x.norm(x.tensor([Infinity, 1], { dtype })))).toEqual([Infinity]);
      expect(toNumbers(x.norm(x.tensor([-Infinity, NaN], { dtype })))).toEqual([NaN]);
      expect(toNumbers(x.norm(x.tensor([NaN, 1e30], { dtype })))).toEqual([NaN]);
    }
  });

  test('f64 gradients of normalize and clipByNorm match central differences (ord 1, 2 and ∞)', () => {
    fc.assert(
      fc.property(
        // magnitudes 0.2 + 0.5k + [0, 0.4] in shuffled places: away from the kinks of |·| and of max
        fc.tuple(
          fc.array(fc.double({ min: 0, max: 0.4, noNaN: true }), { minLength: 4, maxLength: 4 }),
          fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
          fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4 }),
        ),
        fc.array(signedArb(0.1, 1), { minLength: 4, maxLength: 4 }),
        fc.constantFrom(1, 2, Infinity),
        fc.constantFrom(1, 2.6, 10),
        ([jitter, negative, places], ws, ord, tau) => {
          const v = places.map((k, i) => (negative[i] === true ? -1 : 1) * (0.2 + 0.5 * k + (jitter[i] as number)));
          const mags = v.map(Math.abs);
          const n = ord === 1 ? mags.reduce((a, b) => a + b, 0) : ord === 2 ? Math.hypot(...mags) : Math.max(...mags);
          // and away from the kink of clipping (‖x‖ = τ)
          fc.pre(Math.abs(n - tau) > 0.05);
          const w = f64(ws);
          const objective = (u: x.Tensor): x.Tensor => x.add(x.normalize(u, { ord }), x.clipByNorm(u, tau, { ord }));
          const value = (p: readonly number[]): number => x.item(x.sum(x.mul(objective(f64(p)), w)));
          const h = 1e-6;
          const fd = v.map((_, i) => {
            const up = v.map((a, j) => (j === i ? a + h : a));
            const down = v.map((a, j) => (j === i ? a - h : a));
            return (value(up) - value(down)) / (2 * h);
          });
          expectScaledClose(gradOf(objective, f64(v), w), fd, 1e-6, `ord ${ord}`);
        },
      ),
      { numRuns: 30 },
    );
  });
});
