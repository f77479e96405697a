/**
 * @file Exact numerics at the extremes (±1e30, ±1e-30, ±3e38, subnormals, ±0, ±Inf, NaN, the exp
 * overflow edge): every fused CPU path — WebAssembly SIMD lanes and scalar code (`cpu`), generated
 * JavaScript (`cpu-js`) — computes what the reference interpreter computes, for every unary,
 * binary, select, cast and reduction primitive in each place a kernel computes it (value and
 * gradient, f32 and f64); every simplify rule holds there against the unsimplified graph; every
 * hard-label loss agrees at temperatures 1e-30 and 1e30 and at logits ±1e30; the NaN and ±Inf table
 * of docs/concepts.md holds on every CPU backend; and traced indices out of range blame the public
 * function that read them.
 */
import { describe, expect, test } from 'vitest';
import { ir, prepare, primitive, simplify, simplifyRules } from '@xent/core/internal';
import * as x from 'xent';
import {
  expectAgree,
  extremes,
  type Float,
  floats,
  hardLabelLosses,
  lossSettings,
  nanTable,
  softmaxRows,
  tensorOf,
} from './support/extremeCases.js';
import { type Tolerance, toNumbers } from './support/numeric.js';

/** The fused backends, each compared with `reference`. */
const fused = ['cpu', 'cpu-js'] as const;
const cpuBackends = ['reference', ...fused] as const;

/**
 * Agreement with the reference: NaN where it is NaN, the same infinities, finite values within a
 * few ulp (WebAssembly's vector exp and log are within 4 ulp; everything else rounds as the
 * reference does), the sign of a zero aside.
 */
const ulps: Record<Float, Tolerance> = {
  f32: { rtol: 4 * 2 ** -23, atol: 4 * 2 ** -149 },
  f64: { rtol: 4 * 2 ** -52, atol: 4 * Number.MIN_VALUE },
};

/** The outputs of `f` (one tensor or an array of them) on a backend, as numbers. */
function outputsOn(backend: x.BackendName, f: (...a: x.Tensor[]) => x.Tensor | x.Tensor[], args: readonly x.Tensor[]) {
  const out = x.jit(f, { backend })(...args);
  return (Array.isArray(out) ? out : [out]).map(toNumbers);
}

/** `f` on each fused backend agrees with the reference, output by output. */
function expectFusedAsReference(
  label: string,
  f: (...a: x.Tensor[]) => x.Tensor | x.Tensor[],
  args: readonly x.Tensor[],
  tol: (output: number, i: number) => Tolerance,
): void {
  const want = outputsOn('reference', f, args);
  for (const backend of fused) {
    const got = outputsOn(backend, f, args);
    want.forEach((w, k) => {
      expectAgree(got[k] as number[], w, (i) => tol(k, i), `${label} on ${backend}, output ${k}`);
    });
  }
}

// ---- elementwise primitives, in every place a kernel computes them ----

/** Where a case puts its primitive: see `placed`. */
const positions = ['inner', 'outer', 'epilogue', 'reduceBody'] as const;
type Position = (typeof positions)[number];

/** A bool result as ±1 in the operands' float dtype (a bool output keeps a kernel off the SIMD path). */
const lanes = (r: x.Tensor, d: x.DType): x.Tensor =>
  r.dtype === 'bool' ? x.where(r, x.full(r.shape, 1, { dtype: d }), x.full(r.shape, -1, { dtype: d })) : r;

/**
 * `apply` on operands whose m elements are `columns` (one array per operand), placed:
 * - inner: operands [m], the kernel's (vectorised) loop over them;
 * - outer: operands [m, 1] added to zeros [m, 8], so the primitive runs once per row, outside the lanes;
 * - epilogue: the first operand is the max of rows [value, −Inf × 7], the primitive runs after the reduction;
 * - reduceBody: operands [m, 8] of repeated values, the primitive runs inside a max reduction's loop.
 */
