/**
 * @file vmap against the loop it replaces: every primitive (driven by the prim test-spec table) over
 * random in-axes and shared arguments, batches of 0 to 3; composites under grad, jit and nested vmap;
 * one compiled program whatever the batch size; clear errors for what it cannot do.
 */
import fc from 'fast-check';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { primitive, prims, programLaunches } from '@xent/core/internal';
import * as x from 'xent';
import { tensorOf } from './support/cases.js';
import { expectAllClose, toNumbers } from './support/numeric.js';
import { primSpecs, type PrimCase, type PrimTestSpec } from './support/primSpecs.js';

/** Example k of a batch: float inputs scaled by 1 + k/4 (keeps every domain the cases draw from), the rest as drawn. */
const exampleOf = (c: PrimCase, k: number): x.Tensor[] =>
  c.inputs.map((s) =>
    s.dtype === 'f64' || s.dtype === 'f32'
      ? tensorOf({ ...s, values: s.values.map((v) => v * (1 + k / 4)) })
      : tensorOf(s),
  );

/** Prims whose spec cases vmap runs (iota has no inputs to map). */
const batchable = prims.filter((p) => p !== 'iota');

describe.each(batchable)('prim %s under vmap', (prim) => {
  const spec = primSpecs[prim] as PrimTestSpec<unknown>;
  test('equals the stacked per-example results, over random in-axes (or shared inputs) and batch sizes 0-3', () => {
    fc.assert(
      fc.property(
        spec.cases,
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.integer({ min: -1, max: 8 }), { minLength: 8, maxLength: 8 }),
        (c, size, picks) => {
          // input i: mapped at axis picks[i] mod (rank + 1), or shared (-1); at least the first input is mapped
          const axes = c.inputs.map((s, i) => {
            const pick = picks[i] ?? 0;
            return pick < 0 && i > 0 ? null : Math.abs(pick) % (s.shape.length + 1);
          });
          const examples = Array.from({ length: size }, (_, k) => exampleOf(c, k));
          const shared = exampleOf(c, 0);
          const args = c.inputs.map((s, i) => {
            const axis = axes[i];
            if (axis === null || axis === undefined) return shared[i] as x.Tensor;
            if (size > 0)
              return x.stack(
                examples.map((e) => e[i] as x.Tensor),
                axis,
              );
            const shape = [...s.shape];
            shape.splice(axis, 0, 0);
            return x.zeros(shape, { dtype: s.dtype });
          });
          const apply = (...ts: x.Tensor[]): x.Tensor => primitive(prim, c.params as never, ...ts);
          const got = x.vmap(apply, { inAxes: axes })(...args);
          const one = apply(...shared);
          expect(got.shape).toEqual([size, ...one.shape]);
          expect(got.dtype).toBe(one.dtype);
          if (size === 0) return;
          const perExample = examples.map((e) =>
            apply(...e.map((t, i) => (axes[i] === null ? (shared[i] as x.Tensor) : t))),
          );
          // an example's shared inputs are example 0's, as vmap sees them
          expectAllClose(toNumbers(got), perExample.flatMap(toNumbers), { rtol: 1e-12, atol: 1e-12 }, prim);
        },
      ),
      { numRuns: 25 },
    );
  });
});

/** A small MLP's per-example loss (one example: features [f], a one-hot target [c]). */
const mlpLoss = (params: { w1: x.Tensor; w2: x.Tensor }, feats: x.Tensor, target: x.Tensor): x.Tensor => {
  const h = x.tanh(x.matmul(x.expandDims(feats, 0), params.w1));
  const logits = x.squeeze(x.matmul(h, params.w2), 0);
  return x.neg(x.sum(x.mul(target, x.logSoftmax(logits))));
};

const values = (n: number, seed: number): Float64Array =>
  Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.71 + seed * 1.3));

const mlp = (batch: number) => {
  const params = {
    w1: x.tensor(values(6 * 5, 1), { shape: [6, 5], dtype: 'f64' }),
    w2: x.tensor(values(5 * 4, 2), { shape: [5, 4], dtype: 'f64' }),
  };
  const feats = x.tensor(values(batch * 6, 3), { shape: [batch, 6], dtype: 'f64' });
  const targets = x.tensor(
    Float64Array.from({ length: batch * 4 }, (_, i) => (i % 4 === (Math.floor(i / 4) * 3) % 4 ? 1 : 0)),
    { shape: [batch, 4], dtype: 'f64' },
  );
  return { params, feats, targets };
};

