/** @file The public transforms: grad/valueAndGrad/vjp/jvp/hvp/jit/customVjp semantics and composition. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { directionArb, valuesArb } from './support/arbitraries.js';
import { directionalFd, dot, expectAllClose, toNumbers } from './support/numeric.js';

const f64 = (values: readonly number[], shape: readonly number[] = [values.length]): x.Tensor =>
  x.tensor(Float64Array.from(values), { shape, dtype: 'f64' });

/** A smooth test loss of two arguments with cross terms: Σ exp(a)·sin(b) + Σ a²·b / (1 + b²). */
const loss2 = (a: x.Tensor, b: x.Tensor): x.Tensor =>
  x.add(x.sum(x.mul(x.exp(a), x.sin(b))), x.sum(x.div(x.mul(x.square(a), b), x.add(1, x.square(b)))));

describe('grad and valueAndGrad', () => {
  test('argnums selects arguments; gradients match finite differences', () => {
    fc.assert(
      fc.property(valuesArb([3], 'unit'), valuesArb([3], 'unit'), directionArb(3), directionArb(3), (a, b, da, db) => {
        const [ga, gb] = x.grad(loss2, { argnums: [0, 1] })(f64(a), f64(b));
        const only = x.grad(loss2, { argnums: 1 })(f64(a), f64(b));
        expect(toNumbers(only)).toEqual(toNumbers(gb));
        const fd = directionalFd((p, q) => x.item(loss2(p, q)), [f64(a), f64(b)], [da, db]);
        expectAllClose([dot(toNumbers(ga), da) + dot(toNumbers(gb), db)], [fd], {
          rtol: 1e-7,
          atol: 1e-8,
        });
      }),
    );
  });

  test('valueAndGrad returns the value and the same gradient as grad', () => {
    const a = f64([0.3, -0.2, 1.1]);
    const b = f64([0.5, 0.1, -0.7]);
    const [value, g] = x.valueAndGrad(loss2)(a, b);
    expect(x.item(value)).toBe(x.item(loss2(a, b)));
    expect(toNumbers(g)).toEqual(toNumbers(x.grad(loss2)(a, b)));
  });

  test('an unused argument has a zero gradient of its own shape', () => {
    const g = x.grad((_a: x.Tensor, b: x.Tensor) => x.sum(b), { argnums: 0 })(f64([1, 2]), f64([3]));
    expect(g.shape).toEqual([2]);
    expect(toNumbers(g)).toEqual([0, 0]);
  });

  test('grad of grad of a scalar function is its second derivative', () => {
    fc.assert(
      fc.property(fc.double({ min: -2, max: 2, noNaN: true }), (v) => {
        const f = (t: x.Tensor): x.Tensor => x.mul(x.sin(t), x.exp(t));
        const d2 = x.grad(x.grad(f))(x.tensor(v, { dtype: 'f64' }));
        // (sin·exp)'' = 2·cos·exp
        expectAllClose([x.item(d2)], [2 * Math.cos(v) * Math.exp(v)], { rtol: 1e-12, atol: 1e-12 });
      }),
    );
  });

  test('third derivative through three nested grads', () => {
    const f = (t: x.Tensor): x.Tensor => x.pow(t, x.tensor(5, { dtype: 'f64' }));
    const d3 = x.grad(x.grad(x.grad(f)))(x.tensor(1.5, { dtype: 'f64' }));
    expectAllClose([x.item(d3)], [60 * 1.5 ** 2], { rtol: 1e-12, atol: 0 });
  });

  test('closures over traced values do not confuse nested derivatives', () => {
    // d/dw [ d/dc (c·w)|_{c=1} ] = d/dw w = 1 (perturbation confusion would give 2).
    const outer = (w: x.Tensor): x.Tensor => x.grad((c: x.Tensor) => x.mul(c, w))(x.tensor(1, { dtype: 'f64' }));
    expect(x.item(x.grad(outer)(x.tensor(3, { dtype: 'f64' })))).toBe(1);
  });

  test('stopGradient blocks the gradient but keeps the value', () => {
    const f = (t: x.Tensor): x.Tensor => x.sum(x.mul(t, x.stopGradient(t)));
    const t = f64([1, 2, 3]);
    expect(toNumbers(x.grad(f)(t))).toEqual([1, 2, 3]);
    expect(x.item(f(t))).toBe(14);
  });
});

