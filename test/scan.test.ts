/**
 * @file x.scan against host loops written out in JavaScript (f64): an RNN step, a cumulative product and a
 * log-domain Sinkhorn update; gradients against f64 central differences, second order against differences
 * of the gradient; jit, vmap and nested scans against the same loops; length 0, reverse and bad input.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { caught } from './support/caught.js';
import { directionalFd, dot, expectAllClose, toNumbers } from './support/numeric.js';

const f64 = (values: readonly number[], shape: readonly number[]): x.Tensor =>
  x.tensor(Float64Array.from(values), { shape, dtype: 'f64' });
const vals = (n: number, lo = -1, hi = 1): fc.Arbitrary<number[]> =>
  fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: n, maxLength: n });
const tol = { rtol: 1e-10, atol: 1e-12 };
const fdTol = { rtol: 1e-6, atol: 1e-7 };

// ---- the bodies and their host loops ----

/** h' = tanh(W·h + U·x_t), y_t = h' · v. */
const rnnStep =
  (w: x.Tensor, u: x.Tensor, v: x.Tensor) =>
  (h: x.Tensor, xt: x.Tensor): readonly [x.Tensor, x.Tensor] => {
    const next = x.tanh(x.add(x.matmul(w, h), x.matmul(u, xt)));
    return [next, x.sum(x.mul(next, v))];
  };

function rnnHost(w: number[], u: number[], v: number[], h0: number[], xs: number[], hn: number, d: number) {
  const steps = xs.length / d;
  let h = h0.slice();
  const ys: number[] = [];
  for (let t = 0; t < steps; t++) {
    const next = h.map((_, i) => {
      let s = 0;
      for (let j = 0; j < hn; j++) s += (w[i * hn + j] as number) * (h[j] as number);
      for (let j = 0; j < d; j++) s += (u[i * d + j] as number) * (xs[t * d + j] as number);
      return Math.tanh(s);
    });
    h = next;
    ys.push(h.reduce((a, hi, i) => a + hi * (v[i] as number), 0));
  }
  return { h, ys };
}

/** Log-domain Sinkhorn: f = log a − lse_j((g_j − C_ij)/ε)·ε..., written with ε = 1 for brevity. */
const sinkhornStep =
  (c: x.Tensor, la: x.Tensor, lb: x.Tensor) =>
  (carry: { f: x.Tensor; g: x.Tensor }): readonly [{ f: x.Tensor; g: x.Tensor }, x.Tensor] => {
    const f = x.sub(la, x.logsumexp(x.sub(x.reshape(carry.g, [1, -1]), c), { axis: 1 }));
    const g = x.sub(lb, x.logsumexp(x.sub(x.reshape(f, [-1, 1]), c), { axis: 0 }));
    return [{ f, g }, x.sum(f)];
  };

function sinkhornHost(c: number[], la: number[], lb: number[], n: number, m: number, steps: number) {
  let f = new Array<number>(n).fill(0);
  let g = new Array<number>(m).fill(0);
  const lse = (xs: number[]): number => {
    const mx = Math.max(...xs);
    return mx + Math.log(xs.reduce((a, v) => a + Math.exp(v - mx), 0));
  };
  const ys: number[] = [];
  for (let s = 0; s < steps; s++) {
    f = f.map((_, i) => (la[i] as number) - lse(g.map((gj, j) => gj - (c[i * m + j] as number))));
    g = g.map((_, j) => (lb[j] as number) - lse(f.map((fi, i) => fi - (c[i * m + j] as number))));
    ys.push(f.reduce((a, b) => a + b, 0));
  }
  return { f, g, ys };
}

const cumprod = (c: x.Tensor, xt: x.Tensor): readonly [x.Tensor, x.Tensor] => {
  const next = x.mul(c, xt);
  return [next, next];
};

function cumprodHost(c0: number[], xs: number[], reverse: boolean) {
  const k = c0.length;
  const steps = xs.length / k;
  let c = c0.slice();
  const ys = new Array<number>(xs.length).fill(0);
  for (let s = 0; s < steps; s++) {
    const t = reverse ? steps - 1 - s : s;
    c = c.map((ci, i) => ci * (xs[t * k + i] as number));
    c.forEach((ci, i) => (ys[t * k + i] = ci));
  }
  return { c, ys };
}

