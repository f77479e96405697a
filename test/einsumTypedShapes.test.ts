/**
 * @file x.einsum's typed result shapes with `...` agree with the shapes it computes: each case is typed with the
 * shape `tsc` infers (a wrong inference fails the typecheck) and the run-time shape is asserted to be the same.
 */
import { describe, expect, test } from 'vitest';
import * as x from 'xent';

const zeros = <const S extends readonly number[]>(shape: S): x.Tensor<S, 'f32'> =>
  x.tensor(new Float32Array(shape.reduce((k, d) => k * d, 1)), { shape, dtype: 'f32' });

describe('typed ellipsis shapes are the run-time shapes', () => {
  test('broadcast, middle and trailing ellipses, summed and empty ellipses', () => {
    const batched: x.Tensor<[2, 5, 3, 6], 'f32'> = x.einsum(
      '...ij,...jk->...ik',
      zeros([2, 1, 3, 4]),
      zeros([5, 4, 6]),
    );
    expect(batched.shape).toEqual([2, 5, 3, 6]);
    const mixed: x.Tensor<[2, 3, 4, 7], 'f32'> = x.einsum('...ij,jk->...ik', zeros([2, 3, 4, 5]), zeros([5, 7]));
    expect(mixed.shape).toEqual([2, 3, 4, 7]);
    const middle: x.Tensor<[5, 3, 4, 2], 'f32'> = x.einsum('b...i->i...b', zeros([2, 3, 4, 5]));
    expect(middle.shape).toEqual([5, 3, 4, 2]);
    const kept: x.Tensor<[2, 3, 4], 'f32'> = x.einsum('b...i->b...', zeros([2, 3, 4, 5]));
    expect(kept.shape).toEqual([2, 3, 4]);
    const summed: x.Tensor<[4, 5], 'f32'> = x.einsum('...ij->ij', zeros([2, 3, 4, 5]));
    expect(summed.shape).toEqual([4, 5]);
    const empty: x.Tensor<[3, 2], 'f32'> = x.einsum('ij->...ji', zeros([2, 3]));
    expect(empty.shape).toEqual([3, 2]);
    const diagonal: x.Tensor<[3, 6], 'f32'> = x.einsum('...ii->...i', zeros([3, 6, 6]));
    expect(diagonal.shape).toEqual([3, 6]);
  });
});
