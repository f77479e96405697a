/**
 * @file vmap: `f` over a batch, as one graph. `f` is traced once on one example (the mapped axis of
 * each input removed), and every node of that trace is rebuilt over the whole batch by its
 * primitive's batching rule (batching/batchRules.ts), so the batch runs as the same fused kernels,
 * never a loop. Composes with every transform: inside one, the batched graph is part of its trace.
 */
import { batchNodes } from '../batching/batchGraph.js';
import { type BatchedValue, withBatchAxis } from '../batching/batchRules.js';
import { fail, ShapeError, ValueError } from '../errors.js';
import * as B from '../ir/build.js';
import { makeParamNode, type Node } from '../ir/node.js';
import type { Dim, ShapeT } from '../trace/shapeTypes.js';
import { Tensor } from '../trace/tensor.js';
import { describeNode, flattenTree, isContainer, leafPaths, unflattenTree } from '../tree/flatten.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import type { AnyFn } from './jit.js';
import { tensorsOf } from './tracing.js';
import { traceContext, tracingIn } from './traceContext.js';

/** A pytree of tensors with their shapes left open (vmap adds or removes an axis; dtypes stay). */
export type ShapesOpen<T> =
  T extends Tensor<ShapeT, infer D>
    ? Tensor<ShapeT, D>
    : T extends readonly unknown[]
      ? { [K in keyof T]: ShapesOpen<T[K]> }
      : T extends (...args: never[]) => unknown
        ? T
        : T extends object
          ? { [K in keyof T]: ShapesOpen<T[K]> }
          : T;

/** A pytree with a batch dim `N` in front of each tensor leaf's shape where the shape is a literal tuple (else left open). */
export type WithBatchAxis<T, N extends Dim = number> =
  T extends Tensor<infer S, infer D>
    ? number extends S['length']
      ? Tensor<ShapeT, D>
      : Tensor<[N, ...S], D>
    : T extends readonly unknown[]
      ? { [K in keyof T]: WithBatchAxis<T[K], N> }
      : T extends (...args: never[]) => unknown
        ? T
        : T extends object
          ? { [K in keyof T]: WithBatchAxis<T[K], N> }
          : T;

/** Whether an axis option leaves the batch in front (absent or 0). */
export type InFront<A> = unknown extends A ? true : [A] extends [0 | undefined] ? true : false;

/**
 * `f` over a batch. With the default axes (inAxes and outAxes absent or 0) the batch dim is added in
 * front of every literal argument and result shape (a `number`: the batch size is known at run time);
 * with other axes the shapes are left open (dtypes kept).
 */
export type Vmapped<F extends AnyFn, O extends VmapOptions = VmapOptions> =
  InFront<O['inAxes']> extends true
    ? InFront<O['outAxes']> extends true
      ? (...args: WithBatchAxis<Parameters<F>>) => WithBatchAxis<ReturnType<F>>
      : (...args: WithBatchAxis<Parameters<F>>) => ShapesOpen<ReturnType<F>>
    : (...args: ShapesOpen<Parameters<F>>) => ShapesOpen<ReturnType<F>>;

/** Where each tensor leaf is mapped: an axis (negative from the end) or null (the same for every example); a number or null covers a whole subtree. */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [key: string]: AxisSpec };

export interface VmapOptions {
  /** The mapped axis of each argument: one spec for all, or an array of one per argument (each a number, null or a pytree of them); default 0. */
  readonly inAxes?: AxisSpec;
  /** Where the batch axis goes in each result (null: the result is the same for every example); default 0. */
  readonly outAxes?: AxisSpec;
  /** The batch size, needed when no argument is mapped. */
  readonly axisSize?: number;
}

/** The axis spec of every tensor leaf of `value`, in leaf order, from a spec that is `value`'s prefix. */
function leafAxes(
  spec: AxisSpec | undefined,
  value: unknown,
  path: string,
  fn: string,
  arg: string,
): (number | null)[] {
  if (spec === undefined || spec === null || typeof spec === 'number') {
    if (typeof spec === 'number' && !Number.isInteger(spec))
      fail(ValueError, fn, arg, 'integer axes or null', `${spec} at ${path}`);
    const count = value instanceof Tensor ? 1 : isContainer(value) ? flattenTree(fn, path, value).leaves.length : 0;
    return new Array<number | null>(count).fill(spec === undefined ? 0 : spec);
  }
  if (Array.isArray(spec)) {
    if (!Array.isArray(value) || value.length !== spec.length)
      fail(ValueError, fn, arg, `an array of ${spec.length} axis specs matching ${path}`, describeNode(value));
    return (spec as readonly AxisSpec[]).flatMap((sub, i) =>
      leafAxes(sub, (value as unknown[])[i], `${path}[${i}]`, fn, arg),
    );
  }
  if (typeof spec !== 'object' || !isContainer(value) || Array.isArray(value))
    fail(ValueError, fn, arg, `axis specs shaped like ${path}`, describeNode(value));
  const record = value as Record<string, unknown>;
  const specs = spec as { readonly [key: string]: AxisSpec };
  const keys = Object.keys(record);
  if (keys.length !== Object.keys(specs).length || !keys.every((k) => k in specs))
    fail(
      ValueError,
      fn,
      arg,
      `an object of axis specs with the keys of ${path} {${keys.join(', ')}}`,
      `{${Object.keys(specs).join(', ')}}`,
    );
  return keys.flatMap((k) => leafAxes(specs[k], record[k], `${path}.${k}`, fn, arg));
}