describe('x.scan against host loops (f64)', () => {
  test('RNN step: final state and stacked outputs, eager and jit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        vals(9),
        vals(6),
        vals(3),
        vals(3),
        vals(18),
        (steps, w, u, v, h0, xsAll) => {
          const xs = xsAll.slice(0, steps * 2);
          const run = (xsT: x.Tensor, hT: x.Tensor) =>
            x.scan(rnnStep(f64(w, [3, 3]), f64(u, [3, 2]), f64(v, [3])), hT, xsT);
          const want = rnnHost(w, u, v, h0, xs, 3, 2);
          for (const [h, ys] of [
            run(f64(xs, [steps, 2]), f64(h0, [3])),
            x.jit(run)(f64(xs, [steps, 2]), f64(h0, [3])),
          ]) {
            expect(ys.shape).toEqual([steps]);
            expectAllClose(toNumbers(h), want.h, tol, 'h');
            expectAllClose(toNumbers(ys), want.ys, tol, 'ys');
          }
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);

  test('cumulative product, forward and reverse (results stay at their index)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        vals(2, 0.5, 1.5),
        vals(10, -2, 2),
        fc.boolean(),
        (steps, c0, all, reverse) => {
          const xs = all.slice(0, steps * 2);
          const [c, ys] = x.scan(cumprod, f64(c0, [2]), f64(xs, [steps, 2]), { reverse });
          const want = cumprodHost(c0, xs, reverse);
          expect(ys.shape).toEqual([steps, 2]);
          expectAllClose(toNumbers(c), want.c, tol, 'carry');
          expectAllClose(toNumbers(ys), want.ys, tol, 'ys');
        },
      ),
      { numRuns: 20 },
    );
  }, 120_000);

  test('log-domain Sinkhorn with a pytree carry and no xs (length given), under jit', () => {
    fc.assert(
      fc.property(
        vals(12, 0, 2),
        vals(3, -1, 0),
        vals(4, -1, 0),
        fc.integer({ min: 1, max: 6 }),
        (c, la, lb, steps) => {
          const run = (cT: x.Tensor) =>
            x.scan(
              (carry: { f: x.Tensor; g: x.Tensor }) => sinkhornStep(cT, f64(la, [3]), f64(lb, [4]))(carry),
              { f: x.zeros([3], { dtype: 'f64' }), g: x.zeros([4], { dtype: 'f64' }) },
              null,
              { length: steps },
            );
          const want = sinkhornHost(c, la, lb, 3, 4, steps);
          for (const [carry, ys] of [run(f64(c, [3, 4])), x.jit(run)(f64(c, [3, 4]))]) {
            expectAllClose(toNumbers(carry.f), want.f, tol, 'f');
            expectAllClose(toNumbers(carry.g), want.g, tol, 'g');
            expectAllClose(toNumbers(ys), want.ys, tol, 'ys');
          }
        },
      ),
      { numRuns: 10 },
    );
  }, 120_000);
});

