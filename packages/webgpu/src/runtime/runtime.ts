/**
 * @file One device's runtime: buffers (through the pool), pipelines cached by WGSL source, uploads
 * and readbacks, and the translation of every GPU failure (validation, out of memory, device loss,
 * use after dispose) into an XentError raised where the user next touches the data.
 */
import { BackendError, type DType, type HostArray, ResourceError } from '@xent/core';
import { allocHost } from '@xent/core/internal';
import type { Binding } from '../codegen/buffers.js';
import type { DeviceLimits } from './acquire.js';
import { computeStage, mapRead } from './flags.js';
import { type BufferKind, BufferPool, type PoolStats } from './pool.js';
import { GpuArray } from './gpuArray.js';
import type { IndexChecks } from './indexChecks.js';

/** Resolves after `ms` milliseconds (setTimeout exists in Node and browsers; the lib types here have no DOM). */
const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    (globalThis as unknown as { setTimeout(f: () => void, ms: number): unknown }).setTimeout(resolve, ms);
  });

/** Bind groups kept for reuse. */
const BIND_GROUP_CACHE = 512;

export interface RuntimeStats extends PoolStats {
  /** Compiled compute pipelines (one per distinct WGSL source). */
  readonly pipelines: number;
}

/** How a bool is stored: one u32 per element. */
const storageCopy = (data: HostArray, dtype: DType): ArrayBufferView<ArrayBuffer> =>
  (dtype === 'bool' ? Uint32Array.from(data as Uint8Array) : data) as ArrayBufferView<ArrayBuffer>;

export class GpuRuntime {
  readonly pool: BufferPool;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  /** Bind groups by layout and bound ranges, least recently used first (a loop rebinds the same pooled buffers). */
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;
  /** Why the device is gone, once it is (lost or destroyed). */
  lostReason: string | undefined;
  private disposedBackend = false;

  constructor(
    readonly device: GPUDevice,
    readonly limits: DeviceLimits,
    readonly name: string,
    maxPooledBytes: number,
    /** Logits per tile of the fused linear-logit kernels (the backend's `linearLogitsTile`). */
    readonly linearLogitsTile: number,
  ) {
    this.pool = new BufferPool(device, limits.maxBufferSize, maxPooledBytes);
    void device.lost.then((info) => {
      this.lostReason ??= `${info.reason}${info.message === '' ? '' : `: ${info.message}`}`;
    });
  }

  /** Throws if the device can no longer run work. */
  checkAlive(fn: string): void {
    if (this.disposedBackend) {
      throw new BackendError(
        fn,
        `xent.${fn}: this ${this.name} backend was disposed; create another with await webgpu()`,
      );
    }
    if (this.lostReason !== undefined) throw this.lostError(fn);
  }

  lostError(fn: string): BackendError {
    return new BackendError(
      fn,
      `xent.${fn}: the ${this.name} device was lost (${this.lostReason ?? 'unknown'}); results computed on it are gone, create a new backend with await webgpu()`,
    );
  }

  take(kind: BufferKind, dtype: DType, size: number, what: string): GPUBuffer {
    return this.pool.take(kind, size * 4, `${what} (${dtype}[${size}])`);
  }

  /** A device array holding a copy of host data. */
  upload(data: HostArray, dtype: DType, what: string): GPUBuffer {
    const buffer = this.take('storage', dtype, data.length, what);
    if (data.length > 0) this.device.queue.writeBuffer(buffer, 0, storageCopy(data, dtype));
    return buffer;
  }

  /** The bind group layout for a list of bindings (read-only storage where the shader only reads). */
  layoutFor(bindings: readonly Binding[]): GPUBindGroupLayout {
    const kinds = bindings.map((b) => (b.readOnly ? 'read-only-storage' : 'storage'));
    const key = kinds.join(',');
    let layout = this.layouts.get(key);
    if (layout === undefined) {
      layout = this.device.createBindGroupLayout({
        entries: kinds.map((type, binding) => ({ binding, visibility: computeStage, buffer: { type } })),
      });
      this.layouts.set(key, layout);
    }
    return layout;
  }

