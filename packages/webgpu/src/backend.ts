/// <reference types="@webgpu/types" />
/**
 * @file The WebGPU backend: a kernel backend whose programs run as WGSL compute passes. Running a
 * program submits the work and returns at once with device arrays; reading them back
 * (`await t.dataAsync()`) waits for the GPU and raises any error the work met.
 */
import { BackendError, Tensor } from '@xent/core';
import {
  declareSignature,
  ir,
  type KernelBackend,
  LINEAR_LOGITS_TILE,
  linearLogitsMinElementsOption,
  linearLogitsTileSchema,
  publicFn,
  s,
} from '@xent/core/internal';
import { chunkElements } from './codegen/buffers.js';
import { acquireDevice, type AcquireOptions, type DeviceLimits } from './runtime/acquire.js';
import { compileOnGpu } from './runtime/executable.js';
import { compileLoopOnGpu } from './runtime/loopExecutable.js';
import { GpuRuntime, type RuntimeStats } from './runtime/runtime.js';

export interface WebGpuOptions extends AcquireOptions {
  /**
   * Caps below the device's own limits: binding size and workgroups per dimension. Work beyond
   * them is split, so lower caps exercise the splitting on small inputs (tests use this).
   */
  readonly caps?: Partial<Pick<DeviceLimits, 'maxStorageBufferBindingSize' | 'maxComputeWorkgroupsPerDimension'>>;
  /** Bytes of freed buffers kept for reuse (default 512 MiB); beyond that they are destroyed. */
  readonly maxPooledBytes?: number;
  /**
   * From how many logits a product h·Wᵀ read only row-wise (cross-entropy, log-softmax) is computed
   * by the fused linear-logit kernels, which never store it (default 2²², measured faster fused from
   * there on lavapipe; `Infinity`: never).
   */
  readonly linearLogitsMinElements?: number;
  /**
   * Logits in one tile of the fused linear-logit kernels, an integer in [1, 2²⁴] (default 2²², 16
   * MiB of f32): the gradient pass walks the vocabulary in chunks of at most this many logits (in
   * multiples of 64 columns, at least one), and the paired value-and-gradient kernel takes blocks of
   * whole logit rows of at most a tile (at least 64 rows) while a 64-row block of the vocabulary
   * holds at most 4 tiles (else the two passes). Results agree across tiles to f32 rounding (the
   * `chunkInvariant` law certifies it); a smaller tile needs less scratch memory.
   */
  readonly linearLogitsTile?: number;
}

/** The default of `linearLogitsMinElements`. */
const GPU_LINEAR_LOGITS_MIN_ELEMENTS = 2 ** 22;

export interface WebGpuBackend extends KernelBackend {
  /** The device the backend runs on (its adapter's limits requested). */
  readonly device: GPUDevice;
  readonly limits: DeviceLimits;
  /** The adapter, in words. */
  readonly adapterName: string;
  /** Buffers in use (now and at their peak) and in the pool, and compiled pipelines. */
  stats(): RuntimeStats;
  /** Starts a new measurement of `stats().peakLiveBytes` from the bytes live now. */
  resetPeak(): void;
  /** Resolves when all work submitted so far has finished. */
  sync(): Promise<void>;
  /** A copy of a tensor's values on this device (for inputs reused across calls, e.g. parameters). */
  upload<T extends Tensor>(t: T): T;
  /** Destroys the pooled (unused) buffers. */
  trim(): void;
  /** Destroys the device and everything on it; using the backend or its arrays afterwards is an error. */
  dispose(): void;
}

/** The smallest binding cap: one chunk of 64 elements (binding offsets are 256-byte aligned). */
const MIN_BINDING_BYTES = 256;

/** Whether `v` looks like a GPU object (it has `requestAdapter`). */
const isGpu = (v: unknown): v is GPU =>
  typeof v === 'object' && v !== null && typeof (v as { requestAdapter?: unknown }).requestAdapter === 'function';

