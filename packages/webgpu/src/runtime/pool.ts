/**
 * @file The buffer pool: GPU buffers by kind and byte size, handed out and taken back, so a loop
 * that runs the same program allocates nothing after its first iteration. Counts what is in use
 * and what waits in the pool (`stats()`); beyond a byte cap, returned buffers are destroyed.
 */
import { ResourceError } from '@xent/core';
import { usage } from './flags.js';

export type BufferKind = 'storage' | 'staging';

const usageOf: Record<BufferKind, number> = {
  storage: usage.storage | usage.copySrc | usage.copyDst,
  staging: usage.mapRead | usage.copyDst,
};

/** Buffer sizes are rounded up to this many bytes (binding offsets need 256-byte alignment). */
const GRANULE = 256;

/**
 * Free buffers kept per kind and size. Work submitted faster than it completes returns many
 * buffers at once (readbacks of index-check status, say); beyond this many they are destroyed.
 */
export const POOL_PER_SIZE = 8;

export interface PoolStats {
  /** Buffers handed out and not yet returned (tensors on the device, constants, work in flight). */
  readonly liveBuffers: number;
  readonly liveBytes: number;
  /** The most live bytes at once since the pool was made or `resetPeak` was called. */
  readonly peakLiveBytes: number;
  /** Buffers waiting in the pool for reuse. */
  readonly pooledBuffers: number;
  readonly pooledBytes: number;
}

export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private live = 0;
  private liveBytes = 0;
  private peakLiveBytes = 0;
  private pooled = 0;
  private pooledBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBufferSize: number,
    private readonly maxPooledBytes: number,
  ) {}

  /** Bytes a buffer for `bytes` bytes really takes. */
  static sizeFor(bytes: number): number {
    return Math.max(GRANULE, Math.ceil(bytes / GRANULE) * GRANULE);
  }

  /** A buffer of at least `bytes` bytes (`what` names it in the over-limit error). */
  take(kind: BufferKind, bytes: number, what: string): GPUBuffer {
    const size = BufferPool.sizeFor(bytes);
    if (size > this.maxBufferSize) {
      throw new ResourceError(
        'webgpu',
        `xent.webgpu: ${what} needs ${size} bytes, over this device's maxBufferSize of ${this.maxBufferSize} bytes`,
        size,
        this.maxBufferSize,
        'maxBufferSize',
      );
    }
    const list = this.free.get(`${kind}:${size}`);
    const reused = list?.pop();
    this.live++;
    this.liveBytes += size;
    this.peakLiveBytes = Math.max(this.peakLiveBytes, this.liveBytes);
    if (reused !== undefined) {
      this.pooled--;
      this.pooledBytes -= size;
      return reused;
    }
    return this.device.createBuffer({ size, usage: usageOf[kind] });
  }

  /** Takes a buffer back (work already submitted that uses it runs first: the queue is ordered). */
  give(kind: BufferKind, buffer: GPUBuffer): void {
    const size = buffer.size;
    this.live--;
    this.liveBytes -= size;
    const key = `${kind}:${size}`;
    const list = this.free.get(key) ?? [];
    if (this.pooledBytes + size > this.maxPooledBytes || list.length >= POOL_PER_SIZE) {
      buffer.destroy();
      return;
    }
    list.push(buffer);
    this.free.set(key, list);
    this.pooled++;
    this.pooledBytes += size;
  }

  /** Starts a new peak measurement from the bytes live now. */
  resetPeak(): void {
    this.peakLiveBytes = this.liveBytes;
  }

  /** Destroys the pooled buffers. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooled = 0;
    this.pooledBytes = 0;
  }

  stats(): PoolStats {
    return {
      liveBuffers: this.live,
      liveBytes: this.liveBytes,
      peakLiveBytes: this.peakLiveBytes,
      pooledBuffers: this.pooled,
      pooledBytes: this.pooledBytes,
    };
  }
}
