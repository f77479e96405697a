/**
 * @file A compiled program on the GPU: every kernel rendered and its pipelines built at compile
 * time; each run uploads host arguments, takes temporaries from the pool, encodes all launches in
 * one command buffer and submits it without waiting. Outputs are device arrays whose reads wait
 * for the run and raise its errors (validation, out of memory, a bad index), and the failed index
 * checks of the device arrays it read.
 */
import type { Program } from '@xent/core';
import { type ArrayData, type BufferInfo, checkProgramArgs, type Executable, isDeviceArray } from '@xent/core/internal';
import type { GpuArray } from './gpuArray.js';
import {
  argumentBuffer,
  bindLaunches,
  bindTemporaries,
  compileGpuProgram,
  copyStatus,
  deviceBuffer,
  encodePasses,
  holdProgram,
  settleRun,
} from './gpuProgram.js';
import { guarded, type GpuRuntime } from './runtime.js';

/** The arguments' checks, before anything is allocated. */
export function checkArgs(params: readonly BufferInfo[], args: readonly ArrayData[], runtime: GpuRuntime): void {
  checkProgramArgs(params, args);
  for (const b of params) {
    const i = b.source.kind === 'param' ? b.source.index : 0;
    const arg = args[i] as ArrayData;
    if (isDeviceArray(arg)) deviceBuffer(arg, runtime, b, `argument 'args[${i}]'`);
  }
}

export function compileOnGpu(program: Program, runtime: GpuRuntime): Executable {
  const gp = compileGpuProgram(program, runtime);
  const outputIds = new Set<number>(program.buffers.filter((b) => b.source.kind === 'output').map((b) => b.id));
  const self: Executable = {
    run(args: readonly ArrayData[]): ArrayData[] {
      runtime.checkAlive('run');
      checkArgs(gp.params, args, runtime);
      const buffers = new Map<number, GPUBuffer>();
      const returned: GPUBuffer[] = [];
      const inputs: GpuArray[] = [];
      const { errors, result: outputs } = guarded(runtime.device, 'run', 'a program', () => {
        for (const b of gp.params) {
          const i = b.source.kind === 'param' ? b.source.index : 0;
          buffers.set(b.id, argumentBuffer(runtime, args[i] as ArrayData, b, i, inputs, returned));
        }
        bindTemporaries(gp, runtime, buffers, returned);
        const encoder = runtime.device.createCommandEncoder();
        if (gp.status !== undefined) encoder.clearBuffer(gp.status);
        encodePasses(encoder, bindLaunches(gp, runtime, buffers, returned));
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
        const statusRead = copyStatus(gp, runtime, encoder);
        runtime.device.queue.submit([encoder.finish()]);
        return { outs, statusRead };
      });
      for (const buffer of returned) runtime.pool.give('storage', buffer);
      const { ready, checks } = settleRun(gp, runtime, inputs, errors, outputs.statusRead);
      return outputs.outs.map(({ buffer, info }) => runtime.array(buffer, info.dtype, info.size, ready, checks));
    },
  };
  holdProgram(self, gp, runtime);
  return self;
}
