/**
 * @file Sorting: sort (values and indices), argsort and topK along an axis, through one primitive,
 * the stable sorting permutation (`argsort`); the values are a gather of x by it, so their gradient
 * is the gather's (the permutation itself has none). NaN sorts as the largest (last ascending,
 * first descending), −0 and +0 compare equal, and equal elements keep their order.
 */
import { either as E } from 'fp-ts';
import { fail, fromIrError, ValueError } from '../../errors.js';
import * as B from '../../ir/build.js';
import type { DType } from '../../ir/dtype.js';
import type { Node } from '../../ir/node.js';
import { normalizeAxis } from '../../ir/shape.js';
import { publicFn } from '../../validate/publicFn.js';
import * as s from '../../validate/schemas.js';
import { applyOp, wrap } from '../apply.js';
import type { ShapeT } from '../shapeTypes.js';
import type { Tensor } from '../tensor.js';

/** Options of `sort` and `argsort`: the axis (the last by default; negative counts from the end) and the direction. */
export interface SortOptions {
  readonly axis?: number;
  readonly descending?: boolean;
}

/** Options of `topK`, as `torch.topk`: the axis (the last by default), the k largest (default) or smallest, and whether they come in sorted order (default) or in their order along the axis. */
export interface TopKOptions {
  readonly axis?: number;
  readonly largest?: boolean;
  readonly sorted?: boolean;
}

/** Values and their indices along the axis (`sort`, `topK`). */
export interface SortResult<S extends ShapeT, D extends DType> {
  readonly values: Tensor<S, D>;
  readonly indices: Tensor<S, 'i32'>;
}

const sortOptions = s.options({ axis: s.optional(s.axis), descending: s.optional(s.boolean) });

function axisOf(fn: string, axis: number, rank: number): number {
  const r = normalizeAxis(fn, 'axis', axis, rank);
  if (E.isLeft(r)) throw fromIrError(r.left, fn);
  return r.right;
}

/** The permutation node of a public function's checked x. */
const permutation = (fn: string, x: Tensor, options: SortOptions): { perm: Node; axis: number } => {
  const axis = axisOf(fn, options.axis ?? -1, x.rank);
  const perm = applyOp(fn, 'argsort', { axis, descending: options.descending ?? false }, [x.node]).node;
  return { perm, axis };
};

/**
 * The indices that sort `x` along `axis` (i32, stable): ascending, or `descending`. NaN sorts as
 * the largest, −0 equals +0, and equal elements keep their order. Not differentiable.
 */
export const argsort = publicFn(
  'argsort',
  { x: s.tensor({ dtype: 'numeric' }), options: sortOptions },
  <S extends ShapeT>(x: Tensor<S>, options: SortOptions = {}): Tensor<S, 'i32'> =>
    wrap(permutation('argsort', x, options).perm) as Tensor<S, 'i32'>,
);

/**
 * `x` sorted along `axis` (stable; ascending, or `descending`) and the indices that sort it, as
 * `torch.sort(stable=True)`: NaN sorts as the largest, −0 equals +0. The values' gradient routes
 * each cotangent back to the element it came from.
 */
export const sort = publicFn(
  'sort',
  { x: s.tensor({ dtype: 'numeric' }), options: sortOptions },
  <S extends ShapeT, D extends DType>(x: Tensor<S, D>, options: SortOptions = {}): SortResult<S, D> => {
    const { perm, axis } = permutation('sort', x, options);
    return {
      values: wrap(B.op('gather', { axis }, [x.node, perm])) as Tensor<S, D>,
      indices: wrap(perm) as Tensor<S, 'i32'>,
    };
  },
);

/**
 * The `k` largest (or, with `largest: false`, smallest) entries of `x` along `axis` and their
 * indices, as `torch.topk`: in sorted order by default (largest first, ties by index; NaN counts
 * as the largest), or with `sorted: false` in their order along the axis. The values' gradient
 * flows to the chosen entries. k must be an integer in [0, n].
 */
export const topK = publicFn(
  'topK',
  {
    x: s.tensor({ dtype: 'numeric' }),
    k: s.number({ min: 0, integer: true }),
    options: s.options({ axis: s.optional(s.axis), largest: s.optional(s.boolean), sorted: s.optional(s.boolean) }),
  },
  <D extends DType>(x: Tensor<ShapeT, D>, k: number, options: TopKOptions = {}): SortResult<ShapeT, D> => {
    const fn = 'topK';
    const t: Tensor = x;
    const axis = axisOf(fn, options.axis ?? -1, t.rank);
    const n = t.shape[axis] as number;
    if (k > n) fail(ValueError, fn, 'k', `an integer in [0, ${n}] (the size of axis ${axis})`, String(k));
    const perm = applyOp(fn, 'argsort', { axis, descending: options.largest ?? true }, [t.node]).node;
    const end = t.shape.map((d, i) => (i === axis ? k : d));
    let indices: Node = B.op('slice', { start: t.shape.map(() => 0), end }, [perm]);
    if (options.sorted === false && k > 1) {
      // the chosen indices in their order along the axis: an ascending sort of the indices themselves
      indices = B.op('gather', { axis }, [indices, B.op('argsort', { axis, descending: false }, [indices])]);
    }
    return {
      values: wrap(B.op('gather', { axis }, [t.node, indices])) as Tensor<ShapeT, D>,
      indices: wrap(indices) as Tensor<ShapeT, 'i32'>,
    };
  },
);
