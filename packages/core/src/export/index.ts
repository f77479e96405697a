/** @file The `export` namespace: a traced function written for another engine (PyTorch, JAX, ONNX). */
export { torch } from './torch.js';
export { jax } from './jax.js';
export { onnx, type OnnxExportOptions } from './onnx/onnx.js';
export type { PythonExportOptions } from './python/pythonModule.js';
