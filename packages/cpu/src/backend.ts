/**
 * @file The fast CPU backend: a kernel backend that lays a program's buffers out in one shared
 * memory and runs each kernel as generated code over it.
 */
import { BackendError, type DType, type HostArray, type Program } from '@xent/core';
import {
  type ArrayData,
  bytesPer,
  checkProgramArgs,
  dtypeOfHost,
  fail,
  groupLocalBuffers,
  hostArrayOf,
  type BufferInfo,
  type Executable,
  type Kernel,
  type KernelBackend,
  LINEAR_LOGITS_TILE,
  linearLogitsMinElementsOption,
  linearLogitsTileSchema,
  overLimit,
  pooledCopy,
  publicFn,
  s,
} from '@xent/core/internal';
import { compileKernel, type KernelFn } from './codegen/compileKernel.js';
import { arenaLayout, checkFits, view } from './memory.js';
import {
  allocateBlock,
  freeBlock,
  MIN_RESIDENT_BYTES,
  type MemoryUsage,
  memoryUsage,
  residentArray,
  residentMemory,
  residentOffset,
} from './heap/resident.js';
import { wasmMapKernel, wasmMatmulKernel } from './wasm/compile.js';
import { wasmFeatures, type WasmFeatures } from './wasm/features.js';
import { matmulPanels, matmulScratchBytes, matmulVectorisable } from './wasm/matmulKernel.js';
import { availableThreads, runSplit, startedWorkers } from './threads/pool.js';
import { borrowSharedArena, returnSharedArena } from './heap/runArena.js';
import { tiledLinearLogits } from './linalg/tiledLinearLogits.js';
import { groupBuffers, rowChain, rowGroupRunner, type StepRunner } from './wasm/rowChain.js';

/** The host arrays of the arguments, checked against the program's parameters (count and element counts). */
function checkArgs(params: readonly BufferInfo[], data: readonly ArrayData[]): HostArray[] {
  const args = data.map((d, i) => hostArrayOf(d, 'run', `args[${i}]`));
  checkProgramArgs(params, args);
  return args;
}

/** Below this much work (elements or multiply-adds) a kernel is not worth splitting across threads. */
const SPLIT_WORK = 1 << 16;

function runnerFor(kernel: Kernel, options: Required<CpuOptions>): StepRunner {
  if (options.simd && kernel.kind === 'map') {
    const wasm = wasmMapKernel(kernel, options.relaxedSimd);
    if (wasm !== undefined) {
      const rows = kernel.shape[0] ?? 1;
      const work = kernel.shape.concat(kernel.reduce?.shape ?? []).reduce((a, b) => a * b, 1);
      // A 1-D elementwise kernel splits its vector loop: ranges must start at multiples of 4.
      const align = kernel.shape.length === 1 && kernel.reduce === undefined ? 4 : 1;
      const threads = kernel.shape.length > 0 && work >= SPLIT_WORK ? options.threads : 1;
      return {
        run: (_views, offsets) => {
          runSplit(wasm, offsets, rows, threads, align);
        },
        readsViews: false,
      };
    }
  }
  if (options.simd && kernel.kind === 'matmul') {
    const wasm = wasmMatmulKernel(kernel, false, options.relaxedSimd);
    if (wasm !== undefined) {
      const threads = kernel.m * kernel.n * kernel.k >= 4 * SPLIT_WORK ? options.threads : 1;
      return {
        run: (_views, offsets, scratch) => {
          runSplit(wasm, offsets, matmulPanels(kernel), threads, 1, scratch);
        },
        readsViews: false,
      };
    }
  }
  if (options.simd && kernel.kind === 'linearLogits') {
    const tiled = tiledLinearLogits(kernel, options.threads, options.relaxedSimd, options.linearLogitsTile);
    if (tiled !== undefined)
      return {
        run: (views, offsets, scratch) => {
          tiled.run(views, offsets, scratch);
        },
        readsViews: true,
      };
  }
  const js: KernelFn = compileKernel(kernel);
  return {
    run: (views) => {
      js(...views);
    },
    readsViews: true,
  };
}

/** Scratch bytes a kernel's SIMD runner needs (matmul packing, linear-logit tiles). */
function scratchBytesOf(kernel: Kernel, options: Required<CpuOptions>): number {
  if (kernel.kind === 'matmul') return matmulVectorisable(kernel) ? matmulScratchBytes(kernel) : 0;
  if (kernel.kind === 'linearLogits')
    return tiledLinearLogits(kernel, options.threads, options.relaxedSimd, options.linearLogitsTile)?.scratchBytes ?? 0;
  return 0;
}

/** The view of a temporary a row chain keeps in its scratch (no runner reads it through a view). */
const NO_VIEW: HostArray = new Float32Array(0);

