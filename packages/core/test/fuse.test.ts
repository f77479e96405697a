/**
 * @file fuse: which nodes share a kernel, which are materialised (cost-based recompute), own-kernel
 * prims and the matmul operands they read in place, and binding limits (multi-output kernels included).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  fuse,
  ir,
  type Kernel,
  type KernelLimits,
  kernelOutputSizes,
  lower,
  type Partition,
  programLaunches,
  type ScalarExpr,
  scalarToposort,
} from '@xent/core/internal';
import * as x from 'xent';
import { valuesArb } from '../../../test/support/arbitraries.js';
import { expectAllClose, toNumbers } from '../../../test/support/numeric.js';
import { build, exprArb, printExpr } from '../../../test/support/randomGraphs.js';

const { build: B } = ir;
const param = (shape: number[], name?: string): ir.ParamNode => ir.makeParamNode({ shape, dtype: 'f32' }, name);
const fused = (params: ir.ParamNode[], outputs: ir.Node[], limits?: KernelLimits): Partition =>
  fuse(ir.makeGraph(params, outputs), limits);
/** The nodes each group writes. */
const rootsOf = (p: Partition): ir.Node[][] => p.groups.map((g) => [...g.roots]);

const xp = param([2, 3], 'x');

/** The scalar expressions a kernel evaluates. */
const expressionsOf = (k: Kernel): ScalarExpr[] => {
  switch (k.kind) {
    case 'map':
      return k.reduce === undefined ? [...k.outputs] : [...k.outputs, k.reduce.body];
    case 'scan':
    case 'eigh':
    case 'sort':
      return [k.value];
    case 'matmul':
    case 'linearLogits':
      return [];
  }
};

/**
 * Bindings a kernel uses: one per `chunk` bytes (4 per element) of every buffer it reads or
 * writes, and one for the status word when it checks indices.
 */
const kernelBindings = (k: Kernel, chunk: number): number =>
  [...k.inputs.map((i) => i.size), ...kernelOutputSizes(k)].reduce(
    (sum, n) => sum + Math.max(1, Math.ceil((n * 4) / chunk)),
    scalarToposort(expressionsOf(k)).some((e) => e.op === 'checkIndex') ? 1 : 0,
  );

/** The kernels a compiled program launches. */
const kernelsOf = (p: x.Program): Kernel[] => programLaunches(p).map((s) => s.kernel);

describe('fusion', () => {
  test('an elementwise chain with one consumer is one map kernel writing only the output', () => {
    const out = B.neg(B.mul(B.exp(xp), B.add(xp, xp)));
    const p = fused([xp], [out]);
    expect(p.groups).toEqual([{ kind: 'map', roots: [out] }]);
  });

  test('a reduction shares a kernel with its elementwise producers and its elementwise consumer', () => {
    const y = param([2], 'y');
    const s = B.sum(B.exp(B.mul(xp, xp)), [1]);
    const out = B.add(s, y);
    const p = fused([xp, y], [out]);
    expect(p.groups).toEqual([{ kind: 'map', roots: [out], reduction: s }]);
  });

  test('a reduction that is an output writes it and an elementwise root over it from one loop', () => {
    const y = param([2], 'y');
    const s = B.op('logsumexp', { axes: [1] }, [xp]);
    const d = B.sub(s, y);
    const p = fused([xp, y], [s, d]);
    expect(p.groups).toEqual([{ kind: 'map', roots: [s, d], reduction: s }]);
  });

  test('a reduction read through a broadcast is materialised: it is not in the reader’s loop', () => {
    const s = B.op('logsumexp', { axes: [1] }, [xp]);
    const out = B.sub(xp, B.broadcast(B.reshape(s, [2, 1]), [2, 3]));
    const p = fused([xp], [out]);
    expect(rootsOf(p)).toEqual([[s], [out]]);
    expect(p.groups[1]?.reduction).toBeUndefined();
  });

  test('a reduction read both in the loop and flipped is materialised (out[i] = s[i] + s[1 − i])', () => {
    const s = B.sum(xp, [1]);
    const out = B.add(s, B.op('flip', { axes: [0] }, [s]));
    const p = fused([xp], [out]);
    expect(rootsOf(p)).toEqual([[s], [out]]);
    expect(p.groups[1]?.reduction).toBeUndefined();
  });

  test('two reductions read by one elementwise root: only one runs in its loop', () => {
    const a = B.sum(xp, [1]);
    const b = B.op('max', { axes: [1] }, [xp]);
    const out = B.add(a, b);
    const p = fused([xp], [out]);
    expect(p.groups).toHaveLength(2);
    const last = p.groups[1];
    expect(last?.roots).toEqual([out]);
    const materialised = p.groups[0]?.roots[0];
    expect([a, b]).toContain(materialised);
    expect(last?.reduction).toBe(materialised === a ? b : a);
  });
});

