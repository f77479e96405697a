/**
 * @file x.optim over pytrees: SGD (momentum, Nesterov, weight decay), Adam and AdamW against their update rules
 * computed in plain JS (f64), global-norm clipping against plain JS (NaN, overflow), a jitted training step with a
 * tensor learning-rate schedule traced once, convergence on a convex problem, and bad input.
 */
import fc from 'fast-check';
import { describe, expect, expectTypeOf, test } from 'vitest';
import * as x from 'xent';
import { valueIn, valuesArb } from './support/arbitraries.js';
import { caught } from './support/caught.js';
import { expectAllClose, toNumbers } from './support/numeric.js';

/** A tree of several f64 tensors with a static leaf: the shape the optimizers see in a model. */
interface Params {
  readonly w: x.Tensor;
  readonly b: x.Tensor;
  readonly layers: readonly [x.Tensor, x.Tensor];
  readonly act: string;
}

const SHAPES = [[2, 3], [3], [2], []] as const;
const SIZE = 12;

const f64 = (values: readonly number[], shape: readonly number[] = [values.length]): x.Tensor =>
  x.tensor(Float64Array.from(values), { shape, dtype: 'f64' });

/** The tree holding `values` (SIZE of them) in its leaves, in leaf order. */
function treeOf(values: readonly number[]): Params {
  let at = 0;
  const [w, b, l0, l1] = SHAPES.map((shape) => {
    const n = shape.reduce<number>((a, d) => a * d, 1);
    at += n;
    return f64(values.slice(at - n, at), shape);
  }) as [x.Tensor, x.Tensor, x.Tensor, x.Tensor];
  return { w, b, layers: [l0, l1], act: 'relu' };
}

const numbersOf = (tree: unknown): number[] => x.tree.leaves(tree).flatMap(toNumbers);

const vec = valuesArb([SIZE], 'any');
/** Gradients for `steps` steps. */
const gradsArb = (steps: number): fc.Arbitrary<number[][]> => fc.array(vec, { minLength: steps, maxLength: steps });
const rate = (min: number, max: number): fc.Arbitrary<number> => fc.double({ min, max, noNaN: true });
const tol = { rtol: 1e-10, atol: 1e-12 };

