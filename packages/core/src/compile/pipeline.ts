/**
 * @file The compile pipeline as named lists of pure passes, with a dump hook after each pass: the
 * trace stage (on a traced function, before autodiff, for the target backend), then the graph
 * passes, then fuse → lower → schedule for kernel backends.
 */
import { either as E } from 'fp-ts';
import { InternalError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { printGraph } from '../ir/printer.js';
import { formatKernel, formatProgram, type Program } from '../kernel/program.js';
import { dce } from './dce.js';
import { expandCustom } from './expandCustom.js';
import { isScan } from './scanRun.js';
import { fuse, type KernelLimits, type Partition } from './fuse.js';
import { fuseLinearLogits } from './linearLogits.js';
import { lower, type LoweredProgram } from './lower.js';
import { pairLinearLogits } from './pairLinearLogits.js';
import { schedule } from './schedule.js';
import { shareSoftmax } from './shareSoftmax.js';
import { simplify } from './simplify.js';
import { verify } from './verify.js';

export type Pass = (graph: Graph) => Graph;

const verifyOrThrow: Pass = (g) => {
  const r = verify(g);
  if (E.isLeft(r)) throw new InternalError(r.left);
  return r.right;
};

/** What the trace stage knows of the backend a traced function is for. */
export interface TraceTarget {
  /**
   * Logit matrices h·Wᵀ of at least this many elements, read only row-wise, become the fused
   * linear-logit prims (`Backend.linearLogitsMinElements`; `Infinity`: never).
   */
  readonly linearLogitsMinElements: number;
}

/**
 * The trace stage: graph-to-graph rewrites of a traced function, run when a transform traces it and
 * before autodiff (so its VJP differentiates what they built), each made for the target backend.
 */
export const tracePasses: readonly (readonly [name: string, pass: (target: TraceTarget) => Pass])[] = [
  ['linearLogits', (target) => fuseLinearLogits(target.linearLogitsMinElements)],
];

/** The graph-to-graph passes, in order; a pass with `when` runs only for the compile options it accepts. */
export const passes: readonly (readonly [name: string, pass: Pass, when?: (options: CompileOptions) => boolean])[] = [
  ['expandCustom', expandCustom],
  ['verify', verifyOrThrow],
  // before simplify, which may reshape the softmax it looks for
  ['shareSoftmax', shareSoftmax, (options) => options.shareSoftmax === true],
  ['simplify', simplify],
  ['dce', dce],
];

/** What a pass produced, for the dump hook. */
export type PassOutput =
  | { readonly stage: 'graph'; readonly graph: Graph }
  | { readonly stage: 'fuse'; readonly partition: Partition }
  | { readonly stage: 'lower'; readonly lowered: LoweredProgram }
  | { readonly stage: 'schedule'; readonly program: Program };

export interface CompileOptions {
  /** Called with each pass's name and output graph (XENT_DUMP=passes prints them to stderr). */
  readonly dump?: (pass: string, graph: Graph) => void;
  /** Called after the kernel passes (fuse, lower, schedule) with what each produced. */
  readonly dumpKernels?: (pass: string, output: PassOutput) => void;
  /** A device's binding limits; fuse splits kernels to fit them. */
  readonly kernelLimits?: KernelLimits;
  /**
   * Recompute a logsumexp whose softmax the graph also takes from max, e^(x − max) and Σ, so the
   * softmax reuses e (`shareSoftmax`): for backends whose row groups keep such temporaries in cache.
   */
  readonly shareSoftmax?: boolean;
}

interface HostGlobals {
  readonly process?: { readonly env?: Record<string, string | undefined> };
  readonly console?: { readonly error: (message: string) => void };
}

function dumpEnabled(): boolean {
  return (globalThis as HostGlobals).process?.env?.['XENT_DUMP'] === 'passes';
}

const print = (text: string): void => (globalThis as HostGlobals).console?.error(text);

/** The XENT_DUMP=passes printer of graphs, its headers noting `where` the pass ran when given. */
function envDump(where?: string): CompileOptions['dump'] {
  const note = where === undefined ? '' : ` (${where})`;
  return dumpEnabled()
    ? (name, graph) => {
        print(`--- after ${name}${note} ---\n${printGraph(graph, { maxConstElements: 16 })}`);
      }
    : undefined;
}

/** The text a kernel pass's output dumps as. */
export function formatPassOutput(out: PassOutput): string {
  switch (out.stage) {
    case 'graph':
      return printGraph(out.graph, { maxConstElements: 16 });
    case 'fuse':
      return out.partition.groups
        .map(
          (g, i) =>
            `group ${i} (${g.kind}): roots ${g.roots.map((r) => `#${r.id} ${r.kind === 'op' ? r.prim : r.kind}`).join(', ')}${g.reduction === undefined ? '' : `, reduction #${g.reduction.id} ${g.reduction.prim}`}`,
        )
        .join('\n');
    case 'lower':
      return out.lowered.kernels.map((k, i) => `kernel ${i}: ${formatKernel(k.kernel)}`).join('\n');
    case 'schedule':
      return formatProgram(out.program);
  }
}

/**
 * Runs the trace stage over the graph of a function `transform` traced; `dump` (or XENT_DUMP=passes)
 * sees what each pass produced.
 */
export function rewriteTraced(
  graph: Graph,
  target: TraceTarget,
  transform: string,
  dump: CompileOptions['dump'] = envDump(`traced by ${transform}, before autodiff`),
): Graph {
  return tracePasses.reduce((g, [name, pass]) => {
    const out = pass(target)(g);
    dump?.(name, out);
    return out;
  }, graph);
}

/** Runs every pass over the graph; with `keepScans`, scans stay nodes (for backends that run them as loops). */
export function compileGraph(graph: Graph, options: CompileOptions = {}, keepScans = false): Graph {
  const dump = options.dump ?? envDump();
  return passes.reduce((g, [name, pass, when]) => {
    if (when !== undefined && !when(options)) return g;
    const out = pass === expandCustom && keepScans ? expandCustom(g, isScan) : pass(g);
    dump?.(name, out);
    return out;
  }, graph);
}

/** Runs the graph passes, then fuse → lower (pairing linear-logit kernels) → schedule: the program a kernel backend compiles. */
export function compileProgram(graph: Graph, options: CompileOptions = {}): Program {
  const simplified = compileGraph(graph, options);
  const dump =
    options.dumpKernels ??
    (dumpEnabled()
      ? (name: string, out: PassOutput) => {
          print(`--- after ${name} ---\n${formatPassOutput(out)}`);
        }
      : undefined);
  const partition = fuse(simplified, options.kernelLimits);
  dump?.('fuse', { stage: 'fuse', partition });
  const lowered = pairLinearLogits(lower(partition));
  dump?.('lower', { stage: 'lower', lowered });
  const program = schedule(lowered);
  dump?.('schedule', { stage: 'schedule', program });
  return program;
}
