/**
 * @file The differentiation transforms over pytrees: grad, valueAndGrad (with argnums and hasAux), vjp,
 * jvp (transposed VJP) and hvp. A gradient has its argument's structure and type: a cotangent in each
 * tensor slot, the static leaves as they were.
 */
import { vjpNodes } from '../autodiff/vjp.js';
import { fail, GradError, ShapeError, ValueError } from '../errors.js';
import * as B from '../ir/build.js';
import { makeParamNode, type Node } from '../ir/node.js';
import { formatType } from '../ir/printer.js';
import { shapeEq } from '../ir/shape.js';
import { wrap } from '../trace/apply.js';
import { Tensor } from '../trace/tensor.js';
import {
  describeNode,
  type Flat,
  flattenTree,
  isContainer,
  leafPaths,
  leavesLike,
  unflattenTree,
} from '../tree/flatten.js';
import { TreeDef } from '../tree/treeDef.js';
import type { TreeMap } from '../tree/types.js';
import { argnumList, bind, flattenDifferentiated, flattenFloat, type Trace, traceFunction } from './tracing.js';
import type { AnyFn } from './jit.js';
import { differentiationParams } from './differentiationParams.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';

/** Which arguments to differentiate: one position (its gradient comes back) or a list (a tuple of gradients). */
export type Argnums = number | readonly number[];

export interface GradOptions<A extends Argnums = Argnums> {
  /** The argument(s) to differentiate with respect to, each a whole pytree (default 0). */
  readonly argnums?: A;
  /** `f` returns `[value, aux]`; `aux` (any pytree) comes back beside the gradient and is not differentiated. */
  readonly hasAux?: boolean;
}

/** Parameter `I` of `P`: any of them for a plain `number`, `never` past the end of a fixed-length list. */
export type ArgumentAt<P extends readonly unknown[], I> = I extends number
  ? number extends P['length'] | I
    ? P[I]
    : `${I}` extends keyof P
      ? P[I]
      : never
  : never;

/** The gradient of the arguments `A` of a function with parameters `P`: each has its argument's type. */
export type Grads<P extends readonly unknown[], A> = A extends number
  ? ArgumentAt<P, A>
  : { -readonly [K in keyof A]: ArgumentAt<P, A[K]> };

/** A function `grad` differentiates: a scalar tensor out. */
export type TensorFn = (...args: never[]) => Tensor;

/** A function differentiated with `hasAux`: `[scalar tensor, aux]` out. */
export type AuxFn = (...args: never[]) => readonly [Tensor, unknown];

type GradFn = (...args: unknown[]) => unknown;

/** The gradient, value and aux of scalar `f` at `args`, from one evaluation. */
function differentiate(fn: string, f: AnyFn, args: readonly unknown[], options: GradOptions) {
  const { argnums = 0, hasAux = false } = options;
  const which = argnumList(fn, argnums, args);
  const inputs = flattenDifferentiated(fn, args, which);
  const trace = traceFunction(fn, f, args, inputs);
  const root = trace.out.root;
  const [valueSlot, auxSlot] = hasAux
    ? root.kind === 'array' && root.children.length === 2
      ? root.children
      : []
    : [root];
  if (valueSlot?.kind !== 'tensor') {
    const expected = hasAux ? 'a function returning [value, aux] (hasAux)' : 'a function returning one scalar Tensor';
    const hint = hasAux ? '' : ' (return [value, aux] with hasAux: true)';
    fail(GradError, fn, 'f', expected, `a result of structure ${trace.out.toString()}${hint}`);
  }
  const out = trace.outputs[0] as Node;
  if (out.type.shape.length !== 0) {
    fail(
      GradError,
      fn,
      'f',
      'a scalar output (shape []); for other outputs use vjp with a cotangent, or reduce first (e.g. x.sum)',
      `output ${formatType(out.type)}`,
    );
  }
  if (out.type.dtype !== 'f32' && out.type.dtype !== 'f64')
    fail(GradError, fn, 'f', 'a floating-point output', `output ${formatType(out.type)}`);
  const cts = vjpNodes([out], trace.params, [B.fullLike(out, 1)]).map(
    (g, i) => g ?? B.zerosLike(trace.params[i] as Node),
  );
  const auxNodes = trace.outputs.slice(1);
  const [value, ...rest] = bind(trace, [out, ...auxNodes, ...cts]);
  const aux = auxSlot === undefined ? undefined : unflattenTree(new TreeDef(auxSlot, auxNodes.length), rest);
  const grads = rebuild(which, inputs, rest.slice(auxNodes.length));
  return { value: value as Tensor, aux, grads: typeof argnums === 'number' ? grads[0] : grads };
}

