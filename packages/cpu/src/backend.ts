/**
 * @file The fast CPU backend: a kernel backend that lays a program's buffers out in one shared
 * memory and runs each kernel as generated code over it.
 */
import { BackendError, type HostArray, type Program } from '@xent/core';
import {
  type ArrayData,
  checkProgramArgs,
  fail,
  hostArrayOf,
  type BufferInfo,
  type Executable,
  type Kernel,
  type KernelBackend,
  linearLogitsMinElementsOption,
  overLimit,
  publicFn,
  s,
} from '@xent/core/internal';
import { compileKernel, type KernelFn } from './codegen/compileKernel.js';
import { checkLayout, ensureMemory, layoutProgram, memory, view } from './memory.js';
import { wasmMapKernel, wasmMatmulKernel } from './wasm/compile.js';
import { wasmFeatures, type WasmFeatures } from './wasm/features.js';
import { matmulPanels, matmulScratchBytes, matmulVectorisable } from './wasm/matmulKernel.js';
import { availableThreads, runSplit } from './threads/pool.js';
import { tiledLinearLogits } from './linalg/tiledLinearLogits.js';

/** The host arrays of the arguments, checked against the program's parameters (count and element counts). */
function checkArgs(params: readonly BufferInfo[], data: readonly ArrayData[]): HostArray[] {
  const args = data.map((d, i) => hostArrayOf(d, 'run', `args[${i}]`));
  checkProgramArgs(params, args);
  return args;
}

/** Which executable ran last: its constants are still in place when it runs again. */
let lastRun: object | undefined;

/** Runs one launch given its buffers' views and byte offsets (inputs, then outputs) and the scratch offset. */
type Runner = (views: readonly HostArray[], offsets: readonly number[], scratch: number) => void;

/** Below this much work (elements or multiply-adds) a kernel is not worth splitting across threads. */
const SPLIT_WORK = 1 << 16;

function runnerFor(kernel: Kernel, options: Required<CpuOptions>): Runner {
  if (options.simd && kernel.kind === 'map') {
    const wasm = wasmMapKernel(kernel, options.relaxedSimd);
    if (wasm !== undefined) {
      const rows = kernel.shape[0] ?? 1;
      const work = kernel.shape.concat(kernel.reduce?.shape ?? []).reduce((a, b) => a * b, 1);
      // A 1-D elementwise kernel splits its vector loop: ranges must start at multiples of 4.
      const align = kernel.shape.length === 1 && kernel.reduce === undefined ? 4 : 1;
      const threads = kernel.shape.length > 0 && work >= SPLIT_WORK ? options.threads : 1;
      return (_views, offsets) => {
        runSplit(wasm, offsets, rows, threads, align);
      };
    }
  }
  if (options.simd && kernel.kind === 'matmul') {
    const wasm = wasmMatmulKernel(kernel, false, options.relaxedSimd);
    if (wasm !== undefined) {
      const threads = kernel.m * kernel.n * kernel.k >= 4 * SPLIT_WORK ? options.threads : 1;
      return (_views, offsets, scratch) => {
        runSplit(wasm, [...offsets, scratch], matmulPanels(kernel), threads, 1);
      };
    }
  }
  if (options.simd && kernel.kind === 'linearLogits') {
    const tiled = tiledLinearLogits(kernel, options.threads, options.relaxedSimd);
    if (tiled !== undefined)
      return (views, offsets, scratch) => {
        tiled.run(views, offsets, scratch);
      };
  }
  const js: KernelFn = compileKernel(kernel);
  return (views) => {
    js(...views);
  };
}

/** Scratch bytes a kernel's SIMD runner needs (matmul packing, linear-logit tiles). */
function scratchBytesOf(kernel: Kernel, options: Required<CpuOptions>): number {
  if (kernel.kind === 'matmul') return matmulVectorisable(kernel) ? matmulScratchBytes(kernel) : 0;
  if (kernel.kind === 'linearLogits')
    return tiledLinearLogits(kernel, options.threads, options.relaxedSimd)?.scratchBytes ?? 0;
  return 0;
}