describe('composites', () => {
  test('per-example gradients: vmap(grad) equals the loop of grads (pytree params shared, examples mapped)', () => {
    const { params, feats, targets } = mlp(5);
    const perExample = x.vmap(x.grad(mlpLoss), { inAxes: [null, 0, 0] })(params, feats, targets);
    expect(perExample.w1.shape).toEqual([5, 6, 5]);
    for (let b = 0; b < 5; b++) {
      const g = x.grad(mlpLoss)(
        params,
        x.reshape(x.slice(feats, [b, 0], [b + 1, 6]), [6]),
        x.reshape(x.slice(targets, [b, 0], [b + 1, 4]), [4]),
      );
      expectAllClose(
        toNumbers(x.slice(perExample.w1, [b, 0, 0], [b + 1, 6, 5])),
        toNumbers(g.w1),
        { rtol: 1e-12, atol: 1e-14 },
        `w1 ${b}`,
      );
      expectAllClose(
        toNumbers(x.slice(perExample.w2, [b, 0, 0], [b + 1, 5, 4])),
        toNumbers(g.w2),
        { rtol: 1e-12, atol: 1e-14 },
        `w2 ${b}`,
      );
    }
  });

  test('grad of a sum over vmap equals the sum of per-example grads; jit(vmap(grad)) equals eager', () => {
    const { params, feats, targets } = mlp(4);
    const total = (p: typeof params): x.Tensor => x.sum(x.vmap(mlpLoss, { inAxes: [null, 0, 0] })(p, feats, targets));
    const g = x.grad(total)(params);
    const per = x.vmap(x.grad(mlpLoss), { inAxes: [null, 0, 0] })(params, feats, targets) as { w1: x.Tensor };
    expectAllClose(toNumbers(g.w1), toNumbers(x.sum(per.w1, { axis: 0 })), { rtol: 1e-12, atol: 1e-14 }, 'w1');
    const jitted = x.jit(x.vmap(x.grad(mlpLoss), { inAxes: [null, 0, 0] }))(params, feats, targets) as { w1: x.Tensor };
    expectAllClose(toNumbers(jitted.w1), toNumbers(per.w1), { rtol: 1e-12, atol: 1e-14 }, 'jit');
  });

  test('jit(vmap(grad)) compiles to the same number of kernels for any batch size (no loop)', () => {
    const counts = [2, 7, 64].map((batch) => {
      const { params, feats, targets } = mlp(batch);
      const f = x.jit(x.vmap(x.grad(mlpLoss), { inAxes: [null, 0, 0] }));
      return programLaunches(f.program(params, feats, targets)).length;
    });
    expect(new Set(counts).size).toBe(1);
  });

  test('a shared weight matrix: the batch folds into the rows of one product (S·m rows, no batch of small ones)', () => {
    const w = x.tensor(values(6 * 5, 3), { shape: [6, 5], dtype: 'f64' });
    const rows = x.tensor(values(4 * 2 * 6, 4), { shape: [4, 2, 6], dtype: 'f64' });
    const f = x.jit(x.vmap((r: x.Tensor, m: x.Tensor) => x.matmul(r, m), { inAxes: [0, null] }));
    const kernels = programLaunches(f.program(rows, w)).map((st) => st.kernel);
    const products = kernels.flatMap((k) => (k.kind === 'matmul' ? [[k.batch, k.m, k.k, k.n]] : []));
    expect(products).toEqual([[[], 8, 6, 5]]);
    const got = f(rows, w);
    expect(got.shape).toEqual([4, 2, 5]);
    for (let b = 0; b < 4; b++)
      expectAllClose(
        toNumbers(x.slice(got, [b, 0, 0], [b + 1, 2, 5])),
        toNumbers(x.matmul(x.reshape(x.slice(rows, [b, 0, 0], [b + 1, 2, 6]), [2, 6]), w)),
        { rtol: 1e-14, atol: 1e-15 },
        `example ${b}`,
      );
  });

  test('nested vmap over two axes equals the double loop; outAxes moves the batch axis', () => {
    const a = x.tensor(values(3 * 4 * 5, 7), { shape: [3, 4, 5], dtype: 'f64' });
    const f = (row: x.Tensor): x.Tensor => x.logsumexp(row, { axis: -1 });
    const inner = x.vmap(f, { inAxes: 1, outAxes: 0 });
    const got = x.vmap(inner, { inAxes: 0, outAxes: 1 })(a);
    expect(got.shape).toEqual([5, 3]);
    const want = x.transpose(x.logsumexp(x.transpose(a, [0, 2, 1]), { axis: -1 }), [1, 0]);
    expectAllClose(toNumbers(got), toNumbers(want), { rtol: 1e-12, atol: 1e-14 }, 'nested');
  });

  test('a customVjp function under vmap: values and per-example gradients equal the loop', () => {
    // x² with its VJP written by hand (the residual is x)
    const square = x.customVjp(
      (t: x.Tensor) => [x.mul(t, t), t] as const,
      (t: x.Tensor, ct: x.Tensor) => [x.mul(ct, x.mul(t, 2))],
    );
    const z = x.tensor(values(3 * 4, 9), { shape: [3, 4], dtype: 'f64' });
    const grads = x.vmap(x.grad((row: x.Tensor) => x.sum(square(row))))(z);
    expectAllClose(toNumbers(grads), toNumbers(x.mul(z, 2)), { rtol: 1e-12, atol: 1e-14 }, 'grad');
  });
});