describe('update rules against plain JS, over a tree', () => {
  test('SGD: g ← g + λθ, v ← μv + g, θ ← θ − η·v (Nesterov: θ − η·(g + μv)); η a number or an f32 tensor per step', () => {
    fc.assert(
      fc.property(
        vec,
        gradsArb(4),
        fc.constantFrom(0, 0.9).chain((m) => (m === 0 ? fc.constant(0) : rate(0, 0.99))),
        fc.boolean(),
        fc.constantFrom(0, 0.01),
        fc.option(fc.array(rate(0.001, 0.5), { minLength: 4, maxLength: 4 }), { nil: undefined }),
        (p0, grads, mu, nesterov, wd, schedule) => {
          const lr = 0.1;
          const opt = x.optim.sgd({ lr, momentum: mu, nesterov, weightDecay: wd });
          let params = treeOf(p0);
          let state = opt.init(params);
          let p = [...p0];
          let v = p.map(() => 0);
          grads.forEach((g, k) => {
            // an f32 tensor learning rate is cast to the parameters' f64: the rule sees fround(η)
            const eta = schedule === undefined ? lr : Math.fround(schedule[k] as number);
            const hyper = schedule === undefined ? undefined : { lr: x.tensor(schedule[k] as number) };
            ({ params, state } = opt.step(params, treeOf(g), state, hyper));
            const gd = g.map((gi, i) => gi + wd * (p[i] as number));
            v = v.map((vi, i) => mu * vi + (gd[i] as number));
            p = p.map((pi, i) => pi - eta * (nesterov ? (gd[i] as number) + mu * (v[i] as number) : (v[i] as number)));
          });
          expect(params.act).toBe('relu');
          expectAllClose(numbersOf(params), p, tol, 'θ');
          expectAllClose(numbersOf(state.velocity), v, tol, 'v');
        },
      ),
    );
  }, 120_000);

  test('Adam and AdamW: bias-corrected moments from a tensor step count, decoupled decay η·λθ', () => {
    fc.assert(
      fc.property(
        vec,
        gradsArb(5),
        rate(0.001, 0.1),
        rate(0, 0.99),
        rate(0.9, 0.9999),
        fc.constantFrom(1e-8, 1e-3),
        fc.option(rate(0, 0.1), { nil: undefined }),
        fc.boolean(),
        (p0, grads, lr, b1, b2, eps, wd, tensorBetas) => {
          const hyper = { lr, beta1: b1, beta2: b2, eps };
          const opt = wd === undefined ? x.optim.adam(hyper) : x.optim.adamw({ ...hyper, weightDecay: wd });
          const lambda = wd ?? 0;
          let params = treeOf(p0);
          let state = opt.init(params);
          let [p, m, v] = [[...p0], p0.map(() => 0), p0.map(() => 0)];
          grads.forEach((g, k) => {
            const t = k + 1;
            // the same betas, given to step as f64 tensors: the result must not change
            const overrides = tensorBetas
              ? { beta1: x.tensor(b1, { dtype: 'f64' }), beta2: x.tensor(b2, { dtype: 'f64' }) }
              : undefined;
            ({ params, state } = opt.step(params, treeOf(g), state, overrides));
            m = m.map((mi, i) => b1 * mi + (1 - b1) * (g[i] as number));
            v = v.map((vi, i) => b2 * vi + (1 - b2) * (g[i] as number) ** 2);
            p = p.map((pi, i) => {
              const u = (m[i] as number) / (1 - b1 ** t) / (Math.sqrt((v[i] as number) / (1 - b2 ** t)) + eps);
              return pi - lr * (u + lambda * pi);
            });
            expect(x.item(state.count)).toBe(t);
          });
          expectAllClose(numbersOf(params), p, tol, 'θ');
          expectAllClose(numbersOf(state.m), m, tol, 'm');
          expectAllClose(numbersOf(state.v), v, tol, 'v');
        },
      ),
    );
  }, 120_000);

  test('Adam’s first step moves every coordinate by about η, against the sign of its gradient', () => {
    const opt = x.optim.adam({ lr: 0.01 });
    const params = treeOf(Array.from({ length: SIZE }, (_, i) => i / 4));
    const g = Array.from({ length: SIZE }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i + 1));
    const next = opt.step(params, treeOf(g), opt.init(params)).params;
    expectAllClose(
      numbersOf(next).map((q, i) => q - i / 4),
      g.map((gi) => -0.01 * Math.sign(gi)),
      { rtol: 1e-6, atol: 0 },
      'first step',
    );
  }, 120_000);

  test('the types of params and state are kept: objects, tuples, static leaves', () => {
    const opt = x.optim.adamw({ lr: 1e-3 });
    const params = { w: x.zeros([2, 3]), b: x.zeros([3]), act: 'relu' as const };
    const state = opt.init(params);
    expectTypeOf(state.m).toEqualTypeOf<typeof params>();
    expectTypeOf(state.count).toEqualTypeOf<x.Tensor<[], 'i32'>>();
    const out = opt.step(params, params, state, { lr: x.tensor(1e-4) });
    expectTypeOf(out.params).toEqualTypeOf<typeof params>();
    expectTypeOf(out.params.w).toEqualTypeOf<x.Tensor<[2, 3], 'f32'>>();
    expect(out.params.act).toBe('relu');
    const listed = x.optim.sgd({ lr: 0.1 });
    const list = [x.ones([2]), x.ones([4])];
    expectTypeOf(listed.step(list, list, listed.init(list)).params).toEqualTypeOf<typeof list>();
  }, 120_000);
});

/** ‖g‖₂ in f64 and g clipped to it, in plain JS. */
function clipJs(g: readonly number[], maxNorm: number): { norm: number; clipped: number[] } {
  const norm = Math.hypot(...g);
  return { norm, clipped: norm <= maxNorm ? [...g] : g.map((gi) => (gi * maxNorm) / norm) };
}

