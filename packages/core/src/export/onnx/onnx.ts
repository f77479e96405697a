/** @file x.export.onnx: a function traced on example arguments, written as a serialized ONNX model (with its VJP on request). */
import { fail, InternalError, ValueError } from '../../errors.js';
import { hostArrayOf } from '../../device.js';
import type { DType } from '../../ir/dtype.js';
import type { Node } from '../../ir/node.js';
import type { Prim } from '../../ir/prim.js';
import { publicFn } from '../../validate/publicFn.js';
import * as s from '../../validate/schemas.js';
import { type ExportPort, traceForExport } from '../exportTrace.js';
import { OnnxGraphBuilder } from './builder.js';
import { encodeModel, type OnnxValueInfo } from './model.js';
import { type Emit, onnxOps } from './ops.js';

/** Options of `export.onnx`. */
export interface OnnxExportOptions {
  /** The ONNX opset the model imports: 17 (the default) or 18. */
  readonly opset?: 17 | 18;
  /**
   * Also write the VJP: one cotangent input `d_out…` per floating output (after the arguments) and one gradient
   * output `d_args…` per floating argument leaf (after the results).
   */
  readonly withGradient?: boolean;
}

/** A pytree path as an ONNX value name: `args[0].logits` → `args_0_logits`, `d(out)` → `d_out`. */
export function sanitizeName(path: string): string {
  const name = path.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z_]/.test(name) ? name : `v_${name}`;
}

/** Unique names for the ports, in order (a clash gets the port's index appended). */
function portNames(ports: readonly ExportPort[], taken: Set<string>): string[] {
  return ports.map((p, k) => {
    let name = sanitizeName(p.path);
    if (taken.has(name)) name = `${name}_${k}`;
    taken.add(name);
    return name;
  });
}

const valueInfo = (name: string, p: ExportPort): OnnxValueInfo => ({
  name,
  dtype: p.type.dtype satisfies DType,
  shape: p.type.shape,
});

/**
 * Writes `f`, traced on `exampleArgs` (pytrees of tensors; other leaves are baked in), as an ONNX model: its
 * inputs are the arguments' tensor leaves and its outputs the result's, each named by its pytree path
 * (`args_0_logits`, `out`). Shapes and dtypes are the examples'. ONNX lacks or computes loosely some of xent's
 * primitives: log1p and expm1 are written in Kahan's compensated forms, logsumexp as max-shift/exp/sum/log
 * (never `ReduceLogSumExp`), logcumsumexp as a masked logsumexp and argsort as a stable rank count (O(n²)
 * memory), erfc (and erf in f64), erfinv, lgamma and polygamma by xent's own algorithms (loops unrolled), the
 * fused linear-logit statistics with their [N, V] logits formed by MatMul. A function using a primitive this
 * export cannot express (eigh) is an error naming it. Index checks cannot raise in ONNX:
 * checked indices pass through a Gather that makes the engine fail on one out of range.
 *
 * @returns the serialized ModelProto (IR version 8, the default domain at `opset`).
 * @example
 * const model = x.export.onnx((z: x.Tensor) => x.logsumexp(z), [x.zeros([4], { dtype: 'f64' })]);
 */
export const onnx = publicFn(
  'onnx',
  {
    f: s.fn,
    exampleArgs: s.array(s.anything),
    options: s.options({ opset: s.optional(s.oneOfNumbers([17, 18])), withGradient: s.optional(s.boolean) }),
  },
  function onnx(
    f: (...args: never[]) => unknown,
    exampleArgs: readonly unknown[],
    options: OnnxExportOptions = {},
  ): Uint8Array {
    const fn = 'onnx';
    const opset = options.opset ?? 17;
    const trace = traceForExport(fn, f, exampleArgs, { withGradient: options.withGradient ?? false, keepScans: false });
    const b = new OnnxGraphBuilder(opset);
    const taken = new Set<string>();
    const inputNames = portNames(trace.inputs, taken);
    const outputNames = portNames(trace.outputs, taken);
    const names = new Map<Node, string>(trace.graph.params.map((p, k) => [p, inputNames[k] as string]));
    const nameOf = (n: Node): string => {
      const name = names.get(n);
      if (name === undefined) throw new InternalError(`export.onnx: node ${n.id} used before it was written`);
      return name;
    };
    for (const n of trace.graph.nodes) {
      if (n.kind === 'const') names.set(n, b.constant(n.type.dtype, n.type.shape, hostArrayOf(n.value, fn, 'f')));
      else if (n.kind === 'op') {
        const emit = onnxOps[n.prim] as Emit<Prim>;
        names.set(n, emit({ b, node: n, inputs: n.inputs.map(nameOf), fn }));
      } else if (n.kind === 'custom') throw new InternalError('export.onnx: a custom-VJP call survived expansion');
    }
    trace.graph.outputs.forEach((o, k) => b.op('Identity', [nameOf(o)], {}, outputNames[k]));
    if (trace.outputs.length === 0) fail(ValueError, fn, 'f', 'a function returning tensors', 'no tensor output');
    return encodeModel({
      opset,
      graphName: f.name === '' ? 'xent' : sanitizeName(f.name),
      docString: `exported by xent from ${f.name === '' ? 'an anonymous function' : f.name}`,
      nodes: b.nodes,
      initializers: b.initializers,
      inputs: trace.inputs.map((p, k) => valueInfo(inputNames[k] as string, p)),
      outputs: trace.outputs.map((p, k) => valueInfo(outputNames[k] as string, p)),
    });
  },
);