  private idOf(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(o, id);
    }
    return id;
  }

  /**
   * The bind group of these buffer ranges, reused while cached: every bind group holds native
   * descriptors until it is collected, and creating one per launch in a long loop of small steps
   * exhausts them (Dawn on lavapipe crashed after about 60 000).
   */
  bindGroup(
    layout: GPUBindGroupLayout,
    ranges: readonly { buffer: GPUBuffer; offset: number; size: number }[],
  ): GPUBindGroup {
    const key = `${this.idOf(layout)}|${ranges.map((r) => `${this.idOf(r.buffer)}:${r.offset}:${r.size}`).join(',')}`;
    let group = this.bindGroups.get(key);
    if (group === undefined) {
      group = this.device.createBindGroup({
        layout,
        entries: ranges.map((resource, binding) => ({ binding, resource })),
      });
      if (this.bindGroups.size >= BIND_GROUP_CACHE) {
        const oldest = this.bindGroups.keys().next().value;
        if (oldest !== undefined) this.bindGroups.delete(oldest);
      }
    } else {
      this.bindGroups.delete(key);
    }
    this.bindGroups.set(key, group);
    return group;
  }

  /** The pipeline for a WGSL source (compiled once per runtime). */
  pipelineFor(code: string, layout: GPUBindGroupLayout): GPUComputePipeline {
    let pipeline = this.pipelines.get(code);
    if (pipeline === undefined) {
      const module = this.device.createShaderModule({ code });
      pipeline = this.device.createComputePipeline({
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
      });
      this.pipelines.set(code, pipeline);
    }
    return pipeline;
  }

  /** Workgroup counts (x, y) for a flat count: x up to the per-dimension limit, the rest in y. */
  grid(workgroups: number): [number, number] {
    const most = this.limits.maxComputeWorkgroupsPerDimension;
    if (workgroups === 0) return [0, 0];
    const x = Math.min(workgroups, most);
    const y = Math.ceil(workgroups / x);
    if (y > most) {
      throw new ResourceError(
        'webgpu',
        `xent.webgpu: a kernel needs ${workgroups} workgroups, over the ${most}×${most} this device can dispatch (maxComputeWorkgroupsPerDimension squared)`,
        workgroups,
        most * most,
        'maxComputeWorkgroupsPerDimension²',
      );
    }
    return [x, y];
  }

  /**
   * Copies `size` elements of `buffer` to the host after `ready` settles (it rejects with the
   * error of the work that produced the data). The copy is queued now, so the buffer may be
   * reused by later work right away.
   */
  read(buffer: GPUBuffer, dtype: DType, size: number, ready: Promise<void>): Promise<HostArray> {
    this.checkAlive('dataAsync');
    if (size === 0) return ready.then(() => allocHost(dtype, 0));
    const bytes = size * 4;
    const staging = this.pool.take('staging', bytes, `a readback of ${dtype}[${size}]`);
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    // wait for the map before anything else, so the staging buffer is never pooled while mapping
    const mapped = staging.mapAsync(mapRead, 0, bytes).then(
      () => undefined,
      (cause: unknown) => cause,
    );
    return (async () => {
      const mapFailure = await mapped;
      try {
        await ready;
        if (mapFailure !== undefined)
          throw await this.failure('dataAsync', `reading ${dtype}[${size}] back`, mapFailure);
        const raw = staging.getMappedRange(0, bytes);
        const out = allocHost(dtype, size);
        if (dtype === 'bool') (out as Uint8Array).set(new Uint32Array(raw));
        else new Uint8Array(out.buffer, out.byteOffset, bytes).set(new Uint8Array(raw));
        return out;
      } finally {
        if (staging.mapState === 'mapped') staging.unmap();
        if (mapFailure === undefined) this.pool.give('staging', staging);
      }
    })();
  }

  /**
   * The error for GPU work that failed: device loss (whose report may arrive just after the
   * failure it caused), disposal, or the failure itself.
   */
  async failure(fn: string, what: string, cause: unknown): Promise<BackendError> {
    if (this.lostReason === undefined && !this.disposedBackend) {
      await Promise.race([this.device.lost, delay(100)]);
    }
    if (this.disposedBackend) {
      return new BackendError(fn, `xent.${fn}: this ${this.name} backend was disposed before ${what} finished`, {
        cause,
      });
    }
    if (this.lostReason !== undefined) return this.lostError(fn);
    return new BackendError(fn, `xent.${fn}: ${what} failed`, { cause });
  }

  /** Wraps an output buffer as a device array (with the index checks its values depend on). */
  array(buffer: GPUBuffer, dtype: DType, size: number, ready: Promise<void>, checks?: IndexChecks): GpuArray {
    return new GpuArray(this, buffer, dtype, size, ready, checks);
  }

  stats(): RuntimeStats {
    return { ...this.pool.stats(), pipelines: this.pipelines.size };
  }

  dispose(): void {
    if (this.disposedBackend) return;
    this.disposedBackend = true;
    this.pool.trim();
    this.pipelines.clear();
    this.bindGroups.clear();
    this.device.destroy();
  }
}

/** Error scopes around work: validation and out-of-memory errors become a rejected promise. */
export function guarded<T>(
  device: GPUDevice,
  fn: string,
  what: string,
  work: () => T,
): { result: T; errors: Promise<void> } {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  const pop = (): Promise<void> => {
    const validation = device.popErrorScope();
    const oom = device.popErrorScope();
    const errors = Promise.all([validation, oom]).then(([v, o]) => {
      if (o !== null) {
        throw new BackendError(fn, `xent.${fn}: the device ran out of memory while running ${what}: ${o.message}`);
      }
      if (v !== null) throw new BackendError(fn, `xent.${fn}: WebGPU rejected ${what}: ${v.message}`);
    });
    // surfaced where the results are read; never an unhandled rejection
    errors.catch(() => undefined);
    return errors;
  };
  let result: T;
  try {
    result = work();
  } catch (e) {
    void pop();
    throw e;
  }
  return { result, errors: pop() };
}