describe('global-norm clipping against plain JS', () => {
  test('the norm of every leaf together; unchanged below maxNorm, rescaled to it above; maxNorm a number or a tensor', () => {
    fc.assert(
      fc.property(vec, rate(0.01, 10), fc.boolean(), (g, maxNorm, asTensor) => {
        const limit = asTensor ? x.tensor(maxNorm, { dtype: 'f64' }) : maxNorm;
        const clipped = x.optim.clipByGlobalNorm(treeOf(g), limit);
        const want = clipJs(g, maxNorm);
        expectAllClose([x.item(x.optim.globalNorm(treeOf(g)))], [want.norm], tol, 'norm');
        expectAllClose(numbersOf(clipped), want.clipped, tol, 'clipped');
        expect(clipped.act).toBe('relu');
      }),
    );
  }, 120_000);

  test('a NaN gradient makes the norm and every clipped leaf NaN; an Inf one gives an infinite norm', () => {
    const g = Array.from({ length: SIZE }, (_, i) => i - 5);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SIZE - 1 }), fc.constantFrom(NaN, Infinity, -Infinity), (at, bad) => {
        const tree = treeOf(g.map((v, i) => (i === at ? bad : v)));
        const norm = x.item(x.optim.globalNorm(tree));
        expect(norm).toBe(Number.isNaN(bad) ? NaN : Infinity);
        if (Number.isNaN(bad)) expect(numbersOf(x.optim.clipByGlobalNorm(tree, 1)).every(Number.isNaN)).toBe(true);
      }),
      { numRuns: 20 },
    );
  }, 120_000);

  test('huge f32 gradients do not overflow: the norm is scaled by the largest |g| first', () => {
    fc.assert(
      fc.property(
        fc.array(valueIn('nonzero'), { minLength: 5, maxLength: 5 }),
        fc.double({ min: 1e20, max: 1e37, noNaN: true }),
        (values, scale) => {
          const big = values.map((v) => Math.fround(v * scale));
          const tree = {
            a: x.tensor(Float32Array.from(big.slice(0, 3))),
            b: [x.tensor(Float32Array.from(big.slice(3)))],
          };
          const want = clipJs(big, 1);
          const norm = x.optim.globalNorm(tree);
          expect(norm.dtype).toBe('f32');
          expectAllClose([x.item(norm)], [want.norm], { rtol: 1e-5, atol: 0 }, 'norm');
          expectAllClose(
            numbersOf(x.optim.clipByGlobalNorm(tree, 1)),
            want.clipped,
            { rtol: 1e-5, atol: 1e-7 },
            'clipped',
          );
        },
      ),
    );
    expect(x.item(x.optim.globalNorm([x.zeros([3]), x.zeros([])]))).toBe(0);
  }, 120_000);
});

