/**
 * @file jacrev, jacfwd, jacobian and hessian over pytrees against f64 finite differences (Richardson-
 * extrapolated), the Hessian's symmetry, the cross-entropy Hessian diag(p) − ppᵀ, composition with
 * jit and vmap, and clear errors.
 */
import fc from 'fast-check';
import { describe, expect, expectTypeOf, test } from 'vitest';
import * as x from 'xent';
import { expectAllClose, toNumbers } from './support/numeric.js';

const f64 = (values: readonly number[], shape: readonly number[]): x.Tensor =>
  x.tensor(Float64Array.from(values), { shape: [...shape], dtype: 'f64' });

const draw = (n: number): fc.Arbitrary<number[]> =>
  fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: n, maxLength: n });

/** The tensor leaves of a pytree, in order, as number arrays. */
const leaves = (tree: unknown): number[][] => x.tree.leaves(tree as x.Tensor).map((t) => toNumbers(t));

/** `tree` with entry `j` of its concatenated leaves moved by `h`. */
function moved(tree: unknown, j: number, h: number): unknown {
  let at = 0;
  return x.tree.map(tree as x.Tensor, (t: x.Tensor) => {
    const values = toNumbers(t);
    if (j >= at && j < at + values.length) values[j - at] = (values[j - at] as number) + h;
    at += values.length;
    return f64(values, t.shape);
  });
}

/** Column j of the Jacobian of `value` (its result's leaves concatenated) by Richardson-extrapolated central differences. */
function fdColumn(value: (input: unknown) => number[], input: unknown, j: number, h = 1e-3): number[] {
  const central = (step: number): number[] => {
    const plus = value(moved(input, j, step));
    const minus = value(moved(input, j, -step));
    return plus.map((p, i) => (p - (minus[i] as number)) / (2 * step));
  };
  const coarse = central(h);
  return central(h / 2).map((fine, i) => (4 * fine - (coarse[i] as number)) / 3);
}

/** The gradient of a one-output `value` by differences: column j's single entry, for every input entry j. */
const fdColumnsOf = (value: (input: unknown) => number[], input: x.Tensor): number[] =>
  Array.from({ length: input.size }, (_, j) => fdColumn(value, input, j)[0] as number);

/** A function of a pytree {a: [n], b: [2, n]} with a pytree result [[2], {s: []}]: every kind of op. */
const treeFn = (p: { a: x.Tensor; b: x.Tensor }): [x.Tensor, { s: x.Tensor }] => {
  const z = x.matmul(p.b, x.tanh(p.a));
  return [x.softmax(x.add(z, x.sin(x.sum(p.a)))), { s: x.add(x.logsumexp(p.b), x.sum(x.mul(p.a, p.a))) }];
};

/** The concatenated result leaves of `treeFn`. */
const treeValues = (input: unknown): number[] => leaves(treeFn(input as { a: x.Tensor; b: x.Tensor })).flat();

