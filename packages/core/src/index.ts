/**
 * @file @xent/core: the user API (tensors, ops, composites, transforms, trees, optimizers, randomness,
 * errors, the default backend). Compiler and kernel internals are in `@xent/core/internal`.
 */
export {
  AxisError,
  BackendError,
  DTypeError,
  GradError,
  IndexError,
  InternalError,
  NumericsError,
  ResourceError,
  ShapeError,
  TraceError,
  ValueError,
  XentError,
  type NonFiniteStep,
} from './errors.js';
export { type Backend, getDefaultBackend, setDefaultBackend } from './backend.js';
export { DeviceDataError } from './device.js';
export type { DType, FloatDType, HostArray, HostArrayOf } from './ir/dtype.js';
export type { Graph } from './ir/graph.js';
export { printGraph } from './ir/printer.js';
export { formatProgram, peakTemporaryBytes, type Program } from './kernel/program.js';
export type * from './trace/shapeTypes.js';
export { Tensor, type NestedArray } from './trace/tensor.js';
export { item } from './trace/item.js';
export type { TensorLike } from './trace/apply.js';
export * from './trace/create.js';
export type { BinaryCheck, BinaryShape, DTypeCheck, DTypeOf, ResultDType, ShapeOf } from './trace/ops/types.js';
export {
  abs,
  add,
  cast,
  ceil,
  cos,
  div,
  equal,
  exp,
  expm1,
  floor,
  greater,
  greaterEqual,
  isfinite,
  isinf,
  isnan,
  less,
  lessEqual,
  log,
  log1p,
  maximum,
  minimum,
  mul,
  neg,
  notEqual,
  pow,
  recip,
  sign,
  sin,
  sqrt,
  square,
  stopGradient,
  sub,
  tanh,
  where,
  type BinaryOp,
  type CompareOp,
} from './trace/ops/elementwise.js';
export {
  argmax,
  argmin,
  logsumexp,
  max,
  mean,
  min,
  sum,
  type AxisArg,
  type Reduced,
  type ReduceOptions,
  type ReductionFn,
} from './trace/ops/reduce.js';
export * from './trace/ops/special.js';
export * from './trace/ops/movement.js';
export * from './trace/ops/logcumsumexp.js';
export * from './trace/ops/linalg.js';
export * from './trace/ops/sort.js';
export * from './nn/activations.js';
export * from './nn/softmax.js';
export * from './nn/statistics.js';
export * from './nn/indexing.js';
export * from './nn/safe.js';
export * from './nn/maskedLogsumexp.js';
export * from './nn/information.js';
export * from './nn/triangular.js';
export * from './nn/geometry.js';
export * from './nn/cdist.js';
export * from './nn/einsum.js';
export type * from './nn/einsumTypes.js';
export * from './nn/linearLogits.js';
export * as random from './random/random.js';
export * as optim from './optim/index.js';
export * as export from './export/index.js';
export * as tree from './tree/tree.js';
export type { StaticLeaf, TreeDef, TreeLeaf, TreeMap } from './tree/tree.js';
export type { RandomKey } from './random/random.js';
export * from './transforms/grad.js';
export * from './transforms/jit.js';
export * from './transforms/customVjp.js';
export * from './transforms/vmap.js';
export * from './transforms/jacobian.js';
export * from './transforms/scan.js';
export { debugNans } from './numerics/mode.js';
export type { TensorOutput } from './transforms/tracing.js';
