/** @file The `export` namespace: a traced function written for another engine (PyTorch, JAX). */
export { torch } from './torch.js';
export { jax } from './jax.js';
export type { PythonExportOptions } from './python/pythonModule.js';