describe('x.scan gradients', () => {
  const rnnLoss = (w: x.Tensor, u: x.Tensor, h0: x.Tensor, xs: x.Tensor): x.Tensor => {
    const [h, ys] = x.scan(rnnStep(w, u, f64([0.3, -0.7, 1.1], [3])), h0, xs);
    return x.add(x.sum(x.mul(h, h)), x.sum(x.mul(ys, ys)));
  };

  test('RNN: gradients in the closed-over weights, the initial carry and xs against f64 differences (eager and jit)', () => {
    fc.assert(
      fc.property(vals(9), vals(6), vals(3), vals(8), vals(9 + 6 + 3 + 8), (w, u, h0, xs, dirAll) => {
        const args = [f64(w, [3, 3]), f64(u, [3, 2]), f64(h0, [3]), f64(xs, [4, 2])];
        const dirs = [dirAll.slice(0, 9), dirAll.slice(9, 15), dirAll.slice(15, 18), dirAll.slice(18)];
        const fd = directionalFd(
          (...a) => x.item(rnnLoss(...(a as [x.Tensor, x.Tensor, x.Tensor, x.Tensor]))),
          args,
          dirs,
        );
        const g = x.grad(rnnLoss, { argnums: [0, 1, 2, 3] });
        const gj = x.jit(g);
        for (const grads of [
          g(...(args as [x.Tensor, x.Tensor, x.Tensor, x.Tensor])),
          gj(...(args as [x.Tensor, x.Tensor, x.Tensor, x.Tensor])),
        ]) {
          const analytic = grads.reduce((acc, gi, i) => acc + dot(toNumbers(gi), dirs[i] as number[]), 0);
          expectAllClose([analytic], [fd], fdTol, 'directional derivative');
        }
      }),
      { numRuns: 8 },
    );
  }, 120_000);

  test('Sinkhorn: gradient in the cost matrix against f64 differences, and valueAndGrad', () => {
    const loss = (c: x.Tensor): x.Tensor => {
      const [carry, ys] = x.scan(
        (k: { f: x.Tensor; g: x.Tensor }) =>
          sinkhornStep(c, f64([-1, -1.2, -0.9], [3]), f64([-1.5, -1.3, -1.4, -1.6], [4]))(k),
        { f: x.zeros([3], { dtype: 'f64' }), g: x.zeros([4], { dtype: 'f64' }) },
        undefined,
        { length: 3 },
      );
      return x.add(x.sum(x.mul(carry.g, carry.g)), x.sum(ys));
    };
    const c = f64([0.1, 0.5, 0.9, 1.3, 0.2, 0.4, 0.8, 1.6, 1.1, 0.3, 0.7, 0.05], [3, 4]);
    const d = [0.3, -0.2, 0.5, 0.1, -0.4, 0.6, 0.2, -0.1, 0.7, -0.3, 0.25, 0.15];
    const fd = directionalFd((t) => x.item(loss(t)), [c], [d]);
    const [value, g] = x.valueAndGrad(loss)(c);
    expectAllClose([x.item(value)], [x.item(loss(c))], tol, 'value');
    expectAllClose([dot(toNumbers(g), d)], [fd], fdTol, 'directional derivative');
  }, 60_000);

  test('cumulative product reversed: gradient in xs and init', () => {
    const loss = (c0: x.Tensor, xs: x.Tensor): x.Tensor => {
      const [c, ys] = x.scan(cumprod, c0, xs, { reverse: true });
      return x.add(x.sum(c), x.sum(x.mul(ys, f64([1, 2, 3, 4, 5, 6], [3, 2]))));
    };
    const args = [f64([0.9, 1.2], [2]), f64([0.5, -1.5, 1.25, 0.75, -0.6, 1.1], [3, 2])];
    const dirs = [
      [0.4, -0.3],
      [0.1, 0.2, -0.5, 0.3, 0.6, -0.2],
    ];
    const fd = directionalFd((a, b) => x.item(loss(a, b)), args, dirs);
    const [ga, gb] = x.grad(loss, { argnums: [0, 1] })(args[0] as x.Tensor, args[1] as x.Tensor);
    expectAllClose([dot(toNumbers(ga), dirs[0] as number[]) + dot(toNumbers(gb), dirs[1] as number[])], [fd], fdTol);
  }, 60_000);

  test('second order: the gradient of ⟨∇f, d⟩ (Hessian times d) against differences of the gradient', () => {
    const f = (xs: x.Tensor): x.Tensor => {
      const [h, ys] = x.scan(
        rnnStep(
          f64([0.5, -0.3, 0.2, 0.1, 0.4, -0.6, 0.3, 0.2, -0.1], [3, 3]),
          f64([0.7, -0.2, 0.1, 0.5, -0.4, 0.3], [3, 2]),
          f64([1, -1, 0.5], [3]),
        ),
        f64([0.1, 0.2, -0.3], [3]),
        xs,
      );
      return x.add(x.sum(x.mul(h, h)), x.sum(x.mul(ys, ys)));
    };
    const xs = f64([0.3, -0.8, 0.5, 0.9, -0.2, 0.4], [3, 2]);
    const d = [0.2, -0.5, 0.3, 0.1, -0.4, 0.6];
    const g = x.grad(f);
    const hd = x.grad((t: x.Tensor) => x.sum(x.mul(g(t), f64(d, [3, 2]))))(xs);
    const h = 1e-5;
    const plus = toNumbers(
      g(
        f64(
          toNumbers(xs).map((v, i) => v + h * (d[i] as number)),
          [3, 2],
        ),
      ),
    );
    const minus = toNumbers(
      g(
        f64(
          toNumbers(xs).map((v, i) => v - h * (d[i] as number)),
          [3, 2],
        ),
      ),
    );
    expectAllClose(
      toNumbers(hd),
      plus.map((p, i) => (p - (minus[i] as number)) / (2 * h)),
      fdTol,
      'H·d',
    );
    const [, tangent] = x.jvp(f, [xs], [f64(d, [3, 2])]);
    expectAllClose([x.item(tangent)], [dot(toNumbers(g(xs)), d)], tol, 'jvp');
  }, 60_000);
});