describe('fused linear-logit prims under vmap', () => {
  const [batch, n, d, v] = [3, 2, 4, 5];
  const f64 = (shape: number[], seed: number): x.Tensor =>
    x.tensor(
      values(
        shape.reduce((a, b) => a * b, 1),
        seed,
      ),
      { shape, dtype: 'f64' },
    );
  const targets = x.tensor(Int32Array.from([0, 4, 2, 1, 3, 3]), { shape: [batch, n], dtype: 'i32' });
  /** Σ over rows of lse − pick (+ 0.1 Σz, + max) of the softcapped logits: every stats column the VJP reads. */
  const loss = (h: x.Tensor, w: x.Tensor, b: x.Tensor, y: x.Tensor): x.Tensor => {
    const s = x.linearLogitStats(h, w, { bias: b, targets: y, softcap: 3 });
    return x.sum(x.add(x.sub(s.lse, s.pick), x.add(x.mul(s.sum, 0.1), s.max)));
  };
  const h = f64([batch, n, d], 1);
  const example = (t: x.Tensor, k: number): x.Tensor =>
    x.reshape(x.slice(t, [k, ...t.shape.slice(1).map(() => 0)], [k + 1, ...t.shape.slice(1)]), t.shape.slice(1));

  test.each([
    ['W and b shared (the batch folds into the rows of one fused kernel)', [batch, 0, 0, 0], null],
    ['W batched (each example its own model: the dense form)', [batch, batch, 0, 0], 0],
  ] as const)('%s: values and per-example gradients of (h, W, b) equal the loop, eager and jitted', (_, __, wAxis) => {
    const w = wAxis === null ? f64([v, d], 2) : f64([batch, v, d], 2);
    const b = f64([v], 3);
    const inAxes = [0, wAxis, null, 0];
    const perExample = x.vmap(x.valueAndGrad(loss, { argnums: [0, 1, 2] }), { inAxes });
    const jitted = x.jit(perExample, { backend: x.createCpuBackend({ linearLogitsMinElements: 1 }) });
    for (const [label, [values_, [gh, gw, gb]]] of [
      ['eager', perExample(h, w, b, targets)],
      ['jit', jitted(h, w, b, targets)],
    ] as const)
      for (let k = 0; k < batch; k++) {
        const wk = wAxis === null ? w : example(w, k);
        const [value, [eh, ew, eb]] = x.valueAndGrad(loss, { argnums: [0, 1, 2] })(
          example(h, k),
          wk,
          b,
          example(targets, k),
        );
        const tol = { rtol: 1e-12, atol: 1e-13 };
        expectAllClose(toNumbers(example(values_, k)), toNumbers(value), tol, `${label} value ${k}`);
        expectAllClose(toNumbers(example(gh, k)), toNumbers(eh), tol, `${label} ∂h ${k}`);
        expectAllClose(toNumbers(example(gw, k)), toNumbers(ew), tol, `${label} ∂W ${k}`);
        expectAllClose(toNumbers(example(gb, k)), toNumbers(eb), tol, `${label} ∂b ${k}`);
      }
  });

  test('a batch of 0 launches no kernel with empty outputs (regression: an empty copy kernel trapped on its index arithmetic, mod 0)', () => {
    const stats = (hh: x.Tensor, w: x.Tensor, y: x.Tensor): x.Tensor => x.linearLogitStats(hh, w, { targets: y }).lse;
    const f = x.jit(x.vmap(stats, { inAxes: [0, null, 0] }));
    const [hh, w, y] = [x.zeros([0, 2, 1], { dtype: 'f64' }), f64([1, 1], 2), x.zeros([0, 2], { dtype: 'i32' })];
    const program = f.program(hh, w, y);
    const empty = programLaunches(program).filter((l) => l.outputs.every((b) => program.buffers[b]?.size === 0));
    expect(empty).toHaveLength(0);
    expect(f(hh, w, y).shape).toEqual([0, 2]);
    expect(x.vmap(stats, { inAxes: [0, null, 0] })(hh, w, y).shape).toEqual([0, 2]);
  });

  test('the fold keeps the fused kernel: jit(vmap(stats)) with W shared launches one linear-logit kernel over S·N rows', () => {
    const f = x.jit(
      x.vmap((hh: x.Tensor, w: x.Tensor, y: x.Tensor) => x.linearLogitStats(hh, w, { targets: y }).lse, {
        inAxes: [0, null, 0],
      }),
    );
    const w = f64([v, d], 2);
    const kernels = programLaunches(f.program(h, w, targets)).map((st) => st.kernel);
    expect(kernels.filter((k) => k.kind === 'linearLogits')).toHaveLength(1);
    expect(kernels.some((k) => k.kind === 'matmul')).toBe(false);
    const got = f(h, w, targets);
    for (let k = 0; k < batch; k++)
      expectAllClose(
        toNumbers(example(got, k)),
        toNumbers(x.logsumexp(x.matmul(example(h, k), x.transpose(w)), { axis: 1 })),
        { rtol: 1e-12, atol: 1e-14 },
        `lse ${k}`,
      );
  });
});

