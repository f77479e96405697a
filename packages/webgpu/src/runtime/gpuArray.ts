/**
 * @file Device arrays of the WebGPU backend: a pooled GPU buffer, the promise of the work that
 * fills it, the index checks its values depend on, and explicit disposal (a finalizer returns
 * buffers of arrays that were dropped).
 */
import { BackendError, type DType, type HostArray } from '@xent/core';
import type { DeviceArray } from '@xent/core/internal';
import type { IndexChecks } from './indexChecks.js';
import type { GpuRuntime } from './runtime.js';

interface Held {
  readonly runtime: GpuRuntime;
  readonly buffer: GPUBuffer;
  released: boolean;
}

function release(held: Held): void {
  if (held.released) return;
  held.released = true;
  held.runtime.pool.give('storage', held.buffer);
}

const finalizer = new FinalizationRegistry<Held>(release);

export class GpuArray implements DeviceArray {
  readonly kind = 'device';
  readonly backend: string;
  private readonly held: Held;

  constructor(
    readonly runtime: GpuRuntime,
    buffer: GPUBuffer,
    readonly dtype: DType,
    readonly size: number,
    /** Settles when the work producing the values has run and its index checks have passed (rejects with the error). */
    readonly ready: Promise<void>,
    /** The pending index checks of the runs the values were computed from, which programs reading them inherit. */
    readonly checks: IndexChecks | undefined,
  ) {
    this.backend = runtime.name;
    this.held = { runtime, buffer, released: false };
    finalizer.register(this, this.held, this);
  }

  get disposed(): boolean {
    return this.held.released;
  }

  /** The buffer, for work that reads it (an error after dispose). */
  bufferFor(fn: string): GPUBuffer {
    if (this.held.released) {
      throw new BackendError(
        fn,
        `xent.${fn}: this ${this.dtype}[${this.size}] array on ${this.backend} was disposed; it cannot be read or used again`,
      );
    }
    return this.held.buffer;
  }

  async read(): Promise<HostArray> {
    return this.runtime.read(this.bufferFor('dataAsync'), this.dtype, this.size, this.ready);
  }

  dispose(): void {
    finalizer.unregister(this);
    release(this.held);
  }
}
