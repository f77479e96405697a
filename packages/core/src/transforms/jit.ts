/** @file jit: trace once per input signature, run the compile pipeline, cache the executable. */
import { type Backend, type Executable, getDefaultBackend } from '../backend.js';
import { compileGraph, type CompileOptions, compileProgram } from '../compile/pipeline.js';
import type { Program } from '../kernel/program.js';
import { kernelOptions, prepare, toConstNodes } from '../compile/run.js';
import { type Graph, makeGraph, toposort } from '../ir/graph.js';
import type { Node, ParamNode } from '../ir/node.js';
import { concreteNode, Tensor } from '../trace/tensor.js';
import { bind, type TensorOutput, traceFunction } from './tracing.js';

export interface JitOptions extends CompileOptions {
  /** The backend to run on (default: the default backend when called). */
  readonly backend?: Backend;
}

interface Entry {
  readonly params: readonly ParamNode[];
  readonly outputs: readonly Node[];
  readonly unflatten: (tensors: readonly Tensor[]) => TensorOutput;
  /** False when the function closes over values traced by an enclosing transform. */
  readonly closed: boolean;
  compiled?: { readonly backend: Backend; readonly exe: Executable };
}

/** Any function of tensors that returns a tensor, a list of tensors or a tuple of them. */
export type AnyFn = (...args: never[]) => TensorOutput;

/** A jitted function, with its compiled graphs open to inspection. */
export interface Jitted<F extends AnyFn> {
  (...args: Parameters<F>): ReturnType<F>;
  /** The graph after the graph passes for these arguments (what `XENT_DUMP` shows first). */
  lower(...args: Parameters<F>): Graph;
  /** The scheduled kernel program for these arguments (what a kernel backend compiles). */
  program(...args: Parameters<F>): Program;
  /** How many distinct signatures have been traced. */
  readonly cacheSize: number;
}

/** The cache key: dtype and shape of tensor arguments, the value of the others (static arguments). */
function signature(args: readonly unknown[]): string {
  let key = '';
  for (const a of args)
    key +=
      a instanceof Tensor ? `${a.node.type.dtype}[${a.node.type.shape.join(',')}]|` : `static:${JSON.stringify(a)}|`;
  return key;
}

const tensorNodes = (args: readonly unknown[]): Node[] => args.flatMap((a) => (a instanceof Tensor ? [a.node] : []));

/**
 * Traces `f` once per input signature (tensor shapes and dtypes; other arguments are static),
 * compiles the graph (expandCustom → verify → simplify → dce) and reuses it on later calls.
 * Inside another transform the traced graph is inlined instead, so transforms compose.
 */
export function jit<F extends AnyFn>(f: F, options: JitOptions = {}): Jitted<F> {
  const cache = new Map<string, Entry>();
  const entryFor = (args: readonly unknown[]): Entry => {
    const key = signature(args);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const tensorArgs = args.flatMap((a, i) => (a instanceof Tensor ? [i] : []));
    const { params, outputs, unflatten } = traceFunction('jit', f, args, tensorArgs);
    const own = new Set<Node>(params);
    const closed = toposort(outputs).every((n) => n.kind !== 'param' || own.has(n));
    const entry: Entry = { params, outputs, unflatten, closed };
    cache.set(key, entry);
    return entry;
  };
  const compiled = (entry: Entry): NonNullable<Entry['compiled']> => {
    const backend = options.backend ?? getDefaultBackend();
    if (entry.compiled?.backend !== backend) {
      entry.compiled = { backend, exe: prepare(makeGraph(entry.params, entry.outputs), backend, options) };
    }
    return entry.compiled;
  };
  const call = (...args: Parameters<F>): ReturnType<F> => {
    const entry = entryFor(args);
    const argNodes = tensorNodes(args);
    let outs: Tensor[];
    if (entry.closed && argNodes.every((n) => !n.symbolic)) {
      const data = compiled(entry).exe.run(
        argNodes.map((n) => (n.kind === 'const' ? n.value : concreteNode(new Tensor(n), 'jit').value)),
      );
      outs = toConstNodes(entry.outputs, data).map((c) => new Tensor(c));
    } else {
      outs = bind({ params: entry.params, argNodes }, entry.outputs);
    }
    return entry.unflatten(outs) as ReturnType<F>;
  };
  const lower = (...args: Parameters<F>): Graph => {
    const entry = entryFor(args);
    return compileGraph(makeGraph(entry.params, entry.outputs), options);
  };
  const program = (...args: Parameters<F>): Program => {
    const entry = entryFor(args);
    const backend = options.backend ?? getDefaultBackend();
    const graph = makeGraph(entry.params, entry.outputs);
    return compileProgram(graph, backend.kind === 'kernel' ? kernelOptions(backend, options) : options);
  };
  const jitted = Object.assign(call, { lower, program });
  return Object.defineProperty(jitted, 'cacheSize', { get: () => cache.size }) as Jitted<F>;
}
