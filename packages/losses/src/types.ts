/** @file Type-level shapes of loss signatures: logits [...B, K] against labels [...B], per-sample results. */
import type { Dim, ShapeT, Tensor } from '@xent/core';

/** The batch part of a logits shape (all but the class axis); `ShapeT` when the rank is not literal. */
export type BatchOf<S extends ShapeT> = S extends readonly [...infer B extends Dim[], Dim] ? B : ShapeT;

/** How per-sample losses are combined: their mean (default), their sum, or kept per sample. */
export type Reduction = 'mean' | 'sum' | 'none';

/** The shape a reduction leaves: per-sample (`'none'`) or a scalar. */
export type Reduced<B extends ShapeT, R extends Reduction> = R extends 'none' ? B : [];

/** The result of a per-sample loss on batch shape B under reduction R. */
export type LossOf<B extends ShapeT, R extends Reduction, D extends string> = Tensor<
  Reduced<B, R>,
  D & Tensor['dtype']
>;

/** The options every per-sample loss takes. */
export interface ReductionOptions<R extends Reduction = Reduction> {
  /** 'mean' (default), 'sum' or 'none'. */
  readonly reduction?: R;
}
