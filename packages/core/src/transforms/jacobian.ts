/**
 * @file Jacobians and Hessians over pytrees: jacrev (vmap of the VJP over the output's standard
 * basis), jacfwd (vmap of the JVP over the input's basis), jacobian (= jacrev) and hessian
 * (jacfwd of jacrev). Each block ∂out/∂in has shape [...out.shape, ...in.shape]; one graph, no loop.
 */
import { vjpNodes } from '../autodiff/vjp.js';
import { batchNodes } from '../batching/batchGraph.js';
import { withBatchAxis } from '../batching/batchRules.js';
import { fail, GradError } from '../errors.js';
import * as B from '../ir/build.js';
import type { DType } from '../ir/dtype.js';
import { substitute } from '../ir/graph.js';
import { makeParamNode, type Node, type ParamNode } from '../ir/node.js';
import { type Shape, sizeOf } from '../ir/shape.js';
import type { ShapeT } from '../trace/shapeTypes.js';
import { Tensor } from '../trace/tensor.js';
import { type Flat, flattenTree, leafPaths, unflattenTree } from '../tree/flatten.js';
import { publicFn } from '../validate/publicFn.js';
import { differentiationParams } from './differentiationParams.js';
import type { Argnums, Grads } from './grad.js';
import type { AnyFn } from './jit.js';
import { argnumList, bind, flattenDifferentiated, requireFloat, traceFunction } from './tracing.js';

/** The Jacobian blocks of output leaf shape `S` (dtype `D`) against the gradient tree `G`: each leaf [...S, ...its shape]. */
export type BlocksOf<S extends ShapeT, D extends DType, G> =
  G extends Tensor<infer I>
    ? Tensor<[...S, ...I], D>
    : G extends readonly unknown[]
      ? { -readonly [K in keyof G]: BlocksOf<S, D, G[K]> }
      : G extends object
        ? { -readonly [K in keyof G]: BlocksOf<S, D, G[K]> }
        : G;

/** The Jacobian of output tree `O` against gradient tree `G` (JAX's layout): `O`'s structure, each tensor leaf replaced by `G`'s blocks. */
export type Jacobian<O, G> =
  O extends Tensor<infer S, infer D>
    ? BlocksOf<S, D, G>
    : O extends readonly unknown[]
      ? { -readonly [K in keyof O]: Jacobian<O[K], G> }
      : O extends object
        ? { -readonly [K in keyof O]: Jacobian<O[K], G> }
        : O;

export interface JacobianOptions<A extends Argnums = Argnums> {
  /** The argument(s) to differentiate with respect to, each a whole pytree (default 0); a list gives a tuple per output leaf. */
  readonly argnums?: A;
  /** `f` returns `[value, aux]`; `aux` (any pytree) comes back beside the Jacobian and is not differentiated. */
  readonly hasAux?: boolean;
}

/** Rows [start, start + ∏shape) of the identity of order `order`, in `dtype`, shaped [order, ...shape]: one leaf's share of a standard basis. */
function basisBlock(order: number, start: number, shape: Shape, dtype: DType): Node {
  const grid = [order, sizeOf(shape)];
  const row = B.op('iota', { shape: grid, axis: 0, dtype: 'i32' }, []);
  const column = B.add(B.op('iota', { shape: grid, axis: 1, dtype: 'i32' }, []), B.full(grid, start, 'i32'));
  return B.reshape(B.cast(B.equal(row, column), dtype), [order, ...shape]);
}

/** Each node's offset in the concatenation of all their flattened values, and the total size. */
function offsets(nodes: readonly Node[]): { starts: number[]; total: number } {
  let total = 0;
  const starts = nodes.map((n) => {
    const at = total;
    total += sizeOf(n.type.shape);
    return at;
  });
  return { starts, total };
}

/** Rows [start, start + count) of `n` along axis 0. */
const rows = (n: Node, start: number, count: number): Node =>
  B.op(
    'slice',
    { start: n.type.shape.map((_, i) => (i === 0 ? start : 0)), end: [start + count, ...n.type.shape.slice(1)] },
    [n],
  );

/** `roots` vmapped over the standard basis of the concatenated `basis` parameters: [total, ...root.shape] each, row r from basis vector r. */
function overBasis(
  roots: readonly Node[],
  basis: readonly ParamNode[],
  starts: readonly number[],
  total: number,
): Node[] {
  const seeds = new Map(
    basis.map((b, i) => [
      b as Node,
      { node: basisBlock(total, starts[i] as number, b.type.shape, b.type.dtype), batched: true },
    ]),
  );
  return batchNodes(roots, seeds, total).map((v) => withBatchAxis(v, total));
}

/** ∂outs[k]/∂params[j], shaped [...out.shape, ...param.shape], for every k then j. */
type Blocks = (outs: readonly Node[], params: readonly ParamNode[]) => Node[][];

/** Reverse mode: the VJP of every output, vmapped over the outputs' standard basis (one row of J per basis cotangent). */
const reverseBlocks: Blocks = (outs, params) => {
  const { starts, total } = offsets(outs);
  const cts = outs.map((o) => makeParamNode(o.type, 'ct'));
  const pulled = vjpNodes(outs, params, cts).map((g, j) => g ?? B.zerosLike(params[j] as Node));
  // [total, ...param.shape]: row r is the gradient of the r-th output entry
  const jacobianRows = overBasis(pulled, cts, starts, total);
  return outs.map((o, k) =>
    jacobianRows.map((jr, j) =>
      B.reshape(rows(jr, starts[k] as number, sizeOf(o.type.shape)), [
        ...o.type.shape,
        ...(params[j] as ParamNode).type.shape,
      ]),
    ),
  );
};

