/** @file @xent/core: the IR, tracing, autodiff, the compile pipeline and the Backend contract. */
export * from './errors.js';
export * from './backend.js';
export * from './device.js';
export * as ir from './ir/index.js';
export { allocHost, bytesPer, type DType, type FloatDType, type HostArray, type HostArrayOf } from './ir/dtype.js';
export type { Graph } from './ir/graph.js';
export { printGraph } from './ir/printer.js';
export { parseGraph } from './ir/parse.js';
export { LINEAR_STATS, LinearStat, Prim, prims, type LinearLogitParams } from './ir/prim.js';
export type * from './trace/shapeTypes.js';
export { Tensor, item, type NestedArray } from './trace/tensor.js';
export { primitive, type TensorLike } from './trace/apply.js';
export * from './trace/create.js';
export type { BinaryCheck, BinaryShape, DTypeCheck, DTypeOf, ResultDType, ShapeOf } from './trace/ops/types.js';
export * from './trace/ops/elementwise.js';
export * from './trace/ops/reduce.js';
export * from './trace/ops/movement.js';
export * from './trace/ops/linalg.js';
export * from './nn/activations.js';
export * from './nn/softmax.js';
export * from './nn/statistics.js';
export * from './nn/indexing.js';
export * from './nn/safe.js';
export * from './nn/maskedLogsumexp.js';
export * from './nn/information.js';
export * from './nn/geometry.js';
export * from './nn/linearLogits.js';
export * as random from './random/random.js';
export * as optim from './optim/index.js';
export * as tree from './tree/tree.js';
export type { StaticLeaf, TreeDef, TreeLeaf, TreeMap } from './tree/tree.js';
export type { RandomKey } from './random/random.js';
export { vjpRules, type VjpRule } from './autodiff/vjpRules.js';
export { vjpNodes } from './autodiff/vjp.js';
export * from './transforms/grad.js';
export * from './transforms/jit.js';
export * from './transforms/customVjp.js';
export { debugNans } from './numerics/mode.js';
export type { TensorOutput } from './transforms/tracing.js';
export {
  compileGraph,
  compileProgram,
  formatPassOutput,
  passes,
  type CompileOptions,
  type Pass,
  type PassOutput,
} from './compile/pipeline.js';
export { fuse, type Group, type KernelLimits, type Partition, type ReductionNode } from './compile/fuse.js';
export { lower, type LoweredKernel, type LoweredProgram } from './compile/lower.js';
export { schedule } from './compile/schedule.js';
export * from './kernel/program.js';
export * from './kernel/scalar.js';
export { simplify, simplifyRules, type SimplifyRule } from './compile/simplify.js';
export { verify } from './compile/verify.js';
export { dce } from './compile/dce.js';
export { expandCustom } from './compile/expandCustom.js';
export { prepare, runGraph } from './compile/run.js';
export { fusionConfig } from './compile/linearLogits.js';