function placed(
  position: Position,
  columns: readonly (readonly number[])[],
  dtypes: readonly x.DType[],
  apply: (...ops: x.Tensor[]) => x.Tensor,
): { f: (...a: x.Tensor[]) => x.Tensor; args: x.Tensor[] } {
  const m = (columns[0] as readonly number[]).length;
  const repeat = (v: readonly number[], k: number, fill?: number) =>
    v.flatMap((e) => Array.from({ length: k }, (_, j) => (j === 0 || fill === undefined ? e : fill)));
  const d0 = dtypes[0] as x.DType;
  const laned = (...ops: x.Tensor[]) => lanes(apply(...ops), d0 === 'bool' ? 'f32' : d0);
  switch (position) {
    case 'inner':
      return { f: laned, args: columns.map((c, i) => tensorOf(c, [m], dtypes[i] as x.DType)) };
    case 'outer': {
      const out = laned(...columns.map((c, i) => tensorOf(c.slice(0, 1), [1], dtypes[i] as x.DType)));
      return {
        f: (...a) => x.add(laned(...a.slice(0, -1)), a.at(-1) as x.Tensor),
        args: [
          ...columns.map((c, i) => tensorOf(c, [m, 1], dtypes[i] as x.DType)),
          tensorOf(new Array<number>(m * 8).fill(0), [m, 8], out.dtype),
        ],
      };
    }
    case 'epilogue':
      return {
        f: (r, ...rest) => laned(x.max(r, { axis: 1 }), ...rest),
        args: columns.map((c, i) =>
          i === 0
            ? tensorOf(repeat(c, 8, d0 === 'i32' ? -2147483648 : -Infinity), [m, 8], d0)
            : tensorOf(c, [m], dtypes[i] as x.DType),
        ),
      };
    case 'reduceBody':
      return {
        f: (...a) => x.max(laned(...a), { axis: 1 }),
        args: columns.map((c, i) => tensorOf(repeat(c, 8), [m, 8], dtypes[i] as x.DType)),
      };
  }
}

/** Every pair of the values, as two columns. */
const pairs = (v: readonly number[]): [number[], number[]] => [
  v.flatMap((a) => v.map(() => a)),
  v.flatMap(() => v.map((b) => b)),
];

/** Integers around the f32 and i32 edges, for casts from i32. */
const bigIntegers = [0, 1, -1, 16777216, 16777217, -16777219, 2147483647, -2147483648, 123456789];

/** The cast targets from each dtype. */
const castsFrom: Record<x.DType, readonly x.DType[]> = {
  f32: ['f64', 'i32', 'bool'],
  f64: ['f32', 'i32', 'bool'],
  i32: ['f32', 'f64'],
  bool: [],
};

interface ElementwiseCase {
  readonly name: string;
  readonly columns: readonly (readonly number[])[];
  readonly dtypes: readonly x.DType[];
  readonly apply: (...ops: x.Tensor[]) => x.Tensor;
  /** Whether gradients are compared too (differentiable float primitives). */
  readonly grad: boolean;
}

const isFloat = (d: x.DType): d is Float => d === 'f32' || d === 'f64';

/** The extreme-value cases of each elementwise kind (exhaustive: a new kind must say how it is tested). */
const elementwiseCases: { readonly [K in ir.ElementwiseKind]: (p: ir.PrimOfKind<K>) => ElementwiseCase[] } = {
  unary: (p) =>
    floats.map((d) => ({
      name: `${p} ${d}`,
      columns: [extremes[d]],
      dtypes: [d],
      apply: (a) => primitive(p, {}, a),
      grad: true,
    })),
  ordered: (p) =>
    floats.flatMap((d) =>
      [0, 1, 2].map((order) => ({
        name: `${p} ${order} ${d}`,
        columns: [extremes[d]],
        dtypes: [d],
        apply: (a: x.Tensor) => primitive(p, { order }, a),
        grad: true,
      })),
    ),
  binary: (p) =>
    floats.map((d) => ({
      name: `${p} ${d}`,
      columns: pairs(extremes[d]),
      dtypes: [d, d],
      apply: (a, b) => primitive(p, {}, a, b),
      grad: true,
    })),
  compare: (p) =>
    floats.map((d) => ({
      name: `${p} ${d}`,
      columns: pairs(extremes[d]),
      dtypes: [d, d],
      apply: (a, b) => primitive(p, {}, a, b),
      grad: false,
    })),
  select: (p) =>
    floats.map((d) => {
      const [a, b] = pairs(extremes[d]);
      return {
        name: `${p} ${d}`,
        columns: [a.map((_, i) => (i % 3 === 0 ? 1 : 0)), a, b],
        dtypes: ['bool', d, d],
        apply: (c, t, f) => primitive(p, {}, c, t, f),
        grad: false,
      };
    }),
  cast: (p) =>
    (['f32', 'f64', 'i32'] as const).flatMap((from) =>
      castsFrom[from].map((to) => ({
        name: `${p} ${from}→${to}`,
        columns: [from === 'i32' ? bigIntegers : extremes[from]],
        dtypes: [from],
        apply: (a) => primitive(p, { dtype: to }, a),
        grad: false,
      })),
    ),
  // stopGradient passes values through untouched; checkIndex reads indices (tested below)
  identity: () => [],
  check: () => [],
};

