/** @file The fast CPU backend: a kernel backend that runs each kernel as generated JavaScript. */
import { allocHost, BackendError, type Executable, type HostArray, type KernelBackend, type Program } from '@xent/core';
import { compileKernel, type KernelFn } from './codegen/compileKernel.js';

function checkArgs(program: Program, args: readonly HostArray[]): void {
  const params = program.buffers.filter((b) => b.source.kind === 'param');
  if (args.length !== params.length) {
    throw new BackendError(
      'run',
      `xent.run: argument 'args' expected ${params.length} arrays (one per graph parameter), got ${args.length}`,
    );
  }
  for (const b of params) {
    const i = b.source.kind === 'param' ? b.source.index : 0;
    if ((args[i] as HostArray).length !== b.size) {
      throw new BackendError(
        'run',
        `xent.run: argument 'args[${i}]' expected ${b.size} values for a ${b.dtype} parameter, got ${(args[i] as HostArray).length}`,
      );
    }
  }
}

function compileProgram(program: Program): Executable {
  const kernels: (KernelFn | undefined)[] = program.steps.map((s) =>
    s.kind === 'launch' ? compileKernel(s.kernel) : undefined,
  );
  let slots: HostArray[] | undefined;
  return {
    run(args) {
      checkArgs(program, args);
      slots ??= program.slots.map((s) => allocHost(s.dtype, s.size));
      const buffers = program.buffers.map((b): HostArray => {
        switch (b.source.kind) {
          case 'param':
            return args[b.source.index] as HostArray;
          case 'const':
            return b.source.data;
          case 'temp':
            return (slots as HostArray[])[b.source.slot] as HostArray;
          case 'output':
            return allocHost(b.dtype, b.size);
        }
      });
      program.steps.forEach((s, i) => {
        if (s.kind === 'launch')
          (kernels[i] as KernelFn)(...s.inputs.map((b) => buffers[b]), ...s.outputs.map((b) => buffers[b]));
      });
      return program.outputs.map((b) => buffers[b] as HostArray);
    },
  };
}

/** Fused kernels compiled to JavaScript: the default backend of `xent`. */
export const cpuBackend: KernelBackend = { kind: 'kernel', name: 'cpu', compile: compileProgram };
