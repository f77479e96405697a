/**
 * @file Which backend a function is traced for, so the trace stage rewrites it for that backend. The
 * outermost transform decides (jit: its `backend` option or the default backend; the others: the
 * default backend, which runs them); transforms traced inside it inherit its context.
 */
import { type Backend, defaultBackendIfSet } from '../backend.js';
import type { CompileOptions, TraceTarget } from '../compile/pipeline.js';

/** The target of the trace under way, and jit's `dump` hook (which sees the trace stage too). */
export interface TraceContext {
  readonly target: TraceTarget;
  readonly dump?: CompileOptions['dump'];
}

let current: TraceContext | undefined;

/** What the trace stage knows of `backend` (none: nothing is rewritten). */
export const targetOf = (backend: Backend | undefined): TraceTarget => ({
  linearLogitsMinElements: backend?.linearLogitsMinElements ?? Infinity,
});

/** The target's part of jit's cache key: traces for targets with different keys are never shared. */
export const targetKey = (target: TraceTarget): string => `linearLogitsMinElements=${target.linearLogitsMinElements}`;

/**
 * The context of the trace under way; outside any, a trace for `backend` (default: the default
 * backend) with the `dump` hook.
 */
export function traceContext(backend?: Backend, dump?: CompileOptions['dump']): TraceContext {
  if (current !== undefined) return current;
  const target = targetOf(backend ?? defaultBackendIfSet());
  return dump === undefined ? { target } : { target, dump };
}

/** Runs `trace` in `context`: the transforms it calls trace for the same target. */
export function tracingIn<T>(context: TraceContext, trace: () => T): T {
  const outer = current;
  current = context;
  try {
    return trace();
  } finally {
    current = outer;
  }
}
