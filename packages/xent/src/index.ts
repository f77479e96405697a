/**
 * @file xent: the package users import. Re-exports the core API and makes the CPU backend the default.
 * @example
 * import * as x from 'xent';
 * const z = x.tensor([[1, 2, 3], [0, 0, 1]], { dtype: 'f64' });
 * x.grad((t: x.Tensor) => x.sum(x.exp(t)))(z);
 */
import { setDefaultBackend } from '@xent/core';
import { referenceBackend } from '@xent/cpu';

setDefaultBackend(referenceBackend);

export * from '@xent/core';
export { referenceBackend as cpu } from '@xent/cpu';
