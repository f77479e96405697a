/**
 * @file Tensor data resident in the CPU backend's WebAssembly memory: blocks from one allocator,
 * handed out as typed-array views that programs read in place and write their results into. A
 * block is freed when its view is disposed, or once the garbage collector has found the view
 * unreachable. That second way waits for the event loop (FinalizationRegistry callbacks are tasks;
 * no JavaScript can observe a collection synchronously), so the program results one task (a
 * synchronous loop that never disposes) keeps resident are bounded by `taskResultBudget`: past it
 * its results are ordinary arrays the collector frees (copied out: slower, never wrong). Data the
 * user puts in (`x.tensor`, `zeros`) is bounded by `MAX_RESIDENT_BYTES` alone.
 */
import type { DType, HostArray } from '@xent/core';
import { bytesPer, type HostMemory, registerHostMemory } from '@xent/core/internal';
import { Allocator } from './allocator.js';
import { ensureMemory, MAX_MEMORY_BYTES, memory, view } from '../memory.js';

/**
 * Live resident bytes past which new results are ordinary arrays (copied out of the memory): half
 * the memory (2 GiB of a 32-bit one, 8 GiB of a 64-bit one), the rest left to programs' buffers.
 */
export const MAX_RESIDENT_BYTES = MAX_MEMORY_BYTES / 2;

/**
 * Arrays smaller than this are ordinary arrays: copying them in and out costs less than a block
 * and its finalizer (scalars, small batches).
 */
export const MIN_RESIDENT_BYTES = 4096;

/** Resident result bytes one task may allocate and keep (not disposed): at least this much… */
export const TASK_RESIDENT_BYTES = 2 ** 28;

/** …and at least two results of the size asked for, so that a step's result as large as its input stays resident. */
export const taskResultBudget = (bytes: number): number => Math.max(TASK_RESIDENT_BYTES, 2 * bytes);

/** Bytes below this offset are never handed out (address 0 stays unused). */
const BASE = 64;

const allocator = new Allocator(BASE);

/** One resident block: a program result made in task `task` (or data: task -1), `freed` once it went back to the allocator. */
interface Block {
  readonly offset: number;
  readonly bytes: number;
  readonly task: number;
  freed: boolean;
}

/** What a resident array holds: a program's result (counted in the task's budget) or data the user put in. */
export type ResidentUse = 'result' | 'data';

const blockOf = new WeakMap<HostArray, Block>();

/** The task now running (counted by a timer that fires once the event loop turns) and the result bytes it keeps resident. */
let task = 0;
let taskBytes = 0;
let taskEndScheduled = false;

function noteTask(): void {
  if (taskEndScheduled) return;
  taskEndScheduled = true;
  const timer = setTimeout(() => {
    task++;
    taskBytes = 0;
    taskEndScheduled = false;
  }, 0) as { unref?: () => void } | number;
  if (typeof timer === 'object') timer.unref?.();
}

function freeOnce(block: Block): void {
  if (block.freed) return;
  block.freed = true;
  if (block.task === task) taskBytes -= block.bytes;
  allocator.free(block.offset);
}

const collected = new FinalizationRegistry<Block>(freeOnce);

/** A block of at least `bytes` bytes, the memory grown to hold it; a ResourceError when the system cannot give that much. */
export function allocateBlock(bytes: number): number {
  const offset = allocator.allocate(bytes);
  try {
    ensureMemory(allocator.top);
  } catch (e) {
    allocator.free(offset);
    throw e;
  }
  return offset;
}

/** Returns a block from `allocateBlock`. */
export function freeBlock(offset: number): void {
  allocator.free(offset);
}

/** Whether `bytes` more resident bytes stay within `MAX_RESIDENT_BYTES`. */
export const residentRoom = (bytes: number): boolean =>
  allocator.live + Allocator.blockBytes(bytes) <= MAX_RESIDENT_BYTES;

/**
 * A resident array of `size` elements of `dtype` (contents unspecified) for `use`, owned by its
 * view: freed when the view is disposed or collected. Undefined below `MIN_RESIDENT_BYTES`, past
 * `MAX_RESIDENT_BYTES`, or for a result past the task's budget.
 */
export function residentArray(dtype: DType, size: number, use: ResidentUse): HostArray | undefined {
  const bytes = Allocator.blockBytes(size * bytesPer[dtype]);
  if (bytes < MIN_RESIDENT_BYTES || !residentRoom(bytes)) return undefined;
  if (use === 'result' && taskBytes + bytes > taskResultBudget(bytes)) return undefined;
  const offset = allocateBlock(bytes);
  const array = view(dtype, offset, size);
  if (use === 'result') {
    noteTask();
    taskBytes += bytes;
  }
  const block: Block = { offset, bytes, task: use === 'result' ? task : -1, freed: false };
  blockOf.set(array, block);
  collected.register(array, block, block);
  return array;
}

/** The byte offset of a live resident array in the memory (undefined for any other array). */
export function residentOffset(array: HostArray): number | undefined {
  const block = blockOf.get(array);
  return block === undefined || block.freed ? undefined : block.offset;
}

/**
 * What the CPU backend's memory holds: bytes in live blocks (resident tensors, a running program's
 * buffers), its size, and the size it can grow to (16 GiB where the runtime has memory64, else 4 GiB).
 */
export interface MemoryUsage {
  readonly liveBytes: number;
  readonly memoryBytes: number;
  readonly maxMemoryBytes: number;
}

export const memoryUsage = (): MemoryUsage => ({
  liveBytes: allocator.live,
  memoryBytes: memory.buffer.byteLength,
  maxMemoryBytes: MAX_MEMORY_BYTES,
});

/** The CPU backends' host memory (one shared WebAssembly memory serves them all): data the user puts in. */
export const residentMemory: HostMemory = {
  allocate: (dtype, size) => residentArray(dtype, size, 'data'),
  release(array) {
    const block = blockOf.get(array);
    if (block === undefined) return false;
    collected.unregister(block);
    freeOnce(block);
    return true;
  },
};

registerHostMemory(residentMemory);
