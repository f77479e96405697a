/** @file SGD (momentum, Nesterov, weight decay) and Adam against their update rules computed in plain JS, and on a convex problem. */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import * as x from 'xent';
import { expectAllClose, toNumbers } from './support/numeric.js';

const f64 = (v: readonly number[]): x.Tensor => x.tensor(Float64Array.from(v), { shape: [v.length], dtype: 'f64' });
const vec = fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 });
const tol = { rtol: 1e-12, atol: 1e-14 };

test('SGD with momentum, Nesterov and weight decay follows v ← μv + g + λθ, θ ← θ − lr·v (or lr·(g + μv))', () => {
  fc.assert(
    fc.property(vec, vec, vec, fc.boolean(), (p0, g1, g2, nesterov) => {
      const [lr, mu, wd] = [0.1, 0.9, 0.01];
      const opt = x.optim.sgd({ lr, momentum: mu, nesterov, weightDecay: wd });
      let state = opt.init([f64(p0)]);
      let params = [f64(p0)];
      let p = [...p0];
      let v = [0, 0, 0];
      for (const g of [g1, g2]) {
        ({ params, state } = opt.step(params, [f64(g)], state));
        const gd = g.map((gi, i) => gi + wd * (p[i] as number));
        v = v.map((vi, i) => mu * vi + (gd[i] as number));
        p = p.map((pi, i) => pi - lr * (nesterov ? (gd[i] as number) + mu * (v[i] as number) : (v[i] as number)));
      }
      expectAllClose(toNumbers(params[0] as x.Tensor), p, tol, 'θ');
    }),
  );
});

test('Adam: bias-corrected moments, first step of size lr in every coordinate', () => {
  fc.assert(
    fc.property(
      vec,
      vec.map((g) => g.map((v) => (v < 0 ? v - 0.01 : v + 0.01))),
      vec,
      (p0, g1, g2) => {
        const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-8];
        const opt = x.optim.adam({ lr });
        let state = opt.init([f64(p0)]);
        let params = [f64(p0)];
        ({ params, state } = opt.step(params, [f64(g1)], state));
        expectAllClose(
          toNumbers(params[0] as x.Tensor),
          p0.map(
            (p, i) =>
              p - lr * Math.sign(g1[i] as number) * (Math.abs(g1[i] as number) / (Math.abs(g1[i] as number) + eps)),
          ),
          { rtol: 1e-9, atol: 1e-12 },
          'first step',
        );
        ({ params } = opt.step(params, [f64(g2)], state));
        const m = g1.map((a, i) => b1 * (1 - b1) * a + (1 - b1) * (g2[i] as number));
        const v = g1.map((a, i) => b2 * (1 - b2) * a * a + (1 - b2) * (g2[i] as number) ** 2);
        const want = p0.map((p, i) => {
          const first =
            p -
            (lr * ((1 - b1) * (g1[i] as number))) /
              (1 - b1) /
              (Math.sqrt(((1 - b2) * (g1[i] as number) ** 2) / (1 - b2)) + eps);
          return (
            first - (lr * ((m[i] as number) / (1 - b1 ** 2))) / (Math.sqrt((v[i] as number) / (1 - b2 ** 2)) + eps)
          );
        });
        expectAllClose(toNumbers(params[0] as x.Tensor), want, { rtol: 1e-9, atol: 1e-12 }, 'second step');
      },
    ),
  );
});

test('both minimise a convex quadratic; bad options and mismatched gradients are errors', () => {
  const target = f64([1, -2, 3]);
  const loss = (p: x.Tensor) => x.sum(x.mul(f64([1, 4, 0.5]), x.square(x.sub(p, target))));
  for (const opt of [
    x.optim.sgd({ lr: 0.05, momentum: 0.9 }),
    x.optim.adam({ lr: 0.1 }),
  ] as x.optim.Optimizer<unknown>[]) {
    let params = [f64([0, 0, 0])];
    let state = opt.init(params);
    for (let i = 0; i < 500; i++) ({ params, state } = opt.step(params, [x.grad(loss)(params[0] as x.Tensor)], state));
    expectAllClose(toNumbers(params[0] as x.Tensor), [1, -2, 3], { rtol: 1e-3, atol: 1e-3 }, 'optimum');
  }
  expect(() => x.optim.sgd({ lr: 0 })).toThrow(/argument 'lr' expected a finite number > 0/);
  expect(() => x.optim.adam({ lr: 0.1, beta1: 1 })).toThrow(/argument 'beta1' expected a number in \[0, 1\)/);
  const opt = x.optim.sgd({ lr: 0.1 });
  expect(() => opt.step([f64([1, 2])], [f64([1, 2, 3])], opt.init([f64([1, 2])]))).toThrow(
    /grads\[0\]' expected shape \[2\]/,
  );
});
