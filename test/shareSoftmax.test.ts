/**
 * @file The CPU backend's softmax sharing (`shareSoftmax`): a logsumexp whose softmax the graph also
 * takes is recomputed from max, e = e^(x − max) and Σe, each softmax becoming e/Σe. The reference
 * backend runs the graph as traced, so comparing the two checks the rewrite: values, gradients and
 * every NaN and ±Inf on rows drawn with −Inf, +Inf, NaN, all −Inf rows and huge logits, f32 and f64.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatKernel, programLaunches } from '@xent/core/internal';
import * as x from 'xent';
import { expectAllClose, toNumbers } from './support/numeric.js';

const pick = (lp: x.Tensor, y: x.Tensor): x.Tensor => x.squeeze(x.gather(lp, x.expandDims(y, -1), { axis: -1 }), -1);

/** Losses of logits [n, v] and labels [n] that take a logsumexp and a softmax of it. */
const losses: readonly (readonly [string, (z: x.Tensor, y: x.Tensor) => x.Tensor])[] = [
  ['mean logsumexp − target', (z, y) => x.mean(x.sub(x.logsumexp(z, { axis: -1 }), pick(z, y)))],
  ['crossEntropy (label smoothing)', (z, y) => x.losses.crossEntropy(z, y, { labelSmoothing: 0.1 })],
  ['a logSoftmax loss', (z, y) => x.neg(x.mean(pick(x.logSoftmax(z), y)))],
  ['entropy.shannon', (z) => x.mean(x.entropy.shannon(z))],
  ['Σ softmax·w over the other axis', (z) => x.sum(x.mul(x.softmax(z, { axis: 0 }), x.cos(z)))],
];

/** Logsumexp reductions and exponentials a program computes over the n·v logits. */
function exponentials(p: x.Program, elements: number): { logsumexps: number; exps: number } {
  let [logsumexps, exps] = [0, 0];
  for (const l of programLaunches(p)) {
    if (l.kernel.kind !== 'map') continue;
    const k = l.kernel;
    if (k.shape.concat(k.reduce?.shape ?? []).reduce((a, b) => a * b, 1) !== elements) continue;
    if (k.reduce?.op === 'logsumexp') logsumexps++;
    exps += formatKernel(k).match(/=exp:/g)?.length ?? 0;
  }
  return { logsumexps, exps };
}

describe('where it applies', () => {
  const [n, v] = [6, 40];
  const z = x.tensor(
    Float32Array.from({ length: n * v }, (_, i) => Math.sin(i * 0.3) * 3),
    { shape: [n, v] },
  );
  const y = x.tensor(Int32Array.from({ length: n }, (_, i) => (i * 7) % v));

  test.each(losses.slice(0, 3))(
    '%s with its gradient: no logsumexp reduction, one exp per logit on the CPU',
    (_name, loss) => {
      const p = x.jit(x.valueAndGrad(loss)).program(z, y);
      expect(exponentials(p, n * v)).toEqual({ logsumexps: 0, exps: 1 });
    },
  );

  test('entropy.shannon with its gradient: the softmax shares its exps; its masked e^(log p) (0·log 0 = 0) is the other', () => {
    const p = x.jit(x.valueAndGrad((t: x.Tensor) => x.mean(x.entropy.shannon(t)))).program(z);
    expect(exponentials(p, n * v)).toEqual({ logsumexps: 0, exps: 2 });
  });

  test('a forward-only logsumexp keeps its one-pass online reduction', () => {
    const p = x.jit((t: x.Tensor) => x.logsumexp(t, { axis: -1 })).program(z);
    expect(exponentials(p, n * v)).toEqual({ logsumexps: 1, exps: 0 });
  });

  test('the JavaScript-only CPU backend and WebGPU-like backends without cached row temporaries keep the logsumexp', () => {
    const p = x
      .jit(x.valueAndGrad(losses[0]?.[1] as (z: x.Tensor, y: x.Tensor) => x.Tensor), {
        backend: x.backends['cpu-js'],
      })
      .program(z, y);
    expect(exponentials(p, n * v).logsumexps).toBe(1);
  });
});

/**
 * Logits with the values that break a careless rewrite: ±Inf, NaN, all −Inf rows, the exp range's
 * edges, signed zeros. (Huge finite maxima are left to the test below: there the traced graph is the
 * less accurate of the two.)
 */
const special = [-Infinity, Infinity, NaN, -104, -88, 88, 89, 0, -0];
const logitsArb = (n: number, v: number) =>
  fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.double({ min: -30, max: 30, noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom(...special) },
    ),
    { minLength: n * v, maxLength: n * v },
  );

describe.each(losses)('%s: equal to the graph as traced (reference backend)', (_name, loss) => {
  test.each(['f32', 'f64'] as const)('%s, value and gradient, special values included', (dtype) => {
    const [n, v] = [5, 9];
    fc.assert(
      fc.property(logitsArb(n, v), fc.integer({ min: 0, max: n - 1 }), (values, deadRow) => {
        // one row of all −Inf logits in every draw
        for (let j = 0; j < v; j++) values[deadRow * v + j] = -Infinity;
        const z = x.tensor(dtype === 'f32' ? Float32Array.from(values) : Float64Array.from(values), {
          shape: [n, v],
          dtype,
        });
        const y = x.tensor(Int32Array.from({ length: n }, (_, i) => (i * 4) % v));
        const f = x.valueAndGrad(loss);
        const [want, wantGrad] = x.jit(f, { backend: 'reference' })(z, y);
        const [got, gotGrad] = x.jit(f)(z, y);
        const tol = dtype === 'f32' ? { rtol: 2e-5, atol: 1e-6 } : { rtol: 1e-12, atol: 1e-14 };
        expectAllClose(toNumbers(got), toNumbers(want), tol, 'value');
        expectAllClose(toNumbers(gotGrad), toNumbers(wantGrad), tol, 'gradient');
      }),
      { numRuns: 40 },
    );
  });
});

test('a row whose largest logit is huge and repeated gets the true softmax (the traced e^(z − lse) rounds lse back to the max)', () => {
  // softmax of [3e38, 3e38, 0] is [½, ½, 0]; lse = 3e38 + log 2 rounds to 3e38 in f32 and f64 alike
  for (const dtype of ['f32', 'f64'] as const) {
    const z = x.tensor([[3e38, 3e38, 0]], { dtype });
    const grad = x.jit(x.grad((t: x.Tensor) => x.sum(x.logsumexp(t, { axis: -1 }))))(z);
    expectAllClose(toNumbers(grad), [0.5, 0.5, 0], { rtol: 1e-6, atol: 0 });
    const traced = x.jit(
      x.grad((t: x.Tensor) => x.sum(x.logsumexp(t, { axis: -1 }))),
      { backend: 'reference' },
    )(z);
    expect(toNumbers(traced)).toEqual([1, 1, 0]);
  }
});
