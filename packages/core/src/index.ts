/** @file @xent/core: the IR, tracing, autodiff, the compile pipeline and the Backend contract. */
export * from './errors.js';
export * from './backend.js';
export * as ir from './ir/index.js';
export type { DType, FloatDType, HostArray, HostArrayOf } from './ir/dtype.js';
export type { Graph } from './ir/graph.js';
export { printGraph } from './ir/printer.js';
export { parseGraph } from './ir/parse.js';
export { Prim, prims } from './ir/prim.js';
export type * from './trace/shapeTypes.js';
export { Tensor, type NestedArray } from './trace/tensor.js';
export { primitive, type TensorLike } from './trace/apply.js';
export * from './trace/create.js';
export * from './trace/ops/elementwise.js';
export * from './trace/ops/reduce.js';
export * from './trace/ops/movement.js';
export * from './trace/ops/linalg.js';
export * from './nn/activations.js';
export * from './nn/softmax.js';
export * from './nn/statistics.js';
export * from './nn/indexing.js';
export { vjpRules, type VjpRule } from './autodiff/vjpRules.js';
export { vjpNodes } from './autodiff/vjp.js';
export * from './transforms/grad.js';
export * from './transforms/jit.js';
export * from './transforms/customVjp.js';
export type { TensorOutput } from './transforms/tracing.js';
export { compileGraph, passes, type CompileOptions, type Pass } from './compile/pipeline.js';
export { simplify, simplifyRules } from './compile/simplify.js';
export { verify } from './compile/verify.js';
export { dce } from './compile/dce.js';
export { expandCustom } from './compile/expandCustom.js';
export { runGraph } from './compile/run.js';

import { concreteNode, type Tensor } from './trace/tensor.js';

/** The value of a one-element tensor as a JS number (or boolean for bool). */
export function item(t: Tensor): number | boolean {
  const { value, type } = concreteNode(t, 'item');
  if (value.length !== 1) {
    throw new (class extends Error {})(
      `xent.item: expected a tensor with one element, got shape [${type.shape.join(', ')}]`,
    );
  }
  return type.dtype === 'bool' ? value[0] === 1 : (value[0] as number);
}