describe('vjp, jvp and hvp', () => {
  test('vjp of a vector function with a cotangent equals the gradient of ⟨f, c⟩', () => {
    fc.assert(
      fc.property(valuesArb([4], 'unit'), directionArb(4), (v, c) => {
        const f = (t: x.Tensor): x.Tensor => x.softmax(t);
        const [out, pullback] = x.vjp(f, f64(v));
        // the value of vjp's compiled program and of eager f agree to rounding (the CPU computes the
        // softmax it also differentiates as e/Σe, eager softmax as e^(x − lse))
        expectAllClose(toNumbers(out), toNumbers(f(f64(v))), { rtol: 1e-15, atol: 1e-16 });
        const [g] = pullback(f64(c));
        const viaGrad = x.grad((t: x.Tensor) => x.sum(x.mul(f(t), f64(c))))(f64(v));
        expectAllClose(toNumbers(g), toNumbers(viaGrad), { rtol: 1e-14, atol: 1e-15 });
      }),
    );
  });

  test('jvp of softmax equals its closed form p ⊙ (t − ⟨p, t⟩)', () => {
    fc.assert(
      fc.property(valuesArb([5], 'any'), directionArb(5), (v, t) => {
        const [p, jt] = x.jvp((z: x.Tensor) => x.softmax(z), [f64(v)], [f64(t)]);
        const pv = toNumbers(p);
        const inner = dot(pv, t);
        expectAllClose(
          toNumbers(jt),
          pv.map((pi, i) => pi * ((t[i] as number) - inner)),
          { rtol: 1e-12, atol: 1e-14 },
        );
      }),
    );
  });

  test('jvp of a function that ignores its input is zero', () => {
    const [, jt] = x.jvp((_z: x.Tensor) => f64([1, 2]), [f64([3])], [f64([1])]);
    expect(toNumbers(jt)).toEqual([0, 0]);
  });

  test('hvp of a quadratic is A·v; of softmax-CE it matches finite differences of the gradient', () => {
    const A = [
      [2, 1, 0],
      [1, 3, 1],
      [0, 1, 4],
    ];
    const quad = (t: x.Tensor): x.Tensor => x.mul(0.5, x.sum(x.mul(t, x.matmul(x.tensor(A, { dtype: 'f64' }), t))));
    const hv = x.hvp(quad)(f64([0.3, -1, 2]), f64([1, 2, 3]));
    expect(toNumbers(hv)).toEqual([4, 10, 14]);
    fc.assert(
      fc.property(valuesArb([4], 'any'), directionArb(4), (z, v) => {
        const ce = (t: x.Tensor): x.Tensor => x.sub(x.logsumexp(t), x.sum(x.mul(t, f64([0, 1, 0, 0]))));
        const hvv = x.hvp(ce)(f64(z), f64(v));
        const h = 1e-5;
        const gp = toNumbers(x.grad(ce)(f64(z.map((a, i) => a + h * (v[i] as number)))));
        const gm = toNumbers(x.grad(ce)(f64(z.map((a, i) => a - h * (v[i] as number)))));
        expectAllClose(
          toNumbers(hvv),
          gp.map((p, i) => (p - (gm[i] as number)) / (2 * h)),
          { rtol: 1e-6, atol: 1e-8 },
        );
      }),
    );
  });
});