describe('x.scan with other transforms', () => {
  test('vmap(scan) equals the loop over examples, batched init, xs and closed-over weights', () => {
    const w = f64(
      [0.5, -0.3, 0.2, 0.1, 0.4, -0.6, 0.3, 0.2, -0.1, 0.2, 0.3, 0.4, -0.5, 0.1, 0.2, 0.6, -0.2, 0.1],
      [2, 3, 3],
    );
    const h0 = f64([0.1, 0.2, -0.3, 0.4, -0.1, 0.2], [2, 3]);
    const xs = f64([0.3, -0.8, 0.5, 0.9, -0.2, 0.4, 0.1, 0.6, -0.7, 0.2, 0.3, -0.1], [2, 3, 2]);
    const u = f64([0.7, -0.2, 0.1, 0.5, -0.4, 0.3], [3, 2]);
    const v = f64([1, -1, 0.5], [3]);
    const one = (wi: x.Tensor, hi: x.Tensor, xi: x.Tensor) => x.scan(rnnStep(wi, u, v), hi, xi);
    const [hb, yb] = x.vmap(one)(w, h0, xs);
    const [hj, yj] = x.jit(x.vmap(one))(w, h0, xs);
    for (let b = 0; b < 2; b++) {
      const pick = (t: x.Tensor) => x.reshape(x.slice(t, [b], [b + 1]), t.shape.slice(1));
      const [h, ys] = one(pick(w), pick(h0), pick(xs));
      for (const [hh, yy] of [
        [hb, yb],
        [hj, yj],
      ] as const) {
        expectAllClose(toNumbers(pick(hh)), toNumbers(h), tol, `h[${b}]`);
        expectAllClose(toNumbers(pick(yy)), toNumbers(ys), tol, `ys[${b}]`);
      }
    }
    const gv = x.vmap(
      x.grad((xi: x.Tensor) => x.sum(one(x.reshape(x.slice(w, [0], [1]), [3, 3]), f64([0, 0, 0], [3]), xi)[1])),
    )(xs);
    for (let b = 0; b < 2; b++) {
      const xi = x.reshape(x.slice(xs, [b], [b + 1]), [3, 2]);
      const gb = x.grad((t: x.Tensor) =>
        x.sum(one(x.reshape(x.slice(w, [0], [1]), [3, 3]), f64([0, 0, 0], [3]), t)[1]),
      )(xi);
      expectAllClose(toNumbers(x.reshape(x.slice(gv, [b], [b + 1]), [3, 2])), toNumbers(gb), tol, `grad[${b}]`);
    }
  }, 60_000);

  test('nested scans: an inner cumulative sum per outer step, with gradients', () => {
    const inner = (row: x.Tensor): x.Tensor =>
      x.scan((c: x.Tensor, v: x.Tensor) => [x.add(c, v), x.add(c, v)] as const, f64([0], []), row)[1];
    const outer = (m: x.Tensor) =>
      x.scan(
        (acc: x.Tensor, row: x.Tensor) => {
          const cs = inner(row);
          return [x.add(acc, x.mul(cs, cs)), x.sum(cs)] as const;
        },
        x.zeros([3], { dtype: 'f64' }),
        m,
      );
    const m = [0.5, -1, 2, 0.25, 0.75, -0.5];
    const [acc, sums] = outer(f64(m, [2, 3]));
    // the inner cumulative sums are [0.5, −0.5, 1.5] and [0.25, 1, 0.5]
    expectAllClose(toNumbers(acc), [0.5 ** 2 + 0.25 ** 2, 0.5 ** 2 + 1, 1.5 ** 2 + 0.5 ** 2], tol, 'acc');
    expectAllClose(toNumbers(sums), [1.5, 1.75], tol, 'sums');
    const [accJ] = x.jit(outer)(f64(m, [2, 3]));
    expectAllClose(toNumbers(accJ), toNumbers(acc), tol, 'jit');
    const loss = (t: x.Tensor): x.Tensor => x.sum(outer(t)[0]);
    const d = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6];
    const fd = directionalFd((t) => x.item(loss(t)), [f64(m, [2, 3])], [d]);
    expectAllClose([dot(toNumbers(x.grad(loss)(f64(m, [2, 3]))), d)], [fd], fdTol, 'nested gradient');
    expectAllClose([dot(toNumbers(x.jit(x.grad(loss))(f64(m, [2, 3]))), d)], [fd], fdTol, 'nested gradient (jit)');
  }, 60_000);

  test('length 0 returns init and empty results, and the gradient passes init through', () => {
    const [c, ys] = x.scan(cumprod, f64([2, 3], [2]), x.zeros([0, 2], { dtype: 'f64' }));
    expect(toNumbers(c)).toEqual([2, 3]);
    expect(ys.shape).toEqual([0, 2]);
    const [cj, ysj] = x.jit((a: x.Tensor) => x.scan(cumprod, a, x.zeros([0, 2], { dtype: 'f64' })))(f64([2, 3], [2]));
    expect(toNumbers(cj)).toEqual([2, 3]);
    expect(ysj.shape).toEqual([0, 2]);
    const g = x.grad((a: x.Tensor) =>
      x.sum(x.mul(x.scan(cumprod, a, x.zeros([0, 2], { dtype: 'f64' }))[0], f64([5, 7], [2]))),
    )(f64([2, 3], [2]));
    expect(toNumbers(g)).toEqual([5, 7]);
  });

  test('NaN in xs reaches the carry and the gradient', () => {
    const xs = f64([1, Number.NaN, 2, 3], [2, 2]);
    const [c] = x.scan(cumprod, f64([1, 1], [2]), xs);
    expect(toNumbers(c).map(Number.isNaN)).toEqual([false, true]);
    const g = x.grad((t: x.Tensor) => x.sum(x.scan(cumprod, f64([1, 1], [2]), t)[0]))(xs);
    // ∂c₁/∂x₀₁ = x₁₁ = 3 stays finite; ∂c₁/∂x₁₁ = x₀₁ is NaN
    expect(toNumbers(g).slice(0, 3)).toEqual([2, 3, 1]);
    expect(Number.isNaN(toNumbers(g)[3])).toBe(true);
  });
});