const cases = ir.prims
  .filter(ir.isElementwisePrim)
  .flatMap((p) => (elementwiseCases[ir.primInfo[p].kind] as (q: ir.Prim) => ElementwiseCase[])(p));

describe.each(cases.map((c) => [c.name, c] as const))('%s at extreme values', (_name, c) => {
  const tol = ulps[isFloat(c.dtypes.at(-1) as x.DType) ? (c.dtypes.at(-1) as Float) : 'f64'];

  // (a bool first operand has no max reduction to come from)
  test.each(positions.filter((p) => p !== 'epilogue' || c.dtypes[0] !== 'bool'))(
    '%s position: fused CPU equals the reference',
    (position) => {
      const { f, args } = placed(position, c.columns, c.dtypes, c.apply);
      expectFusedAsReference(`${c.name} ${position}`, f, args, () => tol);
    },
  );

  test.runIf(c.grad)('gradient: fused CPU equals the reference', () => {
    const args = c.columns.map((col, i) => tensorOf(col, [col.length], c.dtypes[i] as x.DType));
    const argnums = args.map((_, i) => i);
    const g = x.grad((...a: x.Tensor[]) => x.sum(c.apply(...a)), { argnums });
    expectFusedAsReference(
      `${c.name} gradient`,
      (...a) => g(...a),
      args,
      () => tol,
    );
  });
});

// ---- reductions ----

/** Rows [u, 1.5, −2, …, v] for every pair of extremes: u in the first lane, v in the tail (length 11), or both in the tail (length 3). */
function reductionRows(d: Float, length: number): number[][] {
  const fill = [1.5, -2, 0.25, 3, -0.5, 1, 2, -1, 0.75];
  const [us, vs] = pairs(extremes[d]);
  return us.map((u, i) => [u, ...fill.slice(0, length - 2), vs[i] as number]);
}

/** The finite magnitudes of a row, by `combine` (their sum or their max; capped to stay a finite bound). */
const magnitude = (row: readonly number[], combine: (a: number, b: number) => number): number =>
  Math.min(
    row.filter(Number.isFinite).reduce((acc, v) => combine(acc, Math.abs(v)), 0),
    Number.MAX_VALUE,
  );

/**
 * How far each reduction's paths may differ on a row of `length` values (eps: the dtype's ulp of
 * 1): a sum by its summation order (f64 lanes, then the tail), the error bound of a sum; max not at
 * all; logsumexp by the f32 lanes' exp (2 ulp per term) and the ulp of its max.
 */
const reductionTolerance: { readonly [P in ir.ReducePrim]: (row: readonly number[], eps: number) => Tolerance } = {
  sum: (row, eps) => ({ rtol: 4 * eps, atol: 4 * row.length * eps * magnitude(row, (a, b) => a + b) }),
  max: () => ({ rtol: 0, atol: 0 }),
  logsumexp: (row, eps) => ({ rtol: 4 * eps, atol: 4 * eps * (magnitude(row, Math.max) + row.length) }),
};

describe.each(ir.prims.filter(ir.isReducePrim))('%s reduction at extreme values', (p) => {
  describe.each(floats)('%s', (d) => {
    test.each([11, 3])('rows of %i: fused CPU equals the reference', (length) => {
      const rows = reductionRows(d, length);
      const eps = d === 'f32' ? 2 ** -23 : 2 ** -52;
      expectFusedAsReference(
        `${p} ${d} rows of ${length}`,
        (t) => primitive(p, { axes: [1] }, t),
        [tensorOf(rows.flat(), [rows.length, length], d)],
        (_k, i) => {
          const tol = reductionTolerance[p](rows[i] as number[], eps);
          return { rtol: tol.rtol, atol: tol.atol + ulps[d].atol };
        },
      );
    });
  });
});