test('a custom-VJP call and its vmap on the same tensor stay two calls (own rule ids): values and gradients', () => {
  const total = x.customVjp(
    (t: x.Tensor) => [x.sum(t), t] as const,
    (t: x.Tensor, ct: x.Tensor) => [x.mul(x.onesLike(t), ct)],
  );
  const t = x.tensor(Float64Array.from([1, 2, 3, 4, 5, 6]), { shape: [2, 3], dtype: 'f64' });
  const [whole, rows] = x.jit((u: x.Tensor) => [total(u), x.vmap(total)(u)])(t) as [x.Tensor, x.Tensor];
  expect(toNumbers(whole)).toEqual([21]);
  expect(rows.shape).toEqual([2]);
  expect(toNumbers(rows)).toEqual([6, 15]);
  const g = x.grad((u: x.Tensor) => x.add(total(u), x.sum(x.vmap(total)(u))))(t);
  expect(toNumbers(g)).toEqual([2, 2, 2, 2, 2, 2]);
});

test('types: default axes put the batch dim in front of literal shapes (pytrees too); other axes leave shapes open', () => {
  const f = (v: x.Tensor<[3], 'f64'>, p: { w: x.Tensor<[2, 3], 'f32'> }) => ({ e: x.exp(v), s: x.sum(p.w) });
  const g = x.vmap(f);
  expectTypeOf(g).parameters.toEqualTypeOf<[x.Tensor<[number, 3], 'f64'>, { w: x.Tensor<[number, 2, 3], 'f32'> }]>();
  expectTypeOf(g).returns.toEqualTypeOf<{ e: x.Tensor<[number, 3], 'f64'>; s: x.Tensor<[number], 'f32'> }>();
  const out = g(x.ones([4, 3], { dtype: 'f64' }), { w: x.ones([4, 2, 3]) });
  expect([out.e.shape, out.s.shape]).toEqual([[4, 3], [4]]);
  const shared = x.vmap(f, { inAxes: [0, null] });
  expectTypeOf(shared).returns.toEqualTypeOf<{ e: x.Tensor<x.ShapeT, 'f64'>; s: x.Tensor<x.ShapeT, 'f32'> }>();
  const open = (t: x.Tensor): x.Tensor => t;
  expectTypeOf(x.vmap(open)).parameters.toEqualTypeOf<[x.Tensor]>();
  // @ts-expect-error: one example's shape where the batch is expected
  expect(() => g(x.ones([3], { dtype: 'f64' }), { w: x.ones([2, 3]) })).toThrow(/vmap/);
});

describe('errors', () => {
  const a = x.ones([3, 2]);
  const b = x.ones([4, 2]);
  test.each<[string, () => unknown, RegExp]>([
    [
      'mapped axes of different sizes',
      () => x.vmap(x.add)(a, b),
      /xent\.vmap: argument 'args' expected mapped axes of one size \(3/,
    ],
    [
      'an axis out of range',
      () => x.vmap((t: x.Tensor) => t, { inAxes: 2 })(a),
      /argument 'inAxes' expected an axis in \[-2, 2\)/,
    ],
    [
      'inAxes of the wrong structure',
      () => x.vmap(x.add, { inAxes: [0] })(a, a),
      /argument 'inAxes' expected one axis spec per argument \(2\)/,
    ],
    [
      'no mapped argument and no axisSize',
      () => x.vmap((t: x.Tensor) => t, { inAxes: null })(a),
      /argument 'axisSize' expected the batch size/,
    ],
    [
      'outAxes null for a batched result',
      () => x.vmap((t: x.Tensor) => t, { outAxes: null })(a),
      /argument 'outAxes' expected an axis for result/,
    ],
    ['an unknown option', () => x.vmap((t: x.Tensor) => t, { inAxis: 0 } as never), /inAxis/],
  ])('%s: a clear XentError', (_name, call, message) => {
    expect(call).toThrow(x.XentError);
    expect(call).toThrow(message);
  });

  test('axisSize with every argument shared broadcasts the result', () => {
    const out = x.vmap((t: x.Tensor) => x.exp(t), { inAxes: null, axisSize: 2 })(x.zeros([3]));
    expect(out.shape).toEqual([2, 3]);
    expect(Array.from(out.data())).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