/** A buffer's place in one run: its byte offset and a typed-array view of it. */
interface Placed {
  offset: number;
  view: HostArray;
}

function compileProgram(program: Program, options: Required<CpuOptions>): Executable {
  const { simd } = options;
  // the row groups that run as one WebAssembly chain, and the temporaries those keep in their scratch
  const chains = program.steps.map((s, i) =>
    s.kind === 'rowGroup' && simd ? rowChain(s, options.relaxedSimd, groupLocalBuffers(program, i)) : undefined,
  );
  const inScratch = new Set(chains.flatMap((c) => (c === undefined ? [] : [...c.locals])));
  const runners = program.steps.map((s, i) =>
    s.kind === 'launch'
      ? runnerFor(s.kernel, options)
      : s.kind === 'rowGroup'
        ? rowGroupRunner(s, chains[i], options.threads, (k) => runnerFor(k, options), SPLIT_WORK)
        : undefined,
  );
  const scratchBytes = program.steps.reduce(
    (most, s, i) =>
      Math.max(
        most,
        s.kind === 'launch' && simd
          ? scratchBytesOf(s.kernel, options)
          : (chains[i]?.threadBytes ?? 0) * options.threads,
      ),
    0,
  );
  // a slot holds only temporaries the chains keep in their scratch: it needs no bytes
  const slotUsed = program.slots.map(() => false);
  for (const b of program.buffers) if (b.source.kind === 'temp' && !inScratch.has(b.id)) slotUsed[b.source.slot] = true;
  const arena = arenaLayout(program, scratchBytes, MIN_RESIDENT_BYTES, slotUsed);
  checkFits(program, arena);
  const params = program.buffers.filter((b) => b.source.kind === 'param');
  // each launch's buffers, and the arrays its views and offsets are gathered into for a run (a run
  // is synchronous: one set per launch serves every run)
  const launchOf = (ids: readonly number[], runner: StepRunner) => ({
    ids,
    runner,
    views: ids.map((): HostArray => new Float32Array(0)),
    offsets: ids.map(() => 0),
  });
  const launches = program.steps.flatMap((s, i) =>
    s.kind === 'launch'
      ? [launchOf([...s.inputs, ...s.outputs], runners[i] as StepRunner)]
      : s.kind === 'rowGroup'
        ? [launchOf(groupBuffers(s), runners[i] as StepRunner)]
        : [],
  );
  // A result is returned as the buffer the program wrote it to when that buffer is its own: not an
  // argument, a constant or a temporary, and not a result already returned.
  const ownsResult = program.outputs.map(
    (b, i) => program.buffers[b]?.source.kind === 'output' && program.outputs.indexOf(b) === i,
  );
  // Views of the previous run, reused while a buffer keeps its offset (a shared memory never moves).
  const placed: (Placed | undefined)[] = program.buffers.map(() => undefined);
  const place = (b: BufferInfo, offset: number): HostArray => {
    const known = placed[b.id];
    if (known?.offset === offset) return known.view;
    const v = view(b.dtype, offset, b.size);
    placed[b.id] = { offset, view: v };
    return v;
  };
  // Each buffer's offset and view in the last run: temporaries keep theirs while the arena's base does
  // (the shared arena's never changes), arguments, constants and results are placed by each run.
  const offsets: number[] = program.buffers.map(() => 0);
  const views: HostArray[] = program.buffers.map(() => NO_VIEW);
  // temporaries with their offsets in the arena; arguments and constants with where their values come from
  const temps = program.buffers.flatMap((b) =>
    b.source.kind === 'temp' && !inScratch.has(b.id) ? [{ b, at: arena.slotOffsets[b.source.slot] as number }] : [],
  );
  const inputs = program.buffers.flatMap((b): { b: BufferInfo; param: number; constant: ArrayData | undefined }[] =>
    b.source.kind === 'param'
      ? [{ b, param: b.source.index, constant: undefined }]
      : b.source.kind === 'const'
        ? [{ b, param: -1, constant: b.source.data }]
        : [],
  );
  let tempsBase = -1;
  return {
    run(data: readonly ArrayData[]): HostArray[] {
      const args = checkArgs(params, data);
      // blocks this run holds until it ends: its own arena, and copies of arrays that are neither resident nor staged
      const held: number[] = [];
      const results: (HostArray | undefined)[] = [];
      const hold = (bytes: number): number => {
        const offset = allocateBlock(bytes);
        held.push(offset);
        return offset;
      };
      const shared = borrowSharedArena(arena.bytes);
      try {
        const base = shared ?? hold(arena.bytes);
        if (base !== tempsBase) {
          for (const { b, at } of temps) {
            offsets[b.id] = base + at;
            views[b.id] = place(b, base + at);
          }
          tempsBase = base;
        }
        for (const { b, param, constant } of inputs) {
          const host = constant === undefined ? (args[param] as HostArray) : hostArrayOf(constant, 'run', 'constant');
          const at = residentOffset(host);
          const staged = arena.staged[b.id];
          if (at !== undefined) {
            offsets[b.id] = at;
            views[b.id] = host;
          } else {
            offsets[b.id] = staged === undefined ? hold(host.byteLength) : base + staged;
            views[b.id] = place(b, offsets[b.id] as number);
            views[b.id]?.set(host);
          }
        }
        program.outputs.forEach((b, i) => {
          if (!(ownsResult[i] as boolean)) return;
          const info = program.buffers[b] as BufferInfo;
          const staged = arena.staged[b];
          const resident = staged === undefined ? residentArray(info.dtype, info.size, 'result') : undefined;
          results[i] = resident;
          offsets[b] =
            resident !== undefined
              ? (residentOffset(resident) as number)
              : staged === undefined
                ? hold(info.size * bytesPer[info.dtype])
                : base + staged;
          views[b] = resident ?? place(info, offsets[b]);
        });
        for (const l of launches) {
          const readsViews = l.runner.readsViews;
          for (let k = 0; k < l.ids.length; k++) {
            const b = l.ids[k] as number;
            if (readsViews) l.views[k] = views[b] as HostArray;
            l.offsets[k] = offsets[b] as number;
          }
          l.runner.run(l.views, l.offsets, base + arena.scratch);
        }
        return program.outputs.map((b, i) => results[i] ?? copyOut(views[b] as HostArray));
      } catch (e) {
        for (const r of results) if (r !== undefined) residentMemory.release(r);
        throw e;
      } finally {
        for (const offset of held) freeBlock(offset);
        if (shared !== undefined) returnSharedArena();
        // keep no array of this run's arguments or results reachable: they are freed once the caller drops them
        for (const { b } of inputs) views[b.id] = NO_VIEW;
        for (const b of program.outputs) views[b] = NO_VIEW;
        for (const l of launches) if (l.runner.readsViews) l.views.fill(NO_VIEW);
      }
    },
  };
}