/** `axis` in [0, rank) (negative counts from the end), or a ValueError naming the leaf. */
function normalAxis(axis: number, rank: number, fn: string, arg: string, path: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    fail(ValueError, fn, arg, `an axis in [${-rank}, ${rank}) for ${path} of rank ${rank}`, String(axis));
  return a;
}

/** Moves axis `from` of `n` to `to`. */
function moveAxis(n: Node, from: number, to: number): Node {
  if (from === to) return n;
  const order = n.type.shape.map((_, i) => i).filter((i) => i !== from);
  order.splice(to, 0, from);
  return B.transpose(n, order);
}

function vmapImpl<F extends AnyFn, const O extends VmapOptions = { readonly inAxes?: 0; readonly outAxes?: 0 }>(
  f: F,
  options: O = {} as O,
): Vmapped<F, O> {
  const fn = 'vmap';
  const call = f as unknown as (...a: unknown[]) => unknown;
  const batchedF = (...args: unknown[]): unknown => {
    const { inAxes = 0, outAxes = 0, axisSize } = options as VmapOptions;
    // as in JAX: an array is one spec per argument (a pytree spec for one argument nests inside it)
    if (Array.isArray(inAxes) && inAxes.length !== args.length)
      fail(ValueError, fn, 'inAxes', `one axis spec per argument (${args.length})`, `${inAxes.length}`);
    const perArgument: readonly AxisSpec[] = Array.isArray(inAxes)
      ? (inAxes as readonly AxisSpec[])
      : args.map(() => inAxes);
    const seeds = new Map<Node, BatchedValue>();
    let size = axisSize;
    let sizeFrom = 'axisSize';
    const callArgs = args.map((a, i) => {
      if (!(a instanceof Tensor) && !isContainer(a)) return a;
      const flat = flattenTree(fn, `args[${i}]`, a);
      const paths = leafPaths(flat.def, `args[${i}]`);
      const axes = leafAxes(perArgument[i], a, `args[${i}]`, fn, 'inAxes');
      const traced = flat.leaves.map((t, k) => {
        const path = paths[k] as string;
        const spec = axes[k] ?? null;
        if (spec === null) return t;
        const axis = normalAxis(spec, t.shape.length, fn, 'inAxes', path);
        const n = t.shape[axis] as number;
        if (size === undefined) [size, sizeFrom] = [n, path];
        else if (n !== size)
          fail(
            ShapeError,
            fn,
            'args',
            `mapped axes of one size (${size}, from ${sizeFrom})`,
            `size ${n} on axis ${axis} of ${path}`,
          );
        const p = makeParamNode({ shape: t.shape.filter((_, d) => d !== axis), dtype: t.dtype }, path);
        seeds.set(p, { node: moveAxis(t.node, axis, 0), batched: true });
        return new Tensor(p);
      });
      return unflattenTree(flat.def, traced);
    });
    if (size === undefined)
      fail(ValueError, fn, 'axisSize', 'the batch size when no argument is mapped (inAxes all null)', 'undefined');
    const batch = size;
    const out = tracingIn(traceContext(), () => call(...callArgs));
    if (!(out instanceof Tensor) && !isContainer(out))
      fail(ValueError, fn, 'f (its return value)', 'a Tensor or a pytree of Tensors', describeNode(out));
    const { leaves, def } = flattenTree(fn, 'f (its return value)', out);
    const outPaths = leafPaths(def, 'result');
    const outSpecs = leafAxes(outAxes, out, 'result', fn, 'outAxes');
    const batched = batchNodes(
      leaves.map((t) => t.node),
      seeds,
      batch,
    );
    const nodes = batched.map((v, k) => {
      const spec = outSpecs[k] ?? null;
      const path = outPaths[k] as string;
      if (spec === null) {
        if (v.batched)
          fail(ValueError, fn, 'outAxes', `an axis for ${path}, which depends on the mapped arguments`, 'null');
        return v.node;
      }
      const full = withBatchAxis(v, batch);
      return moveAxis(full, 0, normalAxis(spec, full.type.shape.length, fn, 'outAxes', path));
    });
    return unflattenTree(def, tensorsOf(nodes));
  };
  return batchedF as unknown as Vmapped<F, O>;
}

/**
 * `f` over a batch: `vmap(f)(xs)` stacks `f(x)` over the mapped axis of its arguments (axis 0 by
 * default; `inAxes` per argument or per leaf, null for an argument shared by every example), as
 * one graph of batched kernels. Results carry the batch on `outAxes` (default 0).
 */
export const vmap = publicFn(
  'vmap',
  {
    f: s.fn,
    options: s.options({
      inAxes: s.optional(s.anything),
      outAxes: s.optional(s.anything),
      axisSize: s.optional(s.number({ min: 0, integer: true })),
    }),
  },
  vmapImpl,
);
