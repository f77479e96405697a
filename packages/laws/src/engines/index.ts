/** @file The engine laws: certify a loss run by another engine (an ONNX model on onnxruntime-node, a PyTorch function). */
export {
  type Engine,
  type EngineArray,
  type EngineDType,
  type EnginePort,
  type EngineRoles,
  type RoleNames,
} from './engine.js';
export { onnxEngine, type OnnxEngineOptions } from './onnx.js';
export { pythonEngine, type PythonEngineOptions } from './python.js';
export {
  engineAdjoint,
  engineFinite,
  engineMasking,
  type EngineProperty,
  engineShiftInvariant,
  type MaskedCase,
} from './laws.js';
export {
  certifyEngine,
  type CertifyEngineOptions,
  type EngineLawName,
  engineLawNames,
  type EngineLawResult,
  type EngineReport,
} from './certifyEngine.js';
export { formatEngineReport } from './report.js';