// ---- a value computed in two kernels ----

describe.each(floats)('values recomputed across kernels (%s)', (d) => {
  const tol = ulps[d];

  test.each([1e-30, 1e30, 1])('log-softmax of u/%s and its gradient', (temperature) => {
    const f = (u: x.Tensor) => x.sum(x.slice(x.logSoftmax(x.div(u, temperature), { axis: -1 }), [0, 0], [1, 1]));
    const u = tensorOf([3, 1, 2, -1e30, 1e30, 0], [2, 3], d);
    expectFusedAsReference(
      `log-softmax/T ${d}`,
      (t) => [f(t), x.grad(f)(t)],
      [u],
      () => tol,
    );
  });

  test('the repro: d/du log-softmax(u/1e-30)[0] is 0 on every backend (u = [3, 1, 2])', () => {
    const f = (u: x.Tensor) => x.sum(x.slice(x.logSoftmax(x.div(u, 1e-30), { axis: -1 }), [0, 0], [1, 1]));
    for (const backend of cpuBackends)
      expect(
        toNumbers(x.jit(x.grad(f), { backend })(tensorOf([3, 1, 2], [1, 3], d))).map((v) => v + 0),
        backend,
      ).toEqual([0, 0, 0]);
  });
});

// ---- simplify rules ----

const { build: B } = ir;

/** A graph over a parameter of extremes in which the rule fires (one per rule: `tsc` asks for a new rule's). */
const ruleGraphs: Record<keyof typeof simplifyRules, (p: ir.Node, d: Float) => ir.Node[]> = {
  constantFold: (p, d) => {
    const c = (v: number) => B.scalar(v, d);
    const folded = [
      B.mul(c(3e38), c(10)),
      B.mul(c(1e-30), c(1e-30)),
      B.mul(c(1e30), c(1e30)),
      B.div(c(1), c(-0)),
      B.sub(c(Infinity), c(Infinity)),
      B.exp(c(100)),
      B.exp(c(-200)),
      B.log(c(-1)),
      B.op('sqrt', {}, [c(-0)]),
      B.op('maximum', {}, [c(NaN), c(1)]),
      B.op('sign', {}, [c(NaN)]),
      B.op('cast', { dtype: d === 'f32' ? 'f64' : 'f32' }, [c(1e39)]),
    ];
    return folded.map((k) => B.add(p, B.broadcast(B.cast(k, d), p.type.shape)));
  },
  addZero: (p, d) => [B.add(p, B.full(p.type.shape, 0, d)), B.add(B.full(p.type.shape, 0, d), p)],
  subZero: (p, d) => [B.sub(p, B.full(p.type.shape, 0, d))],
  mulOne: (p, d) => [B.mul(p, B.full(p.type.shape, 1, d)), B.mul(B.full(p.type.shape, 1, d), p)],
  divOne: (p, d) => [B.div(p, B.full(p.type.shape, 1, d))],
  negNeg: (p) => [B.neg(B.neg(p))],
  reshapeReshape: (p) => {
    const n = p.type.shape[0] as number;
    return [B.op('reshape', { shape: [1, n] }, [B.op('reshape', { shape: [n, 1] }, [p])])];
  },
  transposeTranspose: (p) => {
    const n = p.type.shape[0] as number;
    const q = B.op('reshape', { shape: [2, n / 2] }, [p]);
    return [B.transpose(B.transpose(B.exp(q), [1, 0]), [1, 0])];
  },
  broadcastBroadcast: (p) => {
    const n = p.type.shape[0] as number;
    return [B.op('broadcast', { shape: [3, 2, n] }, [B.op('broadcast', { shape: [2, n] }, [p])])];
  },
  broadcastReshape: (p) => {
    const n = p.type.shape[0] as number;
    return [B.op('broadcast', { shape: [2, n] }, [B.op('reshape', { shape: [1, n] }, [p])])];
  },
  elementwiseOfBroadcasts: (p) => [B.exp(B.op('broadcast', { shape: [3, p.type.shape[0] as number] }, [p]))],
  castIdentity: (p, d) => [B.op('cast', { dtype: d }, [p])],
  reduceUnitAxes: (p) => {
    const column = B.op('reshape', { shape: [p.type.shape[0] as number, 1] }, [p]);
    return (['sum', 'max', 'logsumexp'] as const).map((r) => B.op(r, { axes: [1] }, [column]));
  },
  outerMatmul: (p) => {
    const n = p.type.shape[0] as number;
    // a batch of outer products, and one row against a shared row (batch dims broadcast)
    return [
      B.op('matmul', {}, [B.reshape(p, [2, n / 2, 1]), B.reshape(p, [2, 1, n / 2])]),
      B.op('matmul', {}, [B.reshape(p, [n, 1]), B.reshape(p, [1, n])]),
    ];
  },
  maxOfShift: (p, d) => {
    const n = (p.type.shape[0] as number) / 2;
    const rows = B.reshape(p, [2, n]);
    // shifted by the guarded row max (as logSoftmax shifts), by the guarded column max, and by +∞ and NaN
    const guarded = (axis: number, keep: number[]): ir.Node => {
      const m = B.op('stopGradient', {}, [B.reshape(B.op('max', { axes: [axis] }, [rows]), keep)]);
      return B.broadcast(B.where(B.equal(m, B.full(keep, -Infinity, d)), B.full(keep, 0, d), m), [2, n]);
    };
    return [
      B.op('max', { axes: [1] }, [B.sub(rows, guarded(1, [2, 1]))]),
      B.op('max', { axes: [0] }, [B.sub(rows, guarded(0, [1, n]))]),
      B.op('max', { axes: [1] }, [B.sub(rows, B.full([2, n], Infinity, d))]),
      B.op('max', { axes: [1] }, [B.sub(rows, B.full([2, n], NaN, d))]),
    ];
  },
};

