/**
 * @file Tracing a function for export to another engine: its example arguments' tensor leaves become named
 * inputs, its result's leaves named outputs, and with a gradient the VJP (a cotangent input per floating output,
 * a gradient output per floating input) joins the same graph. Traced for no backend, so no backend's rewrite
 * (the fused linear-logit prims) enters, and simplified as jit simplifies.
 */
import { vjpNodes } from '../autodiff/vjp.js';
import { compileGraph } from '../compile/pipeline.js';
import { fail, ValueError } from '../errors.js';
import { zerosLike } from '../ir/build.js';
import { isFloat } from '../ir/dtype.js';
import { type Graph, makeGraph, toposort } from '../ir/graph.js';
import { makeParamNode, type Node, type ParamNode, type TensorType } from '../ir/node.js';
import { targetOf } from '../transforms/traceContext.js';
import { traceFunction } from '../transforms/tracing.js';
import { flattenTree, leafPaths } from '../tree/flatten.js';
import type { TreeDef } from '../tree/treeDef.js';

/** A named input or output of an exported graph: its pytree path (`args[0].logits`, `out[1]`) and type. */
export interface ExportPort {
  readonly path: string;
  readonly type: TensorType;
}

/** What an exporter writes: one graph with its inputs and outputs named by their pytree paths. */
export interface ExportTrace {
  /**
   * The simplified graph. Its parameters are the example arguments' tensor leaves in order, then (with a
   * gradient) one cotangent per floating output; its outputs are the result's leaves, then (with a gradient)
   * one gradient per floating input.
   */
  readonly graph: Graph;
  /** One per graph parameter, in order. */
  readonly inputs: readonly ExportPort[];
  /** One per graph output, in order. */
  readonly outputs: readonly ExportPort[];
  /** Each example argument's structure (its tensor slots are the first inputs, in order). */
  readonly argDefs: readonly TreeDef[];
  /** The result's structure (its tensor slots are the first outputs, in order). */
  readonly out: TreeDef;
  /** With a gradient: which inputs the cotangents are for (output indices) and the gradients of (input indices). */
  readonly gradient?: { readonly cotangentOf: readonly number[]; readonly gradientOf: readonly number[] };
}

export interface ExportTraceOptions {
  /** Add the VJP: cotangent inputs `d(out…)` and gradient outputs `d(args…)`. */
  readonly withGradient: boolean;
  /** Keep each scan as one node (an exporter that writes loops), instead of unrolling it. */
  readonly keepScans: boolean;
}

/**
 * Traces `f` on `exampleArgs` for export (`fn` is the public function, as `export.onnx`): shapes and dtypes
 * are the examples', static leaves are baked in.
 */
export function traceForExport(
  fn: string,
  f: (...args: never[]) => unknown,
  exampleArgs: readonly unknown[],
  options: ExportTraceOptions,
): ExportTrace {
  const flats = exampleArgs.map((a, i) => flattenTree(fn, `exampleArgs[${i}]`, a));
  const trace = traceFunction(fn, f, exampleArgs, new Map(flats.map((fl, i) => [i, fl] as const)), {
    target: targetOf(undefined),
  });
  const argPaths = flats.flatMap((fl, i) => leafPaths(fl.def, `args[${i}]`));
  const outPaths = leafPaths(trace.out, 'out');
  const own = new Set<Node>(trace.params);
  if (toposort(trace.outputs).some((n) => n.kind === 'param' && !own.has(n)))
    fail(
      ValueError,
      fn,
      'f',
      'a function of its arguments only',
      'a function of values traced by an enclosing transform',
    );
  const port = (path: string, n: Node): ExportPort => ({ path, type: n.type });
  const inputs = trace.params.map((p, k) => port(argPaths[k] as string, p));
  const outputs = trace.outputs.map((n, k) => port(outPaths[k] as string, n));
  const argDefs = flats.map((fl) => fl.def);
  if (!options.withGradient) {
    const graph = compileGraph(makeGraph(trace.params, trace.outputs), {}, options.keepScans);
    return { graph, inputs, outputs, argDefs, out: trace.out };
  }
  const cotangentOf = trace.outputs.flatMap((n, k) => (isFloat(n.type.dtype) ? [k] : []));
  const gradientOf = trace.params.flatMap((p, k) => (isFloat(p.type.dtype) ? [k] : []));
  if (cotangentOf.length === 0 || gradientOf.length === 0)
    fail(
      ValueError,
      fn,
      'options.withGradient',
      'a function with a floating-point input and a floating-point output',
      `${gradientOf.length} floating inputs and ${cotangentOf.length} floating outputs`,
    );
  const cotangents: ParamNode[] = cotangentOf.map((k) =>
    makeParamNode((trace.outputs[k] as Node).type, `d(${outPaths[k] as string})`),
  );
  const wrt = gradientOf.map((k) => trace.params[k] as ParamNode);
  const grads = vjpNodes(
    cotangentOf.map((k) => trace.outputs[k] as Node),
    wrt,
    cotangents,
  ).map((g, i) => g ?? zerosLike(wrt[i] as Node));
  const params = [...trace.params, ...cotangents];
  const graph = compileGraph(makeGraph(params, [...trace.outputs, ...grads]), {}, options.keepScans);
  return {
    graph,
    inputs: [...inputs, ...cotangents.map((c) => port(c.name, c))],
    outputs: [...outputs, ...gradientOf.map((k, i) => port(`d(${argPaths[k] as string})`, grads[i] as Node))],
    argDefs,
    out: trace.out,
    gradient: { cotangentOf, gradientOf },
  };
}
