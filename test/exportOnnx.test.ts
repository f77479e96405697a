/**
 * @file x.export.onnx: the protobuf writer against hand-worked varints and onnx's own parser, every library loss
 * whose primitives ONNX expresses run on onnxruntime's CPU provider (forward, and with its VJP, in f64 and f32)
 * against xent, the primitives ONNX lacks named in errors, bad options rejected, and onnx.checker on every model.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { encodeModel, varintBytes } from '@xent/core/internal';
import * as x from 'xent';
import { libraryCases } from './support/libraryCases.js';
import { expectAllClose, toNumbers } from './support/numeric.js';
import { offKinks } from './support/offKinks.js';
import { valuesArb } from './support/arbitraries.js';
import { build, exprArb, printExpr } from './support/randomGraphs.js';
import { specialCases, within, worst } from './support/specialGolden.js';
import {
  CheckerBatch,
  hasPythonOnnx,
  ortTensor,
  python,
  pythonRequired,
  runModel,
  releaseSessions,
  session,
} from './support/onnxRuntime.js';

afterEach(releaseSessions);

const pythonOnnx = hasPythonOnnx();
if (!pythonOnnx && pythonRequired)
  throw new Error('CI=true: /usr/bin/python3 must import onnx (scripts/setup-python.sh)');
const checker = new CheckerBatch();

describe('the protobuf writer', () => {
  test('varints as the protobuf spec works them (negatives as ten-byte two’s complement)', () => {
    expect(varintBytes(0)).toEqual([0]);
    expect(varintBytes(1)).toEqual([1]);
    expect(varintBytes(300)).toEqual([0xac, 0x02]);
    expect(varintBytes(2 ** 53 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(varintBytes(-1)).toEqual([...new Array<number>(9).fill(0xff), 0x01]);
    expect(varintBytes(-(2n ** 63n))).toEqual([...new Array<number>(9).fill(0x80), 0x01]);
    expect(() => varintBytes(0.5)).toThrow(RangeError);
    expect(() => varintBytes(2n ** 64n)).toThrow(RangeError);
  });

  test.runIf(pythonOnnx)('a ModelProto read back by onnx’s protobuf parser, field by field', () => {
    const model = encodeModel({
      opset: 17,
      graphName: 'g',
      docString: 'λ → ∞ 😀',
      nodes: [
        {
          opType: 'Custom',
          name: 'n',
          inputs: ['a', ''],
          outputs: ['b'],
          attributes: [
            { name: 'i', kind: 'int', value: -7 },
            { name: 'is', kind: 'ints', value: [-1, 3e9, 0] },
            { name: 'f', kind: 'float', value: 0.1 },
          ],
        },
      ],
      initializers: [
        { name: 'f32', dtype: 'f32', dims: [3], values: [-0, NaN, 1.5] },
        { name: 'f64', dtype: 'f64', dims: [2, 1], values: [Math.PI, -1e-300] },
        { name: 'i32', dtype: 'i32', dims: [2], values: [-5, 2147483647] },
        { name: 'i64', dtype: 'i64', dims: [2], values: [-(2n ** 63n), 2n ** 53n + 1n] },
        { name: 'bool', dtype: 'bool', dims: [], values: [1] },
      ],
      inputs: [{ name: 'a', dtype: 'f64', shape: [2, 3] }],
      outputs: [{ name: 'b', dtype: 'i32', shape: [] }],
    });
    const script = `
import json, sys, onnx
from onnx import numpy_helper, helper
m = onnx.load_from_string(sys.stdin.buffer.read())
g = m.graph
dims = lambda vi: [d.dim_value for d in vi.type.tensor_type.shape.dim]
print(json.dumps({
  'ir': m.ir_version, 'producer': m.producer_name, 'opset': [[o.domain, o.version] for o in m.opset_import],
  'graph': g.name, 'doc': g.doc_string,
  'node': [n.op_type, n.name, list(n.input), list(n.output),
           {a.name: repr(helper.get_attribute_value(a)) for a in n.attribute} ] if (n := g.node[0]) else None,
  'init': {t.name: [t.data_type, list(t.dims), [repr(v) for v in numpy_helper.to_array(t).ravel().tolist()]] for t in g.initializer},
  'inputs': [[v.name, v.type.tensor_type.elem_type, dims(v)] for v in g.input],
  'outputs': [[v.name, v.type.tensor_type.elem_type, dims(v)] for v in g.output],
}, ensure_ascii=False))`;
    const read = JSON.parse(execFileSync(python, ['-c', script], { input: model, encoding: 'utf8' })) as unknown;
    expect(read).toEqual({
      ir: 8,
      producer: 'xent',
      opset: [['', 17]],
      graph: 'g',
      doc: 'λ → ∞ 😀',
      node: ['Custom', 'n', ['a', ''], ['b'], { i: '-7', is: '[-1, 3000000000, 0]', f: repr32(0.1) }],
      init: {
        f32: [1, [3], ['-0.0', 'nan', '1.5']],
        f64: [11, [2, 1], ['3.141592653589793', '-1e-300']],
        i32: [6, [2], ['-5', '2147483647']],
        i64: [7, [2], ['-9223372036854775808', '9007199254740993']],
        bool: [9, [], ['True']],
      },
      inputs: [['a', 11, [2, 3]]],
      outputs: [['b', 6, []]],
    });
  });
});

/** Python's repr of the f32 nearest to v (read back as a double). */
function repr32(v: number): string {
  return execFileSync(python, ['-c', `import numpy; print(repr(float(numpy.float32(${v}))))`], {
    encoding: 'utf8',
  }).trim();
}

