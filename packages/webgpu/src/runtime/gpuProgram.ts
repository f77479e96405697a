/**
 * @file A program's kernels compiled on the device, in pieces a run puts together: its pipelines and
 * constants (made once), the buffers of its temporaries and outputs, the bind groups of its launches
 * over those buffers, their encoding into a command encoder, and the settling of a run's outputs.
 */
import { BackendError, DeviceDataError, type Program, ResourceError } from '@xent/core';
import { type ArrayData, type BufferInfo, formatKernel, isDeviceArray, programLaunches } from '@xent/core/internal';
import type { BufferSpec } from '../codegen/buffers.js';
import type { KernelPass } from '../codegen/rendered.js';
import { renderKernel } from '../codegen/renderKernel.js';
import { mapRead } from './flags.js';
import { GpuArray } from './gpuArray.js';
import { firstFailure, IndexChecks, statusError } from './indexChecks.js';
import { guarded, type GpuRuntime } from './runtime.js';

interface CompiledPass {
  readonly pass: KernelPass;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  /** Workgroups dispatched in x and y. */
  readonly grid: readonly [number, number];
}

interface CompiledLaunch {
  readonly passes: readonly CompiledPass[];
  readonly specs: readonly BufferSpec[];
  /** Program buffer ids of the kernel's inputs then outputs. */
  readonly ids: readonly number[];
}

/** A program compiled on the device: its launches, parameter buffers, uploaded constants and status buffer. */
export interface GpuProgram {
  readonly program: Program;
  readonly launches: readonly CompiledLaunch[];
  /** Rejects with the error of building the pipelines, if any. */
  readonly compileErrors: Promise<void>;
  readonly params: readonly BufferInfo[];
  /** The buffers of the program's constants, by buffer id. */
  readonly consts: ReadonlyMap<number, GPUBuffer>;
  /** Constants that are device arrays: their index checks pass on like a device argument's. */
  readonly deviceConsts: readonly GpuArray[];
  /** The index-check status buffer, when a kernel checks indices. */
  readonly status: GPUBuffer | undefined;
  /** The buffers the program owns (constants, status): returned to the pool when its executable is collected. */
  readonly owned: readonly GPUBuffer[];
}

/** One dispatch, bound: what encoding it needs. */
export interface BoundPass {
  readonly pipeline: GPUComputePipeline;
  readonly group: GPUBindGroup;
  readonly grid: readonly [number, number];
}

/** Refuses what the GPU cannot run: f64 data, and buffers over the device's size limit. */
function checkProgram(program: Program, runtime: GpuRuntime): void {
  const f64 = program.buffers.find((b) => b.dtype === 'f64');
  if (f64 !== undefined) {
    throw new BackendError(
      'webgpu',
      `xent.webgpu: f64 is not supported on WebGPU (WGSL has no f64); got a f64[${f64.size}] ${f64.source.kind === 'param' ? `argument ${f64.source.index}` : 'value'}: cast to f32 first, or run on the CPU backend`,
    );
  }
  const most = runtime.limits.maxBufferSize;
  for (const b of [...program.buffers, ...program.slots]) {
    if (b.size * 4 > most) {
      throw new ResourceError(
        'webgpu',
        `xent.webgpu: a ${b.dtype}[${b.size}] buffer needs ${b.size * 4} bytes, over this device's maxBufferSize of ${most} bytes`,
        b.size * 4,
        most,
        'maxBufferSize',
      );
    }
  }
}