describe('x.scan bad input', () => {
  const xs = f64([1, 2, 3, 4], [2, 2]);
  test('a carry whose shape, dtype or structure f changes', () => {
    const shape = caught(
      () => x.scan((c: x.Tensor) => [x.reshape(c, [2, 1]), c] as const, f64([1, 2], [2]), xs),
      x.XentError,
    );
    expect(shape.message).toMatch(/xent\.scan.*f \(its returned carry\).*f64\[2\]/);
    const dtype = caught(
      () => x.scan((c: x.Tensor) => [x.cast(c, 'f32'), c] as const, f64([1, 2], [2]), xs),
      x.XentError,
    );
    expect(dtype.message).toMatch(/xent\.scan.*carry.*f64\[2\].*f32\[2\]/);
    const tree = caught(
      () => x.scan((c: { a: x.Tensor }) => [{ b: c.a }, c.a] as never, { a: f64([1, 2], [2]) }, xs),
      x.XentError,
    );
    expect(tree.message).toMatch(/xent\.scan.*f \(its returned carry\).*keys \{a\}/);
    const pair = caught(() => x.scan((c: x.Tensor) => c as never, f64([1, 2], [2]), xs), x.XentError);
    expect(pair.message).toMatch(/xent\.scan.*'f'.*\[carry, y\]/);
  });
  test('xs with disagreeing leading axes, a scalar xs, a length that disagrees or is missing', () => {
    const lead = caught(() => x.scan(cumprod, f64([1, 2], [2]), [xs, f64([1, 2, 3], [3])] as never), x.XentError);
    expect(lead.message).toMatch(/xent\.scan.*xs\[1\].*leading dim 2 \(as xs\[0\]\)/);
    const scalar = caught(() => x.scan(cumprod, f64([1, 2], [2]), f64([1], [])), x.XentError);
    expect(scalar.message).toMatch(/xent\.scan.*'xs'.*leading axis/);
    const length = caught(() => x.scan(cumprod, f64([1, 2], [2]), xs, { length: 3 }), x.XentError);
    expect(length.message).toMatch(/xent\.scan.*xs.*leading dim 3 \(as options\.length\)/);
    const missing = caught(() => x.scan((c: x.Tensor) => [c, c] as const, f64([1, 2], [2]), null), x.XentError);
    expect(missing.message).toMatch(/xent\.scan.*options\.length/);
    const negative = caught(
      () => x.scan((c: x.Tensor) => [c, c] as const, f64([1, 2], [2]), null, { length: -1 }),
      x.XentError,
    );
    expect(negative.message).toMatch(/xent\.scan.*length/);
  });
  test('unknown options and a non-function f', () => {
    expect(caught(() => x.scan(cumprod, f64([1, 2], [2]), xs, { revers: true } as never), x.XentError).message).toMatch(
      /xent\.scan.*revers/,
    );
    expect(caught(() => x.scan(null as never, f64([1, 2], [2]), xs), x.XentError).message).toMatch(/xent\.scan.*'f'/);
  });
});

