/**
 * @file Host memory a backend's programs read and write in place (the CPU backend's WebAssembly
 * memory): tensors made on the host are put there, and disposing the last tensor that holds an array
 * frees its block at once. Arrays freed so are remembered, so a later use is an error rather than a
 * read of memory that may already hold another tensor.
 */
import { BackendError } from './errors.js';
import { type DType, dtypeOfHost, type HostArray } from './ir/dtype.js';
import { pooledCopy, pooledHost } from './hostPool.js';

/** Memory that hands out host arrays its backend's programs read in place, without a copy. */
export interface HostMemory {
  /**
   * An array of `size` elements of `dtype` in this memory (its contents unspecified), or undefined
   * when the memory keeps no more (the caller then uses an ordinary array).
   */
  allocate(dtype: DType, size: number): HostArray | undefined;
  /** Frees `array` now when this memory allocated it (true); false for arrays it does not own. */
  release(array: HostArray): boolean;
}

const memories = new Set<HostMemory>();

/** Makes a memory known to `releaseHost` (backends register theirs when loaded). */
export function registerHostMemory(memory: HostMemory): void {
  memories.add(memory);
}

const disposed = new WeakSet<HostArray>();

/** A zero-filled host array of `dtype` in `memory` when it has room, else an ordinary one (pooled when small). */
export function hostZeros(memory: HostMemory | undefined, dtype: DType, size: number): HostArray {
  const a = memory?.allocate(dtype, size);
  if (a === undefined) return pooledHost(dtype, size);
  a.fill(0);
  return a;
}

/** A copy of `values` in `memory` when it has room, else an ordinary copy (pooled when small). */
export function hostCopy(memory: HostMemory | undefined, values: HostArray): HostArray {
  const a = memory?.allocate(dtypeOfHost(values) as DType, values.length);
  if (a === undefined) return pooledCopy(values);
  a.set(values);
  return a;
}

/** How many tensors hold each array (tensors share arrays: interned scalars, results that are their arguments). */
const claims = new WeakMap<HostArray, number>();

/** Whether `array` lies in a shared memory (where resident arrays live; browsers without cross-origin isolation have none). */
const inSharedMemory = (array: HostArray): boolean =>
  typeof SharedArrayBuffer === 'function' && array.buffer instanceof SharedArrayBuffer;

/** A tensor now holds `array` (counted only where it may be resident: other arrays are never freed by dispose). */
export function claimHost(array: HostArray): void {
  if (inSharedMemory(array)) claims.set(array, (claims.get(array) ?? 0) + 1);
}

/**
 * A tensor holding `array` was disposed: once every tensor holding it was, its memory is freed now
 * (in whichever memory owns it) and later uses of the array are errors.
 */
export function releaseHost(array: HostArray): void {
  const left = (claims.get(array) ?? 1) - 1;
  claims.set(array, left);
  if (left > 0) return;
  for (const m of memories) {
    if (m.release(array)) {
      disposed.add(array);
      return;
    }
  }
}

/** Whether `array` was disposed. */
export const isDisposedHost = (array: HostArray): boolean => disposed.has(array);

/** A BackendError when `array` was freed (or `disposedHere`: the tensor asked about was disposed): `fn` was asked to read or use it. */
export function checkNotDisposed(array: HostArray, fn: string, what: string, disposedHere = false): void {
  if (disposedHere || disposed.has(array)) {
    throw new BackendError(
      fn,
      `xent.${fn}: ${what} was disposed (t.dispose() or 'using'); its memory is freed, it cannot be read or used again`,
    );
  }
}
