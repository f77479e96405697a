/** @file Tracing for export: inputs and outputs named by pytree path, the VJP in the same graph. */
import { describe, expect, test } from 'vitest';
import * as x from 'xent';
import { traceForExport } from '../src/export/exportTrace.js';
import { substitute } from '../src/ir/graph.js';
import { makeConstNode, type Node } from '../src/ir/node.js';
import { evaluateNodes } from '../src/trace/tensor.js';

const f64 = (values: readonly number[]): x.Tensor => x.tensor(values, { dtype: 'f64' });

/** Runs an exported graph on host arrays with the reference evaluation. */
function run(g: ReturnType<typeof traceForExport>['graph'], values: readonly Float64Array[]): number[][] {
  const bound = new Map<Node, Node>(g.params.map((p, i) => [p, makeConstNode(values[i] as Float64Array, p.type)]));
  return evaluateNodes(substitute(g.outputs, bound)).map((c) => Array.from(c.value as ArrayLike<number>));
}

describe('traceForExport', () => {
  const loss = (p: { z: x.Tensor; w: x.Tensor }, scale: number): x.Tensor =>
    x.mul(x.sum(x.mul(x.softplus(p.z), p.w)), scale);
  const args = [{ z: f64([0.5, -1, 2]), w: f64([1, 2, 3]) }, 3] as const;

  test('names inputs and outputs by their pytree paths and bakes static leaves in', () => {
    const t = traceForExport('export.test', loss, args, { withGradient: false, keepScans: false });
    expect(t.inputs.map((p) => p.path)).toEqual(['args[0].z', 'args[0].w']);
    expect(t.outputs.map((p) => [p.path, p.type.shape, p.type.dtype])).toEqual([['out', [], 'f64']]);
    const [[v]] = run(t.graph, [Float64Array.of(0.5, -1, 2), Float64Array.of(1, 2, 3)]) as [[number]];
    const softplus = (a: number): number => Math.log1p(Math.exp(a));
    expect(v).toBeCloseTo(3 * (softplus(0.5) + 2 * softplus(-1) + 3 * softplus(2)), 12);
  });

  test('withGradient adds a cotangent input per floating output and the VJP per floating input', () => {
    const t = traceForExport('export.test', loss, args, { withGradient: true, keepScans: false });
    expect(t.inputs.map((p) => p.path)).toEqual(['args[0].z', 'args[0].w', 'd(out)']);
    expect(t.outputs.map((p) => p.path)).toEqual(['out', 'd(args[0].z)', 'd(args[0].w)']);
    const z = [0.3, -2, 1.5];
    const w = [2, -1, 0.5];
    const [, dz, dw] = run(t.graph, [Float64Array.from(z), Float64Array.from(w), Float64Array.of(0.5)]);
    const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));
    z.forEach((a, i) => {
      expect(dz?.[i]).toBeCloseTo(0.5 * 3 * (w[i] as number) * sigmoid(a), 12);
      expect(dw?.[i]).toBeCloseTo(0.5 * 3 * Math.log1p(Math.exp(a)), 12);
    });
  });

  test('an integer input gets no gradient and an integer-only function none at all', () => {
    const ce = (logits: x.Tensor, labels: x.Tensor): x.Tensor => x.losses.crossEntropy(logits, labels);
    const logits = x.tensor([[1, 2, 3]], { dtype: 'f64' });
    const labels = x.tensor([2], { dtype: 'i32' });
    const t = traceForExport('export.test', ce, [logits, labels], { withGradient: true, keepScans: false });
    expect(t.gradient).toEqual({ cotangentOf: [0], gradientOf: [0] });
    const count = (y: x.Tensor): x.Tensor => x.sum(y);
    expect(() => traceForExport('export.test', count, [labels], { withGradient: true, keepScans: false })).toThrow(
      /export\.test.*withGradient.*floating-point input/s,
    );
  });
});