describe.each(Object.keys(ruleGraphs) as (keyof typeof simplifyRules)[])('simplify rule %s', (rule) => {
  test.each(floats)('holds at extreme values in %s: the unsimplified graph, simplified, and fused CPU agree', (d) => {
    // an even count of extremes, so that transposes have two rows
    const values = extremes[d].length % 2 === 0 ? extremes[d] : [...extremes[d], 2];
    const p = ir.makeParamNode({ shape: [values.length], dtype: d }, 'p');
    const graph = ir.makeGraph([p], ruleGraphs[rule](p, d));
    const fires = graph.nodes.some((n) => n.kind === 'op' && simplifyRules[rule](n as never) !== undefined);
    expect(fires, `${rule} applies to its graph`).toBe(true);
    expect(ir.printGraph(simplify(graph))).not.toBe(ir.printGraph(graph));
    const args = [d === 'f32' ? Float32Array.from(values) : Float64Array.from(values)];
    // the reference interpreter on the graph as built, before any pass
    const want = x.backends.reference.compile(graph).run(args) as ArrayLike<number>[];
    const backends: readonly [string, x.Backend][] = [
      ['reference (simplified)', x.backends.reference],
      ...fused.map((b) => [b, x.backends[b]] as [string, x.Backend]),
    ];
    for (const [name, backend] of backends) {
      const got = prepare(graph, backend).run(args) as ArrayLike<number>[];
      want.forEach((w, k) => {
        expectAgree(
          Array.from(got[k] as ArrayLike<number>),
          Array.from(w),
          () => ulps[d],
          `${rule} ${d} on ${name}, output ${k}`,
        );
      });
    }
  });
});

/** Rewrites that would be wrong at the extremes, so no pass makes them: what each expression gives in f32. */
const unsound: readonly (readonly [string, (t: x.Tensor) => x.Tensor, readonly number[], readonly number[]])[] = [
  // exp overflows f32 beyond 88.7 and underflows below −103.9
  ['log(exp x) is not x', (t) => x.log(x.exp(t)), [100, -200, 0], [Infinity, -Infinity, 0]],
  ['x − x is not 0', (t) => x.sub(t, t), [Infinity, NaN, 3e38], [NaN, NaN, 0]],
  ['x · 0 is not 0', (t) => x.mul(t, 0), [Infinity, NaN, -3e38], [NaN, NaN, -0]],
  ['x / x is not 1', (t) => x.div(t, t), [Infinity, 0, 1e-40], [NaN, NaN, 1]],
  ['(x + 1e30) − 1e30 is not x', (t) => x.sub(x.add(t, 1e30), 1e30), [1, 1e22, -1e30], [0, 0, -1e30]],
  ['(x · 1e30) / 1e30 is not x', (t) => x.div(x.mul(t, 1e30), 1e30), [1e10, 2], [Infinity, 2]],
  ['(x / 1e30) · 1e30 is not x', (t) => x.mul(x.div(t, 1e30), 1e30), [1e-20, 1e10], [0, 1e10]],
];