// ---- every library loss ----

/** The cases ONNX cannot express, and the primitive each export names. */
const inexpressible: Record<string, string> = {};

const [n, k] = [6, 5];
const draws = fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: n * k, maxLength: n * k });
const labels = fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n });
const matrix = (v: readonly number[], dtype: 'f32' | 'f64'): x.Tensor =>
  x.tensor(dtype === 'f32' ? Float32Array.from(v) : Float64Array.from(v), { shape: [n, k] });
const example = (dtype: 'f32' | 'f64'): [x.Tensor, x.Tensor, x.Tensor] => [
  x.zeros([n, k], { dtype }),
  x.zeros([n, k], { dtype }),
  x.zeros([n], { dtype: 'i32' }),
];

/** The primitive named by an export's "cannot express" error, or the error rethrown. */
function inexpressiblePrim(e: unknown): string {
  const prim = e instanceof x.ValueError ? /the primitive '(\w+)'/.exec(e.message)?.[1] : undefined;
  if (prim === undefined) throw e;
  return prim;
}

// f64: the engines differ only in their libm (exp, log, tanh: ≤ 1 ulp) and their summation order, through a few
// dozen operations: 1e-12 relative, with a floor at 1e-12 of the largest entry for entries that cancel.
const f64Tolerance = (want: readonly number[]): { rtol: number; atol: number } => ({
  rtol: 1e-12,
  atol: 1e-12 * Math.max(1, ...want.map(Math.abs)),
});
// f32 against the f64 reference: f32 rounding (6e-8) through a few dozen operations and sums of ≤ 30 terms in
// f32 (ORT accumulates in the element type): ~1e-5 relative on values, 2e-4 leaves a margin of 20; gradients also
// divide by norms, distances and sums, hence 1e-3 relative with a floor at 2e-4 of their scale (as the WebGPU suites).
const f32Value = { rtol: 2e-4, atol: 2e-5 };
const f32Gradient = (want: readonly number[]): { rtol: number; atol: number } => ({
  rtol: 1e-3,
  atol: 2e-4 * Math.max(1, ...want.map(Math.abs)),
});

