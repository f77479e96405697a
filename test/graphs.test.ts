/**
 * @file Random composite programs: gradients and Hessian-vector products against f64 finite
 * differences; jit against eager; verify after every pass; the printer round-trips the traced graph.
 */
import fc from 'fast-check';
import { either as E } from 'fp-ts';
import { expect, test } from 'vitest';
import { ir, parseGraph, passes, tracePasses, verify } from '@xent/core/internal';
import * as x from 'xent';
import { directionArb, valuesArb } from './support/arbitraries.js';
import { directionalFd, dot, expectAllClose, toNumbers } from './support/numeric.js';
import { build, exprArb, printExpr } from './support/randomGraphs.js';

const f64 = (values: readonly number[]): x.Tensor =>
  x.tensor(Float64Array.from(values), { shape: [2, 3], dtype: 'f64' });
const inputs = fc.tuple(valuesArb([2, 3], 'unit'), valuesArb([2, 3], 'unit'));
const weights = f64([0.3, -1.2, 0.7, 1.1, -0.4, 0.9]);

const scalarLoss =
  (e: Parameters<typeof build>[0]) =>
  (a: x.Tensor, b: x.Tensor): x.Tensor =>
    x.sum(x.mul(build(e, a, b), weights));

test('gradients of random programs match f64 finite differences', () => {
  fc.assert(
    fc.property(exprArb, inputs, directionArb(6), directionArb(6), (e, [a, b], da, db) => {
      const f = scalarLoss(e);
      const [ga, gb] = x.grad(f, { argnums: [0, 1] })(f64(a), f64(b));
      const analytic = dot(toNumbers(ga), da) + dot(toNumbers(gb), db);
      const fd = directionalFd((p, q) => x.item(f(p, q)), [f64(a), f64(b)], [da, db]);
      expectAllClose([analytic], [fd], { rtol: 1e-6, atol: 1e-7 }, printExpr(e));
    }),
    { numRuns: 80 },
  );
});

test('Hessian-vector products of random programs match finite differences of the gradient', () => {
  fc.assert(
    fc.property(exprArb, inputs, directionArb(6), (e, [a, b], v) => {
      const f = (t: x.Tensor): x.Tensor => scalarLoss(e)(t, f64(b));
      const hv = toNumbers(x.hvp(f)(f64(a), f64(v)));
      const h = 1e-5;
      const gp = toNumbers(x.grad(f)(f64(a.map((p, i) => p + h * (v[i] as number)))));
      const gm = toNumbers(x.grad(f)(f64(a.map((p, i) => p - h * (v[i] as number)))));
      expectAllClose(
        hv,
        gp.map((p, i) => (p - (gm[i] as number)) / (2 * h)),
        { rtol: 1e-5, atol: 1e-6 },
        printExpr(e),
      );
    }),
    { numRuns: 40 },
  );
});

test('jit gives the eager result, for values and gradients', () => {
  fc.assert(
    fc.property(exprArb, inputs, (e, [a, b]) => {
      const f = (p: x.Tensor, q: x.Tensor): x.Tensor => build(e, p, q);
      const eager = toNumbers(f(f64(a), f64(b)));
      expectAllClose(toNumbers(x.jit(f)(f64(a), f64(b))), eager, { rtol: 1e-13, atol: 1e-15 }, printExpr(e));
      const vg = x.valueAndGrad(scalarLoss(e), { argnums: [0, 1] });
      const [v1, g1] = vg(f64(a), f64(b));
      const [v2, g2] = x.jit(vg)(f64(a), f64(b));
      expectAllClose(toNumbers(v2), toNumbers(v1), { rtol: 1e-13, atol: 1e-15 });
      (g1 as x.Tensor[]).forEach((g, i) => {
        expectAllClose(toNumbers((g2 as unknown as x.Tensor[])[i] as x.Tensor), toNumbers(g), {
          rtol: 1e-13,
          atol: 1e-15,
        });
      });
    }),
    { numRuns: 60 },
  );
});

test('every compile pass leaves a graph that verifies, for forward and backward programs', () => {
  fc.assert(
    fc.property(exprArb, inputs, (e, [a, b]) => {
      const seen: string[] = [];
      const dump = (pass: string, g: x.Graph): void => {
        const r = verify(g);
        if (E.isLeft(r)) throw new Error(`after ${pass}: ${JSON.stringify(r.left)}`);
        seen.push(pass);
      };
      x.jit(x.grad(scalarLoss(e), { argnums: [0, 1] }), { dump })(f64(a), f64(b));
      // the trace stage of grad's trace and of jit's, then the graph passes (the CPU backend takes them all)
      const traced = tracePasses.map(([name]) => name);
      expect(seen).toEqual([...traced, ...traced, ...passes.map(([name]) => name)]);
    }),
    { numRuns: 40 },
  );
});

test('the printer round-trips traced forward and backward graphs', () => {
  fc.assert(
    fc.property(exprArb, inputs, (e, [a, b]) => {
      const graph = x.jit(x.valueAndGrad(scalarLoss(e))).graph(f64(a), f64(b));
      // The canonical (structural) node order, which parsing reproduces.
      const text = x.printGraph(ir.makeGraph(graph.params, graph.outputs));
      const parsed = parseGraph(text);
      if (E.isLeft(parsed)) throw new Error(`parse failed: ${JSON.stringify(parsed.left)}\n${text}`);
      expect(x.printGraph(parsed.right)).toBe(text);
    }),
    { numRuns: 40 },
  );
});