test.each(unsound.flatMap(([name, f, input, want]) => cpuBackends.map((b) => [name, b, f, input, want] as const)))(
  '%s in f32 on %s',
  (name, backend, f, input, want) => {
    const got = toNumbers(x.jit(f, { backend })(tensorOf(input, [input.length], 'f32')));
    expectAgree(got, want, () => ({ rtol: 2 ** -22, atol: 0 }), name);
  },
);

// ---- hard-label losses ----

describe.each(Object.entries(hardLabelLosses))('%s at extremes', (_name, loss) => {
  test.each(lossSettings.flatMap((s) => floats.map((d) => [s.label, d, s] as const)))(
    '%s (%s): value and gradient on the fused CPU equal the reference',
    (label, d, setting) => {
      const z = tensorOf(setting.logits, [2, 3], d);
      const y = tensorOf([0, 2], [2], 'i32');
      const vg = x.valueAndGrad((t: x.Tensor, labels: x.Tensor) => loss(t, labels, setting.temperature));
      // the gradient of a loss at extreme logits multiplies terms by 1/T: an ulp of each term each
      const tol = d === 'f32' ? { rtol: 1e-6, atol: 1e-6 } : { rtol: 1e-14, atol: 1e-14 };
      expectFusedAsReference(
        `${label} ${d}`,
        (t, labels) => vg(t, labels),
        [z, y],
        () => tol,
      );
    },
  );
});

test.each(floats)('crossEntropy at temperature 1e-30 is 0 with a zero gradient on every CPU backend (%s)', (d) => {
  const y = tensorOf([0], [1], 'i32');
  const vg = x.valueAndGrad((t: x.Tensor, labels: x.Tensor) => L.crossEntropy(t, labels, { temperature: 1e-30 }));
  for (const backend of cpuBackends) {
    const [value, g] = x.jit(vg, { backend })(tensorOf([3, 1], [1, 2], d), y);
    expect(Math.abs(x.item(value)), backend).toBe(0);
    expect(
      toNumbers(g).map((v) => v + 0),
      backend,
    ).toEqual([0, 0]);
  }
});

// ---- the NaN and ±Inf table of docs/concepts.md ----

describe.each(nanTable.map((r) => [r.row, r] as const))('NaN/±Inf table: %s', (_row, r) => {
  const runs = cpuBackends.flatMap((b) => floats.map((d) => [b, d] as const));
  const tol = (d: Float): Tolerance => (d === 'f32' ? { rtol: 1e-6, atol: 0 } : { rtol: 1e-12, atol: 0 });
  const elementwise = r.input.length === 1;

  test.each(runs)('on %s (%s)', (backend, d) => {
    const shape = elementwise ? [(r.input[0] as readonly number[]).length] : [r.input.length, 9];
    const got = toNumbers(x.jit(r.f, { backend })(tensorOf(r.input.flat(), shape, d)));
    expectAgree(got, r.want, () => tol(d), r.row);
  });

  // once per row of a kernel over [n, 8]: WebAssembly's scalar code, outside the lanes
  test.runIf(elementwise).each(runs)('at an outer loop depth on %s (%s)', (backend, d) => {
    const column = r.input[0] as readonly number[];
    const f = (t: x.Tensor, zeros: x.Tensor) => x.add(r.f(t), zeros);
    const zeros = tensorOf(new Array<number>(column.length * 8).fill(0), [column.length, 8], d);
    const got = toNumbers(x.jit(f, { backend })(tensorOf(column, [column.length, 1], d), zeros));
    expectAgree(
      got,
      r.want.flatMap((w) => new Array<number>(8).fill(w)),
      () => tol(d),
      r.row,
    );
  });
});

