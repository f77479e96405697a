/**
 * @file Builds, instantiates and caches one WebAssembly module per vectorisable kernel, with or
 * without relaxed SIMD (the two never share a cache entry).
 */
import {
  formatKernel,
  type MapKernel,
  type MatmulKernel,
  scalarHelpers,
  siteIndexError,
  wasmHelpers,
  type WasmImportName,
  wasmImports,
  wasmSignature,
} from '@xent/core/internal';
import { addressParam, FunctionBuilder, ModuleBuilder, type ValType } from './encoder.js';
import { emitMapKernel } from './mapKernel.js';
import { emitMatmulKernel, matmulVectorisable } from './matmulKernel.js';
import { wasmIneligibility } from './plan.js';
import { memory, memoryType } from '../memory.js';

/** A WebAssembly kernel: byte addresses of its inputs and outputs, then the outermost loop's [lo, hi). */
export type WasmKernelFn = (...offsetsAndRange: number[]) => void;

/** The imports' values on this thread: the scalar helpers, and the index-error hook raising the IndexError. */
const importValues: Readonly<Record<string, unknown>> = {
  ...Object.fromEntries(wasmHelpers.map((h) => [h, scalarHelpers[h].js])),
  indexError: (j: number, site: number) => {
    throw siteIndexError(site, j);
  },
};

/** The parameters of a kernel over `buffers` buffers: their addresses, then the range [lo, hi) (i32). */
export const kernelParams = (buffers: number): ValType[] => [
  ...Array.from({ length: buffers }, () => addressParam(memoryType.address)),
  'i32',
  'i32',
];

/** The module bytes of a map kernel (exported as `kernel`); `relaxed`: exp and log use relaxed_madd. */
export function mapKernelModule(k: MapKernel, relaxed: boolean): Uint8Array {
  const mb = new ModuleBuilder(memoryType);
  const index = new Map<WasmImportName, number>();
  for (const name of wasmImports) {
    const { params, results } = wasmSignature(name);
    index.set(name, mb.importFunction(name, params, results));
  }
  const f = new FunctionBuilder(kernelParams(k.inputs.length + k.outputs.length), [], memoryType.address);
  emitMapKernel(k, f, (name) => index.get(name) as number, relaxed);
  mb.addFunction('kernel', f);
  return mb.toBytes();
}

/**
 * The module bytes of an f32 matmul kernel (exported as `kernel`), adding into its output with
 * `accumulate`, multiply-adding with relaxed_madd with `relaxed`.
 */
export function matmulKernelModule(k: MatmulKernel, accumulate: boolean, relaxed: boolean): Uint8Array {
  const mb = new ModuleBuilder(memoryType);
  const f = new FunctionBuilder(kernelParams(k.inputs.length + 2), [], memoryType.address);
  emitMatmulKernel(k, f, accumulate, relaxed);
  mb.addFunction('kernel', f);
  return mb.toBytes();
}

/** A compiled kernel: its module bytes (for worker threads) and its entry point here. */
export interface WasmKernel {
  readonly bytes: Uint8Array;
  readonly fn: WasmKernelFn;
}

const cache = new Map<string, WasmKernel>();

/** The kernel of module `build()` exporting `kernel`, instantiated on this thread once per `key`. */
export function instantiate(key: string, build: () => Uint8Array): WasmKernel {
  let kernel = cache.get(key);
  if (kernel === undefined) {
    const bytes = build();
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory, ...importValues } });
    kernel = { bytes, fn: instance.exports['kernel'] as WasmKernelFn };
    cache.set(key, kernel);
  }
  return kernel;
}

/** The cache key suffix of kernels built with relaxed SIMD. */
const relaxedKey = (relaxed: boolean): string => (relaxed ? ' relaxed' : '');

/** The compiled WebAssembly map kernel (relaxed SIMD with `relaxed`), or undefined when it stays on the JavaScript path. */
export function wasmMapKernel(k: MapKernel, relaxed: boolean): WasmKernel | undefined {
  return wasmIneligibility(k) === undefined
    ? instantiate(`${formatKernel(k)}${relaxedKey(relaxed)}`, () => mapKernelModule(k, relaxed))
    : undefined;
}

/**
 * The compiled WebAssembly matmul (f32; C += A·B with `accumulate`, relaxed SIMD with `relaxed`),
 * or undefined when it stays on the JavaScript path.
 */
export function wasmMatmulKernel(k: MatmulKernel, accumulate: boolean, relaxed: boolean): WasmKernel | undefined {
  return matmulVectorisable(k)
    ? instantiate(`${formatKernel(k)}${accumulate ? ' accumulate' : ''}${relaxedKey(relaxed)}`, () =>
        matmulKernelModule(k, accumulate, relaxed),
      )
    : undefined;
}
