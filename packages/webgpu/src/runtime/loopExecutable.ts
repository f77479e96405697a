/**
 * @file A scan's loop on the GPU: the body's kernels compiled once and encoded `length` times, each
 * step preceded by copies of the scanned inputs' slices into the body's parameters and followed by
 * copies of its results into their stacked outputs at the step's offset and of its next state into the
 * carried buffers. Nothing is read back per step; steps go to the queue in command buffers of a few
 * hundred, and the outputs are device arrays like any program's.
 */
import { BackendError } from '@xent/core';
import type { ArrayData, BufferInfo, Executable, KernelLoop } from '@xent/core/internal';
import { checkArgs } from './executable.js';
import type { GpuArray } from './gpuArray.js';
import {
  argumentBuffer,
  bindLaunches,
  bindTemporaries,
  compileGpuProgram,
  copyStatus,
  encodePasses,
  holdProgram,
  settleRun,
} from './gpuProgram.js';
import { guarded, type GpuRuntime } from './runtime.js';

/** Steps encoded per command buffer. */
const STEPS_PER_SUBMIT = 256;

/** Copies `elements` 4-byte values between buffers (nothing for none). */
function copy(
  encoder: GPUCommandEncoder,
  src: GPUBuffer,
  srcAt: number,
  dst: GPUBuffer,
  dstAt: number,
  elements: number,
) {
  if (elements > 0) encoder.copyBufferToBuffer(src, srcAt * 4, dst, dstAt * 4, elements * 4);
}

export function compileLoopOnGpu(loop: KernelLoop, runtime: GpuRuntime): Executable {
  const gp = compileGpuProgram(loop.body, runtime);
  const { consts: nk, carries: nc, xs: nx, length, reverse } = loop;
  const body = loop.body;
  const paramInfo = (i: number): BufferInfo => {
    const b = gp.params.find((p) => p.source.kind === 'param' && p.source.index === i);
    if (b === undefined) throw new BackendError('webgpu', `xent.webgpu: a loop body has no parameter ${i}`);
    return b;
  };
  const bodyParams = Array.from({ length: nk + nc + nx }, (_, i) => paramInfo(i));
  const outInfo = body.outputs.map((id) => body.buffers[id] as BufferInfo);
  if (outInfo.length < nc)
    throw new BackendError('webgpu', `xent.webgpu: a loop body returns fewer than ${nc} carries`);
  // the loop's own arguments: consts and carries as the body's, the scanned inputs `length` slices long
  const loopParams: BufferInfo[] = bodyParams.map((b, i) => (i < nk + nc ? b : { ...b, size: b.size * length }));
  const self: Executable = {
    run(args: readonly ArrayData[]): ArrayData[] {
      runtime.checkAlive('run');
      checkArgs(loopParams, args, runtime);
      const returned: GPUBuffer[] = [];
      const inputs: GpuArray[] = [];
      const { errors, result } = guarded(runtime.device, 'run', 'a scan loop', () => {
        const argBuffers = loopParams.map((b, i) =>
          argumentBuffer(runtime, args[i] as ArrayData, b, i, inputs, returned),
        );
        const sized = (b: BufferInfo, what: string): GPUBuffer => runtime.take('storage', b.dtype, b.size, what);
        // the state the body reads, its next value, the body's slices of the scanned inputs
        const state = bodyParams.slice(nk, nk + nc).map((b) => sized(b, 'a scan carry'));
        const next = bodyParams.slice(nk, nk + nc).map((b) => sized(b, 'a scan carry'));
        const slices = bodyParams.slice(nk + nc).map((b) => sized(b, 'a scan slice'));
        returned.push(...next, ...slices);
        const stacked = outInfo
          .slice(nc)
          .map((b) => runtime.take('storage', b.dtype, b.size * length, 'a scan result'));
        const buffers = new Map<number, GPUBuffer>();
        bodyParams.forEach((b, i) =>
          buffers.set(
            b.id,
            i < nk
              ? (argBuffers[i] as GPUBuffer)
              : i < nk + nc
                ? (state[i - nk] as GPUBuffer)
                : (slices[i - nk - nc] as GPUBuffer),
          ),
        );
        bindTemporaries(gp, runtime, buffers, returned);
        // the body's output buffers are reused by every step
        for (const b of gp.program.buffers)
          if (b.source.kind === 'output') returned.push(buffers.get(b.id) as GPUBuffer);
        const passes = bindLaunches(gp, runtime, buffers, returned);
        const outBuffers = body.outputs.map((id) => buffers.get(id) as GPUBuffer);
        let encoder = runtime.device.createCommandEncoder();
        if (gp.status !== undefined) encoder.clearBuffer(gp.status);
        state.forEach((s, j) => {
          copy(encoder, argBuffers[nk + j] as GPUBuffer, 0, s, 0, (bodyParams[nk + j] as BufferInfo).size);
        });
        for (let step = 0; step < length; step++) {
          const t = reverse ? length - 1 - step : step;
          slices.forEach((s, i) => {
            const n = (bodyParams[nk + nc + i] as BufferInfo).size;
            copy(encoder, argBuffers[nk + nc + i] as GPUBuffer, t * n, s, 0, n);
          });
          encodePasses(encoder, passes);
          // through `next`: an output may be another carry's buffer, which the copies would overwrite first
          next.forEach((s, j) => {
            copy(encoder, outBuffers[j] as GPUBuffer, 0, s, 0, (outInfo[j] as BufferInfo).size);
          });
          stacked.forEach((s, j) => {
            const m = (outInfo[nc + j] as BufferInfo).size;
            copy(encoder, outBuffers[nc + j] as GPUBuffer, 0, s, t * m, m);
          });
          state.forEach((s, j) => {
            copy(encoder, next[j] as GPUBuffer, 0, s, 0, (outInfo[j] as BufferInfo).size);
          });
          if ((step + 1) % STEPS_PER_SUBMIT === 0 && step + 1 < length) {
            runtime.device.queue.submit([encoder.finish()]);
            encoder = runtime.device.createCommandEncoder();
          }
        }
        const statusRead = copyStatus(gp, runtime, encoder);
        runtime.device.queue.submit([encoder.finish()]);
        return { outs: [...state, ...stacked], statusRead };
      });
      for (const buffer of returned) runtime.pool.give('storage', buffer);
      const { ready, checks } = settleRun(gp, runtime, inputs, errors, result.statusRead);
      const types = [
        ...bodyParams.slice(nk, nk + nc),
        ...outInfo.slice(nc).map((b) => ({ ...b, size: b.size * length })),
      ];
      return result.outs.map((buffer, k) => {
        const { dtype, size } = types[k] as BufferInfo;
        return runtime.array(buffer, dtype, size, ready, checks);
      });
    },
  };
  holdProgram(self, gp, runtime);
  return self;
}
