/**
 * @file Small host arrays carved from shared 8 KiB ArrayBuffers, as Node carves small Buffers from
 * its pool: V8 gives a typed array over 64 bytes a buffer of its own, which costs 1–3 µs to allocate
 * and collect, where a view on an existing buffer costs 20 ns. Tensors keep such arrays (results a
 * backend copies out, small inputs); `data()` never returns one (its array is the caller's to keep
 * or transfer, so it owns its buffer).
 */
import {
  allocHost,
  bytesPer,
  type DType,
  dtypeOfHost,
  type HostArray,
  hostArrayOver,
  type HostArrayOf,
} from './ir/dtype.js';

/** Bytes of one pool buffer. */
export const POOL_BYTES = 8192;

/** Arrays from this many bytes up to half a pool are carved from it (smaller ones V8 keeps on its heap cheaply). */
const POOLED_FROM = 65;

/** Offsets in the pool are multiples of this (every dtype's element size divides it). */
const POOL_ALIGN = 16;

let pool = new ArrayBuffer(POOL_BYTES);
let used = 0;

/** A zero-filled array of `size` elements of `dtype`: a view on the current pool when it is small, else its own. */
export function pooledHost<D extends DType>(dtype: D, size: number): HostArrayOf[D];
export function pooledHost(dtype: DType, size: number): HostArray {
  const bytes = size * bytesPer[dtype];
  if (bytes < POOLED_FROM || bytes > POOL_BYTES / 2) return allocHost(dtype, size);
  if (used + bytes > POOL_BYTES) {
    pool = new ArrayBuffer(POOL_BYTES);
    used = 0;
  }
  const at = used;
  used += Math.ceil(bytes / POOL_ALIGN) * POOL_ALIGN;
  return hostArrayOver(dtype, pool, at, size);
}

/** A copy of `values` in a pooled array (see `pooledHost`). */
export function pooledCopy<A extends HostArray>(values: A): A {
  const out = pooledHost(dtypeOfHost(values) as DType, values.length);
  out.set(values);
  return out as A;
}
