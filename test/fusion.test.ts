/**
 * @file The fused program: kernel counts and memory traffic for softmax cross-entropy (forward one
 * pass over the logits, backward one read and one write), multi-output kernels, and compiled
 * results equal to the reference interpreter on random programs (f64 and f32, forward and backward).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  formatPassOutput,
  ir,
  type Kernel,
  kernelOutputSizes,
  type MapKernel,
  passes,
  prims,
  simplify,
  type Step,
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

type Launch = Extract<Step, { kind: 'launch' }>;
const launches = (p: x.Program): Launch[] => p.steps.filter((s): s is Launch => s.kind === 'launch');
/** Launches that read the whole logits buffer (buffer 0 is the first parameter). */
const readingLogits = (p: x.Program): Launch[] =>
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

  test('backward reads the logits once and writes the gradient once', () => {
    const p = x.jit(x.grad(ce)).program(logits, labels);
    const full = launches(p).filter((s) => s.outputs.some((o) => p.buffers[o]?.size === N * V));
    expect(full).toHaveLength(1);
    expect(readingLogits(p)).toHaveLength(2); // forward logsumexp pass + the backward pass
    const backward = full[0] as Launch;
    expect(backward.kernel.kind === 'map' && backward.kernel.reduce).toBeUndefined();
  });

  test('valueAndGrad: three kernels in all, and the result matches the reference interpreter', () => {
    const vg = x.valueAndGrad(ce);
    const p = x.jit(vg).program(logits, labels);
    expect(launches(p)).toHaveLength(3);
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
  const f = (t: x.Tensor): x.Tensor => {
    const a = x.logsumexp(t, { axis: -1, keepDims: true });
    const b = x.logsumexp(x.sub(t, a), { axis: -1, keepDims: true });
    const c = x.logsumexp(x.sub(t, b), { axis: -1, keepDims: true });
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
  // the trace stage of valueAndGrad's trace and of jit's, then the graph passes and the kernel passes
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
    const kernels = program.steps.flatMap((s) => (s.kind === 'launch' ? [s.kernel] : []));
    expect(kernels.length).toBeGreaterThan(1);
    for (const k of kernels) expect(bindings(k, 2 ** 30)).toBeLessThanOrEqual(6);
    expect(toNumbers(x.jit(f, { backend })(...xs))).toEqual(toNumbers(f(...xs)));
  });

  test('a kernel that cannot fit whatever is split is left whole (no pointless extra passes)', () => {
    const z = x.tensor(new Float32Array(64 * 100), { shape: [64, 100] });
    const y = x.tensor(new Int32Array(64), { shape: [64] });
    const ce = (a: x.Tensor, b: x.Tensor): x.Tensor =>
      x.mean(x.sub(x.logsumexp(a, { axis: -1 }), x.squeeze(x.gather(a, x.expandDims(b, -1), { axis: -1 }), -1)));
    const count = (backend: x.Backend): number =>
      x
        .jit(x.valueAndGrad(ce), { backend })
        .program(z, y)
        .steps.filter((s) => s.kind === 'launch').length;
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
