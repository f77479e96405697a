/**
 * @file The fused program: kernel counts and memory traffic for softmax cross-entropy (forward one
 * pass over the logits, backward one read and one write), multi-output kernels, and compiled
 * results equal to the reference interpreter on random programs (f64 and f32, forward and backward).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  formatKernel,
  formatPassOutput,
  groupLocalBuffers,
  ir,
  type Kernel,
  kernelOutputSizes,
  type MapKernel,
  passes,
  prims,
  simplify,
  type LaunchStep,
  programLaunches,
  tracePasses,
} from '@xent/core/internal';
import * as x from 'xent';
import { valuesArb } from './support/arbitraries.js';
import { expectAllClose, toNumbers } from './support/numeric.js';
import { expectMatchesReference } from './support/parity.js';
import { exprArb } from './support/randomGraphs.js';

const [N, V] = [8, 32];
const logits = x.tensor(
  Float32Array.from({ length: N * V }, (_, i) => Math.sin(i * 0.7) * 3),
  { shape: [N, V] },
);
const labels = x.tensor(
  Int32Array.from({ length: N }, (_, i) => (i * 5) % V),
  { shape: [N] },
);

const ce = (z: x.Tensor, y: x.Tensor): x.Tensor =>
  x.mean(x.sub(x.logsumexp(z, { axis: -1 }), x.squeeze(x.gather(z, x.expandDims(y, -1), { axis: -1 }), -1)));

const launches = (p: x.Program): LaunchStep[] => programLaunches(p);
/** Launches that read the whole logits buffer (buffer 0 is the first parameter). */
const readingLogits = (p: x.Program): LaunchStep[] =>
  launches(p).filter(
    (s) =>
      s.inputs.includes(0) &&
      s.kernel.kind === 'map' &&
      s.kernel.shape.concat(s.kernel.reduce?.shape ?? []).reduce((a, b) => a * b, 1) === N * V,
  );

describe('softmax cross-entropy', () => {
  test('forward is one pass over the logits: an online logsumexp with the target gathered in the same kernel', () => {
    const p = x.jit(ce).program(logits, labels);
    const reads = readingLogits(p);
    expect(reads).toHaveLength(1);
    const k = reads[0]?.kernel as MapKernel;
    expect(k.reduce?.op).toBe('logsumexp');
    expect(k.reduce?.shape).toEqual([V]);
    expect(launches(p)).toHaveLength(2); // the row kernel, then the mean over N rows
  });

  /** Exponentials a program computes per logit: the exps of its kernels that loop over all N·V logits (a logsumexp reduction takes one). */
  const expsPerLogit = (p: x.Program): number =>
    readingOrWritingAll(p).reduce(
      (sum, s) =>
        sum +
        (formatKernel(s.kernel).match(/=exp:/g)?.length ?? 0) +
        ((s.kernel as MapKernel).reduce?.op === 'logsumexp' ? 1 : 0),
      0,
    );
  /** Kernels whose loops cover all N·V logits. */
  const readingOrWritingAll = (p: x.Program): LaunchStep[] =>
    launches(p).filter(
      (s) =>
        s.kernel.kind === 'map' &&
        s.kernel.shape.concat(s.kernel.reduce?.shape ?? []).reduce((a, b) => a * b, 1) === N * V,
    );

  test('backward reads the logits in one row group, writes the gradient once, one exp per logit', () => {
    const p = x.jit(x.grad(ce)).program(logits, labels);
    const groupAt = p.steps.findIndex((s) => s.kind === 'rowGroup');
    const group = p.steps[groupAt];
    if (group?.kind !== 'rowGroup') throw new Error('no row group');
    // every pass over the logits is a member of the group: one read of each row from memory
    for (const s of readingLogits(p)) expect(group.launches).toContain(s);
    // full-size buffers written: the gradient, and e = exp(z − m), which lives only inside the group
    const local = groupLocalBuffers(p, groupAt);
    const written = launches(p).flatMap((s) => s.outputs.filter((o) => p.buffers[o]?.size === N * V && !local.has(o)));
    expect(written).toEqual(p.outputs);
    expect(expsPerLogit(p)).toBe(1);
  });

  test('valueAndGrad: max, e = exp(z − m), Σe and the gradient in one row group, then the mean; equal to the reference', () => {
    const vg = x.valueAndGrad(ce);
    const p = x.jit(vg).program(logits, labels);
    const group = p.steps.find((s) => s.kind === 'rowGroup');
    expect(
      group?.kind === 'rowGroup' ? group.launches.map((l) => (l.kernel as MapKernel).reduce?.op ?? 'map') : [],
    ).toEqual(['max', 'map', 'sum', 'map']);
    expect(launches(p)).toHaveLength(5);
    expect(expsPerLogit(p)).toBe(1);
    const [v1, g1] = x.jit(vg)(logits, labels);
    const [v2, g2] = x.jit(vg, { backend: 'reference' })(logits, labels);
    expectAllClose(toNumbers(v1), toNumbers(v2), { rtol: 1e-6, atol: 1e-7 });
    expectAllClose(toNumbers(g1), toNumbers(g2), { rtol: 1e-5, atol: 1e-8 });
  });

  test('a row loss and the logsumexp it saves share one multi-output kernel', () => {
    const perRow = (z: x.Tensor, y: x.Tensor): x.Tensor[] => {
      const lse = x.logsumexp(z, { axis: -1 });
      return [x.sub(lse, x.squeeze(x.gather(z, x.expandDims(y, -1), { axis: -1 }), -1)), lse];
    };
    const p = x.jit(perRow).program(logits, labels);
    expect(launches(p)).toHaveLength(1);
    expect(launches(p)[0]?.outputs).toHaveLength(2);
  });
});

