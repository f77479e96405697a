/** @file Builds, instantiates and caches one WebAssembly module per vectorisable map kernel. */
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

/** The module bytes of a map kernel (exported as `kernel`). */
export function mapKernelModule(k: MapKernel): Uint8Array {
  const mb = new ModuleBuilder();
  const index = new Map<ScalarImport, number>();
  for (const name of scalarImports) index.set(name, mb.importFunction(name, ...importTypes[name]));
  const params: ValType[] = Array.from({ length: k.inputs.length + k.outputs.length + 2 }, () => 'i32');
  const f = new FunctionBuilder(params, []);
  emitMapKernel(k, f, (name) => index.get(name) as number);
  mb.addFunction('kernel', f);
  return mb.toBytes();
}

/** The module bytes of an f32 matmul kernel (exported as `kernel`), optionally adding into its output. */
export function matmulKernelModule(k: MatmulKernel, accumulate = false): Uint8Array {
  const mb = new ModuleBuilder();
  const params: ValType[] = Array.from({ length: k.inputs.length + 4 }, () => 'i32');
  const f = new FunctionBuilder(params, []);
  emitMatmulKernel(k, f, accumulate);
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

/** The compiled WebAssembly map kernel, or undefined when it stays on the JavaScript path. */
export function wasmMapKernel(k: MapKernel): WasmKernel | undefined {
  return wasmIneligibility(k) === undefined ? instantiate(formatKernel(k), () => mapKernelModule(k)) : undefined;
}

/** The compiled WebAssembly matmul (f32; C += A·B with `accumulate`), or undefined when it stays on the JavaScript path. */
export function wasmMatmulKernel(k: MatmulKernel, accumulate = false): WasmKernel | undefined {
  return matmulVectorisable(k)
    ? instantiate(`${formatKernel(k)}${accumulate ? ' accumulate' : ''}`, () => matmulKernelModule(k, accumulate))
    : undefined;
}
