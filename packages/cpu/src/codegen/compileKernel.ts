/** @file Turns kernel source into functions, once per distinct source (a cache shared by all programs). */
import { IndexError, type Kernel, kernelOutputSizes } from '@xent/core';
import { runLinearLogits } from '../linalg/linearLogits.js';
import { symmetricEigen } from '../linalg/symmetricEigen.js';
import { eighKernelSource, matmulKernelSource, mapKernelSource, scanKernelSource } from './kernelSource.js';

/** A compiled kernel: input arrays, then output arrays. */
export type KernelFn = (...buffers: unknown[]) => void;

/** float → i32: truncate toward zero, saturate, NaN → 0 (the reference semantics). */
const toI32 = (v: number): number => (Number.isNaN(v) ? 0 : Math.max(-2147483648, Math.min(2147483647, Math.trunc(v))));

const checkIndex = (j: number, n: number): number => {
  if (j < 0 || j >= n)
    throw new IndexError('gather', `xent.gather: argument 'indices' expected values in [0, ${n}), got ${j}`);
  return j;
};

const cache = new Map<string, KernelFn>();

export function kernelSource(k: Kernel): string {
  switch (k.kind) {
    case 'map':
      return mapKernelSource(k);
    case 'scan':
      return scanKernelSource(k);
    case 'matmul':
      return matmulKernelSource(k);
    case 'eigh':
      return eighKernelSource(k);
    case 'linearLogits': {
      const ins = k.inputs.map((_, i) => `in${i}`).join(', ');
      const outs = kernelOutputSizes(k)
        .map((_, i) => `out${i}`)
        .join(', ');
      return `function linearLogits(${ins}, ${outs}) { runLinearLogits(${JSON.stringify(k)}, [${ins}], [${outs}]); }`;
    }
  }
}

export function compileKernel(k: Kernel): KernelFn {
  const source = kernelSource(k);
  let fn = cache.get(source);
  if (fn === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated kernels are the point of this backend
    const make = new Function(
      'toI32',
      'checkIndex',
      'symmetricEigen',
      'runLinearLogits',
      `"use strict";return ${source};`,
    ) as (...helpers: unknown[]) => KernelFn;
    fn = make(toI32, checkIndex, symmetricEigen, runLinearLogits);
    cache.set(source, fn);
  }
  return fn;
}
