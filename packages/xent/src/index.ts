/**
 * @file xent: the package users import. Re-exports the user API of @xent/core (its internals stay in
 * @xent/core/internal), makes the fast CPU backend the default, and lets `jit` and `setDefaultBackend`
 * name a backend.
 */
import {
  type AnyFn,
  type Backend,
  jit as coreJit,
  type JitOptions,
  type Jitted,
  setDefaultBackend as coreSetDefaultBackend,
} from '@xent/core';
import { backendSchema, jitOptionFields, publicFn, s } from '@xent/core/internal';
import { cpuBackend, cpuJsBackend, referenceBackend } from '@xent/cpu';

export { availableThreads, createCpuBackend, type CpuOptions, type MemoryUsage } from '@xent/cpu';
export { webgpu, type WebGpuBackend, type WebGpuOptions, type RuntimeStats } from '@xent/webgpu';
export {
  losses,
  entropy,
  divergence,
  equivariance,
  EmaTeacher,
  type Reduction,
  type LossOf,
  type BatchOf,
} from '@xent/losses';
export * as laws from '@xent/laws';

coreSetDefaultBackend(cpuBackend);

export * from '@xent/core';

/**
 * The built-in backends: `cpu` (fused kernels, WebAssembly SIMD where they vectorise), `cpu-js`
 * (the same kernels as generated JavaScript only) and `reference` (the interpreter that defines
 * the semantics).
 */
export const backends = { cpu: cpuBackend, 'cpu-js': cpuJsBackend, reference: referenceBackend } as const;

export type BackendName = keyof typeof backends;

/** A backend argument: a built-in one by name, or a Backend object. */
const backendArg = s.either(s.oneOf(Object.keys(backends) as BackendName[]), backendSchema);

const resolve = (backend: Backend | BackendName): Backend =>
  typeof backend === 'string' ? backends[backend] : backend;

/** `jit` with `backend` given as a Backend or by name ('cpu', 'cpu-js', 'reference'). */
export const jit = publicFn(
  'jit',
  { f: s.fn, options: s.options({ ...jitOptionFields, backend: s.optional(backendArg) }) },
  function jit<F extends AnyFn>(
    f: F,
    options: Omit<JitOptions, 'backend'> & { readonly backend?: Backend | BackendName } = {},
  ): Jitted<F> {
    const { backend, ...rest } = options;
    return coreJit(f, backend === undefined ? rest : { ...rest, backend: resolve(backend) });
  },
);

/** Sets the backend eager operations and transforms use when none is passed: a Backend, or a built-in one by name. */
export const setDefaultBackend = publicFn(
  'setDefaultBackend',
  { backend: backendArg },
  (backend: Backend | BackendName) => {
    coreSetDefaultBackend(resolve(backend));
  },
);
