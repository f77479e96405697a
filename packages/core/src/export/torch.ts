/** @file `export.torch`: a function as a PyTorch module (source), differentiable by PyTorch's autograd or by xent's own VJP. */
import { publicFn } from '../validate/publicFn.js';
import * as s from '../validate/schemas.js';
import { type PythonExportOptions, pythonExportFields, pythonModule } from './python/pythonModule.js';
import { torchDialect } from './python/torchOps.js';

/**
 * Writes `f`, traced on `exampleArgs`, as the source of a Python module defining `def <name>(arg0, …)` over
 * `torch.Tensor`s: pytree arguments as dicts and lists shaped like the examples (static leaves baked in), each
 * leaf checked to have the example's dtype and shape, one torch op per line. PyTorch's autograd differentiates
 * it; with `{ keepVjp: true }` it runs in a `torch.autograd.Function` whose backward is xent's own VJP
 * (custom VJPs included). Scans are unrolled; `linearLogitStats` runs over row chunks.
 *
 * @example
 * ```ts
 * const source = x.export.torch((z: x.Tensor) => x.logsumexp(z), [x.zeros([3], { dtype: 'f64' })]);
 * ```
 */
export const torch = publicFn(
  'torch',
  { f: s.fn, exampleArgs: s.array(s.anything), options: s.options(pythonExportFields) },
  (f: (...args: never[]) => unknown, exampleArgs: readonly unknown[], options: PythonExportOptions = {}): string =>
    pythonModule('torch', torchDialect, f, exampleArgs, options),
);