describe('a jitted training step', () => {
  interface Mlp {
    readonly w1: x.Tensor;
    readonly b1: x.Tensor;
    readonly w2: x.Tensor;
    readonly b2: x.Tensor;
  }
  const loss = (p: Mlp, input: x.Tensor, target: x.Tensor): x.Tensor =>
    x.mean(x.square(x.sub(x.add(x.matmul(x.tanh(x.add(x.matmul(input, p.w1), p.b1)), p.w2), p.b2), target)));

  test('a tensor learning-rate schedule over 10 steps traces once and matches the eager steps', () => {
    const opt = x.optim.adamw({ lr: 1e-2, weightDecay: 1e-2 });
    let traces = 0;
    const train = (p: Mlp, s: x.optim.AdamState<Mlp>, input: x.Tensor, target: x.Tensor, lr: x.Tensor) => {
      traces++;
      const [value, grads] = x.valueAndGrad(loss)(p, input, target);
      const next = opt.step(p, x.optim.clipByGlobalNorm(grads, 1), s, { lr });
      return { ...next, loss: value };
    };
    const step = x.jit(train);
    const key = x.random.key(7);
    const [k1, k2, k3, k4] = x.random.split(key, 4) as [x.RandomKey, x.RandomKey, x.RandomKey, x.RandomKey];
    const input = x.random.normal(k1, [8, 3], { dtype: 'f64' });
    const target = x.random.normal(k2, [8, 2], { dtype: 'f64' });
    const init: Mlp = {
      w1: x.random.normal(k3, [3, 5], { dtype: 'f64' }),
      b1: x.zeros([5], { dtype: 'f64' }),
      w2: x.random.normal(k4, [5, 2], { dtype: 'f64' }),
      b2: x.zeros([2], { dtype: 'f64' }),
    };
    let [jp, js] = [init, opt.init(init)];
    let [ep, es] = [init, opt.init(init)];
    const losses: number[] = [];
    for (let i = 0; i < 10; i++) {
      // cosine decay from 1e-2 to 0, as a tensor: a new value every step, the same trace
      const lr = x.tensor(0.5e-2 * (1 + Math.cos((Math.PI * i) / 10)), { dtype: 'f64' });
      const jitted = step(jp, js, input, target, lr);
      const eager = train(ep, es, input, target, lr);
      ({ params: jp, state: js } = jitted);
      ({ params: ep, state: es } = eager);
      losses.push(x.item(jitted.loss));
      expectAllClose([x.item(jitted.loss)], [x.item(eager.loss)], { rtol: 1e-9, atol: 1e-12 }, `loss ${i}`);
    }
    expect(step.cacheSize).toBe(1);
    expect(traces).toBe(1 + 10);
    expectAllClose(numbersOf(jp), numbersOf(ep), { rtol: 1e-9, atol: 1e-12 }, 'params');
    expectAllClose(numbersOf(js), numbersOf(es), { rtol: 1e-9, atol: 1e-12 }, 'state');
    expect(x.item(js.count)).toBe(10);
    expect(losses[9]).toBeLessThan(losses[0] as number);
  }, 120_000);

  test('SGD, Adam and AdamW minimise a convex quadratic over a tree', () => {
    const target = { a: f64([1, -2]), b: [f64([3])] };
    const weights = { a: f64([1, 4]), b: [f64([0.5])] };
    const quadratic = (p: typeof target) =>
      x.tree.leaves(x.tree.map2(p, weights, (q, w) => x.sum(x.mul(w, x.square(q))))).reduce((s, t) => x.add(s, t));
    const shifted = (p: typeof target) => quadratic(x.tree.map2(p, target, (q, t) => x.sub(q, t)));
    const optimizers: x.optim.Optimizer[] = [
      x.optim.sgd({ lr: 0.05, momentum: 0.9 }),
      x.optim.sgd({ lr: 0.05, momentum: 0.9, nesterov: true }),
      x.optim.adam({ lr: 0.1 }),
      x.optim.adamw({ lr: 0.1, weightDecay: 1e-4 }),
    ];
    for (const opt of optimizers) {
      const step = x.jit((p: typeof target, s: x.optim.OptimizerState<x.optim.OptimizerName, typeof target>) =>
        opt.step(p, x.grad(shifted)(p), s),
      );
      let params = { a: f64([0, 0]), b: [f64([0])] };
      let state = opt.init(params);
      for (let i = 0; i < 400; i++) ({ params, state } = step(params, state));
      expectAllClose(numbersOf(params), [1, -2, 3], { rtol: 2e-3, atol: 2e-3 }, 'optimum');
      expect(step.cacheSize).toBe(1);
    }
  }, 120_000);
});