describe('every library loss on onnxruntime’s CPU provider', () => {
  test.each(Object.entries(libraryCases))('%s: forward and VJP, f64 and f32, against xent', async (name, loss) => {
    let models: Record<'forward' | 'f64' | 'f32', Uint8Array>;
    try {
      models = {
        forward: x.export.onnx(loss, example('f64')),
        f64: x.export.onnx(loss, example('f64'), { withGradient: true }),
        f32: x.export.onnx(loss, example('f32'), { withGradient: true, opset: 18 }),
      };
    } catch (e) {
      inexpressible[name] = inexpressiblePrim(e);
      return;
    }
    checker.add(`${name} (forward)`, models.forward);
    checker.add(`${name} (f64, with gradient)`, models.f64);
    const sessions = {
      forward: await session(models.forward, 'cpu'),
      f64: await session(models.f64, 'cpu'),
      f32: await session(models.f32, 'cpu'),
    };
    const vg = x.valueAndGrad(loss, { argnums: [0, 1] });
    await fc.assert(
      fc.asyncProperty(draws, draws, labels, async (a, b, y) => {
        // f32-representable draws, so the f32 model and the f64 reference see the same numbers
        const [za, zb] = [offKinks(a, n * k).map(Math.fround), offKinks(b, n * k).map(Math.fround)];
        const yt = x.tensor(Int32Array.from(y), { shape: [n], dtype: 'i32' });
        const [v, g] = vg(matrix(za, 'f64'), matrix(zb, 'f64'), yt);
        const want = { out: toNumbers(v), d0: toNumbers(g[0]), d1: toNumbers(g[1]) };
        const feeds = (dtype: 'f32' | 'f64', withGradient: boolean) => ({
          args_0: ortTensor(matrix(za, dtype)),
          args_1: ortTensor(matrix(zb, dtype)),
          args_2: ortTensor(yt),
          ...(withGradient ? { d_out: ortTensor(x.tensor(1, { dtype })) } : {}),
        });
        const forward = await runModel(sessions.forward, feeds('f64', false));
        expectAllClose(forward['out'] as number[], want.out, f64Tolerance(want.out), 'f64 forward');
        const f64 = await runModel(sessions.f64, feeds('f64', true));
        expectAllClose(f64['out'] as number[], want.out, f64Tolerance(want.out), 'f64 value');
        expectAllClose(f64['d_args_0'] as number[], want.d0, f64Tolerance(want.d0), 'f64 d(args[0])');
        expectAllClose(f64['d_args_1'] as number[], want.d1, f64Tolerance(want.d1), 'f64 d(args[1])');
        const f32 = await runModel(sessions.f32, feeds('f32', true));
        expectAllClose(f32['out'] as number[], want.out, f32Value, 'f32 value');
        expectAllClose(f32['d_args_0'] as number[], want.d0, f32Gradient(want.d0), 'f32 d(args[0])');
        expectAllClose(f32['d_args_1'] as number[], want.d1, f32Gradient(want.d1), 'f32 d(args[1])');
      }),
      { numRuns: 2 },
    );
  });

  test('the losses ONNX cannot express, each by the primitive it lacks', () => {
    expect(inexpressible).toEqual({
      'entropy.rankMe': 'eigh',
      'entropy.vendiScore': 'eigh',
      'entropy.vendiScoreFromKernel': 'eigh',
      'entropy.vonNeumann': 'eigh',
      vneRegularizer: 'eigh',
    });
  });
});

/** Runs `f` exported on `args` (forward only, opset 17) on the CPU provider: each output's numbers by name. */
async function exported(
  f: (...a: never[]) => unknown,
  args: readonly x.Tensor[],
  name: string,
): Promise<Record<string, number[]>> {
  const model = x.export.onnx(f, args);
  checker.add(name, model);
  const s = await session(model, 'cpu');
  return runModel(s, Object.fromEntries(args.map((a, i) => [`args_${i}`, ortTensor(a)])));
}

const vector = (values: readonly number[], dtype: 'f32' | 'f64'): x.Tensor =>
  x.tensor(dtype === 'f32' ? Float32Array.from(values) : Float64Array.from(values));

/** Relative distance in units of the dtype's epsilon. */
const ulps = (got: number, want: number, dtype: 'f32' | 'f64'): number =>
  got === want ? 0 : Math.abs(got - want) / Math.abs(want) / (dtype === 'f32' ? 2 ** -23 : 2 ** -52);

