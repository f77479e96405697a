/** @file Turns kernel source into functions, once per distinct source (a cache shared by all programs). */
import {
  globalName,
  type Kernel,
  type LinearLogitsKernel,
  type ScalarHelperName,
  scalarHelpers,
  siteIndexError,
} from '@xent/core/internal';
import type { HostArray } from '@xent/core';
import { runLinearLogits } from '../linalg/linearLogits.js';
import { symmetricEigen } from '../linalg/symmetricEigen.js';
import { stableArgsort } from '../linalg/stableArgsort.js';
import {
  eighKernelSource,
  matmulKernelSource,
  mapKernelSource,
  scanKernelSource,
  sortKernelSource,
} from './kernelSource.js';

/** A compiled kernel: input arrays, then output arrays. */
export type KernelFn = (...buffers: unknown[]) => void;

/** Index j checked against [0, n), raising the IndexError of site `site`. */
const checkIndex = (j: number, n: number, site: number): number => {
  if (j < 0 || j >= n) throw siteIndexError(site, j);
  return j;
};

/** What generated kernels call by name: the scalar helpers that are not globals, the index check, the routines. */
const kernelHelpers: Readonly<Record<string, unknown>> = {
  ...Object.fromEntries(
    (Object.keys(scalarHelpers) as ScalarHelperName[])
      .filter((h) => globalName(h) === undefined)
      .map((h) => [h, scalarHelpers[h].js]),
  ),
  checkIndex,
  symmetricEigen,
  stableArgsort,
};

const cache = new Map<string, KernelFn>();

/** The generated JS of a kernel that is not a routine call (the fused linear logits run a tiled routine directly). */
export function kernelSource(k: Exclude<Kernel, LinearLogitsKernel>): string {
  switch (k.kind) {
    case 'map':
      return mapKernelSource(k);
    case 'scan':
      return scanKernelSource(k);
    case 'matmul':
      return matmulKernelSource(k);
    case 'eigh':
      return eighKernelSource(k);
    case 'sort':
      return sortKernelSource(k);
  }
}

export function compileKernel(k: Kernel): KernelFn {
  if (k.kind === 'linearLogits') {
    const n = k.inputs.length;
    return (...buffers) => {
      runLinearLogits(k, buffers.slice(0, n) as HostArray[], buffers.slice(n) as HostArray[]);
    };
  }
  const source = kernelSource(k);
  let fn = cache.get(source);
  if (fn === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated kernels are the point of this backend
    const make = new Function(...Object.keys(kernelHelpers), `"use strict";return ${source};`) as (
      ...helpers: unknown[]
    ) => KernelFn;
    fn = make(...Object.values(kernelHelpers));
    cache.set(source, fn);
  }
  return fn;
}
