/**
 * @file Bad input found only past the argument schemas (issue 21 regressions): polygamma differentiated
 * past its highest order, and a scan whose stacked results could not be allocated, each refused with an
 * XentError naming the public function and the argument (not an internal error or a crash).
 */
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { caught } from './support/caught.js';

const at = x.tensor([1.5], { dtype: 'f64' });

describe('polygamma differentiated past order 64', () => {
  test('grad of polygamma(64) is a GradError naming polygamma and n, eager and under jit', () => {
    const f = x.grad((t: x.Tensor) => x.sum(x.polygamma(64, t)));
    for (const g of [f, x.jit(f)]) {
      const e = caught(() => g(at), x.GradError);
      expect(e.message).toMatch(/^xent\.polygamma: argument 'n' expected an order that stays in \[0, 64\]/);
      expect(e.message).toContain('got a derivative of order 65');
    }
  });

  test('a jvp through polygamma(64) and repeated grads of digamma reach the same error', () => {
    expect(() => x.jvp((t: x.Tensor) => x.polygamma(64, t), [at], [x.onesLike(at)])).toThrow(x.GradError);
    let f = (t: x.Tensor): x.Tensor => x.sum(x.polygamma(62, t));
    for (let i = 0; i < 3; i++) {
      const g = f;
      f = (t) => x.sum(x.grad(g)(t));
    }
    expect(() => f(at)).toThrow(/^xent\.polygamma: argument 'n'/);
  });

  test('the highest order itself and its last allowed derivative still compute (ψ⁽⁶⁴⁾ is finite at 1.5)', () => {
    const [d] = x
      .grad((t: x.Tensor) => x.sum(x.polygamma(63, t)))(at)
      .toArray() as number[];
    const [v] = x.polygamma(64, at).toArray() as number[];
    expect(d).toBe(v);
    expect(Number.isFinite(v)).toBe(true);
  });
});

describe('scan results larger than a host array', () => {
  test('a length whose stacked y would pass 4 GiB is a ResourceError naming options.length, before a step runs', () => {
    let steps = 0;
    const e = caught(
      () =>
        x.scan(
          (c: x.Tensor) => {
            steps++;
            return [c, x.zeros([100])];
          },
          x.tensor(0),
          undefined,
          { length: 2e8 },
        ),
      x.ResourceError,
    );
    expect(e.message).toMatch(/^xent\.scan: argument 'options\.length' expected at most/);
    expect(steps).toBe(1); // traced once, never run
  });

  test('a scan that fits still runs', () => {
    const [c, ys] = x.scan(
      (acc: x.Tensor, t: x.Tensor) => [x.add(acc, t), x.mul(t, 2)],
      x.tensor(0),
      x.tensor([1, 2, 3]),
    );
    expect(c.toArray()).toEqual(6);
    expect(ys.toArray()).toEqual([2, 4, 6]);
  });
});