describe('random programs', () => {
  // every elementwise primitive and the public composites (reductions, movement, matmul, gather) in random trees
  const inputs = fc.tuple(valuesArb([2, 3], 'unit'), valuesArb([2, 3], 'unit'));
  const weights = x.tensor(Float64Array.from([0.3, -1.2, 0.7, 1.1, -0.4, 0.9]), { shape: [2, 3] });
  const matrix23 = (v: readonly number[]): x.Tensor => x.tensor(Float64Array.from(v), { shape: [2, 3] });

  test('value and VJP on onnxruntime’s CPU provider equal xent’s in f64 (1e-12)', async () => {
    await fc.assert(
      fc.asyncProperty(exprArb, inputs, async (e, [a, b]) => {
        const f = (p: x.Tensor, q: x.Tensor): x.Tensor => x.sum(x.mul(build(e, p, q), weights));
        const [pa, pb] = [matrix23(a), matrix23(b)];
        const model = x.export.onnx(f, [pa, pb], { withGradient: true });
        const got = await runModel(await session(model, 'cpu'), {
          args_0: ortTensor(pa),
          args_1: ortTensor(pb),
          d_out: ortTensor(x.tensor(1, { dtype: 'f64' })),
        });
        const [v, g] = x.valueAndGrad(f, { argnums: [0, 1] })(pa, pb);
        const want = [toNumbers(v), toNumbers(g[0]), toNumbers(g[1])];
        for (const [i, name] of ['out', 'd_args_0', 'd_args_1'].entries())
          expectAllClose(
            got[name] as number[],
            want[i] as number[],
            f64Tolerance(want[i] as number[]),
            `${name} of ${printExpr(e)}`,
          );
      }),
      { numRuns: 40 },
    );
  });
});

