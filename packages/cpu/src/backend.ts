/**
 * @file The fast CPU backend: a kernel backend that lays a program's buffers out in one shared
 * memory and runs each kernel as generated code over it.
 */
import {
  allocHost,
  BackendError,
  type Executable,
  type HostArray,
  type Kernel,
  type KernelBackend,
  type Program,
} from '@xent/core';
import { compileKernel, type KernelFn } from './codegen/compileKernel.js';
import { ensureMemory, layoutProgram, view } from './memory.js';
import { wasmMapKernel, wasmMatmulKernel } from './wasm/compile.js';
import { matmulScratchBytes, matmulVectorisable } from './wasm/matmulKernel.js';

function checkArgs(program: Program, args: readonly HostArray[]): void {
  const params = program.buffers.filter((b) => b.source.kind === 'param');
  if (args.length !== params.length) {
    throw new BackendError(
      'run',
      `xent.run: argument 'args' expected ${params.length} arrays (one per graph parameter), got ${args.length}`,
    );
  }
  for (const b of params) {
    const i = b.source.kind === 'param' ? b.source.index : 0;
    if ((args[i] as HostArray).length !== b.size) {
      throw new BackendError(
        'run',
        `xent.run: argument 'args[${i}]' expected ${b.size} values for a ${b.dtype} parameter, got ${(args[i] as HostArray).length}`,
      );
    }
  }
}

/** Runs one launch given its buffers' views and byte offsets (inputs, then outputs) and the scratch offset. */
type Runner = (views: readonly HostArray[], offsets: readonly number[], scratch: number) => void;

function runnerFor(kernel: Kernel, simd: boolean): Runner {
  if (simd && kernel.kind === 'map') {
    const wasm = wasmMapKernel(kernel);
    const rows = kernel.shape[0] ?? 1;
    if (wasm !== undefined) {
      return (_views, offsets) => {
        wasm(...offsets, 0, rows);
      };
    }
  }
  if (simd && kernel.kind === 'matmul') {
    const wasm = wasmMatmulKernel(kernel);
    if (wasm !== undefined) {
      return (_views, offsets, scratch) => {
        wasm(...offsets, scratch, 0, kernel.m);
      };
    }
  }
  const js: KernelFn = compileKernel(kernel);
  return (views) => {
    js(...views);
  };
}

function compileProgram(program: Program, simd: boolean): Executable {
  const runners = program.steps.map((s) => (s.kind === 'launch' ? runnerFor(s.kernel, simd) : undefined));
  const scratchBytes = program.steps.reduce(
    (most, s) =>
      simd && s.kind === 'launch' && s.kernel.kind === 'matmul' && matmulVectorisable(s.kernel)
        ? Math.max(most, matmulScratchBytes(s.kernel))
        : most,
    0,
  );
  const layout = layoutProgram(program, scratchBytes);
  return {
    run(args) {
      checkArgs(program, args);
      ensureMemory(layout.bytes);
      const buffers = program.buffers.map((b) => view(b.dtype, layout.offsets[b.id] as number, b.size));
      for (const b of program.buffers) {
        const v = buffers[b.id] as HostArray;
        if (b.source.kind === 'param') v.set(args[b.source.index] as HostArray);
        else if (b.source.kind === 'const') v.set(b.source.data);
      }
      program.steps.forEach((s, i) => {
        if (s.kind !== 'launch') return;
        const ids = [...s.inputs, ...s.outputs];
        (runners[i] as Runner)(
          ids.map((b) => buffers[b] as HostArray),
          ids.map((b) => layout.offsets[b] as number),
          layout.scratch,
        );
      });
      return program.outputs.map((b) => {
        const out = allocHost(program.buffers[b]?.dtype ?? 'f32', program.buffers[b]?.size ?? 0);
        out.set(buffers[b] as HostArray);
        return out;
      });
    },
  };
}

/** Fused kernels as WebAssembly SIMD where they vectorise, generated JavaScript elsewhere: the default backend of `xent`. */
export const cpuBackend: KernelBackend = { kind: 'kernel', name: 'cpu', compile: (p) => compileProgram(p, true) };

/** The same backend with every kernel as generated JavaScript (no WebAssembly). */
export const cpuJsBackend: KernelBackend = { kind: 'kernel', name: 'cpu-js', compile: (p) => compileProgram(p, false) };