test('a cheap intermediate with one consumer is never materialised', () => {
  const f = (t: x.Tensor): x.Tensor => x.sum(x.mul(x.exp(x.sub(t, 1)), 2), { axis: -1 });
  const p = x.jit(f).program(logits);
  expect(launches(p)).toHaveLength(1);
  expect(p.slots).toHaveLength(0);
});

test('temporaries are freed after their last reader and their slots reused', () => {
  // whole-tensor reductions: row reductions would form one row group, whose buffers are live together
  const f = (t: x.Tensor): x.Tensor => {
    const a = x.logsumexp(t);
    const b = x.logsumexp(x.sub(t, a));
    const c = x.logsumexp(x.sub(t, b));
    return x.sum(x.sub(t, c));
  };
  const p = x.jit(f).program(logits);
  const frees = p.steps.filter((s) => s.kind === 'free');
  expect(frees.length).toBeGreaterThanOrEqual(2);
  expect(p.slots.length).toBeLessThan(3);
});

describe.each(['f64', 'f32'] as const)('compiled programs equal the reference interpreter (%s)', (dtype) => {
  const tol = dtype === 'f64' ? { rtol: 1e-12, atol: 1e-13 } : { rtol: 2e-4, atol: 1e-5 };
  const input = (v: readonly number[]): x.Tensor => x.tensor(Float64Array.from(v), { shape: [2, 3], dtype });

  test('forward and backward', () => {
    const weights = x.tensor(
      [
        [0.5, -1, 2],
        [1, 0.25, -0.75],
      ],
      { dtype },
    );
    fc.assert(
      fc.property(exprArb, valuesArb([2, 3], 'unit'), valuesArb([2, 3], 'unit'), (e, a, b) => {
        expectMatchesReference(e, input(a), input(b), weights, tol);
      }),
      { numRuns: 80 },
    );
  });
});

test('a cumsum whose input is a reduction reads that reduction from memory (regression: seed 1194102526)', () => {
  const f = (a: x.Tensor): x.Tensor => x.cumsum(x.sum(a, { axis: 1, keepDims: true }), { axis: 0 });
  const a = x.tensor(
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    { dtype: 'f64' },
  );
  expect(toNumbers(x.jit(f)(a))).toEqual([3, 10, 21]);
  expect(launches(x.jit(f).program(a)).map((s) => s.kernel.kind)).toEqual(['map', 'scan']);
});

test('constant folding agrees with the reference interpreter on every elementwise primitive', () => {
  const unary = prims.filter(ir.isUnaryPrim);
  const binary = prims.filter(ir.isBinaryPrim);
  fc.assert(
    fc.property(
      fc.double({ noNaN: false }),
      fc.double(),
      fc.constantFrom<'f32' | 'f64'>('f32', 'f64'),
      (a, b, dtype) => {
        const [ca, cb] = [ir.build.scalar(a, dtype), ir.build.scalar(b, dtype)];
        const nodes = [...unary.map((p) => ir.op(p, {}, [ca])), ...binary.map((p) => ir.op(p, {}, [ca, cb]))];
        const folded = simplify(ir.makeGraph([], nodes)).outputs;
        const reference = x.backends.reference.compile(ir.makeGraph([], nodes)).run([]);
        folded.forEach((f, i) => {
          expect(f.kind).toBe('const');
          const got = ((f as ir.ConstNode).value as x.HostArray)[0] as number;
          const want = (reference[i] as x.HostArray)[0] as number;
          const same = Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want));
          if (!same)
            throw new Error(`${(nodes[i] as ir.OpNode).prim}(${a}, ${b}) ${dtype}: folded ${got}, reference ${want}`);
        });
      },
    ),
  );
});

