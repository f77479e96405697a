/**
 * @file x.export.onnx: the protobuf writer against hand-worked varints and onnx's own parser, every library loss
 * whose primitives ONNX expresses run on onnxruntime's CPU provider (forward, and with its VJP, in f64 and f32)
 * against xent, the primitives ONNX lacks named in errors, bad options rejected, and onnx.checker on every model.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeModel, varintBytes } from '@xent/core/internal';
import * as x from 'xent';
import { lossCases, spectralCases, type LossCase } from './support/lossCases.js';
import { eighCases, moreInformationCases, moreLossCases } from './support/moreLossCases.js';
import { optaxCases } from './support/optaxCases.js';
import { tier2Cases } from './support/tier2Cases.js';
import { expectAllClose, toNumbers } from './support/numeric.js';
import { offKinks } from './support/offKinks.js';
import {
  CheckerBatch,
  hasPythonOnnx,
  ortTensor,
  python,
  pythonRequired,
  runModel,
  session,
} from './support/onnxRuntime.js';

const pythonOnnx = hasPythonOnnx();
if (!pythonOnnx && pythonRequired) throw new Error('CI=true: /usr/bin/python3 must import onnx (scripts/setup-python.sh)');
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

const catalog: Record<string, LossCase> = {
  ...lossCases,
  ...spectralCases,
  ...tier2Cases,
  ...moreInformationCases,
  ...moreLossCases,
  ...eighCases,
  ...optaxCases,
};

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
  test.each(Object.entries(catalog))('%s: forward and VJP, f64 and f32, against xent', async (name, loss) => {
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
        const yt = x.tensor(Int32Array.from(y), { dtype: 'i32' });
        const [v, g] = vg(matrix(za, 'f64'), matrix(zb, 'f64'), yt);
        const want = { out: toNumbers(v), d0: toNumbers(g[0] as x.Tensor), d1: toNumbers(g[1] as x.Tensor) };
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
      hlGaussLoss: 'erfc',
      hlGaussTargets: 'erfc',
    });
  });
});

describe.runIf(pythonOnnx || pythonRequired)('onnx.checker', () => {
  // last in the file: every opset-17 model the tests above wrote, in one python process
  test('accepts every model written (full check: types and shapes inferred)', () => {
    expect(checker.size).toBeGreaterThan(200);
    expect(checker.check()).toEqual({});
  });
});
