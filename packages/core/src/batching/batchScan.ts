/**
 * @file The batching rule of scans: the scan of the batched body. Every input gets the batch in front
 * (scanned inputs then swap it behind the scanned axis, and the stacked results swap it back), so the
 * batched scan is still one loop.
 */
import * as B from '../ir/build.js';
import { makeGraph } from '../ir/graph.js';
import { type CustomNode, makeParamNode, type Node } from '../ir/node.js';
import type { ScanLoop } from '../ir/scanLoop.js';
import { scanNodes } from '../transforms/scanRule.js';
import { type BatchedValue, withBatchAxis } from './batchRules.js';

type BatchNodes = (roots: readonly Node[], seeds: ReadonlyMap<Node, BatchedValue>, size: number) => BatchedValue[];

const batchedLoops = new WeakMap<ScanLoop, Map<number, ScanLoop>>();

/** `loop` over a batch of `size` (made once per size, so the outputs of one scan stay one loop). */
function batchedLoop(loop: ScanLoop, size: number, batchNodes: BatchNodes): ScanLoop {
  const forSize = batchedLoops.get(loop) ?? new Map<number, ScanLoop>();
  batchedLoops.set(loop, forSize);
  const known = forSize.get(size);
  if (known !== undefined) return known;
  const params = loop.body.params.map((p) =>
    makeParamNode({ shape: [size, ...p.type.shape], dtype: p.type.dtype }, p.name),
  );
  const seeds = new Map<Node, BatchedValue>(
    loop.body.params.map((p, i) => [p, { node: params[i] as Node, batched: true }]),
  );
  const outputs = batchNodes(loop.body.outputs, seeds, size).map((v) => withBatchAxis(v, size));
  const made: ScanLoop = { ...loop, body: makeGraph(params, outputs) };
  forSize.set(size, made);
  return made;
}

/** Swaps the two leading axes. */
const swapLeading = (x: Node): Node =>
  B.transpose(
    x,
    x.type.shape.map((_, i) => (i < 2 ? 1 - i : i)),
  );

/** Output `n.rule.scan.output` of the scan `n` over the batch, with the batch in front. */
export function batchScan(n: CustomNode, inputs: readonly BatchedValue[], size: number, batchNodes: BatchNodes): Node {
  const { loop, output } = n.rule.scan as NonNullable<CustomNode['rule']['scan']>;
  const scanned = loop.consts + loop.carries;
  const batched = inputs.map((v, i) => (i < scanned ? withBatchAxis(v, size) : swapLeading(withBatchAxis(v, size))));
  const out = scanNodes(batchedLoop(loop, size, batchNodes), batched)[output] as Node;
  return output < loop.carries ? out : swapLeading(out);
}