test('the dump hook sees every pass, graph passes then fuse, lower and schedule', () => {
  const seen: string[] = [];
  x.jit(x.valueAndGrad(ce), {
    dump: (pass) => seen.push(pass),
    dumpKernels: (pass, out) => {
      seen.push(pass);
      expect(formatPassOutput(out).length).toBeGreaterThan(0);
    },
  })(logits, labels);
  // the trace stage of valueAndGrad's trace and of jit's, then the graph passes (the CPU backend takes them all) and the kernel passes
  const traced = tracePasses.map(([name]) => name);
  expect(seen).toEqual([...traced, ...traced, ...passes.map(([name]) => name), 'fuse', 'lower', 'schedule']);
});

describe('binding limits (a device backend’s kernelLimits)', () => {
  const limited = (maxBindings: number, maxBindingBytes = 2 ** 30): x.Backend => ({
    ...x.backends.cpu,
    kernelLimits: { maxBindings, maxBindingBytes },
  });
  const bindings = (k: Kernel, chunk: number): number =>
    k.inputs.reduce((s, i) => s + Math.max(1, Math.ceil((i.size * 4) / chunk)), 0) +
    kernelOutputSizes(k).reduce((s, n) => s + Math.max(1, Math.ceil((n * 4) / chunk)), 0);

  test('a kernel reading more buffers than allowed is split until every kernel fits, with the same values', () => {
    const xs = Array.from({ length: 12 }, (_, i) =>
      x.tensor(Float64Array.from([i, i + 0.5, -i]), { shape: [3], dtype: 'f64' }),
    );
    const f = (...ts: x.Tensor[]): x.Tensor => ts.reduce((acc, t, i) => x.add(acc, x.mul(x.tanh(t), i + 1)));
    const backend = limited(6);
    const program = x.jit(f, { backend }).program(...xs);
    const kernels = programLaunches(program).map((s) => s.kernel);
    expect(kernels.length).toBeGreaterThan(1);
    for (const k of kernels) expect(bindings(k, 2 ** 30)).toBeLessThanOrEqual(6);
    expect(toNumbers(x.jit(f, { backend })(...xs))).toEqual(toNumbers(f(...xs)));
  });

  test('a reduction and a root over it that fit apart are not merged into one kernel past the limit (regression)', () => {
    // s = Σ a (reads a, writes s: 2) and d = s + b + c (reads s, b, c, writes d: 4); merged: a, b, c, s, d = 5
    const f = (a: x.Tensor, b: x.Tensor, c: x.Tensor): x.Tensor[] => {
      const s = x.sum(a, { axis: 1 });
      return [s, x.add(x.add(s, b), c)];
    };
    const args = [
      x.tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), { shape: [2, 3] }),
      x.tensor(Float32Array.from([10, 20]), { shape: [2] }),
      x.tensor(Float32Array.from([0.5, -1]), { shape: [2] }),
    ] as const;
    const backend = limited(4);
    const kernels = programLaunches(x.jit(f, { backend }).program(...args)).map((s) => s.kernel);
    expect(kernels.map((k) => bindings(k, 2 ** 30))).toEqual([2, 4]);
    expect(
      x
        .jit(f, { backend })(...args)
        .map(toNumbers),
    ).toEqual([
      [6, 15],
      [16.5, 34],
    ]);
  });

  test('a kernel that cannot fit whatever is split is left whole (no pointless extra passes)', () => {
    const z = x.tensor(new Float32Array(64 * 100), { shape: [64, 100] });
    const y = x.tensor(new Int32Array(64), { shape: [64] });
    const ce = (a: x.Tensor, b: x.Tensor): x.Tensor =>
      x.mean(x.sub(x.logsumexp(a, { axis: -1 }), x.squeeze(x.gather(a, x.expandDims(b, -1), { axis: -1 }), -1)));
    const count = (backend: x.Backend): number =>
      programLaunches(x.jit(x.valueAndGrad(ce), { backend }).program(z, y)).length;
    // the logits take 9 bindings of 3 KiB: the backward kernel needs 9 + 9 + 2 > 16 however it is cut
    expect(count(limited(16, 3072))).toBe(count(x.backends.cpu));
  });
});

