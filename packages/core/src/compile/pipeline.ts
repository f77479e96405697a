/** @file The compile pipeline as a named list of pure passes, with a dump hook after each pass. */
import { either as E } from 'fp-ts';
import { IrInvariantError } from '../ir/build.js';
import type { Graph } from '../ir/graph.js';
import { printGraph } from '../ir/printer.js';
import { dce } from './dce.js';
import { expandCustom } from './expandCustom.js';
import { simplify } from './simplify.js';
import { verify } from './verify.js';

export type Pass = (graph: Graph) => Graph;

const verifyOrThrow: Pass = (g) => {
  const r = verify(g);
  if (E.isLeft(r)) throw new IrInvariantError(r.left);
  return r.right;
};

/** The passes `jit` runs, in order. */
export const passes: readonly (readonly [name: string, pass: Pass])[] = [
  ['expandCustom', expandCustom],
  ['verify', verifyOrThrow],
  ['simplify', simplify],
  ['dce', dce],
];

export interface CompileOptions {
  /** Called with each pass's name and output graph (XENT_DUMP=passes prints them to stderr). */
  readonly dump?: (pass: string, graph: Graph) => void;
}

interface HostGlobals {
  readonly process?: { readonly env?: Record<string, string | undefined> };
  readonly console?: { readonly error: (message: string) => void };
}

function envDump(): CompileOptions['dump'] {
  const host = globalThis as HostGlobals;
  return host.process?.env?.['XENT_DUMP'] === 'passes'
    ? (name, graph) => host.console?.error(`--- after ${name} ---\n${printGraph(graph, { maxConstElements: 16 })}`)
    : undefined;
}

/** Runs every pass over the graph. */
export function compileGraph(graph: Graph, options: CompileOptions = {}): Graph {
  const dump = options.dump ?? envDump();
  return passes.reduce((g, [name, pass]) => {
    const out = pass(g);
    dump?.(name, out);
    return out;
  }, graph);
}