describe('jacrev, jacfwd and jacobian', () => {
  test.each([
    ['jacrev', x.jacrev],
    ['jacfwd', x.jacfwd],
    ['jacobian', x.jacobian],
  ] as const)(
    '%s of a pytree function equals f64 finite differences, in JAX layout [...out.shape, ...in.shape]',
    (_, transform) => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(fc.constant(n), draw(n), draw(2 * n))),
          ([n, a, b]) => {
            const input = { a: f64(a, [n]), b: f64(b, [2, n]) };
            const jac = transform(treeFn)(input);
            expect(jac[0].a.shape).toEqual([2, n]);
            expect(jac[0].b.shape).toEqual([2, 2, n]);
            expect(jac[1].s.a.shape).toEqual([n]);
            expect(jac[1].s.b.shape).toEqual([2, n]);
            // row-major blocks: out entry i, in entry j (a's entries then b's)
            const total = 3 * n;
            const rowsOf = (out: { a: x.Tensor; b: x.Tensor }, outSize: number): number[][] => {
              const ja = toNumbers(out.a);
              const jb = toNumbers(out.b);
              return Array.from({ length: outSize }, (_, i) => [
                ...ja.slice(i * n, (i + 1) * n),
                ...jb.slice(i * 2 * n, (i + 1) * 2 * n),
              ]);
            };
            const ours = [...rowsOf(jac[0], 2), ...rowsOf(jac[1].s, 1)];
            for (let j = 0; j < total; j++)
              expectAllClose(
                ours.map((row) => row[j] as number),
                fdColumn(treeValues, input, j),
                { rtol: 1e-6, atol: 1e-8 },
                `column ${j}`,
              );
          },
        ),
        { numRuns: 12 },
      );
    },
    120_000,
  );

  test('argnums as a list gives one block per argument; hasAux returns the aux untouched', () => {
    const f = (a: x.Tensor, w: x.Tensor, label: string): [x.Tensor, { label: string; norm: x.Tensor }] => [
      x.matmul(w, x.exp(a)),
      { label, norm: x.sum(x.mul(a, a)) },
    ];
    const a = f64([0.1, -0.2, 0.3], [3]);
    const w = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    const [[da, dw], aux] = x.jacrev(f, { argnums: [0, 1], hasAux: true })(a, w, 'tag');
    expect(aux.label).toBe('tag');
    expectAllClose(toNumbers(aux.norm), [0.14], { rtol: 1e-15, atol: 0 });
    // d(Wexp(a))_i/da_j = W_ij exp(a_j); d(Wexp(a))_i/dW_kl = δ_ik exp(a_l)
    const ea = [0.1, -0.2, 0.3].map(Math.exp);
    expectAllClose(
      toNumbers(da),
      [1, 2, 3, 4, 5, 6].map((wv, k) => wv * (ea[k % 3] as number)),
      { rtol: 1e-15, atol: 0 },
    );
    expect(dw.shape).toEqual([2, 2, 3]);
    expectAllClose(
      toNumbers(dw),
      [0, 1].flatMap((i) => [0, 1].flatMap((k) => ea.map((e) => (i === k ? e : 0)))),
      { rtol: 1e-15, atol: 0 },
    );
    const [dfw, auxFwd] = x.jacfwd(f, { argnums: [0, 1], hasAux: true })(a, w, 'tag');
    expectAllClose(toNumbers(dfw[1]), toNumbers(dw), { rtol: 1e-15, atol: 1e-300 });
    expect(auxFwd.label).toBe('tag');
  });

  test('types: blocks [...out.shape, ...in.shape] with literal shapes', () => {
    const f = (v: x.Tensor<[3], 'f64'>): x.Tensor<[2], 'f64'> => x.matmul(x.ones([2, 3], { dtype: 'f64' }), v);
    const v = x.ones([3], { dtype: 'f64' });
    expectTypeOf(x.jacrev(f)(v)).toEqualTypeOf<x.Tensor<[2, 3], 'f64'>>();
    expectTypeOf(x.jacfwd(f)(v)).toEqualTypeOf<x.Tensor<[2, 3], 'f64'>>();
    const g = (v: x.Tensor<[3], 'f64'>): x.Tensor<[], 'f64'> => x.sum(x.mul(v, v));
    expectTypeOf(x.hessian(g)(v)).toEqualTypeOf<x.Tensor<[3, 3], 'f64'>>();
    expect(x.hessian(g)(v).shape).toEqual([3, 3]);
  });

  test('empty inputs and outputs give empty blocks', () => {
    const f = (v: x.Tensor): x.Tensor => x.mul(v, 2);
    expect(x.jacrev(f)(f64([], [0])).shape).toEqual([0, 0]);
    expect(x.jacfwd(f)(f64([], [0])).shape).toEqual([0, 0]);
    const g = (v: x.Tensor): x.Tensor => x.sum(v, { axis: 0 });
    expect(x.jacrev(g)(f64([], [0, 2])).shape).toEqual([2, 0, 2]);
  });
});