describe('jit', () => {
  test('traces once per signature and returns the eager result', () => {
    let traces = 0;
    const f = x.jit((a: x.Tensor, b: x.Tensor) => {
      traces++;
      return loss2(a, b);
    });
    const a = f64([0.1, 0.2, 0.3]);
    const b = f64([0.4, -0.5, 0.6]);
    expect(x.item(f(a, b))).toBe(x.item(loss2(a, b)));
    f(f64([1, 2, 3]), b);
    expect(traces).toBe(1);
    f(f64([1, 2]), f64([3, 4]));
    expect(traces).toBe(2);
    expect(f.cacheSize).toBe(2);
  });

  test('static (non-tensor) arguments are part of the signature', () => {
    const f = x.jit((a: x.Tensor, k: number) => x.mul(a, k));
    expect(toNumbers(f(f64([1, 2]), 3))).toEqual([3, 6]);
    expect(toNumbers(f(f64([1, 2]), 5))).toEqual([5, 10]);
    expect(f.cacheSize).toBe(2);
  });

  test('grad of jit, jit of grad and jit inside grad agree with plain grad', () => {
    const a = f64([0.1, 0.2, 0.3]);
    const b = f64([0.4, -0.5, 0.6]);
    const plain = toNumbers(x.grad(loss2)(a, b));
    expect(toNumbers(x.grad(x.jit(loss2))(a, b))).toEqual(plain);
    expect(toNumbers(x.jit(x.grad(loss2))(a, b))).toEqual(plain);
    const hv = x.hvp((t: x.Tensor) => x.jit(loss2)(t, b))(a, f64([1, 0, 0]));
    const hvPlain = x.hvp((t: x.Tensor) => loss2(t, b))(a, f64([1, 0, 0]));
    expect(toNumbers(hv)).toEqual(toNumbers(hvPlain));
  });

  test('returns arrays of tensors and exposes the compiled graph', () => {
    const f = x.jit(x.valueAndGrad((t: x.Tensor) => x.sum(x.exp(t))));
    const [v, g] = f(f64([0, 1]));
    expectAllClose([x.item(v)], [1 + Math.E], { rtol: 1e-15, atol: 0 });
    expect(toNumbers(g)).toEqual([1, Math.E]);
    const graph = f.graph(f64([0, 1]));
    expect(graph.params).toHaveLength(1);
    expect(x.printGraph(graph)).toContain('exp');
  });

  test('a function closing over a traced value is inlined, not compiled standalone', () => {
    const outer = (w: x.Tensor): x.Tensor => x.jit((t: x.Tensor) => x.sum(x.mul(t, w)))(f64([1, 2]));
    expect(toNumbers(x.grad(outer)(f64([5, 7])))).toEqual([1, 2]);
  });
});

describe('customVjp', () => {
  const clippedIdentity = x.customVjp(
    (t: x.Tensor) => [t, null] as const,
    (_res, ct) => [x.clip(ct, -1, 1)],
    { name: 'clippedIdentity' },
  );

  test('uses the user backward pass under grad, jit and vjp', () => {
    const f = (t: x.Tensor): x.Tensor => x.sum(x.mul(clippedIdentity(t), f64([3, -0.5, -2])));
    const t = f64([1, 2, 3]);
    expect(toNumbers(f(t))).toEqual([-4]);
    expect(toNumbers(x.grad(f)(t))).toEqual([1, -0.5, -1]);
    expect(toNumbers(x.grad(x.jit(f))(t))).toEqual([1, -0.5, -1]);
    expect(toNumbers(x.jit(x.grad(f))(t))).toEqual([1, -0.5, -1]);
  });

  test('norm uses a custom VJP: finite value and zero gradient at the origin', () => {
    const g = x.grad((t: x.Tensor) => x.norm(t))(f64([0, 0, 0]));
    expect(toNumbers(g)).toEqual([0, 0, 0]);
    const g2 = x.grad((t: x.Tensor) => x.norm(t))(f64([3, 4]));
    expectAllClose(toNumbers(g2), [0.6, 0.8], { rtol: 1e-15, atol: 0 });
  });

  test('the custom backward pass is itself differentiable (Hessian of the norm)', () => {
    fc.assert(
      fc.property(valuesArb([3], 'nonzero'), directionArb(3), (v, d) => {
        const hv = x.hvp((t: x.Tensor) => x.norm(t))(f64(v), f64(d));
        const n = Math.hypot(...v);
        // ∇²‖x‖ = (I − x̂x̂ᵀ)/‖x‖
        const xhat = v.map((a) => a / n);
        const proj = dot(xhat, d);
        expectAllClose(
          toNumbers(hv),
          d.map((di, i) => (di - (xhat[i] as number) * proj) / n),
          { rtol: 1e-10, atol: 1e-12 },
        );
      }),
    );
  });

  test('a backward pass returning the wrong shape is a GradError naming the function', () => {
    const bad = x.customVjp(
      (t: x.Tensor) => [t, null] as const,
      (_r, ct) => [x.sum(ct)],
      { name: 'badBackward' },
    );
    expect(() => x.grad((t: x.Tensor) => x.sum(bad(t)))(f64([1, 2]))).toThrow(
      /badBackward: argument 'backward result 0' expected f64\[2\], got f64\[\]/,
    );
  });
});
