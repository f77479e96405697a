/** @file The user-facing Tensor: a handle on an IR node, concrete (a constant) or traced (symbolic). */
import { defaultBackendIfSet, getDefaultBackend } from '../backend.js';
import { TraceError } from '../errors.js';
import { isDeviceArray } from '../device.js';
import { checkNotDisposed, claimHost, isDisposedHost, releaseHost } from '../hostMemory.js';
import type { DType, HostArray, HostArrayOf } from '../ir/dtype.js';
import type { ConstNode, Node } from '../ir/node.js';
import { sizeOf, stridesOf } from '../ir/shape.js';
import { prepare, toConstNodes } from '../compile/run.js';
import { makeGraph } from '../ir/graph.js';
import { runChecked } from '../numerics/check.js';
import { debugNansOn } from '../numerics/mode.js';
import { checksOf } from '../numerics/pending.js';
import { evaluateCached } from './eagerCache.js';
import { formatTensor } from './format.js';
import { tensorBrand } from './tensorBrand.js';
import type { NumericShape, ShapeT } from './shapeTypes.js';

/** Node's util.inspect hook, by its registered name (core does not import node:util). */
const inspectCustom: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** Nested JS arrays of a tensor's values (`number`s, or `boolean`s for bool tensors). */
export type NestedArray = number | boolean | readonly NestedArray[];

/**
 * A tensor of shape `S` and dtype `D`. Outside transforms it is concrete and holds values;
 * inside `grad`/`jit`/... it is traced and stands for a value computed later.
 */
export class Tensor<out S extends ShapeT = ShapeT, out D extends DType = DType> {
  /** Type-level only: the shape `tsc` tracks (there is no such runtime field). */
  declare readonly phantomShape: S;

  /** Set by `dispose()`: this tensor no longer holds its values. */
  private disposedHere = false;

  constructor(readonly node: Node) {
    if (node.kind === 'const' && !isDeviceArray(node.value)) claimHost(node.value);
  }

  /** Marks tensors made by xent (see tensorBrand.ts). */
  get [tensorBrand](): true {
    return true;
  }

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

  /** True when the values live on a device (read them with `dataAsync`/`toArrayAsync`). */
  get onDevice(): boolean {
    return this.node.kind === 'const' && isDeviceArray(this.node.value);
  }

  /** A copy of the values, row-major. */
  data(): HostArrayOf[D] {
    return hostValue(this, 'data').slice() as HostArrayOf[D];
  }

  /**
   * The values themselves, row-major, without a copy: on the CPU backend a typed array over its
   * memory. Read it, do not write it (tensors are immutable; a write changes every use of this
   * tensor). Valid while the tensor (or this array) is reachable and not disposed: after
   * `dispose()` the memory holds other tensors, so copy first (`data()`) to keep values longer.
   * Its `buffer` may hold other tensors' values too (the backend's memory, or a pool of small
   * arrays): never transfer or detach it.
   */
  view(): HostArrayOf[D] {
    return hostValue(this, 'view') as HostArrayOf[D];
  }

  /** The values as nested arrays (a plain number or boolean for a scalar). */
  toArray(): NestedArray {
    return nest(hostValue(this, 'toArray'), this.node.type.shape, this.node.type.dtype === 'bool');
  }

  /** A copy of the values, waiting for the device when they live on one. */
  async dataAsync(): Promise<HostArrayOf[D]> {
    const { value } = concreteNode(this, 'dataAsync');
    if (!isDeviceArray(value)) return hostValue(this, 'dataAsync').slice() as HostArrayOf[D];
    const checks = checksOf(value);
    if (checks !== undefined) await checks;
    return (await value.read()) as HostArrayOf[D];
  }

  /** The values as nested arrays, waiting for the device when they live on one. */
  async toArrayAsync(): Promise<NestedArray> {
    return nest(await this.dataAsync(), this.node.type.shape, this.node.type.dtype === 'bool');
  }

  /**
   * Frees the tensor's memory now (device memory, or the CPU backend's); the tensor cannot be read
   * or used afterwards. Never needed for correctness: memory nothing references is freed anyway.
   */
  dispose(): void {
    const n = this.node;
    if (n.kind !== 'const' || this.disposedHere) return;
    this.disposedHere = true;
    if (isDeviceArray(n.value)) n.value.dispose();
    else releaseHost(n.value);
  }

  /** Whether `dispose()` was called on this tensor. */
  get disposed(): boolean {
    return this.disposedHere;
  }

  /** `using t = …` disposes `t` at the end of its block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * `Tensor f32[2, 3] [[1, 2, 3], [4, 5, 6]]`: the values when there are at most 100, else their count
   * and the first and last three; `Tensor f32[2, 3] (traced)` inside a transform, `(on webgpu)` on a device.
   */
  toString(): string {
    const { dtype, shape } = this.node.type;
    if (this.node.symbolic) return formatTensor(dtype, shape, 'traced');
    const { value } = concreteNode(this, 'toString');
    if (isDeviceArray(value)) return formatTensor(dtype, shape, `on ${value.backend}`);
    return formatTensor(dtype, shape, this.disposedHere || isDisposedHost(value) ? 'disposed' : value);
  }

  /** What console.log and util.inspect print: toString(). */
  [inspectCustom](): string {
    return this.toString();
  }
}

/** Nested arrays from row-major values. */
function nest(value: ArrayLike<number>, shape: readonly number[], bool: boolean): NestedArray {
  const strides = stridesOf(shape);
  const build = (axis: number, offset: number): NestedArray => {
    if (axis === shape.length) return bool ? value[offset] === 1 : (value[offset] as number);
    return Array.from({ length: shape[axis] as number }, (_, i) =>
      build(axis + 1, offset + i * (strides[axis] as number)),
    );
  };
  return build(0, 0);
}

/** The host values of a concrete tensor; device data must be read with the async methods. */
export function hostValue(t: Tensor, fn: string): HostArray {
  const { value } = concreteNode(t, fn);
  if (isDeviceArray(value)) {
    throw new TraceError(
      fn,
      `xent.${fn}: the values of this ${t.dtype}[${t.shape.join(', ')}] tensor live on ${value.backend}; read them with await t.dataAsync() or t.toArrayAsync()`,
    );
  }
  const what = `this ${t.dtype}[${t.shape.join(', ')}] tensor`;
  if (t.disposed) checkNotDisposed(value, fn, what, true);
  checkNotDisposed(value, fn, what);
  return value;
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

/** Computes param-free nodes on the default backend, returning constants (checked for NaN in debug mode). */
export function evaluateNodes(nodes: readonly Node[]): ConstNode[] {
  const backend = defaultBackendIfSet() ?? getDefaultBackend();
  if (!debugNansOn()) return evaluateCached(nodes, backend);
  // NaN debugging compiles the graph as built, so that its errors name where these very nodes came from
  const graph = makeGraph([], nodes);
  return toConstNodes(nodes, runChecked(graph, backend, prepare(graph, backend), []));
}