describe('x.scan stays a loop when compiled', () => {
  /** The CPU backend, counting the programs it compiles and their launches. */
  const counting = () => {
    const stats = { programs: 0, steps: 0 };
    const cpu = x.backends.cpu as Extract<x.Backend, { kind: 'kernel' }>;
    const backend: x.Backend = {
      ...cpu,
      compile(program: Parameters<typeof cpu.compile>[0]) {
        stats.programs++;
        stats.steps += program.steps.length;
        return cpu.compile(program);
      },
    };
    return { backend, stats };
  };
  const rnnLoss = (steps: number) => (w: x.Tensor, xs: x.Tensor) => {
    const [h, ys] = x.scan(
      rnnStep(w, f64([0.7, -0.2, 0.1, 0.5, -0.4, 0.3], [3, 2]), f64([1, -1, 0.5], [3])),
      f64([0.1, 0.2, -0.3], [3]),
      xs,
      { length: steps },
    );
    return x.add(x.sum(x.mul(h, h)), x.sum(x.mul(ys, ys)));
  };
  const sizes = (steps: number) => {
    const { backend, stats } = counting();
    const w = f64([0.5, -0.3, 0.2, 0.1, 0.4, -0.6, 0.3, 0.2, -0.1], [3, 3]);
    const xs = f64(
      Array.from({ length: steps * 2 }, (_, i) => Math.sin(i)),
      [steps, 2],
    );
    const value = x.jit(rnnLoss(steps), { backend })(w, xs);
    const grads = x.jit(x.grad(rnnLoss(steps), { argnums: [0, 1] }), { backend })(w, xs);
    return { stats, value, grads, w, xs };
  };

  test('the programs compiled for 10 and 1000 steps (value and gradient) are the same size, and agree with the eager loop', () => {
    const short = sizes(10);
    const long = sizes(1000);
    expect(long.stats).toEqual(short.stats);
    expect(short.stats.steps).toBeLessThan(200);
    for (const run of [short, long]) {
      const steps = run.xs.shape[0] as number;
      const want = rnnHost(
        [0.5, -0.3, 0.2, 0.1, 0.4, -0.6, 0.3, 0.2, -0.1],
        [0.7, -0.2, 0.1, 0.5, -0.4, 0.3],
        [1, -1, 0.5],
        [0.1, 0.2, -0.3],
        toNumbers(run.xs),
        3,
        2,
      );
      const value = want.h.reduce((a, v) => a + v * v, 0) + want.ys.reduce((a, v) => a + v * v, 0);
      expectAllClose([x.item(run.value)], [value], { rtol: 1e-12, atol: 0 }, `value (${steps} steps)`);
      const eager = x.grad(rnnLoss(steps), { argnums: [0, 1] })(run.w, run.xs);
      run.grads.forEach((g, i) => {
        expectAllClose(toNumbers(g), toNumbers(eager[i] as x.Tensor), tol, `grad ${i}`);
      });
    }
  }, 120_000);

  test('jit(vmap(scan)) is one loop too: the same programs for 10 and 1000 steps, equal to the per-example scans', () => {
    const run = (steps: number) => {
      const { backend, stats } = counting();
      const xs = f64(
        Array.from({ length: 2 * steps * 2 }, (_, i) => Math.cos(i)),
        [2, steps, 2],
      );
      const h0 = f64([0.1, 0.2, -0.3, 0.4, -0.1, 0.2], [2, 3]);
      const w = f64([0.5, -0.3, 0.2, 0.1, 0.4, -0.6, 0.3, 0.2, -0.1], [3, 3]);
      const one = (hi: x.Tensor, xi: x.Tensor) =>
        x.scan(rnnStep(w, f64([0.7, -0.2, 0.1, 0.5, -0.4, 0.3], [3, 2]), f64([1, -1, 0.5], [3])), hi, xi);
      const [h, ys] = x.jit(x.vmap(one), { backend })(h0, xs);
      for (let b = 0; b < 2; b++) {
        const pick = (t: x.Tensor) => x.reshape(x.slice(t, [b], [b + 1]), t.shape.slice(1));
        const [hb, yb] = one(pick(h0), pick(xs));
        expectAllClose(toNumbers(pick(h)), toNumbers(hb), tol, `h[${b}]`);
        expectAllClose(toNumbers(pick(ys)), toNumbers(yb), tol, `ys[${b}]`);
      }
      return stats;
    };
    expect(run(1000)).toEqual(run(10));
  }, 120_000);
});