describe('recompute or materialise (a transcendental costs 8, other arithmetic 1; the limit is 8)', () => {
  const twoKernels = (shared: ir.Node): ir.Node[] => [B.sum(shared, [1]), B.neg(shared)];

  test('exp(x) read by a row sum and by an elementwise op at full shape is computed once', () => {
    const e = B.exp(xp);
    const [s, n] = twoKernels(e) as [ir.Node, ir.Node];
    const p = fused([xp], [s, n]);
    expect(rootsOf(p)).toEqual([[e], [s], [n]]);
    expect(p.groups.map((g) => g.reduction)).toEqual([undefined, s, undefined]);
  });

  test('a cheap shared node (neg, cost 1) is recomputed in both kernels', () => {
    const e = B.neg(xp);
    const [s, n] = twoKernels(e) as [ir.Node, ir.Node];
    const p = fused([xp], [s, n]);
    expect(rootsOf(p)).toEqual([[s], [n]]);
  });

  test.each([
    [7, false],
    [8, true],
  ])('a shared chain of %i additions is materialised: %s', (length, materialised) => {
    let c: ir.Node = xp;
    for (let i = 0; i < length; i++) c = B.add(c, xp);
    const [s, n] = twoKernels(c) as [ir.Node, ir.Node];
    const p = fused([xp], [s, n]);
    expect(rootsOf(p)).toEqual(materialised ? [[c], [s], [n]] : [[s], [n]]);
  });

  test('an expensive node read twice by one kernel is computed once inside it', () => {
    const e = B.exp(xp);
    const out = B.mul(e, B.sin(e));
    expect(rootsOf(fused([xp], [out]))).toEqual([[out]]);
  });
});