/** One tree per selected argument, in its structure, from the cotangents of all their leaves in order. */
function rebuild(which: readonly number[], inputs: ReadonlyMap<number, Flat>, cts: readonly Tensor[]): unknown[] {
  let at = 0;
  return which.map((i) => {
    const { def } = inputs.get(i) as Flat;
    return unflattenTree(def, cts.slice(at, (at += def.numLeaves)));
  });
}

function gradImpl<F extends AuxFn, const A extends Argnums = 0>(
  f: F,
  options: GradOptions<A> & { readonly hasAux: true },
): (...args: Parameters<F>) => [NoInfer<Grads<Parameters<F>, A>>, ReturnType<F>[1]];
function gradImpl<F extends TensorFn, const A extends Argnums = 0>(
  f: F,
  options?: GradOptions<A> & { readonly hasAux?: false },
): (...args: Parameters<F>) => NoInfer<Grads<Parameters<F>, A>>;
function gradImpl(f: AnyFn, options: GradOptions = {}): GradFn {
  return (...args) => {
    const { aux, grads } = differentiate('grad', f, args, options);
    return options.hasAux === true ? [grads, aux] : grads;
  };
}

/** ∇f: the gradient of scalar `f` with respect to the `argnums` arguments, each in its argument's structure. */
export const grad = publicFn('grad', differentiationParams, gradImpl);

function valueAndGradImpl<F extends AuxFn, const A extends Argnums = 0>(
  f: F,
  options: GradOptions<A> & { readonly hasAux: true },
): (...args: Parameters<F>) => [[ReturnType<F>[0], ReturnType<F>[1]], NoInfer<Grads<Parameters<F>, A>>];
function valueAndGradImpl<F extends TensorFn, const A extends Argnums = 0>(
  f: F,
  options?: GradOptions<A> & { readonly hasAux?: false },
): (...args: Parameters<F>) => [ReturnType<F>, NoInfer<Grads<Parameters<F>, A>>];
function valueAndGradImpl(f: AnyFn, options: GradOptions = {}): GradFn {
  return (...args) => {
    const { value, aux, grads } = differentiate('valueAndGrad', f, args, options);
    return options.hasAux === true ? [[value, aux], grads] : [value, grads];
  };
}

/** Like `grad`, also returning the value: `[value, grads]`, or `[[value, aux], grads]` with `hasAux`, from one evaluation. */
export const valueAndGrad = publicFn('valueAndGrad', differentiationParams, valueAndGradImpl);

/** The tensor leaves of `given` (a tree of `def`'s structure), each checked against the node it pairs with. */
function matching(fn: string, root: string, def: TreeDef, given: unknown, like: readonly Node[]): Node[] {
  const leaves = leavesLike(fn, root, def, given);
  const paths = leafPaths(def, root);
  return like.map((l, i) => {
    const n = (leaves[i] as Tensor).node;
    if (n.type.dtype !== l.type.dtype || !shapeEq(n.type.shape, l.type.shape))
      fail(ShapeError, fn, paths[i] as string, formatType(l.type), formatType(n.type));
    return n;
  });
}

/** Every primal differentiated: its tensor leaves (all floating point) traced. */
function tracePrimals(fn: string, f: AnyFn, primals: readonly unknown[]): { trace: Trace; inputs: Map<number, Flat> } {
  const which = argnumList(
    fn,
    primals.map((_, i) => i),
    primals,
    'primals',
  );
  const inputs = flattenDifferentiated(fn, primals, which, 'primals');
  return { trace: traceFunction(fn, f, primals, inputs), inputs };
}

/** The pullback of `vjp`: a cotangent with the output's structure in, one cotangent per primal (each in its structure) out. */
export type Pullback<O = unknown, P extends readonly unknown[] = unknown[]> = (cotangent: TreeMap<O, Tensor>) => P;

