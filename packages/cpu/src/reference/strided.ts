/** @file Strided iteration: the one loop the reference interpreter's movement and reductions share. */
import type { ir } from '@xent/core/internal';

/**
 * Calls `visit(k, offset)` for every element of `shape` in row-major order, where `k` counts
 * elements and `offset = base + Σ index[d]·strides[d]` (strides may be 0 or negative).
 */
export function stridedLoop(
  shape: ir.Shape,
  strides: readonly number[],
  base: number,
  visit: (k: number, offset: number) => void,
): void {
  const rank = shape.length;
  const size = shape.reduce((a, b) => a * b, 1);
  if (size === 0) return;
  const index = new Array<number>(rank).fill(0);
  let offset = base;
  for (let k = 0; k < size; k++) {
    visit(k, offset);
    for (let d = rank - 1; d >= 0; d--) {
      index[d] = (index[d] as number) + 1;
      offset += strides[d] as number;
      if ((index[d] as number) < (shape[d] as number)) break;
      offset -= (strides[d] as number) * (shape[d] as number);
      index[d] = 0;
    }
  }
}