/** Forward mode: the JVP (the transposed VJP) vmapped over the inputs' standard basis (one column of J per basis tangent). */
const forwardBlocks: Blocks = (outs, params) => {
  const { starts, total } = offsets(params);
  const us = outs.map((o) => makeParamNode(o.type, 'u'));
  const tangents = params.map((p) => makeParamNode(p.type, 't'));
  const live = vjpNodes(outs, params, us).flatMap((g, j) => (g === null ? [] : [[g, tangents[j] as Node] as const]));
  const jvps = (
    live.length === 0
      ? outs.map(() => null)
      : vjpNodes(
          live.map(([g]) => g),
          us,
          live.map(([, t]) => t),
        )
  ).map((jt, k) => jt ?? B.zerosLike(outs[k] as Node));
  // J·t does not depend on u (the pullback is linear in u): bind u to 0
  const free = substitute(jvps, new Map(us.map((u) => [u as Node, B.zerosLike(u)])));
  // [total, ...out.shape]: column c of J for every output
  const columns = overBasis(free, tangents, starts, total);
  return outs.map((o, k) =>
    params.map((p, j) => {
      const size = sizeOf(p.type.shape);
      const block = rows(columns[k] as Node, starts[j] as number, size);
      const rank = o.type.shape.length;
      const last = B.transpose(block, [...Array.from({ length: rank }, (_, i) => i + 1), 0]);
      return B.reshape(last, [...o.type.shape, ...p.type.shape]);
    }),
  );
};

/** The Jacobian transform `fn` of `f`, its blocks from `blocks`. */
function jacobianTransform(fn: string, blocks: Blocks, f: AnyFn, options: JacobianOptions) {
  return (...args: unknown[]): unknown => {
    const { argnums = 0, hasAux = false } = options;
    const which = argnumList(fn, argnums, args);
    const inputs = flattenDifferentiated(fn, args, which);
    const trace = traceFunction(fn, f, args, inputs);
    const tree = unflattenTree(
      trace.out,
      trace.outputs.map((n) => new Tensor(n)),
    );
    if (hasAux && !(Array.isArray(tree) && tree.length === 2))
      fail(
        GradError,
        fn,
        'f',
        'a function returning [value, aux] (hasAux)',
        `a result of structure ${trace.out.toString()}`,
      );
    const [valueTree, auxTree] = hasAux ? (tree as [unknown, unknown]) : [tree, undefined];
    const value = flattenTree(fn, 'f (its return value)', valueTree);
    const paths = leafPaths(value.def, 'result');
    value.leaves.forEach((t, k) => {
      requireFloat(fn, `f's ${paths[k] as string}`, t);
    });
    const aux = hasAux ? flattenTree(fn, 'f (its aux)', auxTree) : undefined;
    const block = blocks(
      value.leaves.map((t) => t.node),
      trace.params,
    );
    const bound = bind(trace, [...block.flat(), ...(aux?.leaves.map((t) => t.node) ?? [])]);
    const perOutput = value.leaves.map((_, k) => {
      let at = k * trace.params.length;
      const perArgument = which.map((i) => {
        const { def } = inputs.get(i) as Flat;
        return unflattenTree(def, bound.slice(at, (at += def.numLeaves)));
      });
      return typeof argnums === 'number' ? perArgument[0] : perArgument;
    });
    const jacobian = unflattenTree(value.def, perOutput);
    return aux === undefined ? jacobian : [jacobian, unflattenTree(aux.def, bound.slice(block.flat().length))];
  };
}

/** The signature of a Jacobian transform: `f` and its options in, the Jacobian (and aux with `hasAux`) at the arguments out. */
export interface JacobianTransform {
  <F extends (...args: never[]) => readonly [unknown, unknown], const A extends Argnums = 0>(
    f: F,
    options: JacobianOptions<A> & { readonly hasAux: true },
  ): (...args: Parameters<F>) => [Jacobian<ReturnType<F>[0], Grads<Parameters<F>, A>>, ReturnType<F>[1]];
  <F extends AnyFn, const A extends Argnums = 0>(
    f: F,
    options?: JacobianOptions<A> & { readonly hasAux?: false },
  ): (...args: Parameters<F>) => Jacobian<ReturnType<F>, Grads<Parameters<F>, A>>;
}

const transform = (fn: string, blocks: Blocks): JacobianTransform =>
  publicFn(fn, differentiationParams, (f: AnyFn, options: JacobianOptions = {}) =>
    jacobianTransform(fn, blocks, f, options),
  ) as JacobianTransform;

/** ∂f/∂x by reverse mode: one VJP per output entry, all batched into one graph (cheap for few outputs). */
export const jacrev: JacobianTransform = transform('jacrev', reverseBlocks);

/** ∂f/∂x by forward mode: one JVP per input entry, all batched into one graph (cheap for few inputs). */
export const jacfwd: JacobianTransform = transform('jacfwd', forwardBlocks);

/** ∂f/∂x (reverse mode, as `jacrev`): each output leaf's blocks against each differentiated input leaf, [...out.shape, ...in.shape]. */
export const jacobian: JacobianTransform = transform('jacobian', reverseBlocks);

/** The Hessian of scalar `f` (forward over reverse: jacfwd of jacrev): blocks [...x_i.shape, ...x_j.shape] per pair of input leaves. */
export const hessian = publicFn('hessian', differentiationParams, function hessian<
  F extends (...args: never[]) => Tensor,
  const A extends Argnums = 0,
>(f: F, options: JacobianOptions<A> & { readonly hasAux?: false } = {}) {
  const gradient = jacobianTransform('hessian', reverseBlocks, f, options);
  return jacobianTransform('hessian', forwardBlocks, gradient, options) as (
    ...args: Parameters<F>
  ) => Jacobian<Grads<Parameters<F>, A>, Grads<Parameters<F>, A>>;
});
