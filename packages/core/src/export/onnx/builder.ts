/** @file Collects an ONNX graph's nodes and initializers while the op table writes them, naming each value once. */
import type { DType } from '../../ir/dtype.js';
import type { OnnxAttribute, OnnxDType, OnnxNode, OnnxTensor } from './model.js';

/** Attributes as written by the op table: integers, integer lists, or floats (`{ float: v }`). */
export type Attributes = Readonly<Record<string, number | readonly number[] | { readonly float: number }>>;

function attribute(name: string, v: Attributes[string]): OnnxAttribute {
  if (typeof v === 'number') return { name, kind: 'int', value: v };
  if ('float' in v) return { name, kind: 'float', value: v.float };
  return { name, kind: 'ints', value: v };
}

/** Builds one graph: `op` appends a node and returns its output's name; constants become initializers. */
export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly constants = new Map<string, string>();
  private readonly memo = new Map<string, string>();
  private count = 0;

  constructor(readonly opset: number) {}

  /** A name no other value of the graph has. */
  fresh(stem: string): string {
    return `${stem}_${this.count++}`;
  }

  /** Appends `opType(inputs)` and returns its first output ('' inputs are ONNX's omitted optionals). */
  op(opType: string, inputs: readonly string[], attributes: Attributes = {}, output?: string): string {
    const out = output ?? this.fresh(opType);
    this.nodes.push({
      opType,
      name: `${opType}_${this.nodes.length}`,
      inputs,
      outputs: [out],
      attributes: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** A constant tensor as an initializer (equal small constants share one). */
  constant(dtype: OnnxDType, dims: readonly number[], values: ArrayLike<number | bigint>): string {
    const key =
      values.length <= 64
        ? `${dtype}|${dims.join(',')}|${Array.from(values, (v) => (Object.is(v, -0) ? '-0' : String(v))).join(',')}`
        : undefined;
    const known = key === undefined ? undefined : this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.fresh('const');
    this.initializers.push({ name, dtype, dims, values });
    if (key !== undefined) this.constants.set(key, name);
    return name;
  }

  /** The value `make` writes, written once per `key` (a subgraph several nodes share). */
  shared(key: string, make: () => string): string {
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const made = make();
    this.memo.set(key, made);
    return made;
  }

  /** A scalar constant of an IR dtype. */
  scalar(dtype: DType, value: number): string {
    return this.constant(dtype, [], [value]);
  }

  /** A 1-D i64 constant (shapes, axes, pads). */
  ints(values: readonly (number | bigint)[]): string {
    return this.constant('i64', [values.length], values);
  }
}