describe('own kernels', () => {
  const a = param([2, 3], 'a');
  const b = param([3, 4], 'b');

  test('matmul gets a kernel of its own; an elementwise operand is materialised before it', () => {
    const ea = B.exp(a);
    const m = B.op('matmul', {}, [ea, b]);
    const p = fused([a, b], [m]);
    expect(p.groups).toEqual([
      { kind: 'map', roots: [ea] },
      { kind: 'matmul', roots: [m] },
    ]);
  });

  test('a matmul reads transposed and broadcast operands as strided views (no copy)', () => {
    const at = param([3, 2], 'at');
    const m = B.op('matmul', {}, [B.transpose(at, [1, 0]), B.broadcast(param([1, 4], 'row'), [3, 4])]);
    expect(fused([at], [m]).groups).toEqual([{ kind: 'matmul', roots: [m] }]);
  });

  test('a matmul reads a sliced operand in place (a strided view at an offset)', () => {
    const rows = param([4, 3], 'rows');
    const m = B.op('matmul', {}, [B.op('slice', { start: [1, 0], end: [3, 3] }, [rows]), b]);
    expect(fused([rows], [m]).groups).toEqual([{ kind: 'matmul', roots: [m] }]);
  });

  test('a transposed or broadcast expression operand: the expression is materialised, the matmul reads it through the view', () => {
    const ea = B.exp(param([3, 2], 'at'));
    const eb = B.exp(param([1, 4], 'row'));
    const m = B.op('matmul', {}, [B.transpose(ea, [1, 0]), B.broadcast(eb, [3, 4])]);
    expect(fused([], [m]).groups).toEqual([
      { kind: 'map', roots: [ea] },
      { kind: 'map', roots: [eb] },
      { kind: 'matmul', roots: [m] },
    ]);
  });

  test('a sliced expression operand is materialised as the slice (never more than the matmul reads)', () => {
    const e = B.exp(param([4, 3], 'rows'));
    const sliced = B.op('slice', { start: [1, 0], end: [3, 3] }, [e]);
    const m = B.op('matmul', {}, [sliced, b]);
    expect(fused([b], [m]).groups).toEqual([
      { kind: 'map', roots: [sliced] },
      { kind: 'matmul', roots: [m] },
    ]);
  });

  // regression: these were accepted as views, and lowering then failed on an address with ⌊/⌋ and mod
  const t = param([3, 2], 't');
  const v = param([3], 'v');
  test.each<[string, ir.Node]>([
    ['a reshape regrouping a transpose', B.reshape(B.transpose(t, [1, 0]), [3, 2])],
    ['a reshape regrouping a broadcast', B.reshape(B.broadcast(v, [2, 3]), [3, 2])],
    ['a flip (a negative stride)', B.op('flip', { axes: [0] }, [t])],
  ])('a matmul operand that is %s is materialised by a map kernel first', (_name, operand) => {
    const m = B.op('matmul', {}, [operand, param([2, 4], 'right')]);
    expect(fused([t, v], [m]).groups).toEqual([
      { kind: 'map', roots: [operand] },
      { kind: 'matmul', roots: [m] },
    ]);
  });

  test('an elementwise consumer of a matmul is a second kernel', () => {
    const m = B.op('matmul', {}, [a, b]);
    const out = B.exp(m);
    expect(fused([a, b], [out]).groups).toEqual([
      { kind: 'matmul', roots: [m] },
      { kind: 'map', roots: [out] },
    ]);
  });

  test('cumsum is a scan kernel that inlines its elementwise input; its consumer is a map kernel', () => {
    const c = B.op('cumsum', { axis: 1, reverse: false }, [B.exp(xp)]);
    const out = B.neg(c);
    expect(fused([xp], [out]).groups).toEqual([
      { kind: 'scan', roots: [c] },
      { kind: 'map', roots: [out] },
    ]);
  });
});

describe('binding limits', () => {
  type Six = [ir.ParamNode, ir.ParamNode, ir.ParamNode, ir.ParamNode, ir.ParamNode, ir.ParamNode];
  const ps = Array.from({ length: 6 }, (_, i) => param([2, 3], `p${i}`)) as Six;
  const [p0, p1, p2, p3, p4, p5] = ps;
  const wide = B.add(B.add(B.add(p0, p1), B.add(p2, p3)), B.add(p4, p5));

  /** Bindings each lowered kernel uses. */
  const bindings = (p: Partition, chunk: number): number[] =>
    lower(p).kernels.map((k) => kernelBindings(k.kernel, chunk));

  test('without limits, six inputs are one kernel', () => {
    expect(bindings(fused(ps, [wide]), 1 << 20)).toEqual([7]);
  });

  test('maxBindings 4: the kernel is split until each reads and writes at most 4 buffers', () => {
    const p = fused(ps, [wide], { maxBindings: 4, maxBindingBytes: 1 << 20 });
    const counts = bindings(p, 1 << 20);
    expect(counts.length).toBeGreaterThan(1);
    for (const c of counts) expect(c).toBeLessThanOrEqual(4);
    expect(p.groups.at(-1)?.roots).toEqual([wide]);
  });

  test('buffers larger than a binding take one binding per chunk (24-byte tensors, 16-byte bindings)', () => {
    const out = B.add(B.add(p0, p1), B.add(p2, p3));
    const p = fused([p0, p1, p2, p3], [out], { maxBindings: 7, maxBindingBytes: 16 });
    expect(bindings(p, 16)).toEqual([6, 6, 6]);
    expect(rootsOf(p)).toEqual([[B.add(p0, p1)], [B.add(p2, p3)], [out]]);
  });

  test('a kernel that cannot fit is left whole', () => {
    const out = B.add(p0, p1);
    expect(fused([p0, p1], [out], { maxBindings: 2, maxBindingBytes: 1 << 20 }).groups).toEqual([
      { kind: 'map', roots: [out] },
    ]);
  });
});

