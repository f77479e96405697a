/**
 * @file x.scan on the WebGPU backend, where jit keeps the loop on the device (the body compiled once, its
 * slices and stacked results copied there): values and gradients in f32 against the same code in f64 on
 * the CPU, forward and reverse, pytree carries that swap, vmap of a scan, length 0, an index check inside
 * the body, and the kernels compiled for 1000 steps the same as for 10.
 */
import { afterAll, describe, expect, test } from 'vitest';
import * as x from 'xent';
import { defined, gpuBackend, numbersAsync } from '../support/gpu.js';
import { expectAllClose, toNumbers } from '../support/numeric.js';

const gpu = await gpuBackend();
afterAll(() => {
  gpu?.dispose();
});

const f32Tol = { rtol: 2e-4, atol: 2e-5 };
const seq = (n: number, k: number): Float64Array => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k));
const make = (values: Float64Array, shape: number[], dtype: 'f32' | 'f64'): x.Tensor =>
  x.cast(x.tensor(values, { shape }), dtype);

/** Every number of a pytree's tensors, in order, read back from wherever they live. */
async function leaves(tree: unknown): Promise<number[]> {
  if (tree instanceof x.Tensor) return numbersAsync(tree as x.Tensor);
  const parts: unknown[] = Array.isArray(tree) ? (tree as unknown[]) : Object.values(tree as object);
  const out: number[] = [];
  for (const p of parts) out.push(...(await leaves(p)));
  return out;
}

/** h' = tanh(W·h + U·x_t), y_t = Σ h'; the loss is Σ h_T² + Σ y_t². */
const rnnLoss =
  (reverse: boolean) =>
  (w: x.Tensor, u: x.Tensor, xs: x.Tensor): x.Tensor => {
    const [h, ys] = x.scan(
      (hc: x.Tensor, xt: x.Tensor) => {
        const next = x.tanh(x.add(x.matmul(w, hc), x.matmul(u, xt)));
        return [next, x.sum(next)] as const;
      },
      x.zeros([4], { dtype: w.dtype }),
      xs,
      { reverse },
    );
    return x.add(x.sum(x.mul(h, h)), x.sum(x.mul(ys, ys)));
  };

const rnnArgs = (steps: number, dtype: 'f32' | 'f64'): [x.Tensor, x.Tensor, x.Tensor] => [
  x.mul(make(seq(16, 1), [4, 4], dtype), 0.5),
  make(seq(12, 2), [4, 3], dtype),
  make(seq(steps * 3, 3), [steps, 3], dtype),
];

/**
 * A carry {p, q} that swaps each step (p' = q·x_t, q' = sin p) and results as a tuple: the next
 * state reads the other carry's buffer, which a loop updating carries in place would overwrite first.
 */
const swapping = (reverse: boolean) => (k: x.Tensor, xs: x.Tensor) =>
  x.scan(
    (c: { p: x.Tensor; q: x.Tensor }, xt: x.Tensor) =>
      [{ p: x.mul(c.q, xt), q: x.sin(x.add(c.p, k)) }, [c.p, x.sum(x.mul(c.q, c.q))]] as const,
    { p: x.mul(k, 0.5), q: x.cos(k) },
    xs,
    { reverse },
  );

/** The GPU backend, counting the programs and loops it compiles and their launches. */
function counting(backend: x.WebGpuBackend) {
  const stats = { programs: 0, launches: 0, loops: 0, bodyLaunches: 0 };
  const counted: x.Backend = {
    ...backend,
    compile(program: x.Program) {
      stats.programs++;
      stats.launches += program.steps.length;
      return backend.compile(program);
    },
    compileLoop(loop) {
      stats.loops++;
      stats.bodyLaunches += loop.body.steps.length;
      return (backend.compileLoop as NonNullable<typeof backend.compileLoop>)(loop);
    },
  };
  return { counted, stats };
}

