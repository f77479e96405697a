/** @file `export.jax`: a function as a JAX module (source), differentiable by JAX or by xent's own VJP (jax.custom_vjp). */
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { jaxDialect } from './python/jaxOps.js';
import { type PythonExportOptions, pythonExportFields, pythonModule } from './python/pythonModule.js';

/**
 * Writes `f`, traced on `exampleArgs`, as the source of a Python module defining `def <name>(arg0, …)` over
 * JAX arrays, one `jax.numpy` / `lax` call per line (the same emitter as {@link torch}, in JAX's dialect).
 * With `{ keepVjp: true }` it is a `jax.custom_vjp` whose backward is xent's own VJP.
 *
 * @example
 * ```ts
 * const source = x.export.jax((z: x.Tensor) => x.logsumexp(z), [x.zeros([3], { dtype: 'f64' })]);
 * ```
 */
export const jax = publicFn(
  'jax',
  { f: s.fn, exampleArgs: s.array(s.anything), options: s.options(pythonExportFields) },
  (f: (...args: never[]) => unknown, exampleArgs: readonly unknown[], options: PythonExportOptions = {}): string =>
    pythonModule('jax', jaxDialect, f, exampleArgs, options),
);
