/**
 * @file Builds, instantiates and caches one WebAssembly module per vectorisable kernel, with or
 * without relaxed SIMD (the two never share a cache entry).
 */
import { formatKernel, IndexError, type MapKernel, type MatmulKernel } from '@xent/core';
import { FunctionBuilder, ModuleBuilder, type ValType } from './encoder.js';
import { emitMapKernel, mathImports, type ScalarImport, scalarImports, wasmIneligibility } from './mapKernel.js';
import { emitMatmulKernel, matmulVectorisable } from './matmulKernel.js';
import { memory } from '../memory.js';

/** A WebAssembly kernel: byte offsets of its inputs and outputs, then the outermost loop's [lo, hi). */
export type WasmKernelFn = (...offsetsAndRange: number[]) => void;

const importValues: Record<ScalarImport, unknown> = {
  ...(Object.fromEntries(mathImports.map((name) => [name, Math[name].bind(Math)])) as Record<
    (typeof mathImports)[number],
    unknown
  >),
  indexError: (j: number, n: number) => {
    throw new IndexError('gather', `xent.gather: argument 'indices' expected values in [0, ${n}), got ${j}`);
  },
};

const importTypes: Record<ScalarImport, [ValType[], ValType[]]> = {
  exp: [['f64'], ['f64']],
  log: [['f64'], ['f64']],
  log1p: [['f64'], ['f64']],
  expm1: [['f64'], ['f64']],
  sin: [['f64'], ['f64']],
  cos: [['f64'], ['f64']],
  tanh: [['f64'], ['f64']],
  pow: [['f64', 'f64'], ['f64']],
  indexError: [['f64', 'f64'], []],
};

/** The module bytes of a map kernel (exported as `kernel`); `relaxed`: exp and log use relaxed_madd. */
export function mapKernelModule(k: MapKernel, relaxed: boolean): Uint8Array {
  const mb = new ModuleBuilder();
  const index = new Map<ScalarImport, number>();
  for (const name of scalarImports) index.set(name, mb.importFunction(name, ...importTypes[name]));
  const params: ValType[] = Array.from({ length: k.inputs.length + k.outputs.length + 2 }, () => 'i32');
  const f = new FunctionBuilder(params, []);
  emitMapKernel(k, f, (name) => index.get(name) as number, relaxed);
  mb.addFunction('kernel', f);
  return mb.toBytes();
}

/**
 * The module bytes of an f32 matmul kernel (exported as `kernel`), adding into its output with
 * `accumulate`, multiply-adding with relaxed_madd with `relaxed`.
 */
export function matmulKernelModule(k: MatmulKernel, accumulate: boolean, relaxed: boolean): Uint8Array {
  const mb = new ModuleBuilder();
  const params: ValType[] = Array.from({ length: k.inputs.length + 4 }, () => 'i32');
  const f = new FunctionBuilder(params, []);
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

function instantiate(key: string, build: () => Uint8Array): WasmKernel {
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
