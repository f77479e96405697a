/**
 * @file jit: trace once per signature (the arguments' pytree structure, static leaves and tensor
 * dtypes and shapes, and what the trace stage knows of the target backend), run the compile
 * pipeline, keep the executable in a bounded LRU cache.
 */
import { type Backend, backendSchema, defaultBackendIfSet, type Executable, getDefaultBackend } from '../backend.js';
import { compileGraph, type CompileOptions, compileProgram } from '../compile/pipeline.js';
import type { Program } from '../kernel/program.js';
import { kernelOptions, prepare, toConstNodes } from '../compile/run.js';
import { keepingScans, keepsLoops } from '../compile/scanRun.js';
import { ValueError } from '../errors.js';
import { type Graph, makeGraph, toposort } from '../ir/graph.js';
import type { Node, ParamNode } from '../ir/node.js';
import { recordingWhile } from '../ir/provenance.js';
import { runChecked } from '../numerics/check.js';
import { debugNansOn } from '../numerics/mode.js';
import { concreteNode, Tensor } from '../trace/tensor.js';
import { flattenTree, unflattenTree } from '../tree/flatten.js';
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import type { TreeDef } from '../tree/treeDef.js';
import { explainChange, hasSignature, type Signature, signatureOf } from './signature.js';
import { jitOptionFields } from './jitOptions.js';
import { targetKey, traceContext } from './traceContext.js';
import { bind, type Trace, traceFunction } from './tracing.js';

/** After this many traces of one jitted function, the next one warns (once). */
const RETRACE_WARN_AFTER = 8;

export interface JitOptions extends CompileOptions {
  /** The backend to run on (default: the default backend when called). */
  readonly backend?: Backend;
  /** How many signatures to keep compiled; the least recently used is dropped first (default 64, `Infinity` for no bound). */
  readonly cacheLimit?: number;
  /**
   * Warn once (console.warn) when the function has been traced more than 8 times, naming the argument
   * whose shape, dtype, structure or static value changed last (default true). `XENT_NO_RETRACE_WARN=1`
   * in the environment turns the warning off everywhere.
   */
  readonly warnRetrace?: boolean;
  /**
   * NaN debugging for this function (default: on while `debugNans(true)` or XENT_DEBUG_NANS=1): its traces
   * record call sites, and a call whose output holds NaN or ±Inf made inside the program throws a
   * NumericsError (on a device, reading the results raises it). The compiled program is the same either way.
   */
  readonly checkNumerics?: boolean;
}

interface Entry {
  readonly params: readonly ParamNode[];
  readonly outputs: readonly Node[];
  readonly out: TreeDef;
  /** False when the function closes over values traced by an enclosing transform. */
  readonly closed: boolean;
  /** Whether the trace recorded where its nodes came from (NaN debugging was on for it). */
  readonly recorded: boolean;
  compiled?: { readonly backend: Backend; readonly exe: Executable };
  /** When it was last used, on its function's clock (the least recently used is dropped first). */
  used: number;
}

/** Any function of pytrees (of tensors and static leaves) returning a pytree. */
export type AnyFn = (...args: never[]) => unknown;

/** A jitted function, with its compiled graphs open to inspection. */
export interface Jitted<F extends AnyFn> {
  (...args: Parameters<F>): ReturnType<F>;
  /**
   * The graph after the graph passes (before fusion) for these arguments: what `XENT_DUMP` shows first. A
   * scan stays one node per output (its body a graph of its own), as the backend runs it: as a loop.
   */
  graph(...args: Parameters<F>): Graph;
  /**
   * The scheduled kernel program for these arguments (what a kernel backend compiles); a ValueError for a
   * function holding a scan, which runs as a loop over programs of its own.
   */
  program(...args: Parameters<F>): Program;
  /** How many signatures are cached now (at most `cacheLimit`). */
  readonly cacheSize: number;
}

interface HostGlobals {
  readonly process?: { readonly env?: Record<string, string | undefined> };
  readonly console?: { readonly warn: (message: string) => void };
}

/**
 * Traces `f` once per signature and reuses the compiled graph (expandCustom → verify → simplify → dce).
 * Arguments are pytrees: every tensor leaf, at any depth, is a dynamic input; everything else is static
 * and part of the key (numbers, strings, booleans, null and undefined by `Object.is`; functions, class
 * instances and typed arrays by identity; arrays and plain objects by structure and key order). The
 * trace is made for the backend it runs on (the trace stage's rewrites depend on it), so a call for
 * a backend that declares other capabilities traces again. Inside another transform the traced graph
 * is inlined instead, so transforms compose.
 */
export const jit = publicFn(
  'jit',
  { f: s.fn, options: s.options({ ...jitOptionFields, backend: s.optional(backendSchema) }) },
  jitImpl,
);