describe('hessian', () => {
  /** A smooth scalar function of a pytree {w: [k, n], v: [n]}. */
  const loss = (p: { w: x.Tensor; v: x.Tensor }): x.Tensor =>
    x.add(x.logsumexp(x.matmul(p.w, p.v)), x.sum(x.mul(x.tanh(p.v), p.v)));

  test('equals f64 finite differences of the gradient and is symmetric', () => {
    fc.assert(
      fc.property(draw(6), draw(3), (w, v) => {
        const input = { w: f64(w, [2, 3]), v: f64(v, [3]) };
        const h = x.hessian(loss)(input);
        expect(h.w.w.shape).toEqual([2, 3, 2, 3]);
        expect(h.w.v.shape).toEqual([2, 3, 3]);
        expect(h.v.w.shape).toEqual([3, 2, 3]);
        expect(h.v.v.shape).toEqual([3, 3]);
        // the full 9×9 matrix, rows and columns over (w entries, v entries)
        const row = (i: number): number[] =>
          i < 6
            ? [...toNumbers(h.w.w).slice(i * 6, i * 6 + 6), ...toNumbers(h.w.v).slice(i * 3, i * 3 + 3)]
            : [
                ...toNumbers(h.v.w).slice((i - 6) * 6, (i - 6) * 6 + 6),
                ...toNumbers(h.v.v).slice((i - 6) * 3, (i - 6) * 3 + 3),
              ];
        const full = Array.from({ length: 9 }, (_, i) => row(i));
        for (let i = 0; i < 9; i++)
          for (let j = 0; j < 9; j++)
            expect(Math.abs((full[i]?.[j] as number) - (full[j]?.[i] as number))).toBeLessThanOrEqual(1e-12);
        // finite differences of the value twice: column j of H is the derivative of ∇f along e_j, and
        // ∇f itself is checked against differences of f in the Jacobian test; here difference f twice
        const value = (p: unknown): number => x.item(loss(p as { w: x.Tensor; v: x.Tensor }));
        const second = (i: number, j: number, s: number): number =>
          (value(moved(moved(input, i, s), j, s)) -
            value(moved(moved(input, i, s), j, -s)) -
            value(moved(moved(input, i, -s), j, s)) +
            value(moved(moved(input, i, -s), j, -s))) /
          (4 * s * s);
        for (let i = 0; i < 9; i++)
          expectAllClose(
            full[i] as number[],
            Array.from({ length: 9 }, (_, j) => (4 * second(i, j, 5e-4) - second(i, j, 1e-3)) / 3),
            { rtol: 1e-5, atol: 1e-6 },
            `row ${i}`,
          );
      }),
      { numRuns: 6 },
    );
  }, 120_000);

  test('of cross-entropy over the logits is diag(p) − ppᵀ', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }).chain((k) => fc.tuple(draw(k), fc.integer({ min: 0, max: k - 1 }))),
        ([z, label]) => {
          const k = z.length;
          const ce = (logits: x.Tensor): x.Tensor => x.losses.crossEntropy(logits, x.tensor([label], { dtype: 'i32' }));
          const h = x.hessian(ce)(f64(z, [1, k]));
          expect(h.shape).toEqual([1, k, 1, k]);
          const m = Math.max(...z);
          const e = z.map((v) => Math.exp(v - m));
          const total = e.reduce((s, v) => s + v, 0);
          const p = e.map((v) => v / total);
          const expected = p.flatMap((pi, i) => p.map((pj, j) => (i === j ? pi : 0) - pi * pj));
          expectAllClose(toNumbers(h), expected, { rtol: 1e-12, atol: 1e-15 });
        },
      ),
      { numRuns: 20 },
    );
  });

  test('composes: jit(hessian) and vmap(hessian) equal the eager Hessian per example', () => {
    const f = (v: x.Tensor): x.Tensor => x.sum(x.mul(x.exp(v), x.sin(v)));
    const vs = [
      [0.1, 0.2],
      [-0.3, 0.5],
      [1, -1],
    ];
    const eager = vs.map((v) => toNumbers(x.hessian(f)(f64(v, [2]))));
    // d²/dv² of e^v sin v = 2 e^v cos v, off-diagonal 0
    eager.forEach((hv, k) => {
      const v = vs[k] as number[];
      expectAllClose(
        hv,
        [
          2 * Math.exp(v[0] as number) * Math.cos(v[0] as number),
          0,
          0,
          2 * Math.exp(v[1] as number) * Math.cos(v[1] as number),
        ],
        {
          rtol: 1e-14,
          atol: 1e-15,
        },
      );
    });
    const jitted = x.jit(x.hessian(f));
    vs.forEach((v, k) => {
      expectAllClose(toNumbers(jitted(f64(v, [2]))), eager[k] as number[], { rtol: 1e-15, atol: 1e-300 });
    });
    const batched = x.vmap(x.hessian(f))(f64(vs.flat(), [3, 2]));
    expect(batched.shape).toEqual([3, 2, 2]);
    expectAllClose(toNumbers(batched), eager.flat(), { rtol: 1e-15, atol: 1e-300 });
  });
});

test('a Jacobian penalty differentiates: grad of ‖J‖² (jacrev and jacfwd, eager and jitted) equals f64 differences', () => {
  fc.assert(
    fc.property(draw(3), (v0) => {
      const f = (v: x.Tensor): x.Tensor => x.softmax(x.mul(v, x.sin(v)));
      const penalty =
        (jac: typeof x.jacrev) =>
        (v: x.Tensor): x.Tensor =>
          x.sum(x.square(jac(f)(v)));
      const v = f64(v0, [3]);
      const want = fdColumnsOf((t) => [x.item(penalty(x.jacrev)(t as x.Tensor))], v);
      for (const got of [
        x.grad(penalty(x.jacrev))(v),
        x.grad(penalty(x.jacfwd))(v),
        x.jit(x.grad(penalty(x.jacrev)))(v),
      ])
        expectAllClose(toNumbers(got), want, { rtol: 1e-6, atol: 1e-8 }, 'grad of the penalty');
    }),
    { numRuns: 8 },
  );
}, 120_000);

describe('Jacobian errors', () => {
  test('integer outputs, a hasAux function without [value, aux], bad argnums and unknown options are named', () => {
    const v = f64([1, 2], [2]);
    expect(() => x.jacrev((t: x.Tensor) => x.cast(t, 'i32'))(v)).toThrow(/jacrev.*floating-point.*i32/s);
    expect(() => x.jacfwd((t: x.Tensor) => t, { hasAux: true } as never)(v)).toThrow(/jacfwd.*\[value, aux\]/s);
    expect(() => x.jacobian((t: x.Tensor) => t, { argnums: 2 } as never)(v)).toThrow(/jacobian.*argnums/s);
    expect(() => x.hessian((t: x.Tensor) => x.sum(t), { argnum: 0 } as never)).toThrow(/hessian.*argnum/s);
    expect(() => x.jacrev((t: x.Tensor) => t)(x.tensor([1, 2], { dtype: 'i32' }))).toThrow(/jacrev.*floating-point/s);
  });
});
