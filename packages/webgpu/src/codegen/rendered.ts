/** @file What codegen hands the runtime: WGSL passes over a kernel's buffers. */
import type { Binding, BufferSpec } from './buffers.js';

/** One compute dispatch: its source, its bindings and how many workgroups it runs (numbered flat). */
export interface KernelPass {
  readonly code: string;
  readonly bindings: readonly Binding[];
  readonly workgroups: number;
}

/** A kernel as one or more passes over its buffers (inputs, outputs, then scratch the runtime allocates). */
export interface RenderedKernel {
  readonly passes: readonly KernelPass[];
  readonly buffers: readonly BufferSpec[];
}

/** The invocation's flat workgroup number over a 2-D grid (counts over 65 535 spill into y). */
export const flatWorkgroup = 'let wg = i32(wid.y * nwg.x + wid.x);';

/** The entry point's builtins. */
export const entryParams =
  '@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u';