const webgpuParams = {
  options: s.options({
    gpu: s.optional(
      s.custom(
        "a GPU object (navigator.gpu, or the webgpu package's create([]))",
        isGpu,
        // valid for the check only: it has no adapter, so webgpu then says so
        () => ({ requestAdapter: () => Promise.resolve(null) }) as unknown as GPU,
      ),
    ),
    powerPreference: s.optional(s.oneOf(['low-power', 'high-performance'])),
    caps: s.options({
      maxStorageBufferBindingSize: s.optional(s.number({ min: MIN_BINDING_BYTES, integer: true })),
      maxComputeWorkgroupsPerDimension: s.optional(s.number({ min: 1, integer: true })),
    }),
    maxPooledBytes: s.optional(s.number({ min: 0 })),
    linearLogitsMinElements: s.optional(s.number({ min: 0 })),
    linearLogitsTile: s.optional(linearLogitsTileSchema),
  }),
};

async function webgpuImpl(options: WebGpuOptions = {}): Promise<WebGpuBackend> {
  const linearLogitsMinElements = linearLogitsMinElementsOption(
    'webgpu',
    options.linearLogitsMinElements,
    GPU_LINEAR_LOGITS_MIN_ELEMENTS,
  );
  const acquired = await acquireDevice(options);
  const { device, adapterName } = acquired;
  const limits: DeviceLimits = { ...acquired.limits };
  for (const [k, cap] of Object.entries(options.caps ?? {}) as [keyof DeviceLimits, number | undefined][]) {
    if (cap !== undefined) limits[k] = Math.min(limits[k], cap);
  }
  const runtime = new GpuRuntime(
    device,
    limits,
    'webgpu',
    options.maxPooledBytes ?? 512 * 2 ** 20,
    options.linearLogitsTile ?? LINEAR_LOGITS_TILE,
  );
  return {
    kind: 'kernel',
    name: 'webgpu',
    linearLogitsMinElements,
    kernelLimits: {
      maxBindings: limits.maxStorageBuffersPerShaderStage,
      maxBindingBytes: chunkElements(limits.maxStorageBufferBindingSize) * 4,
    },
    device,
    limits,
    adapterName,
    compile: (program) => compileOnGpu(program, runtime),
    compileLoop: (loop) => compileLoopOnGpu(loop, runtime),
    stats: () => runtime.stats(),
    resetPeak: () => {
      runtime.pool.resetPeak();
    },
    sync: async () => {
      runtime.checkAlive('sync');
      await device.queue.onSubmittedWorkDone();
    },
    upload: publicFn('upload', { t: s.tensor() }, <T extends Tensor>(t: T): T => {
      runtime.checkAlive('upload');
      if (t.onDevice) return t;
      const { dtype, shape } = t.node.type;
      if (dtype === 'f64') {
        throw new BackendError(
          'upload',
          `xent.upload: f64 is not supported on WebGPU (WGSL has no f64); got a f64[${shape.join(', ')}] tensor: cast it to f32 first`,
        );
      }
      const data = t.data();
      const array = runtime.array(runtime.upload(data, dtype, 'an upload'), dtype, data.length, Promise.resolve());
      return new Tensor(ir.build.constant(array, shape, dtype)) as T;
    }),
    trim: () => {
      runtime.pool.trim();
    },
    dispose: () => {
      runtime.dispose();
    },
  };
}

const checked = publicFn('webgpu', webgpuParams, webgpuImpl);

/**
 * A WebGPU backend on a new device (Dawn in Node, navigator.gpu in browsers, or `options.gpu`). Bad
 * options reject the promise with an XentError naming the option.
 */
export const webgpu = async (...args: Parameters<typeof webgpuImpl>): Promise<WebGpuBackend> => checked(...args);

declareSignature(webgpu, 'webgpu', webgpuParams);
