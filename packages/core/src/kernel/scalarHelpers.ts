/**
 * @file The functions scalar ops call where a target has no instruction for them: one table, read
 * by the JavaScript codegen (helpers of generated kernels), the WebAssembly imports (main thread
 * and worker threads), and the WebGPU backend's WGSL column (`wgslHelpers`, exhaustive over it).
 */

import { erf, erfc, erfinv, erfSteps, lgamma, polygamma } from './special.js';

/** A WebAssembly value type of scalar code: f64 for floats, i32 for integers and bools. */
export type WasmScalarType = 'f64' | 'i32';

export interface WasmSignature {
  readonly params: readonly WasmScalarType[];
  readonly results: readonly WasmScalarType[];
}

export interface ScalarHelper {
  /**
   * The function, in f64. A global (`Math.exp`) is called by its global name; any other must use
   * globals and `uses` only, as worker threads rebuild it from its source text and theirs.
   */
  readonly js: (...args: number[]) => number;
  /** The module-level function declarations `js` calls (their source is rebuilt with it; mostly none). */
  readonly uses: readonly ((...args: number[]) => number)[];
  /** Its WebAssembly import's signature (module `env`, the helper's name), if scalar code calls it. */
  readonly wasm: WasmSignature | undefined;
}

const f64ToF64: WasmSignature = { params: ['f64'], results: ['f64'] };
const math = (js: (x: number) => number, uses: ScalarHelper['uses'] = []) => ({ js, wasm: f64ToF64, uses });

export const scalarHelpers = {
  exp: math(Math.exp),
  log: math(Math.log),
  log1p: math(Math.log1p),
  expm1: math(Math.expm1),
  sin: math(Math.sin),
  cos: math(Math.cos),
  tanh: math(Math.tanh),
  erf: math(erf, erfSteps),
  erfc: math(erfc, erfSteps),
  erfinv: math(erfinv, erfSteps),
  lgamma: math(lgamma),
  /** ψ⁽ⁿ⁾(x) as (n, x) */
  polygamma: { js: polygamma, wasm: { params: ['f64', 'f64'], results: ['f64'] }, uses: [] },
  pow: { js: Math.pow, wasm: { params: ['f64', 'f64'], results: ['f64'] }, uses: [] },
  /** float → i32: truncate toward zero, saturate, NaN → 0 (WebAssembly: i32.trunc_sat_f64_s) */
  toI32: {
    js: (v: number): number => (Number.isNaN(v) ? 0 : Math.max(-2147483648, Math.min(2147483647, Math.trunc(v)))),
    wasm: undefined,
    uses: [],
  },
} as const satisfies Readonly<Record<string, ScalarHelper>>;

export type ScalarHelperName = keyof typeof scalarHelpers;

/** The helpers WebAssembly scalar code imports. */
export type WasmHelperName = {
  [H in ScalarHelperName]: (typeof scalarHelpers)[H]['wasm'] extends WasmSignature ? H : never;
}[ScalarHelperName];

/** The helpers WebAssembly scalar code imports, in table order. */
export const wasmHelpers: readonly WasmHelperName[] = (Object.keys(scalarHelpers) as ScalarHelperName[]).filter(
  (h): h is WasmHelperName => scalarHelpers[h].wasm !== undefined,
);

/** An import of WebAssembly scalar code: a helper, or the hook that raises an index error (each host supplies it). */
export type WasmImportName = WasmHelperName | 'indexError';

/** The WebAssembly imports of scalar code, in import order: the helpers, then the index-error hook. */
export const wasmImports: readonly WasmImportName[] = [...wasmHelpers, 'indexError'];

/** Signatures of the WebAssembly imports: the index-error hook takes (index, site) and raises (`indexSites.ts`). */
export const wasmSignature = (name: WasmImportName): WasmSignature =>
  name === 'indexError' ? { params: ['f64', 'f64'], results: [] } : scalarHelpers[name].wasm;

/** The global a helper is (`Math.exp`), if it is one of Math's functions. */
export function globalName(h: ScalarHelperName): string | undefined {
  const fn = scalarHelpers[h].js;
  return (Math as unknown as Record<string, unknown>)[fn.name] === fn ? `Math.${fn.name}` : undefined;
}

/**
 * The source a worker thread rebuilds the helper from: a JavaScript expression whose value is the
 * function (with the declarations it uses in a scope of their own).
 */
export function helperSource(h: ScalarHelperName): string {
  const helper: ScalarHelper = scalarHelpers[h];
  const own = `(${String(helper.js)})`;
  if (helper.uses.length === 0) return globalName(h) ?? own;
  return `(() => {\n${helper.uses.map(String).join('\n')}\nreturn ${own};\n})()`;
}
