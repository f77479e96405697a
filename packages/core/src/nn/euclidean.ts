/** @file Batched Euclidean distances between point sets: direct differences when small, centred points when large. */
import { add, div, maximum, mul, square, stopGradient, sub } from '../trace/ops/elementwise.js';
import { matmul } from '../trace/ops/linalg.js';
import { expandDims, transpose } from '../trace/ops/movement.js';
import { sum } from '../trace/ops/reduce.js';
import type { Tensor } from '../trace/tensor.js';
import { safeSqrt } from './safe.js';

/** Up to this many difference entries (batch·n·m·d), the distances sum the squared differences directly. */
const DIRECT_DISTANCE_ENTRIES = 2 ** 20;

/**
 * The (squared when `squared`) Euclidean distances [..., n, m] between the rows of a [..., n, d] and b [..., m, d]
 * of one batch shape: directly up to 2²⁰ difference entries, else on points centred per batch (see
 * pairwiseDistances); the gradient of the distance is 0 at coincident points.
 */
export function euclideanDistances(a: Tensor, b: Tensor, squared: boolean): Tensor {
  const entries = a.shape.reduce((k, dim) => k * dim, 1) * (b.shape.at(-2) as number);
  const d2 = entries <= DIRECT_DISTANCE_ENTRIES ? directSquares(a, b) : centredSquares(a, b);
  return squared ? d2 : safeSqrt(d2);
}

/** D²_ij = Σ_k (a_ik − b_jk)², the differences [..., n, m, d] fused into their sum under jit. */
const directSquares = (a: Tensor, b: Tensor): Tensor =>
  sum(square(sub(expandDims(a, -2), expandDims(b, -3))), { axis: -1 });

/** The last two axes of `t` swapped. */
const swapLast = (t: Tensor): Tensor =>
  transpose(
    t,
    [...t.shape.keys()].map((i) => (i < t.rank - 2 ? i : 2 * t.rank - 3 - i)),
  );

/** D²_ij = ‖a_i‖² + ‖b_j‖² − 2·a_i·b_j (≥ 0) after moving both sets by their common mean per batch (held constant). */
function centredSquares(a: Tensor, b: Tensor): Tensor {
  const [n, m] = [a.shape.at(-2) as number, b.shape.at(-2) as number];
  const total = add(sum(a, { axis: -2, keepDims: true }), sum(b, { axis: -2, keepDims: true }));
  const centre = stopGradient(div(total, n + m));
  const [ca, cb] = [sub(a, centre), sub(b, centre)];
  const na = sum(mul(ca, ca), { axis: -1, keepDims: true });
  const nb = swapLast(sum(mul(cb, cb), { axis: -1, keepDims: true }));
  return maximum(sub(add(na, nb), mul(2, matmul(ca, swapLast(cb)))), 0);
}