describe('primitives ONNX lacks or gets wrong, against closed forms', () => {
  test.each(['f32', 'f64'] as const)(
    'log1p and expm1 (%s) in Kahan’s forms: within 4 ulp of libm, exact limits',
    async (dtype) => {
      const points = [1e-30, -1e-30, 1e-10, -3e-8, 1e-5, 0.3, -0.6, 2, 50, -1, Infinity, -Infinity, 0, -0];
      const got = await exported(
        (t: x.Tensor) => [x.log1p(t), x.expm1(t)],
        [vector(points, dtype)],
        `log1p/expm1 ${dtype}`,
      );
      const round = dtype === 'f32' ? Math.fround : (v: number): number => v;
      const input = points.map(round);
      for (const [i, v] of input.entries()) {
        for (const [out, f] of [
          ['out_0', Math.log1p],
          ['out_1', Math.expm1],
        ] as const) {
          const want = round(f(v));
          const have = (got[out] as number[])[i] as number;
          if (!Number.isFinite(want) || want === 0 || Number.isNaN(want))
            expect(Object.is(have, want) || have === want).toBe(true);
          else expect(ulps(have, want, dtype), `${out} at ${v}: ${have} vs ${want}`).toBeLessThanOrEqual(4);
        }
      }
    },
  );

  test.each(specialCases)(
    '$name against the golden file’s 50-digit references: f64 within xent’s bound, f32 within a few ulp, edges as xent defines them',
    async ({ name, op, data, f64 }) => {
      const got64 = (await exported(op, [vector(data.x, 'f64')], `${name} f64`))['out'] as number[];
      const w64 = worst(got64, data.ref, data.x, f64);
      expect(w64.ratio, `${name} f64 at x = ${w64.at}`).toBeLessThanOrEqual(1);
      // f32 computed in f32 throughout: erf and erfc within 8 ulp plus the rounding of x² that e^{−x²} magnifies by x²
      // (2 ulp per unit of x²); lgamma and polygamma within 32 ulp of max(|value|, 1), as the WebGPU kernels are held
      const got32 = (await exported(op, [vector(data.x32, 'f32')], `${name} f32`))['out'] as number[];
      for (const [i, v] of data.x32.entries()) {
        const bound = name.startsWith('erf')
          ? { rtol: (8 + 2 * v * v) * 2 ** -23, floor: 2 ** -126 }
          : { rtol: 32 * 2 ** -23, floor: 1 };
        expect(
          within(got32[i] as number, Math.fround(data.ref32[i] as number), bound),
          `${name} f32 at x = ${v}: ${got32[i]}`,
        ).toBe(true);
      }
      // the edges (±0, ±∞, NaN, poles) take the values xent's special functions define (PyTorch's differ at poles)
      const edges = (await exported(op, [vector(data.edges, 'f64')], `${name} edges`))['out'] as number[];
      const defined = toNumbers(op(vector(data.edges, 'f64')));
      for (const [i, want] of defined.entries())
        expect(within(edges[i] as number, want, f64), `${name}(${data.edges[i]}): ${edges[i]} vs ${want}`).toBe(true);
    },
  );

  test('logsumexp at a common offset of 1e4 in f32, rows of −∞ and +∞, and no ReduceLogSumExp in the model', async () => {
    const rows = [
      [1e4, 1e4 + 1, 1e4 - 2],
      [100, 0, -100],
      [-Infinity, -Infinity, -Infinity],
      [Infinity, 1, 2],
    ];
    const input = x.tensor(Float32Array.from(rows.flat()), { shape: [4, 3] });
    const f = (t: x.Tensor): x.Tensor => x.logsumexp(t, { axis: 1 });
    expect(new TextDecoder().decode(x.export.onnx(f, [input]))).not.toContain('ReduceLogSumExp');
    const got = (await exported(f, [input], 'logsumexp rows'))['out'] as number[];
    const closed = [1e4 + Math.log(1 + Math.E + Math.exp(-2)), 100 + Math.log(1 + Math.exp(-100)), -Infinity, Infinity];
    for (const [i, want] of closed.entries()) {
      if (!Number.isFinite(want)) expect(got[i]).toBe(want);
      else expect(Math.abs((got[i] as number) - want)).toBeLessThanOrEqual(Math.abs(want) * 2 ** -23);
    }
  });

  test('logcumsumexp along either axis, forward and reversed, against prefix sums in f64 (offset 700: exp overflows)', async () => {
    const values = Array.from({ length: 12 }, (_, i) => 700 + 5 * Math.sin(i * 1.7));
    const input = x.tensor(Float64Array.from(values), { shape: [3, 4], dtype: 'f64' });
    const got = await exported(
      (t: x.Tensor) => [x.logcumsumexp(t, { axis: 1 }), x.logcumsumexp(t, { axis: 0, reverse: true })],
      [input],
      'logcumsumexp',
    );
    const at = (r: number, c: number): number => values[r * 4 + c] as number;
    const lse = (xs: number[]): number => {
      const m = Math.max(...xs);
      return m + Math.log(xs.reduce((acc, v) => acc + Math.exp(v - m), 0));
    };
    const forward = [0, 1, 2].flatMap((r) =>
      [0, 1, 2, 3].map((c) => lse([0, 1, 2, 3].filter((j) => j <= c).map((j) => at(r, j)))),
    );
    const reversed = [0, 1, 2].flatMap((r) =>
      [0, 1, 2, 3].map((c) => lse([0, 1, 2].filter((i) => i >= r).map((i) => at(i, c)))),
    );
    expectAllClose(got['out_0'] as number[], forward, { rtol: 1e-14, atol: 0 }, 'along axis 1');
    expectAllClose(got['out_1'] as number[], reversed, { rtol: 1e-14, atol: 0 }, 'reversed along axis 0');
  });

  test('argsort is stable with ties, ±0 and NaN (largest), in both directions, against a JavaScript stable sort', async () => {
    const values = [3, NaN, -0, 1, 0, 3, -2, NaN, 1, 3];
    const ascending = (a: number, b: number): number =>
      Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a < b ? -1 : a > b ? 1 : 0;
    const order = (descending: boolean): number[] =>
      values
        .map((_, i) => i)
        .sort((i, j) => (descending ? -1 : 1) * ascending(values[i] as number, values[j] as number) || i - j);
    for (const dtype of ['f32', 'f64'] as const) {
      const got = await exported(
        (t: x.Tensor) => [x.argsort(t), x.argsort(t, { descending: true })],
        [vector(values, dtype)],
        `argsort ${dtype}`,
      );
      expect(got['out_0']).toEqual(order(false));
      expect(got['out_1']).toEqual(order(true));
    }
  });

  test('float → i32 casts truncate, saturate and send NaN to 0; maximum and max propagate NaN', async () => {
    const values = [NaN, 3e9, -3e9, -2.7, 2.7, 2147483647, -2147483648.5];
    for (const dtype of ['f32', 'f64'] as const) {
      const t = vector(values, dtype);
      const got = await exported((a: x.Tensor) => [x.cast(a, 'i32'), x.maximum(a, 0), x.max(a)], [t], `cast ${dtype}`);
      expect(got['out_0']).toEqual(toNumbers(x.cast(t, 'i32')));
      expect(got['out_0']?.slice(0, 5)).toEqual([0, 2147483647, -2147483648, -2, 2]);
      expect(got['out_1']?.[0]).toBeNaN();
      expect(got['out_2']?.[0]).toBeNaN();
    }
  });

  test('an index out of range makes the engine fail, never wrap around', async () => {
    const f = (t: x.Tensor, i: x.Tensor): x.Tensor => x.take(t, i);
    const t = vector([1, 2, 3], 'f64');
    const s = await session(x.export.onnx(f, [t, x.tensor([0], { dtype: 'i32' })]), 'cpu');
    const run = (i: number) =>
      runModel(s, { args_0: ortTensor(t), args_1: ortTensor(x.tensor([i], { dtype: 'i32' })) });
    expect((await run(2))['out']).toEqual([3]);
    await expect(run(-1)).rejects.toThrow(/out of range/i);
    await expect(run(3)).rejects.toThrow(/out of range/i);
  });

  test('labels out of range make the engine fail even where only a comparison reads them (one-hot rows)', async () => {
    const f = (z: x.Tensor, y: x.Tensor): x.Tensor => x.losses.wassersteinOrdinalLoss(z, y);
    const z = x.zeros([2, 5], { dtype: 'f64' });
    const s = await session(x.export.onnx(f, [z, x.tensor([0, 1], { dtype: 'i32' })]), 'cpu');
    const run = (labels: number[]) =>
      runModel(s, { args_0: ortTensor(z), args_1: ortTensor(x.tensor(labels, { dtype: 'i32' })) });
    expect((await run([4, 0]))['out']).toEqual(toNumbers(f(z, x.tensor([4, 0], { dtype: 'i32' }))));
    await expect(run([5, 0])).rejects.toThrow(/out of range/i);
    await expect(run([0, -1])).rejects.toThrow(/out of range/i);
  });

  test('linearCrossEntropy with a bias, a softcap and gradient filtering: stats and VJP by MatMul, f64 against xent', async () => {
    const [rows, dim, vocab] = [5, 3, 7];
    const h = x.tensor(
      Float64Array.from({ length: rows * dim }, (_, i) => Math.sin(i + 1) * 2),
      { shape: [rows, dim] },
    );
    const w = x.tensor(
      Float64Array.from({ length: vocab * dim }, (_, i) => Math.cos(i * 0.7) * 3),
      { shape: [vocab, dim] },
    );
    const bias = x.tensor(Float64Array.from({ length: vocab }, (_, i) => i / 10));
    const y = x.tensor([0, 6, 3, 3, 1], { dtype: 'i32' });
    const loss = (hh: x.Tensor, ww: x.Tensor, bb: x.Tensor, yy: x.Tensor): x.Tensor =>
      x.losses.linearCrossEntropy(hh, ww, yy, { bias: bb, softcap: 4, gradFilter: true, labelSmoothing: 0.1 });
    const model = x.export.onnx(loss, [h, w, bias, y], { withGradient: true });
    checker.add('linearCrossEntropy (softcap, filter)', model);
    const got = await runModel(await session(model, 'cpu'), {
      args_0: ortTensor(h),
      args_1: ortTensor(w),
      args_2: ortTensor(bias),
      args_3: ortTensor(y),
      d_out: ortTensor(x.tensor(1, { dtype: 'f64' })),
    });
    const [v, g] = x.valueAndGrad(loss, { argnums: [0, 1, 2] })(h, w, bias, y);
    expectAllClose(got['out'] as number[], toNumbers(v), { rtol: 1e-12, atol: 0 }, 'value');
    for (const [i, name] of ['d_args_0', 'd_args_1', 'd_args_2'].entries()) {
      const want = toNumbers(g[i] as x.Tensor);
      expectAllClose(got[name] as number[], want, f64Tolerance(want), name);
    }
  });
});