/** Renders every kernel of `program`, builds its pipelines and uploads its constants. */
export function compileGpuProgram(program: Program, runtime: GpuRuntime): GpuProgram {
  runtime.checkAlive('webgpu');
  checkProgram(program, runtime);
  const maxBinding = runtime.limits.maxStorageBufferBindingSize;
  const { result: launches, errors: compileErrors } = guarded(runtime.device, 'webgpu', 'the compiled kernels', () =>
    // a row group's members run one after another
    programLaunches(program).map((s): CompiledLaunch => {
      const rendered = renderKernel(s.kernel, maxBinding, runtime.linearLogitsTile);
      const passes = rendered.passes.map((pass) => {
        if (pass.bindings.length > runtime.limits.maxStorageBuffersPerShaderStage) {
          throw new ResourceError(
            'webgpu',
            `xent.webgpu: a kernel needs ${pass.bindings.length} storage bindings, over this device's maxStorageBuffersPerShaderStage of ${runtime.limits.maxStorageBuffersPerShaderStage}: ${formatKernel(s.kernel)}`,
            pass.bindings.length,
            runtime.limits.maxStorageBuffersPerShaderStage,
            'maxStorageBuffersPerShaderStage',
          );
        }
        const layout = runtime.layoutFor(pass.bindings);
        return { pass, layout, pipeline: runtime.pipelineFor(pass.code, layout), grid: runtime.grid(pass.workgroups) };
      });
      return { passes, specs: rendered.buffers, ids: [...s.inputs, ...s.outputs] };
    }),
  );
  const checks = launches.some((l) => l.passes.some((p) => p.pass.bindings.some((b) => b.buffer === 'status')));
  const consts = new Map<number, GPUBuffer>();
  const deviceConsts: GpuArray[] = [];
  for (const b of program.buffers) {
    if (b.source.kind !== 'const') continue;
    const data = b.source.data;
    if (data instanceof GpuArray) deviceConsts.push(data);
    consts.set(
      b.id,
      isDeviceArray(data) ? deviceBuffer(data, runtime, b, 'a constant') : runtime.upload(data, b.dtype, 'a constant'),
    );
  }
  const status = checks ? runtime.take('storage', 'i32', 4, 'the index-check status') : undefined;
  return {
    program,
    launches,
    compileErrors,
    params: program.buffers.filter((b) => b.source.kind === 'param'),
    consts,
    deviceConsts,
    status,
    owned: [...consts.values(), ...(status === undefined ? [] : [status])],
  };
}

/** Constants and the status buffer go back to the pool when the executable holding them is collected. */
const executables = new FinalizationRegistry<{ runtime: GpuRuntime; owned: readonly GPUBuffer[] }>(
  ({ runtime, owned }) => {
    for (const b of owned) runtime.pool.give('storage', b);
  },
);

/** Ties the buffers `gp` owns to `holder`: they return to the pool once it is collected. */
export function holdProgram(holder: object, gp: GpuProgram, runtime: GpuRuntime): void {
  executables.register(holder, { runtime, owned: gp.owned });
}

/** The buffer of a device array passed to a program: it must be this runtime's, live, of the right dtype. */
export function deviceBuffer(arg: ArrayData, runtime: GpuRuntime, b: BufferInfo, what: string): GPUBuffer {
  if (!(arg instanceof GpuArray) || arg.runtime !== runtime) {
    const where = isDeviceArray(arg) ? arg.backend : 'the host';
    throw new DeviceDataError(
      'run',
      `xent.run: ${what} expected data on this ${runtime.name} device, got data on another device (${where}); read it back with await t.dataAsync() first`,
    );
  }
  if (arg.dtype !== b.dtype) {
    throw new BackendError('run', `xent.run: ${what} expected ${b.dtype} data, got ${arg.dtype}`);
  }
  return arg.bufferFor('run');
}

/** The buffer argument `i` is bound to (`b` its parameter): a device array's own, or an upload (pushed on `returned`). */
export function argumentBuffer(
  runtime: GpuRuntime,
  arg: ArrayData,
  b: BufferInfo,
  i: number,
  inputs: GpuArray[],
  returned: GPUBuffer[],
): GPUBuffer {
  if (isDeviceArray(arg)) {
    if (arg instanceof GpuArray) inputs.push(arg);
    return deviceBuffer(arg, runtime, b, `argument 'args[${i}]'`);
  }
  const buffer = runtime.upload(arg, b.dtype, `argument ${i}`);
  returned.push(buffer);
  return buffer;
}

/**
 * Adds the buffers of the program's constants, temporaries (taken from the pool and pushed on
 * `returned`) and outputs (fresh: the caller returns or keeps them) to `buffers`, which holds its parameters'.
 */