describe.runIf(gpu !== undefined)('scan on WebGPU', () => {
  test('an RNN: value and gradient, jitted (forward and reverse) and eager, in f32 on the GPU against f64 on the CPU', async () => {
    const backend = defined(gpu);
    for (const reverse of [false, true]) {
      const loss = rnnLoss(reverse);
      const f64 = rnnArgs(6, 'f64');
      const want = [
        x.item(loss(...f64)),
        ...x
          .grad(loss, { argnums: [0, 1, 2] })(...f64)
          .flatMap(toNumbers),
      ];
      const onGpu = x.jit(x.valueAndGrad(loss, { argnums: [0, 1, 2] }), { backend });
      const got = await leaves(onGpu(...rnnArgs(6, 'f32')));
      expectAllClose(got, want, f32Tol, `jitted value and gradient (reverse ${reverse})`);
    }
    const eagerWant = x.item(rnnLoss(true)(...rnnArgs(6, 'f64')));
    const eagerArgs = rnnArgs(6, 'f32');
    const previous = x.getDefaultBackend();
    x.setDefaultBackend(backend);
    try {
      const eager = rnnLoss(true)(...eagerArgs);
      expect(eager.shape).toEqual([]);
      expectAllClose(await numbersAsync(eager), [eagerWant], f32Tol, 'eager value');
    } finally {
      x.setDefaultBackend(previous);
    }
  }, 120_000);

  test('pytree carries that swap, tuple results, forward and reverse, and the gradient through them', async () => {
    const backend = defined(gpu);
    const args = (dtype: 'f32' | 'f64') => [make(seq(3, 4), [3], dtype), make(seq(15, 5), [5, 3], dtype)] as const;
    for (const reverse of [false, true]) {
      const f = swapping(reverse);
      const want = await leaves(f(...args('f64')));
      expectAllClose(await leaves(x.jit(f, { backend })(...args('f32'))), want, f32Tol, `outputs (reverse ${reverse})`);
      const loss = (k: x.Tensor, xs: x.Tensor) => {
        const [c, [ps, qs]] = f(k, xs);
        return x.add(x.sum(x.mul(c.p, c.q)), x.add(x.sum(x.sin(ps)), x.sum(qs)));
      };
      const g = x.grad(loss, { argnums: [0, 1] });
      expectAllClose(
        await leaves(x.jit(g, { backend })(...args('f32'))),
        await leaves(g(...args('f64'))),
        f32Tol,
        `gradient (reverse ${reverse})`,
      );
    }
  }, 120_000);

  test('jit(vmap(scan)) and length 0 on the GPU agree with the CPU', async () => {
    const backend = defined(gpu);
    const w = (dtype: 'f32' | 'f64') => x.mul(make(seq(16, 1), [4, 4], dtype), 0.5);
    const one = (wt: x.Tensor) => (h0: x.Tensor, xs: x.Tensor) =>
      x.scan((h: x.Tensor, xt: x.Tensor) => [x.tanh(x.add(x.matmul(wt, h), xt)), x.sum(h)] as const, h0, xs);
    const args = (dtype: 'f32' | 'f64') =>
      [make(seq(12, 6), [3, 4], dtype), make(seq(3 * 7 * 4, 7), [3, 7, 4], dtype)] as const;
    const batched = (dtype: 'f32' | 'f64') => x.vmap(one(w(dtype)));
    const want = await leaves(batched('f64')(...args('f64')));
    expectAllClose(await leaves(x.jit(batched('f32'), { backend })(...args('f32'))), want, f32Tol, 'vmap of scan');
    const empty = x.jit(one(w('f32')), { backend })(make(seq(4, 8), [4], 'f32'), x.zeros([0, 4]));
    expectAllClose(await leaves(empty[0]), toNumbers(make(seq(4, 8), [4], 'f64')), f32Tol, 'length 0 keeps the carry');
    expect(empty[1].shape).toEqual([0]);
  }, 120_000);

  test('log-domain Sinkhorn (its iterations one scan) and its gradient, jitted on the GPU, against f64 on the CPU', async () => {
    const backend = defined(gpu);
    const args = (dtype: 'f32' | 'f64') =>
      [
        make(Float64Array.from([0.2, 0.5, 0.3]), [3], dtype),
        make(Float64Array.from([0.6, 0.4]), [2], dtype),
        make(Float64Array.from([0, 1, 2, 0.5, 1, 0]), [3, 2], dtype),
      ] as const;
    const f = (p: x.Tensor, q: x.Tensor, k: x.Tensor) => x.losses.sinkhorn(p, q, k, { epsilon: 0.5, iterations: 40 });
    const vg = x.valueAndGrad(f, { argnums: [0, 1, 2] });
    const want = await leaves(vg(...args('f64')));
    expectAllClose(await leaves(x.jit(vg, { backend })(...args('f32'))), want, { rtol: 1e-3, atol: 1e-4 }, 'sinkhorn');
  }, 60_000);

  test('an out-of-range index inside the body raises where the result is read', async () => {
    const backend = defined(gpu);
    const f = (table: x.Tensor, idx: x.Tensor) =>
      x.scan(
        (acc: x.Tensor, i: x.Tensor) => [x.add(acc, x.sum(x.take(table, x.reshape(i, [1])))), acc] as const,
        x.zeros([]),
        idx,
      );
    const table = make(seq(4, 9), [4], 'f32');
    const [acc] = x.jit(f, { backend })(table, x.tensor(Int32Array.from([0, 1, 7]), { shape: [3], dtype: 'i32' }));
    await expect(acc.dataAsync()).rejects.toThrow(x.IndexError);
  }, 60_000);

  test('1000 steps compile the same programs and loops as 10 (value and gradient), and agree with the CPU', async () => {
    const backend = defined(gpu);
    const loss = rnnLoss(false);
    const run = async (steps: number) => {
      const { counted, stats } = counting(backend);
      const value = x.jit(loss, { backend: counted })(...rnnArgs(steps, 'f32'));
      const grads = x.jit(x.grad(loss, { argnums: [0, 1] }), { backend: counted })(...rnnArgs(steps, 'f32'));
      const f64 = rnnArgs(steps, 'f64');
      expectAllClose(await numbersAsync(value), [x.item(loss(...f64))], f32Tol, `value (${steps} steps)`);
      const want = x
        .jit(x.grad(loss, { argnums: [0, 1] }))(...f64)
        .flatMap(toNumbers);
      expectAllClose(await leaves(grads), want, { rtol: 1e-3, atol: 1e-4 }, `gradient (${steps} steps)`);
      return stats;
    };
    const short = await run(10);
    expect(short.loops).toBeGreaterThanOrEqual(3);
    expect(await run(1000)).toEqual(short);
    const graphOf = (steps: number) =>
      x.jit(x.grad(loss, { argnums: [0, 1] }), { backend }).graph(...rnnArgs(steps, 'f32')).nodes.length;
    expect(graphOf(1000)).toBe(graphOf(10));
  }, 120_000);
});