describe('multi-output kernels under binding limits (a root joins a reduction’s kernel only if that still fits)', () => {
  const y1 = param([2], 'y1');
  const y2 = param([2], 'y2');
  const s = B.sum(xp, [1]);
  const d = B.add(B.add(s, y1), y2);
  const limits = (maxBindings: number, maxBindingBytes = 1 << 20): KernelLimits => ({ maxBindings, maxBindingBytes });

  test('s = Σ x and d = s + y1 + y2 fit apart (2 and 4 bindings) but not together (x, y1, y2, s, d): at most 4, they stay apart', () => {
    const p = fused([xp, y1, y2], [s, d], limits(4));
    expect(p.groups).toEqual([
      { kind: 'map', roots: [s], reduction: s },
      { kind: 'map', roots: [d] },
    ]);
    expect(lower(p).kernels.map((k) => kernelBindings(k.kernel, 1 << 20))).toEqual([2, 4]);
  });

  test.each([[limits(5)], [undefined]])('with %o they share one 5-binding kernel', (l) => {
    const p = fused([xp, y1, y2], [s, d], l);
    expect(p.groups).toEqual([{ kind: 'map', roots: [s, d], reduction: s }]);
    expect(lower(p).kernels.map((k) => kernelBindings(k.kernel, 1 << 20))).toEqual([5]);
  });

  test('the kernels kept apart compute the same values as the reference and by hand', () => {
    const f = (a: x.Tensor, b: x.Tensor, c: x.Tensor): x.Tensor[] => {
      const t = x.sum(a, { axis: 1 });
      return [t, x.add(x.add(t, b), c)];
    };
    const args = [
      x.tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { dtype: 'f64' },
      ),
      x.tensor([10, 20], { dtype: 'f64' }),
      x.tensor([0.5, -1], { dtype: 'f64' }),
    ] as const;
    const limited = x.jit(f, { kernelLimits: limits(4) });
    expect(kernelsOf(limited.program(...args)).map((k) => kernelBindings(k, 1 << 20))).toEqual([2, 4]);
    const got = limited(...args).map(toNumbers);
    expect(got).toEqual([
      [6, 15],
      [16.5, 34],
    ]);
    expect(got).toEqual(
      x
        .jit(f, { backend: 'reference' })(...args)
        .map(toNumbers),
    );
  });

  /**
   * Random programs built to merge: reductions over the rows of a [rows, cols] input, written out,
   * and elementwise roots at the reductions' shape, each folding a reduction with further terms
   * (reductions and [rows] inputs) by one operator.
   */
  const reducers = {
    sum: (t: x.Tensor) => x.sum(t, { axis: 1 }),
    max: (t: x.Tensor) => x.max(t, { axis: 1 }),
    logsumexp: (t: x.Tensor) => x.logsumexp(t, { axis: 1 }),
  } as const;
  const combiners = { add: x.add, sub: x.sub, mul: x.mul } as const;
  const mergeProgramArb = fc.record({
    rows: fc.integer({ min: 1, max: 3 }),
    cols: fc.integer({ min: 1, max: 4 }),
    extras: fc.integer({ min: 0, max: 4 }),
    reductions: fc.array(fc.constantFrom(...(Object.keys(reducers) as (keyof typeof reducers)[])), {
      minLength: 1,
      maxLength: 2,
    }),
    roots: fc.array(
      fc.record({
        op: fc.constantFrom(...(Object.keys(combiners) as (keyof typeof combiners)[])),
        terms: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  });
  type MergeProgram = typeof mergeProgramArb extends fc.Arbitrary<infer T> ? T : never;

  /** The program's function of (a, ...ys) and its f64 arguments (distinct values: no ties in max). */
  function mergeProgram(m: MergeProgram): [(...ts: x.Tensor[]) => x.Tensor[], x.Tensor[]] {
    const f = (a: x.Tensor, ...ys: x.Tensor[]): x.Tensor[] => {
      const reds = m.reductions.map((r) => reducers[r](a));
      const terms = [...reds, ...ys];
      const roots = m.roots.map(({ op, terms: [first = 0, ...rest] }) =>
        rest.reduce<x.Tensor>(
          (acc, t) => combiners[op](acc, terms[t % terms.length] as x.Tensor),
          reds[first % reds.length] as x.Tensor,
        ),
      );
      return [...reds, ...roots];
    };
    const a = x.tensor(
      Float64Array.from({ length: m.rows * m.cols }, (_, i) => Math.sin(1 + 1.3 * i)),
      { shape: [m.rows, m.cols], dtype: 'f64' },
    );
    const ys = Array.from({ length: m.extras }, (_, j) =>
      x.tensor(
        Float64Array.from({ length: m.rows }, (_, i) => Math.cos(2 + j + 0.7 * i)),
        { shape: [m.rows], dtype: 'f64' },
      ),
    );
    return [f, [a, ...ys]];
  }

  /** Compiles under the limits, checks the values against the reference, and returns the kernels. */
  function compiledUnder(m: MergeProgram, l: KernelLimits): Kernel[] {
    const [f, args] = mergeProgram(m);
    const limited = x.jit(f, { kernelLimits: l });
    const want = x.jit(f, { backend: 'reference' })(...args);
    limited(...args).forEach((t, i) => {
      expectAllClose(toNumbers(t), toNumbers(want[i] as x.Tensor), { rtol: 1e-12, atol: 1e-12 }, `output ${i}`);
    });
    return kernelsOf(limited.program(...args));
  }

  test('random programs, one binding per buffer, 4–7 bindings: every kernel fits, values equal the reference', () => {
    let multiOutput = 0;
    fc.assert(
      fc.property(mergeProgramArb, fc.integer({ min: 4, max: 7 }), (m, maxBindings) => {
        for (const k of compiledUnder(m, limits(maxBindings))) {
          expect(kernelBindings(k, 1 << 20)).toBeLessThanOrEqual(maxBindings);
          if (kernelOutputSizes(k).length > 1) multiOutput++;
        }
      }),
    );
    // the programs do exercise merging
    expect(multiOutput).toBeGreaterThan(0);
  });

  test('random programs, buffers over several bindings (4–16 bytes each): every multi-output kernel fits', () => {
    fc.assert(
      fc.property(
        mergeProgramArb,
        fc.integer({ min: 3, max: 12 }),
        fc.constantFrom(4, 8, 16),
        (m, maxBindings, maxBindingBytes) => {
          for (const k of compiledUnder(m, limits(maxBindings, maxBindingBytes))) {
            if (kernelOutputSizes(k).length > 1)
              expect(kernelBindings(k, maxBindingBytes)).toBeLessThanOrEqual(maxBindings);
          }
        },
      ),
    );
  });
});

describe.each([
  [6, 2 ** 30],
  [10, 16],
])(
  'random composite programs (test/support/randomGraphs) under %i bindings of %i bytes',
  (maxBindings, maxBindingBytes) => {
    const weights = x.tensor(
      [
        [0.5, -1, 2],
        [1, 0.25, -0.75],
      ],
      { dtype: 'f64' },
    );
    const input = (v: readonly number[]): x.Tensor => x.tensor(Float64Array.from(v), { shape: [2, 3], dtype: 'f64' });

    test('value and gradients: every kernel fits, and the results equal the reference', () => {
      fc.assert(
        fc.property(exprArb, valuesArb([2, 3], 'unit'), valuesArb([2, 3], 'unit'), (e, a, b) => {
          const f = (p: x.Tensor, q: x.Tensor): x.Tensor => x.sum(x.mul(build(e, p, q), weights));
          const vg = x.valueAndGrad(f, { argnums: [0, 1] });
          const limited = x.jit(vg, { kernelLimits: { maxBindings, maxBindingBytes } });
          const [ta, tb] = [input(a), input(b)];
          for (const k of kernelsOf(limited.program(ta, tb)))
            expect(kernelBindings(k, maxBindingBytes), printExpr(e)).toBeLessThanOrEqual(maxBindings);
          const [v1, g1] = limited(ta, tb);
          const [v2, g2] = x.jit(vg, { backend: 'reference' })(ta, tb);
          const tol = { rtol: 1e-12, atol: 1e-13 };
          expectAllClose(toNumbers(v1), toNumbers(v2), tol, printExpr(e));
          g1.forEach((g, i) => {
            expectAllClose(toNumbers(g), toNumbers(g2[i] as x.Tensor), tol, `${printExpr(e)} ∂${i}`);
          });
        }),
        { numRuns: 30 },
      );
    });
  },
);