test('a matmul operand that is a view of a scalar constant (the cotangent of a sum) is materialised, not read as a buffer', () => {
  // ∂/∂A Σ(A·B) = 1·Bᵀ: the cotangent is broadcast(1), which lowering inlines as a literal.
  const b = x.tensor(Float64Array.from([1, 2, 3, 4, 5, 6]), { shape: [2, 3], dtype: 'f64' });
  const a = x.tensor(Float64Array.from([1, -1, 0.5, 2]), { shape: [2, 2], dtype: 'f64' });
  const g = x.jit(x.grad((t: x.Tensor) => x.sum(x.matmul(t, b))))(a);
  expect(g.toArray()).toEqual([
    [6, 15],
    [6, 15],
  ]);
  const theta = x.tensor(Float64Array.from([0.3]), { shape: [], dtype: 'f64' });
  const spun = (t: x.Tensor) =>
    x.sum(x.matmul(x.equivariance.rotation2dOfAngle(t), x.tensor([[1], [2]], { dtype: 'f64' })));
  expect(x.item(x.grad(spun)(theta))).toBeCloseTo(
    -Math.sin(0.3) - 2 * Math.cos(0.3) + Math.cos(0.3) - 2 * Math.sin(0.3),
    12,
  );
});

describe('matmul operands that are views of buffers', () => {
  const a = x.tensor(
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    { dtype: 'f32' },
  );
  const b = x.tensor(
    [
      [1, 0, 2, -1],
      [0.5, 1, -1, 3],
    ],
    { dtype: 'f32' },
  );
  const v = x.tensor([1, 2, 3], { dtype: 'f32' });

  // regression: lowering threw "expected operands that are strided views of buffers" on cpu and cpu-js
  test.each([
    [
      'reshape [3, 2] of the transpose of a [3, 2]: rows [1, 3], [5, 2], [4, 6]',
      (p: x.Tensor, q: x.Tensor) => x.matmul(x.reshape(x.transpose(p), [3, 2]), q),
      a,
      [
        [2.5, 3, -1, 8],
        [6, 2, 8, 1],
        [7, 6, 2, 14],
      ],
    ],
    [
      'reshape [3, 2] of a [3] broadcast to [2, 3]: rows [1, 2], [3, 1], [2, 3]',
      (p: x.Tensor, q: x.Tensor) => x.matmul(x.reshape(x.broadcastTo(p, [2, 3]), [3, 2]), q),
      v,
      [
        [2, 2, 0, 5],
        [3.5, 1, 5, 0],
        [3.5, 3, 1, 7],
      ],
    ],
  ])('a matmul of a %s', (_name, f, left, expected) => {
    for (const backend of ['reference', 'cpu', 'cpu-js'] as const) {
      expect(x.jit(f, { backend })(left, b).toArray(), backend).toEqual(expected);
    }
  });

  test('a matmul of a flattened [2, 3, 4] buffer reads it in place and equals the reference (regression: lowering threw)', () => {
    const p = x.tensor(
      Float32Array.from({ length: 24 }, (_, i) => (i % 5) - 2),
      { shape: [2, 3, 4] },
    );
    const q = x.tensor(
      Float32Array.from({ length: 20 }, (_, i) => (i % 3) - 1),
      { shape: [4, 5] },
    );
    const f = (s: x.Tensor, t: x.Tensor): x.Tensor => x.matmul(x.reshape(s, [6, 4]), t);
    const want = x.jit(f, { backend: 'reference' })(p, q).toArray();
    for (const backend of ['cpu', 'cpu-js'] as const)
      expect(x.jit(f, { backend })(p, q).toArray(), backend).toEqual(want);
    expect(launches(x.jit(f).program(p, q)).map((s) => s.kernel.kind)).toEqual(['matmul']);
  });

  test('flipped operands (negative strides) through the SIMD kernel (32×32×32) equal the reference', () => {
    const n = 32;
    const p = x.tensor(
      Float32Array.from({ length: n * n }, (_, i) => (i % 7) - 3),
      { shape: [n, n] },
    );
    const q = x.tensor(
      Float32Array.from({ length: n * n }, (_, i) => (i % 5) - 2),
      { shape: [n, n] },
    );
    const f = (s: x.Tensor, t: x.Tensor): x.Tensor => x.matmul(x.flip(s, 0), x.flip(t, 1));
    const want = toNumbers(x.jit(f, { backend: 'reference' })(p, q));
    expect(toNumbers(x.jit(f, { backend: 'cpu' })(p, q))).toEqual(want);
  });

  /**
   * A random chain of views over a buffer: each step draws what it needs from `r` (a permutation,
   * a factorisation, a broadcast target, slice bounds, flipped axes) given the current shape.
   */
  const views = ['transpose', 'reshape', 'broadcast', 'slice', 'flip'] as const;
  const stepArb = fc.record({
    view: fc.constantFrom(...views),
    r: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
  });
  type ViewStep = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;
  const divisors = (n: number): number[] => [...Array(n).keys()].map((i) => i + 1).filter((d) => n % d === 0);
  const pick = <T>(xs: readonly T[], r: number): T => xs[r % xs.length] as T;
  const at = (r: readonly number[], i: number): number => r[i % r.length] as number;

  function applyView(t: x.Tensor, { view, r }: ViewStep): x.Tensor {
    const shape = t.shape;
    switch (view) {
      case 'transpose':
        return x.transpose(
          t,
          shape.map((_, i) => i).sort((i, j) => at(r, i) - at(r, j) || i - j),
        );
      case 'reshape': {
        const dims: number[] = [];
        let rest = t.size;
        for (let i = 0; i < at(r, 0) % 3; i++) {
          const d = pick(divisors(rest), at(r, i + 1));
          dims.push(d);
          rest /= d;
        }
        return x.reshape(t, [...dims, rest]);
      }
      case 'broadcast': {
        if (t.size > 24) return t;
        const lead = shape.length < 4 && at(r, 0) % 2 === 1 ? [1 + (at(r, 1) % 3)] : [];
        return x.broadcastTo(t, [...lead, ...shape.map((d, i) => (d === 1 ? 1 + (at(r, i + 2) % 3) : d))]);
      }
      case 'slice': {
        const start = shape.map((d, i) => at(r, i) % d);
        return x.slice(
          t,
          start,
          start.map((s, i) => s + 1 + (at(r, i + 4) % ((shape[i] as number) - s))),
        );
      }
      case 'flip': {
        const axes = shape.map((_, i) => i).filter((i) => at(r, i) % 2 === 1);
        return x.flip(t, axes.length > 0 ? axes : [at(r, 0) % shape.length]);
      }
    }
  }

  const chainArb = fc.record({
    shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    steps: fc.array(stepArb, { maxLength: 4 }),
  });
  type Chain = typeof chainArb extends fc.Arbitrary<infer T> ? T : never;
  const leafOf = (shape: readonly number[], seed: number): x.Tensor =>
    x.tensor(
      Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => ((seed + 3 * i) % 7) - 3),
      { shape: [...shape] },
    );
  const gcd = (p: number, q: number): number => (q === 0 ? p : gcd(q, p % q));

  test('a matmul of random view chains (transpose, reshape, broadcast, slice, flip) over buffers or expressions equals the reference', () => {
    // an expression under a chain: fuse materialises it, or the operand, so that the matmul reads a buffer
    const computedOf = (t: x.Tensor, computed: boolean): x.Tensor => (computed ? x.add(x.mul(t, 2), 1) : t);
    fc.assert(
      fc.property(
        chainArb,
        chainArb,
        fc.boolean(),
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        fc.boolean(),
        (ca, cb, shared, rk, rb, computedA, computedB) => {
          // both chains over one buffer, or each over its own (integer values: every sum is exact)
          const pa = leafOf(ca.shape, 1);
          const pb = shared ? pa : leafOf(cb.shape, 2);
          const chainOf = (t: x.Tensor, c: Chain): x.Tensor => c.steps.reduce(applyView, t);
          // the sizes the chains end with decide a common k and batch that both operands reshape to
          const [na, nb] = [chainOf(pa, ca).size, chainOf(pb, cb).size];
          const k = pick(divisors(gcd(na, nb)), rk);
          const batch = pick(divisors(gcd(na / k, nb / k)), rb);
          const [m, n] = [na / k / batch, nb / k / batch];
          const lead = batch > 1 ? [batch] : [];
          const f = (s: x.Tensor, t: x.Tensor): x.Tensor =>
            x.matmul(
              x.reshape(chainOf(computedOf(s, computedA), ca), [...lead, m, k]),
              x.reshape(chainOf(computedOf(t, computedB), cb), [...lead, k, n]),
            );
          const want = toNumbers(x.jit(f, { backend: 'reference' })(pa, pb));
          for (const backend of ['cpu', 'cpu-js'] as const)
            expect(toNumbers(x.jit(f, { backend })(pa, pb)), backend).toEqual(want);
        },
      ),
    );
  });
});