/** A result copied out of a buffer that is not its own: into a resident array when there is room, else an ordinary one (pooled when small). */
function copyOut(values: HostArray): HostArray {
  const out = residentArray(dtypeOfHost(values) as DType, values.length, 'result');
  if (out === undefined) return pooledCopy(values);
  out.set(values);
  return out;
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
  /**
   * Logits in one tile of the SIMD linear-logit kernels, an integer in [1, 2²⁴] (default 2²², 16 MiB
   * of f32): the vocabulary is walked in chunks of at most this many logits (at least 8 columns), and
   * the paired value-and-gradient kernel in blocks of whole logit rows of up to 4 tiles (chunks where
   * a block would hold fewer than 8 rows). Results agree across tiles to f32 rounding (the
   * `chunkInvariant` law certifies it); a smaller tile needs less scratch memory.
   */
  readonly linearLogitsTile?: number;
}

/** A CPU backend, and the optional WebAssembly features its runtime has. */
export interface CpuBackend extends KernelBackend {
  readonly features: WasmFeatures;
  /** What the memory shared by every CPU backend holds now (resident tensors and running programs' buffers). */
  memoryUsage(): MemoryUsage;
  /**
   * Worker threads started and ready, shared by every CPU backend: none until a kernel is first
   * split, and none where threads cannot start (kernels then run on the calling thread).
   */
  startedWorkers(): number;
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
    linearLogitsTile: options.linearLogitsTile ?? LINEAR_LOGITS_TILE,
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
      linearLogitsTile: s.optional(linearLogitsTileSchema),
    }),
  },
  (options: CpuOptions = {}): CpuBackend => {
    const features = wasmFeatures();
    const resolved = cpuOptions(options, features);
    const { simd, threads, linearLogitsMinElements } = resolved;
    const name = simd ? (threads === 1 ? 'cpu-1thread' : 'cpu') : 'cpu-js';
    return {
      kind: 'kernel',
      name,
      features,
      linearLogitsMinElements,
      // the SIMD row chains keep a group's own temporaries a block of rows at a time, in cache
      rowLocalTemporaries: simd,
      hostMemory: residentMemory,
      memoryUsage,
      startedWorkers,
      compile: (p) => compileProgram(p, resolved),
    };
  },
);

/** The default backend of `xent`: SIMD kernels, all cores. */
export const cpuBackend: CpuBackend = createCpuBackend();

/** Every kernel as generated JavaScript, one thread (no WebAssembly). */
export const cpuJsBackend: CpuBackend = createCpuBackend({ simd: false, threads: 1 });
