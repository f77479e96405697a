/**
 * @file Batching a traced graph: every node rebuilt over a batch by its primitive's batching rule
 * (batchRules.ts), custom-VJP calls by batching their forward and VJP graphs into a rule of their own,
 * scans as the scan of their batched body (batchScan.ts).
 */
import * as B from '../ir/build.js';
import { toposort } from '../ir/graph.js';
import {
  type AnyOpNode,
  type CustomNode,
  type CustomRule,
  makeParamNode,
  type Node,
  type ParamNode,
} from '../ir/node.js';
import { newCustomRuleId } from '../transforms/customRuleId.js';
import { batchOp, type BatchedValue, withBatchAxis } from './batchRules.js';
import { batchScan } from './batchScan.js';

/** Rebuilds `roots` over the batch: `seeds` are the batched values of the traced parameters; everything else follows its inputs. */
export function batchNodes(
  roots: readonly Node[],
  seeds: ReadonlyMap<Node, BatchedValue>,
  size: number,
): BatchedValue[] {
  const memo = new Map<Node, BatchedValue>(seeds);
  for (const n of toposort(roots)) {
    if (memo.has(n)) continue;
    const inputs = n.inputs.map((i) => memo.get(i) as BatchedValue);
    if (!inputs.some((v) => v.batched))
      memo.set(n, {
        node: B.withInputs(
          n,
          inputs.map((v) => v.node),
        ),
        batched: false,
      });
    else if (n.kind === 'custom' && n.rule.scan !== undefined)
      memo.set(n, { node: batchScan(n, inputs, size, batchNodes), batched: true });
    else if (n.kind === 'custom') memo.set(n, { node: batchCustom(n, inputs, size), batched: true });
    else memo.set(n, { node: batchOp(n as AnyOpNode, inputs, size, batchNodes), batched: true });
  }
  return roots.map((r) => memo.get(r) as BatchedValue);
}

/**
 * The batched rule of each custom rule, per batch size: a rule of its own (its own id), since calls
 * are interned by rule id and inputs and the batched call computes something else on the same inputs.
 */
const batchedRules = new WeakMap<CustomRule, Map<number, CustomRule>>();

/** A custom-VJP call over the batch: its forward and its VJP, each batched (every input with the batch in front). */
function batchCustom(n: CustomNode, inputs: readonly BatchedValue[], size: number): Node {
  const batchedInputs = inputs.map((v) => withBatchAxis(v, size));
  const perExample = (nodes: readonly Node[]): ParamNode[] =>
    nodes.map((b, i) => makeParamNode({ shape: b.type.shape.slice(1), dtype: b.type.dtype }, `x${i}`));
  const batchedOver = (params: readonly ParamNode[], batched: readonly Node[], roots: readonly Node[]): Node[] =>
    batchNodes(roots, new Map(params.map((p, i) => [p, { node: batched[i] as Node, batched: true }])), size).map((v) =>
      withBatchAxis(v, size),
    );
  const rule = n.rule;
  const forSize = batchedRules.get(rule) ?? new Map<number, CustomRule>();
  batchedRules.set(rule, forSize);
  let batchedRule = forSize.get(size);
  if (batchedRule === undefined) {
    batchedRule = {
      id: newCustomRuleId(),
      name: `vmap(${rule.name})`,
      type: (types) => {
        const one = rule.type(types.map((t) => ({ shape: t.shape.slice(1), dtype: t.dtype })));
        return one._tag === 'Left'
          ? one
          : { _tag: 'Right', right: { ...one.right, shape: [size, ...one.right.shape] } };
      },
      expand: (batched) => {
        const params = perExample(batched);
        return batchedOver(params, batched, [rule.expand(params)])[0] as Node;
      },
      vjp: (batched, cotangent) => {
        const params = perExample(batched);
        const ct = makeParamNode({ shape: cotangent.type.shape.slice(1), dtype: cotangent.type.dtype }, 'ct');
        const cts = rule.vjp(params, ct);
        const present = cts.flatMap((c) => (c === null ? [] : [c]));
        const out = batchedOver([...params, ct], [...batched, cotangent], present);
        let k = 0;
        return cts.map((c) => (c === null ? null : (out[k++] as Node)));
      },
    };
    forSize.set(size, batchedRule);
  }
  return B.customCall(batchedRule, batchedInputs);
}
