/** @file The differentiation transforms: grad, valueAndGrad, vjp, jvp (transposed VJP) and hvp. */
import { vjpNodes } from '../autodiff/vjp.js';
import { fail, GradError, ShapeError } from '../errors.js';
import * as B from '../ir/build.js';
import { makeParamNode, type Node } from '../ir/node.js';
import { formatType } from '../ir/printer.js';
import { shapeEq } from '../ir/shape.js';
import { requireTensor, wrap } from '../trace/apply.js';
import { Tensor } from '../trace/tensor.js';
import { argnumList, bind, flattenOutput, requireFloat, type TensorOutput, traceFunction } from './tracing.js';

export interface GradOptions<A extends number | readonly number[]> {
  /** Which arguments to differentiate with respect to (default 0). */
  readonly argnums?: A;
}

/** One gradient for a single argnum, a tuple of them for an array of argnums. */
export type Grads<A> = A extends number ? Tensor : Tensor[];

/** Any function of tensors that returns one tensor (what `grad` differentiates). */
export type TensorFn = (...args: never[]) => Tensor;

/** Differentiates a scalar-valued `f`; returns [value, grads] as graph nodes before binding. */
function valueAndGradNodes(fn: string, f: TensorFn, args: readonly unknown[], argnums: number | readonly number[]) {
  const which = argnumList(fn, argnums, args);
  which.forEach((i) => {
    requireFloat(fn, `args[${i}]`, args[i] as Tensor);
  });
  const trace = traceFunction(fn, f, args, which);
  const out = trace.outputs[0] as Node;
  if (!(trace.unflatten([new Tensor(out)]) instanceof Tensor)) {
    fail(GradError, fn, 'f', 'a function returning one scalar Tensor', `an array of ${trace.outputs.length} tensors`);
  }
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
  const grads = vjpNodes([out], trace.params, [B.fullLike(out, 1)]).map(
    (g, i) => g ?? B.zerosLike(trace.params[i] as Node),
  );
  return { trace, out, grads };
}

/** ∇f: a function returning the gradient of scalar `f` with respect to the `argnums` arguments. */
export function grad<F extends TensorFn, const A extends number | readonly number[] = 0>(
  f: F,
  options: GradOptions<A> = {},
): (...args: Parameters<F>) => Grads<A> {
  const argnums = options.argnums ?? 0;
  return (...args) => {
    const { trace, grads } = valueAndGradNodes('grad', f, args, argnums);
    const bound = bind(trace, grads);
    return (typeof argnums === 'number' ? (bound[0] as Tensor) : bound) as Grads<A>;
  };
}

/** Like `grad`, also returning the value: `[f(...args), grads]`, from one evaluation. */
export function valueAndGrad<F extends TensorFn, const A extends number | readonly number[] = 0>(
  f: F,
  options: GradOptions<A> = {},
): (...args: Parameters<F>) => [Tensor, Grads<A>] {
  const argnums = options.argnums ?? 0;
  return (...args) => {
    const { trace, out, grads } = valueAndGradNodes('valueAndGrad', f, args, argnums);
    const [value, ...bound] = bind(trace, [out, ...grads]);
    return [value as Tensor, (typeof argnums === 'number' ? (bound[0] as Tensor) : bound) as Grads<A>];
  };
}

/** Checks cotangents/tangents against the values they pair with (same structure, shape and dtype). */
function matching(fn: string, arg: string, given: unknown, like: readonly Node[]): Node[] {
  const { nodes } = flattenOutput(fn, arg, given);
  if (nodes.length !== like.length) fail(ShapeError, fn, arg, `${like.length} tensor(s)`, `${nodes.length}`);
  return like.map((l, i) => {
    const n = nodes[i] as Node;
    if (n.type.dtype !== l.type.dtype || !shapeEq(n.type.shape, l.type.shape)) {
      fail(ShapeError, fn, like.length === 1 ? arg : `${arg}[${i}]`, formatType(l.type), formatType(n.type));
    }
    return n;
  });
}

/** The pullback of `vjp`: cotangents of the outputs in, cotangents of every primal out. */
export type Pullback = (cotangent: TensorOutput) => Tensor[];

/** `[f(...primals), pullback]`; the pullback maps output cotangents to one cotangent per primal. */
export function vjp<F extends (...args: never[]) => TensorOutput>(
  f: F,
  ...primals: Parameters<F>
): [ReturnType<F>, Pullback] {
  const fn = 'vjp';
  const which = primals.map((_, i) => i);
  argnumList(fn, which, primals).forEach((i) => {
    requireFloat(fn, `primals[${i}]`, primals[i] as unknown as Tensor);
  });
  const trace = traceFunction(fn, f, primals, which);
  const values = bind(trace, trace.outputs);
  const pullback: Pullback = (cotangent) => {
    const cts = matching('vjp.pullback', 'cotangent', cotangent, trace.outputs);
    const grads = vjpNodes(trace.outputs, trace.params, cts).map((g, i) => g ?? B.zerosLike(trace.params[i] as Node));
    return bind(trace, grads);
  };
  return [trace.unflatten(values) as ReturnType<F>, pullback];
}

/**
 * Forward mode: `[f(...primals), J·tangents]`. Computed by transposing the VJP: the pullback
 * u ↦ Jᵀu is linear, and its own VJP with cotangent t is J·t. Exact, and it needs no JVP rules.
 */
export function jvp<F extends (...args: never[]) => Tensor>(
  f: F,
  primals: Parameters<F>,
  tangents: readonly Tensor[],
): [Tensor, Tensor] {
  const fn = 'jvp';
  const which = primals.map((_, i) => i);
  argnumList(fn, which, primals).forEach((i) => {
    requireFloat(fn, `primals[${i}]`, primals[i] as unknown as Tensor);
  });
  const trace = traceFunction(fn, f, primals, which);
  const out = trace.outputs[0] as Node;
  if (trace.outputs.length !== 1)
    fail(GradError, fn, 'f', 'a function returning one Tensor', `${trace.outputs.length} tensors`);
  const tans = matching(fn, 'tangents', tangents, trace.argNodes);
  const u = makeParamNode(out.type, 'u');
  const pulled = vjpNodes([out], trace.params, [u]);
  const live = pulled.flatMap((g, i) => (g === null ? [] : [[g, tans[i] as Node] as const]));
  const [jt] =
    live.length === 0
      ? [null]
      : vjpNodes(
          live.map(([g]) => g),
          [u],
          live.map(([, t]) => t),
        );
  // J·t does not depend on u (the pullback is linear); binding u to 0 removes any leftover reference.
  const tangentOut = B.fullLike(out, 0);
  const result = jt === null || jt === undefined ? tangentOut : jt;
  const [value, tangent] = bind({ params: [...trace.params, u], argNodes: [...trace.argNodes, tangentOut] }, [
    out,
    result,
  ]);
  return [value as Tensor, tangent as Tensor];
}

/** Hessian-vector product H(x)·v of scalar `f`, as the gradient of ⟨∇f(x), v⟩ (reverse over reverse). */
export function hvp(f: (x: Tensor) => Tensor): (x: Tensor, v: Tensor) => Tensor {
  return (x, v) => {
    const fn = 'hvp';
    const t = requireTensor(fn, 'x', x);
    matching(fn, 'v', v, [t.node]);
    const dot = (y: Tensor): Tensor => {
      const g = grad(f)(y);
      return wrap(
        B.sum(
          B.mul(g.node, v.node),
          g.shape.map((_, i) => i),
        ),
      );
    };
    return grad(dot)(t);
  };
}
