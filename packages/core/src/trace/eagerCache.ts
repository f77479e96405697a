/**
 * @file Eager evaluation through a cache of compiled programs: the graph of an eager op (or of a bound
 * gradient) is compiled once per structural key (eagerKey.ts), per backend, with its non-scalar constants
 * as parameters, then run with the constants' values as arguments; the compile pipeline is skipped.
 *
 * Memory stays bounded: each backend keeps at most `MAX_ENTRIES` programs, least recently used dropped
 * first; and since a compiled program may keep the arrays it last ran with (the Executable contract allows
 * it), the cache counts at most `MAX_HELD_BYTES` of arguments and never keeps a program whose arguments
 * take more than `MAX_ENTRY_BYTES` (its compile time is small next to its work).
 */
import type { Backend, Executable } from '../backend.js';
import { runGraph, prepare, toConstNodes } from '../compile/run.js';
import { lengthOf } from '../device.js';
import { bytesPer } from '../ir/dtype.js';
import { makeGraph, substitute } from '../ir/graph.js';
import { type ConstNode, makeParamNode, type Node, type ParamNode } from '../ir/node.js';
import { type EagerGraph, eagerGraph } from './eagerKey.js';

/** Programs kept per backend. */
export const MAX_ENTRIES = 256;

/** Bytes of arguments the programs of one backend's cache may hold in all. */
export const MAX_HELD_BYTES = 32 * 2 ** 20;

/** A program whose arguments take more bytes than this is compiled for each call, as before, and not kept. */
export const MAX_ENTRY_BYTES = 4 * 2 ** 20;

interface Entry {
  readonly exe: Executable;
  /** The bytes of its arguments (what it may hold after a run). */
  readonly bytes: number;
  /** When it was last used, on its cache's clock. */
  used: number;
}

/** One backend's programs; the least recently used are dropped first. */
class ProgramCache {
  private readonly entries = new Map<string, Entry>();
  private held = 0;
  private clock = 0;

  get size(): number {
    return this.entries.size;
  }

  get heldBytes(): number {
    return this.held;
  }

  /** The program under `key`, marked as used now. */
  get(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined) entry.used = ++this.clock;
    return entry;
  }

  /** Keeps `entry` under `key`, dropping the least recently used programs until both bounds hold. */
  put(key: string, entry: Entry): void {
    entry.used = ++this.clock;
    this.entries.set(key, entry);
    this.held += entry.bytes;
    while (this.entries.size > MAX_ENTRIES || this.held > MAX_HELD_BYTES) this.dropOldest();
  }

  /** Drops the least recently used program (a scan: it runs only when a program was just compiled). */
  private dropOldest(): void {
    let oldest: string | undefined;
    let at = Infinity;
    for (const [key, e] of this.entries) {
      if (e.used < at) {
        at = e.used;
        oldest = key;
      }
    }
    const entry = this.entries.get(oldest as string) as Entry;
    this.entries.delete(oldest as string);
    this.held -= entry.bytes;
  }
}

const caches = new WeakMap<Backend, ProgramCache>();

function cacheOf(backend: Backend): ProgramCache {
  let cache = caches.get(backend);
  if (cache === undefined) {
    cache = new ProgramCache();
    caches.set(backend, cache);
  }
  return cache;
}

/** How many programs `backend`'s cache keeps now, and the bytes of arguments they may hold (for tests). */
export function eagerCacheStats(backend: Backend): { readonly programs: number; readonly heldBytes: number } {
  const cache = caches.get(backend);
  return { programs: cache?.size ?? 0, heldBytes: cache?.heldBytes ?? 0 };
}

const argumentBytes = (leaves: readonly ConstNode[]): number =>
  leaves.reduce((sum, l) => sum + lengthOf(l.value) * bytesPer[l.type.dtype], 0);

/** The program computing `outputs` with each of `graph.leaves` replaced by a parameter, in order. */
function compileParameterised(outputs: readonly Node[], graph: EagerGraph, backend: Backend): Executable {
  const params: ParamNode[] = graph.leaves.map((l) => makeParamNode(l.type));
  const bound = substitute(outputs, new Map<Node, Node>(graph.leaves.map((l, i) => [l, params[i] as ParamNode])));
  return prepare(makeGraph(params, bound), backend);
}

/** Computes param-free `nodes` on `backend`, through the cache when their graph has a key. */
export function evaluateCached(nodes: readonly Node[], backend: Backend): ConstNode[] {
  const graph = eagerGraph(nodes);
  if (graph === undefined) return runGraph(makeGraph([], nodes), [], backend);
  const cache = cacheOf(backend);
  let entry = cache.get(graph.key);
  if (entry === undefined) {
    const bytes = argumentBytes(graph.leaves);
    entry = { exe: compileParameterised(nodes, graph, backend), bytes, used: 0 };
    if (bytes <= MAX_ENTRY_BYTES) cache.put(graph.key, entry);
  }
  return toConstNodes(nodes, entry.exe.run(graph.leaves.map((l) => l.value)));
}
