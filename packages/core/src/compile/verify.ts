/** @file Pass: checks a graph's invariants (order, types, parameters); run after every transformation. */
import { either as E } from 'fp-ts';
import { lengthOf } from '../device.js';
import type { Graph } from '../ir/graph.js';
import { type IrError, irError } from '../ir/irError.js';
import type { Node, TensorType } from '../ir/node.js';
import { formatType } from '../ir/printer.js';
import { shapeEq } from '../ir/shape.js';
import { typeOf } from '../ir/typeRules.js';

const sameType = (a: TensorType, b: TensorType): boolean => a.dtype === b.dtype && shapeEq(a.shape, b.shape);

const bad = (expected: string, actual: string): E.Either<IrError, never> =>
  E.left(irError('InvalidGraph', 'verify', 'graph', expected, actual));

/** Right(graph) when every node is well-typed and defined before use, else the first violation. */
export function verify(graph: Graph): E.Either<IrError, Graph> {
  const defined = new Set<Node>(graph.params);
  for (const n of graph.nodes) {
    if (n.kind === 'param') return bad('parameters only in the parameter list', `param %${n.name} among the nodes`);
    for (const i of n.inputs) {
      if (!defined.has(i)) return bad(`inputs defined before node #${n.id}`, `an undefined input #${i.id} (${i.kind})`);
    }
    const type =
      n.kind === 'op'
        ? typeOf(
            n.prim,
            n.inputs.map((i) => i.type),
            n.params,
          )
        : n.kind === 'custom'
          ? n.rule.type(n.inputs.map((i) => i.type))
          : E.right(n.type);
    if (E.isLeft(type)) return type;
    if (!sameType(type.right, n.type)) {
      return bad(`node #${n.id} to have its rule's type ${formatType(type.right)}`, formatType(n.type));
    }
    if (n.kind === 'const' && lengthOf(n.value) !== n.type.shape.reduce((a, b) => a * b, 1)) {
      return bad(
        `constant #${n.id} to hold one value per element of ${formatType(n.type)}`,
        `${lengthOf(n.value)} values`,
      );
    }
    defined.add(n);
  }
  for (const o of graph.outputs) if (!defined.has(o)) return bad('outputs defined in the graph', `undefined #${o.id}`);
  return E.right(graph);
}