function compileProgram(program: Program, options: Required<CpuOptions>): Executable {
  const { simd } = options;
  const runners = program.steps.map((s) => (s.kind === 'launch' ? runnerFor(s.kernel, options) : undefined));
  const scratchBytes = program.steps.reduce(
    (most, s) => (simd && s.kind === 'launch' ? Math.max(most, scratchBytesOf(s.kernel, options)) : most),
    0,
  );
  const layout = layoutProgram(program, scratchBytes);
  checkLayout(program, layout);
  const params = program.buffers.filter((b) => b.source.kind === 'param');
  const consts = program.buffers.filter((b) => b.source.kind === 'const');
  const launches = program.steps.flatMap((s, i) =>
    s.kind === 'launch' ? [{ ids: [...s.inputs, ...s.outputs], runner: runners[i] as Runner }] : [],
  );
  const offsets = launches.map((l) => l.ids.map((b) => layout.offsets[b] as number));
  // Views of the shared memory, rebuilt only when the memory has grown (its buffer object changes).
  let viewsOf: ArrayBuffer | SharedArrayBuffer | undefined;
  let buffers: HostArray[] = [];
  let launchViews: HostArray[][] = [];
  // Arguments of the previous run: an array passed again (tensors are immutable) is still in place
  // when no other program ran in between, and is not copied again.
  let lastArgs: readonly HostArray[] = [];
  const self = {
    run(data: readonly ArrayData[]): HostArray[] {
      const args = checkArgs(params, data);
      ensureMemory(layout.bytes);
      const fresh = viewsOf !== memory.buffer;
      if (fresh) {
        viewsOf = memory.buffer;
        buffers = program.buffers.map((b) => view(b.dtype, layout.offsets[b.id] as number, b.size));
        launchViews = launches.map((l) => l.ids.map((b) => buffers[b] as HostArray));
      }
      const inPlace = !fresh && lastRun === self;
      for (const b of params) {
        const i = b.source.kind === 'param' ? b.source.index : 0;
        if (!inPlace || lastArgs[i] !== args[i]) (buffers[b.id] as HostArray).set(args[i] as HostArray);
      }
      if (!inPlace) {
        for (const b of consts) {
          if (b.source.kind === 'const')
            (buffers[b.id] as HostArray).set(hostArrayOf(b.source.data, 'run', 'constant'));
        }
      }
      lastRun = self;
      lastArgs = args;
      launches.forEach((l, i) => {
        l.runner(launchViews[i] as HostArray[], offsets[i] as number[], layout.scratch);
      });
      return program.outputs.map((b) => (buffers[b] as HostArray).slice());
    },
  };
  return self;
}

export interface CpuOptions {
  /** Use WebAssembly SIMD kernels where they vectorise (default true); false: JavaScript only. */
  readonly simd?: boolean;
  /** Threads for large kernels (default: all cores; at most 256); results do not depend on it. */
  readonly threads?: number;
  /**
   * Relaxed SIMD multiply-adds (`f32x4.relaxed_madd`) in the SIMD exp, log and matmul (default:
   * where the runtime has them). Fused or not depending on the machine, so f32 results may differ
   * by one rounding between machines; false keeps the plain SIMD everywhere.
   */
  readonly relaxedSimd?: boolean;
  /**
   * From how many logits a product h·Wᵀ read only row-wise (cross-entropy, log-softmax) is computed
   * by the fused linear-logit kernels, which never store it (default 2²⁵, 128 MiB of f32; `Infinity`:
   * never). Below 2²⁵ the unfused SIMD kernels are as fast or up to 1.15× faster; from it, a loss
   * whose gradient pairs the fused kernels is faster fused (1.3× at 2²⁵). Lower it to trade speed for
   * memory, raise it to keep the logits.
   */
  readonly linearLogitsMinElements?: number;
}

/** A CPU backend, and the optional WebAssembly features its runtime has. */
export interface CpuBackend extends KernelBackend {
  readonly features: WasmFeatures;
}

/** The default of `linearLogitsMinElements` (measured with the SIMD kernels on all cores). */
const CPU_LINEAR_LOGITS_MIN_ELEMENTS = 2 ** 25;

/** The most worker threads one backend may use (each is a thread with its own stack and module instances). */
const MAX_THREADS = 256;

/** The options with their defaults filled in, checked against the runtime's `features`. */
export function cpuOptions(options: CpuOptions, features: WasmFeatures): Required<CpuOptions> {
  const { relaxedSimd, threads } = options;
  if (relaxedSimd === true && !features.relaxedSimd)
    fail(
      BackendError,
      'createCpuBackend',
      'relaxedSimd',
      'false or absent: this WebAssembly runtime has no relaxed SIMD',
      'true',
    );
  if (threads !== undefined && threads > MAX_THREADS)
    throw overLimit({
      fn: 'createCpuBackend',
      arg: 'threads',
      requested: threads,
      limit: MAX_THREADS,
      unit: 'threads',
      limitName: 'maxThreads: worker threads one CPU backend may run',
    });
  return {
    simd: options.simd ?? true,
    threads: threads ?? Math.min(availableThreads(), MAX_THREADS),
    relaxedSimd: relaxedSimd ?? features.relaxedSimd,
    linearLogitsMinElements: linearLogitsMinElementsOption(
      'createCpuBackend',
      options.linearLogitsMinElements,
      CPU_LINEAR_LOGITS_MIN_ELEMENTS,
    ),
  };
}

/** A CPU backend: fused kernels as WebAssembly SIMD where they vectorise, generated JavaScript elsewhere. */
export const createCpuBackend = publicFn(
  'createCpuBackend',
  {
    options: s.options({
      simd: s.optional(s.boolean),
      threads: s.optional(s.number({ min: 1, integer: true })),
      relaxedSimd: s.optional(s.boolean),
      linearLogitsMinElements: s.optional(s.number({ min: 0 })),
    }),
  },
  (options: CpuOptions = {}): CpuBackend => {
    const features = wasmFeatures();
    const resolved = cpuOptions(options, features);
    const { simd, threads, linearLogitsMinElements } = resolved;
    const name = simd ? (threads === 1 ? 'cpu-1thread' : 'cpu') : 'cpu-js';
    return { kind: 'kernel', name, features, linearLogitsMinElements, compile: (p) => compileProgram(p, resolved) };
  },
);

/** The default backend of `xent`: SIMD kernels, all cores. */
export const cpuBackend: CpuBackend = createCpuBackend();

/** Every kernel as generated JavaScript, one thread (no WebAssembly). */
export const cpuJsBackend: CpuBackend = createCpuBackend({ simd: false, threads: 1 });