describe('jitted.graph() shows a scan as a loop', () => {
  const loss = (w: x.Tensor, xs: x.Tensor) => {
    const [h, ys] = x.scan(
      rnnStep(w, f64([0.7, -0.2, 0.1, 0.5, -0.4, 0.3], [3, 2]), f64([1, -1, 0.5], [3])),
      x.zeros([3], { dtype: 'f64' }),
      xs,
    );
    return x.add(x.sum(x.mul(h, h)), x.sum(x.mul(ys, ys)));
  };
  const w = f64([0.5, -0.3, 0.2, 0.1, 0.4, -0.6, 0.3, 0.2, -0.1], [3, 3]);
  const xsOf = (steps: number) => x.zeros([steps, 2], { dtype: 'f64' });

  test('the graph of 1000 steps has as many nodes as that of 10 (value and gradient), its scans one node per output', () => {
    for (const f of [loss, x.grad(loss, { argnums: [0, 1] })]) {
      const jf = x.jit(f);
      const short = jf.graph(w, xsOf(10));
      const long = jf.graph(w, xsOf(1000));
      expect(long.nodes.length).toBe(short.nodes.length);
      const scans = long.nodes.filter((n) => n.kind === 'custom' && n.rule.scan !== undefined);
      expect(scans.length).toBeGreaterThan(0);
      expect(scans.every((n) => n.kind === 'custom' && n.rule.scan?.loop.length === 1000)).toBe(true);
      expect(long.nodes.length).toBeLessThan(200);
      expect(x.printGraph(long)).toMatch(/custom\[name=scan, length=1000, output=\d, body=\d+ nodes\]/);
    }
  });

  test('program() of a function holding a scan is a ValueError pointing at graph()', () => {
    expect(caught(() => x.jit(loss).program(w, xsOf(10)), x.ValueError).message).toMatch(
      /xent\.program: .*scan.*loop.*jitted\.graph/,
    );
  });
});
