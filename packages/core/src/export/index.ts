/** @file x.export: a traced function written for another engine (ONNX). */
export { onnx, type OnnxExportOptions } from './onnx/onnx.js';