describe('bad input', () => {
  const p = { w: f64([1, 2]), b: [f64([3])] };
  const sgd = x.optim.sgd({ lr: 0.1 });
  const adam = x.optim.adam({ lr: 0.1 });

  test.for([
    [
      () => x.optim.sgd({ lr: -1 }),
      "xent.sgd: argument 'lr' expected a finite number ≥ 0 or a scalar float tensor, got number -1",
    ],
    [
      () => x.optim.sgd({ lr: NaN }),
      "xent.sgd: argument 'lr' expected a finite number ≥ 0 or a scalar float tensor, got number NaN",
    ],
    [
      () => x.optim.sgd({} as never),
      "xent.sgd: argument 'lr' expected a finite number ≥ 0 or a scalar float tensor, got undefined",
    ],
    [
      () => x.optim.sgd({ lr: 0.1, momentum: 1 }),
      "xent.sgd: argument 'momentum' expected a number in [0, 1) or a scalar float tensor, got number 1",
    ],
    [
      () => x.optim.sgd({ lr: 0.1, momentum: null as never }),
      "xent.sgd: argument 'momentum' expected a number in [0, 1) or a scalar float tensor, got null",
    ],
    [
      () => x.optim.sgd({ lr: 0.1, nesterov: 1 as never }),
      "xent.sgd: argument 'nesterov' expected a boolean (true or false), got number 1",
    ],
    [
      () => x.optim.sgd({ lr: 0.1, learningRate: 1 } as never),
      "xent.sgd: argument 'options' expected an options object with keys among nesterov, momentum, weightDecay, lr, got unknown key 'learningRate'",
    ],
    [
      () => x.optim.adam({ lr: 0.1, beta1: 1 }),
      "xent.adam: argument 'beta1' expected a number in [0, 1) or a scalar float tensor, got number 1",
    ],
    [
      () => x.optim.adam({ lr: 0.1, eps: 0 }),
      "xent.adam: argument 'eps' expected a finite number > 0 or a scalar float tensor, got number 0",
    ],
    [
      () => x.optim.adam({ lr: 0.1, weightDecay: 0.1 } as never),
      "xent.adam: argument 'options' expected an options object with keys among beta1, beta2, eps, lr, got unknown key 'weightDecay'",
    ],
    [
      () => x.optim.adamw({ lr: 0.1, weightDecay: Infinity }),
      "xent.adamw: argument 'weightDecay' expected a finite number ≥ 0 or a scalar float tensor, got number Infinity",
    ],
    [
      () => x.optim.adamw({ lr: x.tensor([0.1, 0.2]) }),
      "xent.adamw: argument 'lr' expected a scalar tensor (shape []), got Tensor f32[2]",
    ],
    [
      () => x.optim.adamw({ lr: x.tensor(1, { dtype: 'i32' }) }),
      "xent.adamw: argument 'lr' expected a scalar f32 or f64 tensor, got Tensor i32[]",
    ],
    [
      () => sgd.init({ w: x.tensor([1], { dtype: 'i32' }) }),
      "xent.sgd.init: argument 'params.w' expected a floating-point tensor (f32 or f64), got dtype i32",
    ],
    [
      () => sgd.step(p, { w: f64([1, 2]), b: f64([3]) } as never, sgd.init(p)),
      "xent.sgd.step: argument 'grads.b' expected an array of length 1, got Tensor f64[1]",
    ],
    [
      () => sgd.step(p, { w: f64([1, 2]) } as never, sgd.init(p)),
      "xent.sgd.step: argument 'grads' expected an object with keys {w, b}, got an object with keys {w}",
    ],
    [
      () => sgd.step(p, { w: f64([1, 2, 3]), b: [f64([3])] }, sgd.init(p)),
      "xent.sgd.step: argument 'grads.w' expected f64[2] (as params.w), got f64[3]",
    ],
    [
      () => sgd.step(p, { w: x.tensor([1, 2]), b: [f64([3])] }, sgd.init(p)),
      "xent.sgd.step: argument 'grads.w' expected f64[2] (as params.w), got f32[2]",
    ],
    [
      () => sgd.step(p, p, { velocity: { w: f64([0, 0]) } } as never),
      "xent.sgd.step: argument 'state.velocity' expected an object with keys {w, b}, got an object with keys {w}",
    ],
    [
      () => adam.step(p, p, sgd.init(p) as never),
      "xent.adam.step: argument 'state' expected an object with keys {m, v, count} (as init made it), got an object with keys {velocity}",
    ],
    [
      () => adam.step(p, p, { ...adam.init(p), count: x.tensor(1) } as never),
      "xent.adam.step: argument 'state.count' expected i32[] (the step count), got f32[]",
    ],
    [
      () => sgd.step(p, p, sgd.init(p), { lr: -0.1 }),
      "xent.sgd.step: argument 'hyper.lr' expected a finite number ≥ 0 or a scalar float tensor, got number -0.1",
    ],
    [
      () => adam.step(p, p, adam.init(p), { momentum: 0.9 } as never),
      "xent.adam.step: argument 'hyper' expected only the keys lr, beta1, beta2 and eps, got key 'momentum'",
    ],
    [
      () => x.optim.clipByGlobalNorm(p, 0),
      "xent.clipByGlobalNorm: argument 'maxNorm' expected a finite number > 0 or a scalar float tensor, got number 0",
    ],
    [
      () => x.optim.clipByGlobalNorm({ n: 3 }, 1),
      "xent.clipByGlobalNorm: argument 'grads' expected a pytree with at least one tensor, got an object with keys {n}",
    ],
    [
      () => x.optim.globalNorm([x.tensor([1], { dtype: 'i32' })]),
      "xent.globalNorm: argument 'tree[0]' expected a floating-point tensor (f32 or f64), got dtype i32",
    ],
  ] as const)('%#: %s', { timeout: 120_000 }, ([run, message]) => {
    const e = caught(run);
    expect(e).toBeInstanceOf(x.XentError);
    expect(e.message).toBe(message);
  });
});