function jitImpl<F extends AnyFn>(f: F, options: JitOptions = {}): Jitted<F> {
  const limit = options.cacheLimit ?? 64;
  const warn =
    (options.warnRetrace ?? true) && (globalThis as HostGlobals).process?.env?.['XENT_NO_RETRACE_WARN'] !== '1';
  const cache = new Map<string, Entry>();
  let clock = 0;
  /** The signature and entry of the last call that found one: the next call is matched against it first. */
  let found: { readonly sig: Signature; readonly entry: Entry } | undefined;
  const dropOldest = (): void => {
    let oldest: string | undefined;
    let at = Infinity;
    for (const [key, e] of cache) {
      if (e.used < at) {
        at = e.used;
        oldest = key;
      }
    }
    if (found?.entry === cache.get(oldest as string)) found = undefined;
    cache.delete(oldest as string);
  };
  const checking = (): boolean => options.checkNumerics ?? debugNansOn();
  let traces = 0;
  let last: Signature | undefined;
  const retraced = (sig: Signature): void => {
    traces++;
    if (warn && traces === RETRACE_WARN_AFTER + 1 && last !== undefined) {
      (globalThis as HostGlobals).console?.warn(
        `xent.jit: ${f.name === '' ? 'a function' : `'${f.name}'`} has been traced ${traces} times; ` +
          `the last retrace came from ${explainChange(last, sig)}. Each new shape, dtype, structure or static ` +
          `value traces and compiles again: pass values that change as tensors, and reuse function objects ` +
          `(static arguments are compared by identity). Silence with { warnRetrace: false } or XENT_NO_RETRACE_WARN=1.`,
      );
    }
    last = sig;
  };
  const entryFor = (args: readonly unknown[]): { entry: Entry; leaves: readonly Tensor[] } => {
    const flats = args.map((a, i) => flattenTree('jit', `args[${i}]`, a));
    const leaves = flats.flatMap((fl) => fl.leaves);
    // traced for the backend it runs on (or the enclosing trace's): a trace for another target is not reused
    const context = traceContext(options.backend, options.dump);
    const target = targetKey(context.target);
    // a call like the last one that found its entry builds no key
    const same = found !== undefined && hasSignature(found.sig, flats, target) ? found : undefined;
    const sig = same?.sig ?? signatureOf(flats, target);
    const hit = same?.entry ?? cache.get(sig.key);
    // a trace made without NaN debugging is made again when it is on, so errors can name call sites
    if (hit !== undefined && (hit.recorded || !checking())) {
      hit.used = ++clock;
      if (same === undefined) found = { sig, entry: hit };
      return { entry: hit, leaves };
    }
    retraced(sig);
    const trace = (): Trace => traceFunction('jit', f, args, new Map(flats.map((fl, i) => [i, fl] as const)), context);
    const recorded = checking();
    const { params, outputs, out } = recorded ? recordingWhile(trace) : trace();
    const own = new Set<Node>(params);
    const closed = toposort(outputs).every((n) => n.kind !== 'param' || own.has(n));
    const entry: Entry = { params, outputs, out, closed, recorded, used: ++clock };
    if (hit === undefined && cache.size >= limit) dropOldest();
    cache.set(sig.key, entry);
    found = { sig, entry };
    return { entry, leaves };
  };
  const compiled = (entry: Entry): NonNullable<Entry['compiled']> => {
    const backend = options.backend ?? defaultBackendIfSet() ?? getDefaultBackend();
    if (entry.compiled?.backend !== backend) {
      entry.compiled = { backend, exe: prepare(makeGraph(entry.params, entry.outputs), backend, options) };
    }
    return entry.compiled;
  };
  const call = (...args: Parameters<F>): ReturnType<F> => {
    const { entry, leaves } = entryFor(args);
    const argNodes = leaves.map((t) => t.node);
    let outs: Tensor[];
    if (entry.closed && argNodes.every((n) => !n.symbolic)) {
      const { backend, exe } = compiled(entry);
      const values = argNodes.map((n) => (n.kind === 'const' ? n.value : concreteNode(new Tensor(n), 'jit').value));
      const data = checking()
        ? runChecked(makeGraph(entry.params, entry.outputs), backend, exe, values)
        : exe.run(values);
      outs = toConstNodes(entry.outputs, data).map((c) => new Tensor(c));
    } else {
      outs = bind({ params: entry.params, argNodes }, entry.outputs);
    }
    return unflattenTree(entry.out, outs) as ReturnType<F>;
  };
  const graph = (...args: Parameters<F>): Graph => {
    const { entry } = entryFor(args);
    const backend = options.backend ?? defaultBackendIfSet();
    const keep = backend !== undefined && keepsLoops(backend);
    return compileGraph(makeGraph(entry.params, entry.outputs), options, keep);
  };
  const program = (...args: Parameters<F>): Program => {
    const { entry } = entryFor(args);
    const backend = options.backend ?? getDefaultBackend();
    const traced = makeGraph(entry.params, entry.outputs);
    if (keepsLoops(backend) && keepingScans(traced) !== undefined) {
      throw new ValueError(
        'program',
        `xent.program: this function holds a scan, which runs on ${backend.name} as a loop (its body compiled once, and the work around it as programs of their own), so it has no single kernel program; jitted.graph(...) shows each scan as one node`,
      );
    }
    return compileProgram(traced, backend.kind === 'kernel' ? kernelOptions(backend, options) : options);
  };
  const jitted = Object.assign(call, { graph, program });
  return Object.defineProperty(jitted, 'cacheSize', { get: () => cache.size }) as Jitted<F>;
}