test.each(cpuBackends.flatMap((b) => floats.map((d) => [b, d] as const)))(
  'NaN/±Inf table: softmax rows on %s (%s)',
  (backend, d) => {
    const { input, want } = softmaxRows;
    const softmax = x.jit((t: x.Tensor) => x.softmax(t, { axis: -1 }), { backend });
    const got = toNumbers(softmax(tensorOf(input.flat(), [input.length, 3], d)));
    expectAgree(got, want, () => ({ rtol: 1e-6, atol: 0 }), 'softmax');
  },
);

const L = x.losses;

// ---- index checks blame the public function ----

describe('traced indices out of range blame the function the user called', () => {
  const logits = () => tensorOf([1, 2, 3, 0, 1, 0], [2, 3], 'f32');
  const labels = (bad: number) => tensorOf([0, bad], [2], 'i32');
  /** [case, the function blamed, the function of logits and labels] */
  const blames = [
    ['crossEntropy', 'crossEntropy', (z: x.Tensor, y: x.Tensor) => L.crossEntropy(z, y)],
    [
      'crossEntropy with class weights',
      'crossEntropy',
      (z: x.Tensor, y: x.Tensor) => L.crossEntropy(z, y, { weights: x.tensor([1, 2, 3]) }),
    ],
    ['focalLoss', 'focalLoss', (z: x.Tensor, y: x.Tensor) => L.focalLoss(z, y)],
    ['maeLoss', 'maeLoss', (z: x.Tensor, y: x.Tensor) => L.maeLoss(z, y)],
    ['wassersteinOrdinalLoss', 'wassersteinOrdinalLoss', (z: x.Tensor, y: x.Tensor) => L.wassersteinOrdinalLoss(z, y)],
  ] as const;

  test.each(cpuBackends.flatMap((b) => blames.map(([name, fn, f]) => [name, b, fn, f] as const)))(
    'jit-ed %s with label 5 of 3 classes on %s: IndexError naming labels',
    (_name, backend, fn, f) => {
      for (const run of [x.jit(f, { backend }), x.jit(x.grad(f), { backend })]) {
        expect(() => run(logits(), labels(5))).toThrow(x.IndexError);
        expect(() => run(logits(), labels(5))).toThrow(
          `xent.${fn}: argument 'labels' expected values in [0, 3), got 5`,
        );
        expect(() => run(logits(), labels(-1))).toThrow(
          `xent.${fn}: argument 'labels' expected values in [0, 3), got -1`,
        );
      }
    },
  );

  test.each(cpuBackends)('an ignored label (ignoreIndex) is not an error on %s', (backend) => {
    const f = (z: x.Tensor, y: x.Tensor) => L.crossEntropy(z, y, { ignoreIndex: -100 });
    expect(Number.isFinite(x.item(x.jit(f, { backend })(logits(), labels(-100))))).toBe(true);
  });

  test.each(cpuBackends)('linearCrossEntropy blames its labels on %s', (backend) => {
    const h = tensorOf([1, 0, 0, 1], [2, 2], 'f32');
    const w = tensorOf([1, 0, 0, 1, 1, 1], [3, 2], 'f32');
    const f = (y: x.Tensor) => L.linearCrossEntropy(h, w, y);
    expect(() => x.jit(f, { backend })(labels(3))).toThrow(
      "xent.linearCrossEntropy: argument 'labels' expected values in [0, 3), got 3",
    );
  });

  test.each(cpuBackends)('take blames take, gather blames gather, oneHot blames oneHot on %s', (backend) => {
    const v = tensorOf([1, 2, 3], [3], 'f32');
    const idx = tensorOf([0, 3], [2], 'i32');
    expect(() => x.jit((i: x.Tensor) => x.take(v, i), { backend })(idx)).toThrow(
      "xent.take: argument 'indices' expected values in [0, 3), got 3",
    );
    expect(() => x.jit((i: x.Tensor) => x.gather(v, i), { backend })(idx)).toThrow(
      "xent.gather: argument 'indices' expected values in [0, 3), got 3",
    );
    expect(() => x.jit((i: x.Tensor) => x.oneHot(i, 3), { backend })(idx)).toThrow(
      "xent.oneHot: argument 'indices' expected values in [0, 3), got 3",
    );
  });
});
