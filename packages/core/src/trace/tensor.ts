/** @file The user-facing Tensor: a handle on an IR node, concrete (a constant) or traced (symbolic). */
import { getDefaultBackend } from '../backend.js';
import { fail, ShapeError, TraceError } from '../errors.js';
import type { DType, HostArrayOf } from '../ir/dtype.js';
import type { ConstNode, Node } from '../ir/node.js';
import { sizeOf, stridesOf } from '../ir/shape.js';
import { runGraph } from '../compile/run.js';
import { makeGraph } from '../ir/graph.js';
import type { NumericShape, ShapeT } from './shapeTypes.js';

/** Nested JS arrays of a tensor's values (`number`s, or `boolean`s for bool tensors). */
export type NestedArray = number | boolean | readonly NestedArray[];

/**
 * A tensor of shape `S` and dtype `D`. Outside transforms it is concrete and holds values;
 * inside `grad`/`jit`/... it is traced and stands for a value computed later.
 */
export class Tensor<out S extends ShapeT = ShapeT, out D extends DType = DType> {
  /** Type-level only: the shape `tsc` tracks (there is no such runtime field). */
  declare readonly phantomShape: S;

  constructor(readonly node: Node) {}

  get shape(): NumericShape<S> {
    return this.node.type.shape as unknown as NumericShape<S>;
  }

  get dtype(): D {
    return this.node.type.dtype as D;
  }

  get rank(): number {
    return this.node.type.shape.length;
  }

  get size(): number {
    return sizeOf(this.node.type.shape);
  }

  /** True inside a transform, where the value is not known yet. */
  get isTraced(): boolean {
    return this.node.symbolic;
  }

  /** A copy of the values, row-major. */
  data(): HostArrayOf[D] {
    return concreteNode(this, 'data').value.slice() as HostArrayOf[D];
  }

  /** The values as nested arrays (a plain number or boolean for a scalar). */
  toArray(): NestedArray {
    const { value } = concreteNode(this, 'toArray');
    const shape = this.node.type.shape;
    const strides = stridesOf(shape);
    const bool = this.node.type.dtype === 'bool';
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === shape.length) return bool ? value[offset] === 1 : (value[offset] as number);
      return Array.from({ length: shape[axis] as number }, (_, i) =>
        build(axis + 1, offset + i * (strides[axis] as number)),
      );
    };
    return build(0, 0);
  }

  toString(): string {
    const type = `${this.node.type.dtype}[${this.node.type.shape.join(', ')}]`;
    return this.node.symbolic ? `Tensor<${type}, traced>` : `Tensor<${type}> ${JSON.stringify(this.toArray())}`;
  }
}

/** The constant node behind a concrete tensor (evaluating it if needed), or a TraceError. */
export function concreteNode(t: Tensor, fn: string): ConstNode {
  const n = t.node;
  if (n.kind === 'const') return n;
  if (n.symbolic) {
    throw new TraceError(
      fn,
      `xent.${fn}: cannot read the values of a traced tensor (${n.type.dtype}[${n.type.shape.join(', ')}]) inside grad/jit/vjp; return it from the function instead`,
    );
  }
  return evaluateNodes([n])[0] as ConstNode;
}

/** Computes param-free nodes on the default backend, returning constants. */
export function evaluateNodes(nodes: readonly Node[]): ConstNode[] {
  return runGraph(makeGraph([], nodes), [], getDefaultBackend());
}

/** The value of a one-element tensor: a number (a boolean for bool tensors). */
export function item(t: Tensor<ShapeT, 'bool'>): boolean;
export function item(t: Tensor): number;
export function item(t: Tensor): number | boolean {
  const { value, type } = concreteNode(t, 'item');
  if (value.length !== 1)
    fail(ShapeError, 'item', 't', 'a tensor with one element', `shape [${type.shape.join(', ')}]`);
  return type.dtype === 'bool' ? value[0] === 1 : (value[0] as number);
}