/** `[f(...primals), pullback]`; outputs and primals are pytrees. */
export const vjp = publicFn('vjp', { f: s.fn, '...primals': s.anything }, function vjp<
  F extends AnyFn,
>(f: F, ...primals: Parameters<F>): [ReturnType<F>, Pullback<ReturnType<F>, Parameters<F>>] {
  const { trace, inputs } = tracePrimals('vjp', f, primals);
  const values = bind(trace, trace.outputs);
  const pullback = (cotangent: unknown): unknown[] => {
    const cts = matching('vjp.pullback', 'cotangent', trace.out, cotangent, trace.outputs);
    const grads = vjpNodes(trace.outputs, trace.params, cts).map((g, i) => g ?? B.zerosLike(trace.params[i] as Node));
    return rebuild([...inputs.keys()], inputs, bind(trace, grads));
  };
  return [unflattenTree(trace.out, values) as ReturnType<F>, pullback as Pullback<ReturnType<F>, Parameters<F>>];
});

/** Tangents for `primals`: the same trees, any tensors of the same shapes and dtypes. */
export type Tangents<P extends readonly unknown[]> = { readonly [K in keyof P]: TreeMap<P[K], Tensor> };

/**
 * Forward mode: `[f(...primals), J·tangents]`, both in the output's structure. Computed by transposing
 * the VJP: the pullback u ↦ Jᵀu is linear, and its own VJP with cotangent t is J·t. Exact, no JVP rules.
 */
export const jvp = publicFn('jvp', { f: s.fn, primals: s.array(s.anything), tangents: s.anything }, function jvp<
  F extends AnyFn,
>(f: F, primals: Parameters<F>, tangents: Tangents<Parameters<F>>): [ReturnType<F>, ReturnType<F>] {
  const fn = 'jvp';
  const { trace } = tracePrimals(fn, f, primals);
  const tans = matching(fn, 'tangents', flattenTree(fn, 'primals', primals).def, tangents, trace.argNodes);
  const us = trace.outputs.map((o) => makeParamNode(o.type, 'u'));
  const pulled = vjpNodes(trace.outputs, trace.params, us);
  const live = pulled.flatMap((g, i) => (g === null ? [] : [[g, tans[i] as Node] as const]));
  const jts =
    live.length === 0
      ? us.map(() => null)
      : vjpNodes(
          live.map(([g]) => g),
          us,
          live.map(([, t]) => t),
        );
  // J·t does not depend on u (the pullback is linear); binding u to 0 removes any leftover reference.
  const zeros = trace.outputs.map((o) => B.fullLike(o, 0));
  const results = jts.map((jt, k) => jt ?? (zeros[k] as Node));
  const bound = bind({ params: [...trace.params, ...us], argNodes: [...trace.argNodes, ...zeros] }, [
    ...trace.outputs,
    ...results,
  ]);
  const n = trace.outputs.length;
  return [unflattenTree(trace.out, bound.slice(0, n)), unflattenTree(trace.out, bound.slice(n))] as [
    ReturnType<F>,
    ReturnType<F>,
  ];
});

/** The gradient of scalar `f` at `x`, its errors named for `fn`. */
const gradOf = (fn: string, f: AnyFn, x: unknown): unknown => differentiate(fn, f, [x], {}).grads;

/**
 * Hessian-vector product H(x)·v of scalar `f` of one pytree `x` (a tuple or object for several tensors),
 * as the gradient of ⟨∇f(x), v⟩ (reverse over reverse). `v` has `x`'s structure; so does the result.
 */
export const hvp = publicFn('hvp', { f: s.fn }, function hvp<T = Tensor>(f: (x: T) => Tensor): (
  x: T,
  v: TreeMap<T, Tensor>,
) => T {
  return (x, v) => {
    const fn = 'hvp';
    if (!(x instanceof Tensor) && !isContainer(x))
      fail(ValueError, fn, 'x', 'a Tensor or a pytree of Tensors', describeNode(x));
    const { def, leaves } = flattenFloat(fn, 'x', x);
    const vs = matching(
      fn,
      'v',
      def,
      v,
      leaves.map((t) => t.node),
    );
    if (vs.length === 0) return x;
    const dot = (y: T): Tensor => {
      const gs = flattenTree(fn, 'x', gradOf(fn, f, y)).leaves;
      const terms = gs.map((g, k) =>
        B.sum(
          B.mul(g.node, vs[k] as Node),
          g.shape.map((_, i) => i),
        ),
      );
      return wrap(terms.reduce((sum, t) => B.add(sum, t)));
    };
    return gradOf(fn, dot, x) as T;
  };
});
