/**
 * @file @xent/core/internal: the IR, the compile passes, the kernel IR and the backend contract that
 * the backends, @xent/losses and the tests build on. Not the user API: it changes without notice.
 */
export { fail, fromIrError, gatherBlame, gatherIndexError, type IndexBlame } from './errors.js';
export * from './validate/index.js';
export { checkAllocation, formatBytes, MAX_HOST_BYTES, overLimit, type OverLimit } from './limits.js';
export {
  type BackendCapabilities,
  backendSchema,
  checkProgramArgs,
  type Executable,
  type GraphBackend,
  type KernelBackend,
  LINEAR_LOGITS_TILE,
  linearLogitsMinElementsOption,
  linearLogitsTileSchema,
  MAX_LINEAR_LOGITS_TILE,
} from './backend.js';
export { type ArrayData, type DeviceArray, hostArrayOf, isDeviceArray, lengthOf } from './device.js';
export { checkNotDisposed, type HostMemory, isDisposedHost, registerHostMemory } from './hostMemory.js';
export { pooledCopy, pooledHost } from './hostPool.js';
export * as ir from './ir/index.js';
export { allocHost, bytesPer, dtypeOfHost, hostArrayOver } from './ir/dtype.js';
export { parseGraph } from './ir/parse.js';
export { LINEAR_STATS, LinearStat, Prim, prims, type LinearLogitParams } from './ir/prim.js';
export * from './ir/linearLogitLayout.js';
export { primitive } from './trace/apply.js';
export { vjpRules, type VjpRule, type VjpWalk } from './autodiff/vjpRules.js';
export { vjpNodes } from './autodiff/vjp.js';
export { jitOptionFields } from './transforms/jitOptions.js';
export {
  compileGraph,
  compileProgram,
  formatPassOutput,
  passes,
  tracePasses,
  type CompileOptions,
  type Pass,
  type PassOutput,
  type TraceTarget,
} from './compile/pipeline.js';
export { fuse, type Group, type KernelLimits, type Partition, type ReductionNode } from './compile/fuse.js';
export { lower, type LoweredKernel, type LoweredProgram } from './compile/lower.js';
export { schedule } from './compile/schedule.js';
export { rowGroups, rowLocal, type ScheduleUnit } from './compile/rowGroups.js';
export {
  formatKernel,
  kernelOutputSizes,
  groupLocalBuffers,
  programLaunches,
  type LaunchStep,
  type RowGroupStep,
  type BufferInfo,
  type BufferSource,
  type EighKernel,
  type Kernel,
  type KernelInput,
  type LinearLogitsKernel,
  type MapKernel,
  type MatmulKernel,
  type ReduceOp,
  type ScanOp,
  type ScanKernel,
  type SortKernel,
  type Step,
  type StridedOperand,
} from './kernel/program.js';
export type { KernelLoop } from './kernel/loop.js';
export * from './kernel/scalar.js';
export * from './kernel/indexSites.js';
export * from './kernel/linearLogitEpilogue.js';
export * from './kernel/placement.js';
export * from './kernel/scalarHelpers.js';
export { simplify, simplifyRules, type SimplifyRule } from './compile/simplify.js';
export { verify } from './compile/verify.js';
export { dce } from './compile/dce.js';
export { expandCustom } from './compile/expandCustom.js';
export { prepare, runGraph } from './compile/run.js';
export { traceForExport, type ExportPort, type ExportTrace, type ExportTraceOptions } from './export/exportTrace.js';
export {
  encodeModel,
  type OnnxAttribute,
  type OnnxDType,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './export/onnx/model.js';
export { varintBytes } from './export/onnx/protobuf.js';