export function bindTemporaries(
  gp: GpuProgram,
  runtime: GpuRuntime,
  buffers: Map<number, GPUBuffer>,
  returned: GPUBuffer[],
): void {
  for (const [id, b] of gp.consts) buffers.set(id, b);
  const slots = gp.program.slots.map((s, i) => runtime.take('storage', s.dtype, s.size, `temporary ${i}`));
  returned.push(...slots);
  for (const b of gp.program.buffers) {
    if (b.source.kind === 'temp') buffers.set(b.id, slots[b.source.slot] as GPUBuffer);
    if (b.source.kind === 'output') buffers.set(b.id, runtime.take('storage', b.dtype, b.size, 'an output'));
  }
}

/** Every dispatch of the program over `buffers` (every buffer id bound), its reduction scratch taken once (pushed on `returned`). */
export function bindLaunches(
  gp: GpuProgram,
  runtime: GpuRuntime,
  buffers: ReadonlyMap<number, GPUBuffer>,
  returned: GPUBuffer[],
): BoundPass[] {
  return gp.launches.flatMap((launch) => {
    const scratch = launch.specs
      .filter((s) => s.role === 'scratch')
      .map((s) => runtime.take('storage', s.dtype, s.size, 'reduction partials'));
    returned.push(...scratch);
    const bound = [...launch.ids.map((id) => buffers.get(id) as GPUBuffer), ...scratch];
    return launch.passes
      .filter(({ pass }) => pass.workgroups !== 0)
      .map(({ pass, pipeline, layout, grid }) => ({
        pipeline,
        grid,
        group: runtime.bindGroup(
          layout,
          pass.bindings.map((b) => ({
            buffer: b.buffer === 'status' ? (gp.status as GPUBuffer) : (bound[b.buffer] as GPUBuffer),
            offset: b.offsetBytes,
            size: b.sizeBytes,
          })),
        ),
      }));
  });
}

/** Encodes the bound dispatches, one compute pass each. */
export function encodePasses(encoder: GPUCommandEncoder, passes: readonly BoundPass[]): void {
  for (const { pipeline, group, grid } of passes) {
    const compute = encoder.beginComputePass();
    compute.setPipeline(pipeline);
    compute.setBindGroup(0, group);
    compute.dispatchWorkgroups(grid[0], grid[1]);
    compute.end();
  }
}

/** Queues the copy of the run's index-check status to a staging buffer (none when the program checks nothing). */
export function copyStatus(gp: GpuProgram, runtime: GpuRuntime, encoder: GPUCommandEncoder): GPUBuffer | undefined {
  if (gp.status === undefined) return undefined;
  const staging = runtime.pool.take('staging', 16, 'the index-check status');
  encoder.copyBufferToBuffer(gp.status, 0, staging, 0, 16);
  return staging;
}

/**
 * When a run's outputs are ready, and the index checks they carry. A rejected kernel or run is reported
 * before any index-check status (a failed run never wrote its own); then the checks of the runs that
 * computed the device inputs, then this run's status.
 */
export function settleRun(
  gp: GpuProgram,
  runtime: GpuRuntime,
  inputs: readonly GpuArray[],
  errors: Promise<void>,
  statusRead: GPUBuffer | undefined,
): { ready: Promise<void>; checks: IndexChecks | undefined } {
  const own = statusCheck(runtime, statusRead);
  const checks = IndexChecks.of(
    [...gp.deviceConsts, ...inputs].map((a) => a.checks),
    gp.status === undefined ? undefined : firstFailure([gp.compileErrors, errors, own]),
  );
  const ready = firstFailure([gp.compileErrors, errors, checks?.settled ?? own]);
  ready.catch(() => undefined);
  return { ready, checks };
}

/** Reads the index-check status of a run: a bad index becomes the IndexError of its check. */
async function statusCheck(runtime: GpuRuntime, staging: GPUBuffer | undefined): Promise<void> {
  if (staging === undefined) return;
  try {
    await staging.mapAsync(mapRead, 0, 16);
  } catch (cause) {
    throw await runtime.failure('dataAsync', 'reading the index-check status', cause);
  }
  const failure = statusError(new Int32Array(staging.getMappedRange(0, 16).slice(0)));
  staging.unmap();
  runtime.pool.give('staging', staging);
  if (failure !== undefined) throw failure;
}
