/**
 * @file A compiled program on the GPU: every kernel rendered and its pipelines built at compile
 * time; each run uploads host arguments, takes temporaries from the pool, encodes all launches in
 * one command buffer and submits it without waiting. Outputs are device arrays whose reads wait
 * for the run and raise its errors (validation, out of memory, a bad index), and the failed index
 * checks of the device arrays it read.
 */
import { BackendError, DeviceDataError, type Program, ResourceError } from '@xent/core';
import {
  type ArrayData,
  type BufferInfo,
  checkProgramArgs,
  type Executable,
  formatKernel,
  isDeviceArray,
  programLaunches,
} from '@xent/core/internal';
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
  readonly checks: boolean;
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

/** The arguments' checks, before anything is allocated. */
function checkArgs(params: readonly BufferInfo[], args: readonly ArrayData[], runtime: GpuRuntime): void {
  checkProgramArgs(params, args);
  for (const b of params) {
    const i = b.source.kind === 'param' ? b.source.index : 0;
    const arg = args[i] as ArrayData;
    if (isDeviceArray(arg)) deviceBuffer(arg, runtime, b, `argument 'args[${i}]'`);
  }
}

export function compileOnGpu(program: Program, runtime: GpuRuntime): Executable {
  runtime.checkAlive('webgpu');
  checkProgram(program, runtime);
  const maxBinding = runtime.limits.maxStorageBufferBindingSize;
  const { result: launches, errors: compileErrors } = guarded(runtime.device, 'webgpu', 'the compiled kernels', () =>
    // a row group's members run one after another
    programLaunches(program).flatMap((s): CompiledLaunch[] => {
      const rendered = renderKernel(s.kernel, maxBinding);
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
      const checks = rendered.passes.some((p) => p.bindings.some((b) => b.buffer === 'status'));
      return [{ passes, specs: rendered.buffers, ids: [...s.inputs, ...s.outputs], checks }];
    }),
  );
  const checks = launches.some((l) => l.checks);
  const params = program.buffers.filter((b) => b.source.kind === 'param');
  const consts = new Map<number, GPUBuffer>();
  // device constants pass on their index checks like device arguments
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
  const owned = [...consts.values(), ...(status === undefined ? [] : [status])];
  const self: Executable = {
    run(args: readonly ArrayData[]): ArrayData[] {
      runtime.checkAlive('run');
      checkArgs(params, args, runtime);
      const buffers = new Map<number, GPUBuffer>(consts);
      const returned: GPUBuffer[] = [];
      const inputs: GpuArray[] = [...deviceConsts];
      const { errors, result: outputs } = guarded(runtime.device, 'run', 'a program', () => {
        for (const b of params) {
          const i = b.source.kind === 'param' ? b.source.index : 0;
          const arg = args[i] as ArrayData;
          if (isDeviceArray(arg)) {
            buffers.set(b.id, deviceBuffer(arg, runtime, b, `argument 'args[${i}]'`));
            if (arg instanceof GpuArray) inputs.push(arg);
          } else {
            const buffer = runtime.upload(arg, b.dtype, `argument ${i}`);
            buffers.set(b.id, buffer);
            returned.push(buffer);
          }
        }
        const slotBuffers = program.slots.map((s, i) => runtime.take('storage', s.dtype, s.size, `temporary ${i}`));
        returned.push(...slotBuffers);
        const outputIds = new Set<number>(program.buffers.filter((b) => b.source.kind === 'output').map((b) => b.id));
        for (const b of program.buffers) {
          if (b.source.kind === 'temp') buffers.set(b.id, slotBuffers[b.source.slot] as GPUBuffer);
          if (outputIds.has(b.id)) buffers.set(b.id, runtime.take('storage', b.dtype, b.size, 'an output'));
        }
        const encoder = runtime.device.createCommandEncoder();
        if (status !== undefined) encoder.clearBuffer(status);
        for (const launch of launches) {
          const scratch = launch.specs
            .filter((s) => s.role === 'scratch')
            .map((s) => runtime.take('storage', s.dtype, s.size, 'reduction partials'));
          returned.push(...scratch);
          const bound = [...launch.ids.map((id) => buffers.get(id) as GPUBuffer), ...scratch];
          for (const { pass, pipeline, layout, grid } of launch.passes) {
            if (pass.workgroups === 0) continue;
            const group = runtime.bindGroup(
              layout,
              pass.bindings.map((b) => ({
                buffer: b.buffer === 'status' ? (status as GPUBuffer) : (bound[b.buffer] as GPUBuffer),
                offset: b.offsetBytes,
                size: b.sizeBytes,
              })),
            );
            const compute = encoder.beginComputePass();
            compute.setPipeline(pipeline);
            compute.setBindGroup(0, group);
            compute.dispatchWorkgroups(grid[0], grid[1]);
            compute.end();
          }
        }
        // Outputs that are parameters, constants or repeated get their own copy.
        const claimed = new Set<number>();
        const outs = program.outputs.map((id) => {
          const info = program.buffers[id] as BufferInfo;
          const src = buffers.get(id) as GPUBuffer;
          if (outputIds.has(id) && !claimed.has(id)) {
            claimed.add(id);
            return { buffer: src, info };
          }
          const copy = runtime.take('storage', info.dtype, info.size, 'an output');
          if (info.size > 0) encoder.copyBufferToBuffer(src, 0, copy, 0, info.size * 4);
          return { buffer: copy, info };
        });
        let statusRead: GPUBuffer | undefined;
        if (status !== undefined) {
          statusRead = runtime.pool.take('staging', 16, 'the index-check status');
          encoder.copyBufferToBuffer(status, 0, statusRead, 0, 16);
        }
        runtime.device.queue.submit([encoder.finish()]);
        return { outs, statusRead };
      });
      for (const buffer of returned) runtime.pool.give('storage', buffer);
      // A rejected kernel or run is reported before any index-check status (a failed run never wrote its
      // own); then the checks of the runs that computed the device inputs, then this run's status.
      const own = statusCheck(runtime, outputs.statusRead);
      const checks = IndexChecks.of(
        inputs.map((a) => a.checks),
        status === undefined ? undefined : firstFailure([compileErrors, errors, own]),
      );
      const ready = firstFailure([compileErrors, errors, checks?.settled ?? own]);
      ready.catch(() => undefined);
      return outputs.outs.map(({ buffer, info }) => runtime.array(buffer, info.dtype, info.size, ready, checks));
    },
  };
  executables.register(self, { runtime, owned });
  return self;
}

/** Constants and the status buffer go back to the pool when their executable is collected. */
const executables = new FinalizationRegistry<{ runtime: GpuRuntime; owned: GPUBuffer[] }>(({ runtime, owned }) => {
  for (const b of owned) runtime.pool.give('storage', b);
});

/** The buffer of a device array passed to a program: it must be this runtime's, live, of the right dtype. */
function deviceBuffer(arg: ArrayData, runtime: GpuRuntime, b: BufferInfo, what: string): GPUBuffer {
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
