/**
 * @file Models for the engine-law tests, written by Debian's Python (`/usr/bin/python3`, onnx 1.12, PyTorch 1.13)
 * into a temporary directory: a cross-entropy ONNX graph (opset 17) that uses ReduceLogSumExp, optionally
 * with its VJP, and PyTorch modules from source.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory for one test file's models. */
export const modelDir = (): string => mkdtempSync(join(tmpdir(), 'xent-engines-'));

/** What the ONNX cross-entropy computes besides its loss. */
export type OnnxVjp = 'none' | 'right' | 'unscaled';

/**
 * Writes `ce.onnx`-style models: per-example cross-entropy ReduceLogSumExp(z) − z_y of logits [B, K] (f32 or f64)
 * and int64 labels [B]; with a VJP, an input `d(out)` [B] and an output `d(logits)` = (softmax(z) − onehot(y))·d(out)
 * ('right') or without the d(out) factor ('unscaled', a wrong VJP); dims symbolic, or fixed to `shape` with the VJP
 * named as x.export.onnx names it (`d_out`, `d_logits`). Checked by onnx.checker.
 */
export function writeOnnxCrossEntropy(
  dir: string,
  name: string,
  dtype: 'f32' | 'f64',
  vjp: OnnxVjp = 'none',
  shape?: readonly [number, number],
): string {
  const path = join(dir, name);
  const script = `
import json, sys, onnx
from onnx import helper, TensorProto as T
path, dtype, vjp, shape = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
B, K = shape or ['B', 'K']
# A model at fixed sizes is shaped like an x.export.onnx one, whose names are sanitized: d_out, d_logits.
D_OUT, D_LOGITS = ('d_out', 'd_logits') if shape else ('d(out)', 'd(logits)')
F = T.FLOAT if dtype == 'f32' else T.DOUBLE
nodes = [
    helper.make_node('ReduceLogSumExp', ['logits'], ['lse'], axes=[1], keepdims=0),
    helper.make_node('Unsqueeze', ['labels', 'one'], ['index']),
    helper.make_node('GatherElements', ['logits', 'index'], ['picked1'], axis=1),
    helper.make_node('Squeeze', ['picked1', 'one'], ['picked']),
    helper.make_node('Sub', ['lse', 'picked'], ['out']),
]
inputs = [helper.make_tensor_value_info('logits', F, [B, K]), helper.make_tensor_value_info('labels', T.INT64, [B])]
outputs = [helper.make_tensor_value_info('out', F, [B])]
inits = [helper.make_tensor('one', T.INT64, [1], [1]), helper.make_tensor('one_scalar', T.INT64, [], [1]), helper.make_tensor('zero_scalar', T.INT64, [], [0])]
if vjp != 'none':
    nodes += [
        helper.make_node('Softmax', ['logits'], ['p'], axis=1),
        helper.make_node('Shape', ['logits'], ['shape']),
        helper.make_node('Gather', ['shape', 'one_scalar'], ['k']),
        helper.make_node('Range', ['zero_scalar', 'k', 'one_scalar'], ['classes']),
        helper.make_node('Equal', ['classes', 'index'], ['is_label']),
        helper.make_node('Cast', ['is_label'], ['hot'], to=F),
        helper.make_node('Sub', ['p', 'hot'], ['diff']),
        helper.make_node('Unsqueeze', [D_OUT, 'one'], ['cot']),
        helper.make_node('Mul', ['diff', 'cot'], [D_LOGITS]) if vjp == 'right' else helper.make_node('Identity', ['diff'], [D_LOGITS]),
    ]
    inputs.append(helper.make_tensor_value_info(D_OUT, F, [B]))
    outputs.append(helper.make_tensor_value_info(D_LOGITS, F, [B, K]))
model = helper.make_model(helper.make_graph(nodes, 'cross_entropy', inputs, outputs, inits), opset_imports=[helper.make_opsetid('', 17)])
onnx.checker.check_model(model)
onnx.save(model, path)
`;
  execFileSync('/usr/bin/python3', ['-c', script, path, dtype, vjp, JSON.stringify(shape ?? null)], {
    timeout: 60_000,
  });
  return path;
}

/** Writes a Python module from source. */
export function writePythonModule(dir: string, name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}
