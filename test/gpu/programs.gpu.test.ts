/**
 * @file Whole programs on the WebGPU backend: random fused programs forward and backward against
 * the CPU in f64; softmax cross-entropy fused (one pass forward, one read and one write backward);
 * NaN/Inf semantics equal to the CPU backend's; extreme logits; and work split over several
 * bindings and over more than 65 535 workgroups.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { programLaunches } from '@xent/core/internal';
import * as x from 'xent';
import { renderKernel } from '../../packages/webgpu/src/codegen/renderKernel.js';
import { valuesArb } from '../support/arbitraries.js';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';
import { build, exprArb, printExpr } from '../support/randomGraphs.js';

const gpu = await gpuBackend();
// the same device with small caps, so that splitting happens on small inputs
const capped =
  gpu === undefined
    ? undefined
    : await gpuBackend({ caps: { maxStorageBufferBindingSize: 16384, maxComputeWorkgroupsPerDimension: 8 } });
afterAll(() => {
  gpu?.dispose();
  capped?.dispose();
});

const ce = (z: x.Tensor, y: x.Tensor): x.Tensor =>
  x.mean(x.sub(x.logsumexp(z, { axis: -1 }), x.squeeze(x.gather(z, x.expandDims(y, -1), { axis: -1 }), -1)));

const f32 = (values: ArrayLike<number>, shape: readonly number[]): x.Tensor =>
  x.tensor(Float32Array.from(values), { shape });
const f64 = (t: x.Tensor): x.Tensor => x.cast(t, 'f64');

describe.runIf(gpu !== undefined)('webgpu programs', () => {
  test('matmul operands read in place as strided views (slices at an offset, reshaped buffers, transposes) equal the reference', async () => {
    const backend = defined(gpu);
    const a = f32(
      Array.from({ length: 4 * 6 }, (_, i) => Math.sin(i + 1)),
      [4, 6],
    );
    const b = f32(
      Array.from({ length: 3 * 5 }, (_, i) => Math.cos(i)),
      [3, 5],
    );
    const c = f32(
      Array.from({ length: 2 * 3 * 4 }, (_, i) => (i % 7) - 3),
      [2, 3, 4],
    );
    const programs: readonly [string, (p: x.Tensor, q: x.Tensor, r: x.Tensor) => x.Tensor][] = [
      ['slice at an offset', (p, q) => x.matmul(x.slice(p, [1, 2], [3, 5]), q)],
      ['transposed slice', (p, q) => x.matmul(x.transpose(x.slice(p, [1, 1], [4, 3])), x.slice(q, [0, 1], [3, 4]))],
      ['flattened buffer', (_, q, r) => x.matmul(x.reshape(r, [6, 4]), x.transpose(x.slice(q, [0, 0], [3, 4])))],
      ['flipped operand', (p, q) => x.matmul(x.flip(x.slice(p, [0, 0], [2, 3]), 0), q)],
    ];
    for (const [name, f] of programs) {
      const got = await numbersAsync(x.jit(f, { backend })(a, b, c));
      const want = toNumbers(x.jit(f, { backend: 'reference' })(a, b, c));
      expectAllClose(got, want, { rtol: 1e-5, atol: 1e-5 }, name);
    }
  });

  describe.each([
    [2, 3],
    [5, 70],
  ])('random fused programs on [%i, %i]', (rows, cols) => {
    const weights = f32(
      Array.from({ length: rows * cols }, (_, i) => Math.cos(i)),
      [rows, cols],
    );
    test('value and gradients, f32 on the GPU against f64 on the CPU', async () => {
      const backend = defined(gpu);
      await fc.assert(
        fc.asyncProperty(exprArb, valuesArb([rows, cols], 'unit'), valuesArb([rows, cols], 'unit'), async (e, a, b) => {
          const f = (p: x.Tensor, q: x.Tensor): x.Tensor => x.sum(x.mul(build(e, p, q), x.cast(weights, p.dtype)));
          const vg = x.valueAndGrad(f, { argnums: [0, 1] });
          const [v, g] = x.jit(vg, { backend })(f32(a, [rows, cols]), f32(b, [rows, cols]));
          const [v64, g64] = vg(f64(f32(a, [rows, cols])), f64(f32(b, [rows, cols])));
          const tol = { rtol: 2e-4, atol: 2e-4 };
          expectAllClose(await numbersAsync(v), toNumbers(v64), tol, printExpr(e));
          for (const [i, gi] of g.entries()) {
            expectAllClose(await numbersAsync(gi), toNumbers(g64[i] as x.Tensor), tol, `${printExpr(e)} gradient ${i}`);
          }
        }),
        { numRuns: 40 },
      );
    });
  });

  test('softmax cross-entropy: forward is one kernel pass over the logits, backward one read and one write', async () => {
    const backend = defined(gpu);
    const [n, v] = [37, 1000];
    const z = f32(
      Array.from({ length: n * v }, (_, i) => 3 * Math.sin(i * 0.37)),
      [n, v],
    );
    const y = x.tensor(
      Int32Array.from({ length: n }, (_, i) => (i * 131) % v),
      { shape: [n] },
    );
    const fwd = x.jit(ce, { backend });
    const launches = programLaunches(fwd.program(z, y));
    expect(launches.filter((s) => s.kernel.kind === 'map' && s.kernel.reduce?.shape[0] === v)).toHaveLength(1);
    const vg = x.jit(x.valueAndGrad(ce), { backend });
    const [loss, grad] = vg(z, y);
    const [loss64, grad64] = x.valueAndGrad(ce)(f64(z), y);
    expectAllClose(await numbersAsync(loss), toNumbers(loss64), { rtol: 1e-5, atol: 1e-6 }, 'CE loss');
    expectAllClose(await numbersAsync(grad), toNumbers(grad64), { rtol: 1e-4, atol: 1e-7 }, 'CE gradient');
  });

  test('jvp, vjp and hvp compose with the GPU backend (forward mode and second order run fused there too)', async () => {
    const backend = defined(gpu);
    const [n, v] = [5, 40];
    const z = f32(
      Array.from({ length: n * v }, (_, i) => Math.sin(i * 0.3)),
      [n, v],
    );
    const t = f32(
      Array.from({ length: n * v }, (_, i) => Math.cos(i * 0.7)),
      [n, v],
    );
    const y = x.tensor(
      Int32Array.from({ length: n }, (_, i) => (i * 11) % v),
      { shape: [n] },
    );
    const loss = (a: x.Tensor): x.Tensor => x.add(ce(a, y), x.mean(x.square(x.tanh(a))));
    const [jv, jt] = x.jit((a: x.Tensor, d: x.Tensor) => x.jvp(loss, [a], [d]), { backend })(z, t);
    const [jv64, jt64] = x.jvp(loss, [f64(z)], [f64(t)]);
    expectAllClose(await numbersAsync(jv), toNumbers(jv64), { rtol: 1e-5, atol: 1e-6 }, 'jvp value');
    expectAllClose(await numbersAsync(jt), toNumbers(jt64), { rtol: 1e-4, atol: 1e-6 }, 'jvp tangent');
    const hv = x.jit(x.hvp(loss), { backend })(z, t);
    const hv64 = x.hvp(loss)(f64(z), f64(t));
    expectAllClose(await numbersAsync(hv), toNumbers(hv64), { rtol: 1e-4, atol: 1e-6 }, 'hvp');
    const pull = x.jit(
      (a: x.Tensor, c: x.Tensor) => {
        const [, back] = x.vjp((u: x.Tensor) => x.softmax(u), a);
        return back(c)[0];
      },
      { backend },
    )(z, t);
    const [, back64] = x.vjp((u: x.Tensor) => x.softmax(u), f64(z));
    expectAllClose(await numbersAsync(pull), toNumbers(back64(f64(t))[0]), { rtol: 1e-4, atol: 1e-7 }, 'vjp');
  });

  test('NaN, ±Inf and −Inf-masked logits give the CPU backend’s results', async () => {
    const backend = defined(gpu);
    const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 1e30, -1e30, 3.5, -2.25, 1e-30];
    const a = f32(
      specials.flatMap((s) => specials.map(() => s)),
      [specials.length, specials.length],
    );
    const b = f32(
      specials.flatMap(() => specials),
      [specials.length, specials.length],
    );
    const elementwise = (p: x.Tensor, q: x.Tensor): x.Tensor[] => [
      x.exp(p),
      x.log(p),
      x.log1p(p),
      x.expm1(p),
      x.sqrt(p),
      x.tanh(p),
      x.abs(p),
      x.sign(p),
      x.neg(p),
      x.recip(p),
      x.floor(p),
      x.sigmoid(p),
      x.softplus(p),
      x.add(p, q),
      x.sub(p, q),
      x.mul(p, q),
      x.div(p, q),
      x.pow(p, q),
      x.maximum(p, q),
      x.minimum(p, q),
      x.cast(x.less(p, q), 'f32'),
      x.cast(x.equal(p, q), 'f32'),
      x.cast(x.lessEqual(p, q), 'f32'),
      x.where(x.greater(p, q), p, q),
      x.sum(p, { axis: 1 }),
      x.max(p, { axis: 1 }),
      x.logsumexp(p, { axis: 1 }),
      x.logsumexp(q, { axis: 0 }),
      x.logSoftmax(q),
      x.cumsum(p, { axis: 1 }),
    ];
    const want = elementwise(a, b);
    const got = x.jit(elementwise, { backend })(a, b);
    for (const [i, t] of want.entries()) {
      expectAllClose(await numbersAsync(got[i] as x.Tensor), toNumbers(t), { rtol: 2e-6, atol: 1e-30 }, `output ${i}`);
    }
  });

  test('cross-entropy with −Inf-masked and extreme (±1e4) logits has a finite loss and gradient', async () => {
    const backend = defined(gpu);
    const [n, v] = [6, 50];
    const values = Array.from({ length: n * v }, (_, i) => {
      const row = Math.floor(i / v);
      const col = i % v;
      if (row < 2 && col % 3 === 1) return -Infinity;
      return row >= 4 ? (col % 2 === 0 ? 1e4 : -1e4) : Math.sin(i);
    });
    const z = f32(values, [n, v]);
    const y = x.tensor(
      Int32Array.from({ length: n }, (_, i) => (i * 3) % v),
      { shape: [n] },
    );
    const [loss, grad] = x.jit(x.valueAndGrad(ce), { backend })(z, y);
    const [loss64, grad64] = x.valueAndGrad(ce)(f64(z), y);
    const l = await numbersAsync(loss);
    const g = await numbersAsync(grad);
    expect(l.every(Number.isFinite) && g.every(Number.isFinite)).toBe(true);
    expectAllClose(l, toNumbers(loss64), { rtol: 1e-5, atol: 1e-5 }, 'loss');
    expectAllClose(g, toNumbers(grad64), { rtol: 1e-4, atol: 1e-6 }, 'gradient');
  });

  test('buffers over the binding limit and launches over the workgroup limit are split, with the same results', async () => {
    const small = defined(capped);
    expect(small.limits.maxStorageBufferBindingSize).toBe(16384);
    const [n, v] = [9, 1000];
    const z = f32(
      Array.from({ length: n * v }, (_, i) => 2 * Math.cos(i * 0.11)),
      [n, v],
    );
    const y = x.tensor(
      Int32Array.from({ length: n }, (_, i) => (i * 97) % v),
      { shape: [n] },
    );
    const w = f32(
      Array.from({ length: v * 7 }, (_, i) => Math.sin(i)),
      [v, 7],
    );
    const f = (zz: x.Tensor, ww: x.Tensor): x.Tensor =>
      x.add(ce(zz, y), x.sum(x.cumsum(x.matmul(zz, ww), { axis: 0 })));
    const vg = x.valueAndGrad(f, { argnums: [0, 1] });
    const [loss, [gz, gw]] = x.jit(vg, { backend: small })(z, w) as unknown as [x.Tensor, [x.Tensor, x.Tensor]];
    const [loss64, [gz64, gw64]] = vg(f64(z), f64(w)) as unknown as [x.Tensor, [x.Tensor, x.Tensor]];
    expectAllClose(await numbersAsync(loss), toNumbers(loss64), { rtol: 1e-5, atol: 1e-3 }, 'loss');
    expectAllClose(await numbersAsync(gz), toNumbers(gz64), { rtol: 1e-4, atol: 1e-4 }, 'gradient of z');
    expectAllClose(await numbersAsync(gw), toNumbers(gw64), { rtol: 1e-4, atol: 1e-4 }, 'gradient of w');
  });

  test('few long rows are reduced in two passes (partials per row, then combined), NaN and −Inf included', async () => {
    const backend = defined(gpu);
    const [rows, cols] = [4, 20000];
    const values = Array.from({ length: rows * cols }, (_, i) => {
      const [r, c] = [Math.floor(i / cols), i % cols];
      if (r === 1) return -Infinity;
      if (r === 2 && c === 12345) return NaN;
      if (r === 3 && c % 7 === 0) return -Infinity;
      return 5 * Math.sin(i * 0.013);
    });
    const z = f32(values, [rows, cols]);
    const f = (t: x.Tensor): x.Tensor[] => [
      x.logsumexp(t, { axis: 1 }),
      x.max(t, { axis: 1 }),
      x.sum(x.tanh(t), { axis: 1 }),
      x.softmax(t),
    ];
    const reductions = programLaunches(x.jit(f, { backend }).program(z)).flatMap((s) =>
      s.kernel.kind === 'map' && s.kernel.reduce !== undefined ? [s.kernel] : [],
    );
    expect(reductions.length).toBeGreaterThan(0);
    for (const k of reductions) {
      expect(renderKernel(k, backend.limits.maxStorageBufferBindingSize).passes).toHaveLength(2);
    }
    const got = x.jit(f, { backend })(z);
    const want = f(f64(z));
    const tol = [
      { rtol: 1e-6, atol: 1e-6 },
      { rtol: 0, atol: 0 },
      { rtol: 1e-4, atol: 1e-2 },
      { rtol: 1e-5, atol: 1e-9 },
    ];
    for (const [i, t] of want.entries()) {
      expectAllClose(
        await numbersAsync(got[i] as x.Tensor),
        toNumbers(t),
        tol[i] as { rtol: number; atol: number },
        `output ${i}`,
      );
    }
  });

  test('at the real limits: a sum over more than maxStorageBufferBindingSize, a map over more than 65 535 workgroups', async () => {
    const backend = defined(gpu);
    const n = Math.floor(backend.limits.maxStorageBufferBindingSize / 4) + 4099;
    const ones = x.tensor(new Float32Array(n).fill(1), { shape: [n] });
    const summed = x.jit((t: x.Tensor) => [x.sum(t), x.add(t, 1)], { backend })(ones);
    // f32 cannot hold every integer past 2²⁴: the sum is n to f32 precision
    expectAllClose(await numbersAsync(summed[0] as x.Tensor), [n], { rtol: 1e-6, atol: 0 }, 'sum');
    const shifted = (await (summed[1] as x.Tensor).dataAsync()) as Float32Array;
    expect(shifted.length).toBe(n);
    expect(shifted.every((v) => v === 2)).toBe(true);
  });
});