describe('export.onnx’s arguments', () => {
  test('inputs and outputs are named by their pytree paths; gradients and cotangents after them', async () => {
    const f = (batch: { logits: x.Tensor; labels: x.Tensor }) => ({
      loss: x.losses.crossEntropy(batch.logits, batch.labels),
      top: x.max(batch.logits, { axis: 1 }),
    });
    const batch = { logits: x.zeros([2, 3], { dtype: 'f64' }), labels: x.tensor([0, 2], { dtype: 'i32' }) };
    const s = await session(x.export.onnx(f, [batch], { withGradient: true }), 'cpu');
    expect(s.inputNames).toEqual(['args_0_logits', 'args_0_labels', 'd_out_loss', 'd_out_top']);
    expect(s.outputNames).toEqual(['out_loss', 'out_top', 'd_args_0_logits']);
  });

  test.runIf(pythonOnnx)('opset 17 by default, 18 on request', () => {
    const f = (t: x.Tensor): x.Tensor => x.sum(t);
    const opsetOf = (model: Uint8Array): string =>
      execFileSync(
        python,
        ['-c', 'import sys, onnx; print(onnx.load_from_string(sys.stdin.buffer.read()).opset_import[0].version)'],
        {
          input: model,
          encoding: 'utf8',
        },
      ).trim();
    expect(opsetOf(x.export.onnx(f, [x.ones([2])]))).toBe('17');
    expect(opsetOf(x.export.onnx(f, [x.ones([2])], { opset: 18 }))).toBe('18');
  });

  test('bad options are XentErrors naming the argument: unknown keys, wrong types, null, opsets other than 17 and 18', () => {
    const f = (t: x.Tensor): x.Tensor => x.sum(t);
    const call = (options: unknown) => () => x.export.onnx(f, [x.ones([2])], options as x.export.OnnxExportOptions);
    expect(call({ opset: 16 })).toThrow("xent.onnx: argument 'opset' expected one of 17, 18, got number 16");
    expect(call({ opset: '17' })).toThrow(/xent\.onnx: argument 'opset' expected one of 17, 18/);
    expect(call({ withGradients: true })).toThrow(/xent\.onnx: argument 'options' .*did you mean 'withGradient'/);
    expect(call({ withGradient: 1 })).toThrow(/xent\.onnx: argument 'withGradient' expected a boolean/);
    expect(call(null)).toThrow(/xent\.onnx: argument 'options' .* got null/);
    expect(() => x.export.onnx(f, x.ones([2]) as never)).toThrow(/xent\.onnx: argument 'exampleArgs'/);
    expect(() => x.export.onnx('f' as never, [])).toThrow(/xent\.onnx: argument 'f' expected a function/);
  });

  test('a primitive ONNX cannot express is a ValueError naming it', () => {
    const f = (t: x.Tensor): x.Tensor => x.sum(x.eigvalsh(t));
    expect(() => x.export.onnx(f, [x.eye(3, { dtype: 'f64' })])).toThrow(
      /xent\.onnx: argument 'f' .*the primitive 'eigh'/,
    );
  });
});

describe.runIf(pythonOnnx || pythonRequired)('onnx.checker', () => {
  // last in the file: every opset-17 model the tests above wrote, in one python process
  test('accepts every model written (full check: types and shapes inferred)', () => {
    expect(checker.size).toBeGreaterThan(200);
    expect(checker.check()).toEqual({});
  });
});
