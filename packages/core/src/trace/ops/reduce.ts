/** @file Reductions: sum, max, min, logsumexp (a one-pass online reduction), mean, argmax, argmin. */
import { either as E } from 'fp-ts';
import { fail, fromIrError, ValueError } from '../../errors.js';
import * as B from '../../ir/build.js';
import type { DType } from '../../ir/dtype.js';
import { normalizeAxes } from '../../ir/shape.js';
import type { Node } from '../../ir/node.js';
import { applyOp, describe, wrap } from '../apply.js';
import { type Params, publicFn } from '../../validate/publicFn.js';
import type { DTypeRule } from '../../validate/schema.js';
import * as s from '../../validate/schemas.js';
import type { Check, Ok, ReduceShape, ShapeT } from '../shapeTypes.js';
import type { Tensor } from '../tensor.js';
import { div } from './elementwise.js';

/** Which axes to reduce (all when omitted; negative axes count from the end) and whether to keep them as size 1. */
export interface ReduceOptions<Ax, K extends boolean> {
  readonly axis?: Ax;
  readonly keepDims?: K;
}

/** One axis or several (negative counts from the end). */
export type AxisArg = number | readonly number[];

/** The normalised, sorted axes a reduction option names. */
export function reductionAxes(fn: string, x: Tensor, axis: AxisArg | undefined): readonly number[] {
  const rank = x.rank;
  if (axis === undefined) return x.shape.map((_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  if (!Array.isArray(list) && typeof axis !== 'number')
    fail(ValueError, fn, 'axis', 'an axis or an array of axes', describe(axis));
  const r = normalizeAxes(fn, 'axis', list, rank);
  if (E.isLeft(r)) throw fromIrError(r.left, fn);
  return r.right;
}

/** The result shape of a reduction of `S` over `Ax`, keeping reduced axes with `K`. */
export type Reduced<S extends ShapeT, Ax, K extends boolean> = Ok<ReduceShape<S, Ax, K>>;

/** A reduction of a tensor its public function has already checked (the schema of `reductionParams`). */
function reduce(
  fn: string,
  prim: 'sum' | 'max' | 'logsumexp',
  x: Tensor,
  options: ReduceOptions<AxisArg, boolean> = {},
): Tensor {
  const axes = reductionAxes(fn, x, options.axis);
  const out = applyOp(fn, prim, { axes }, [x.node]);
  return options.keepDims === true ? keep(x, out, axes) : out;
}

/** Reinserts reduced axes as size 1. */
function keep(x: Tensor, reduced: Tensor, axes: readonly number[]): Tensor {
  return wrap(
    B.reshape(
      reduced.node,
      x.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
    ),
  );
}

/** The signature of a reduction (`sum`, `max`, `logsumexp`, …) over `axis` (all axes by default), keeping reduced axes as size 1 with `keepDims`. */
export type ReductionFn = <
  S extends ShapeT,
  D extends DType,
  const Ax extends AxisArg = never,
  K extends boolean = false,
>(
  x: Tensor<S, D>,
  options?: ReduceOptions<Ax, K> & Check<ReduceShape<S, Ax, K>>,
) => Tensor<Reduced<S, Ax, K>, D>;

/** The options of every reduction: `axis` (one or several, all by default) and `keepDims`. */
export const reduceOptions = s.options({ axis: s.optional(s.axes), keepDims: s.optional(s.boolean) });

const reductionParams = (dtype: DTypeRule): Params => ({ x: s.tensor({ dtype }), options: reduceOptions });

/** Σ over the axes. */
export const sum: ReductionFn = publicFn(
  'sum',
  reductionParams('numeric'),
  (x, options) => reduce('sum', 'sum', x, options) as never,
);

/** Maximum over the axes (−Inf for an empty float reduction). The gradient is split evenly among ties. */
export const max: ReductionFn = publicFn(
  'max',
  reductionParams('numeric'),
  (x, options) => reduce('max', 'max', x, options) as never,
);

/** Minimum over the axes: r(max(r(x))) for the order-reversing r of `reverseOrder` (−x, or −1 − x for i32). */
export const min: ReductionFn = publicFn('min', reductionParams('numeric'), (x, options) => {
  const flip = (t: Tensor): Tensor => wrap(reverseOrder(t.node));
  return flip(reduce('min', 'max', flip(x), options)) as never;
});

/**
 * log Σ exp over the axes, computed as one online (max, sum) pass: finite for logits of ±1e4,
 * −Inf (with a zero gradient) for rows that are all −Inf.
 */
export const logsumexp: ReductionFn = publicFn(
  'logsumexp',
  reductionParams('float'),
  (x, options) => reduce('logsumexp', 'logsumexp', x, options) as never,
);

/** Arithmetic mean over the axes (float tensors). */
export const mean: ReductionFn = publicFn('mean', reductionParams('float'), (x, options) => {
  const axes = reductionAxes('mean', x, options?.axis);
  const count = axes.reduce((n, a) => n * (x.shape[a] as number), 1);
  return div(reduce('mean', 'sum', x, options), count) as never;
});

/** The options of `argmax` and `argmin`: one axis (the last by default) and `keepDims`. */
const argOptions = s.options({ axis: s.optional(s.axis), keepDims: s.optional(s.boolean) });

/** The index of the maximum along `axis` (the first on ties; the first NaN if any), as i32; not differentiable. */
export const argmax = publicFn('argmax', { x: s.tensor({ dtype: 'numeric' }), options: argOptions }, argmaxImpl);

function argmaxImpl<S extends ShapeT, const Ax extends number = -1, K extends boolean = false>(
  x: Tensor<S>,
  options: { readonly axis?: Ax; readonly keepDims?: K } = {},
): Tensor<Reduced<S, Ax, K>, 'i32'> {
  return firstMax('argmax', x, (n) => n, options) as never;
}

/** The index of the minimum along `axis` (the first on ties; the first NaN if any), as i32; not differentiable. */
export const argmin = publicFn('argmin', { x: s.tensor({ dtype: 'numeric' }), options: argOptions }, argminImpl);

function argminImpl<S extends ShapeT, const Ax extends number = -1, K extends boolean = false>(
  x: Tensor<S>,
  options: { readonly axis?: Ax; readonly keepDims?: K } = {},
): Tensor<Reduced<S, Ax, K>, 'i32'> {
  return firstMax('argmin', x, reverseOrder, options) as never;
}

/**
 * An order-reversing map without overflow: −x for floats (NaN stays NaN, −0 and +0 stay equal),
 * −1 − x for i32 (INT_MIN ↦ INT_MAX; −x would wrap INT_MIN onto itself).
 */
function reverseOrder(x: Node): Node {
  return x.type.dtype === 'i32' ? B.sub(B.fullLike(x, -1), x) : B.neg(x);
}

/** The first index along the axis where `order(x)` is largest (or NaN). */
function firstMax(
  fn: string,
  x: Tensor,
  order: (x: Node) => Node,
  options: { readonly axis?: number; readonly keepDims?: boolean },
): Tensor {
  const [axis] = reductionAxes(fn, x, options.axis ?? -1) as [number];
  const n = x.shape[axis] as number;
  if (n === 0) fail(ValueError, fn, 'x', `a non-empty axis ${axis}`, `shape [${x.shape.join(', ')}]`);
  const v = order(x.node);
  const m = B.expandReduced(B.op('max', { axes: [axis] }, [v]), [axis], x.shape);
  const iota = B.op('iota', { shape: x.shape, axis, dtype: 'i32' }, []);
  const isNaN = B.op('notEqual', {}, [v, v]);
  const hit = B.where(isNaN, B.full(x.shape, 1, 'bool'), B.equal(v, m));
  // the first hit: the largest n − i (no overflow: 0 < n − i ≤ n)
  const candidates = B.where(hit, B.sub(B.full(x.shape, n, 'i32'), iota), B.full(x.shape, 0, 'i32'));
  const best = B.op('max', { axes: [axis] }, [candidates]);
  const out = wrap(B.sub(B.fullLike(best, n), best));
  return options.keepDims === true ? keep(x, out, [axis]) : out;
}
