/**
 * @file x.einsum's typed subscripts: with literal shapes and explicit subscripts the result shape is
 * inferred; a size mismatch, a rank mismatch or a wrong operand count fails `tsc`; implicit outputs,
 * ellipses and plain-number shapes give the wide shape.
 */
import { expectTypeOf, test } from 'vitest';
import * as x from 'xent';

declare const a234: x.Tensor<[2, 3, 4], 'f32'>;
declare const b245: x.Tensor<[2, 4, 5], 'f32'>;
declare const c255: x.Tensor<[2, 5, 5], 'f32'>;
declare const m33: x.Tensor<[3, 3], 'f64'>;
declare const v3: x.Tensor<[3], 'f64'>;
declare const one3: x.Tensor<[1, 3], 'f64'>;
declare const dyn: x.Tensor<number[], 'f32'>;

test('explicit subscripts over literal shapes type the result', () => {
  expectTypeOf(x.einsum('bij,bjk->bik', a234, b245)).toEqualTypeOf<x.Tensor<[2, 3, 5], 'f32'>>();
  expectTypeOf(x.einsum('bij, bjk -> kib', a234, b245)).toEqualTypeOf<x.Tensor<[5, 3, 2], 'f32'>>();
  expectTypeOf(x.einsum('bij,bjk,bkl->bil', a234, b245, c255)).toEqualTypeOf<x.Tensor<[2, 3, 5], 'f32'>>();
  expectTypeOf(x.einsum('ii->i', m33)).toEqualTypeOf<x.Tensor<[3], 'f64'>>();
  expectTypeOf(x.einsum('ii->', m33)).toEqualTypeOf<x.Tensor<[], 'f64'>>();
  expectTypeOf(x.einsum('ij,j->i', m33, v3)).toEqualTypeOf<x.Tensor<[3], 'f64'>>();
  // a size of 1 broadcasts
  expectTypeOf(x.einsum('ij,ij->ij', one3, m33)).toEqualTypeOf<x.Tensor<[3, 3], 'f64'>>();
});

test('implicit outputs, ellipses and plain-number shapes are wide', () => {
  expectTypeOf(x.einsum('ij,jk', m33, m33)).toEqualTypeOf<x.Tensor<x.ShapeT, 'f64'>>();
  expectTypeOf(x.einsum('...ij->...ji', a234)).toEqualTypeOf<x.Tensor<x.ShapeT, 'f32'>>();
  expectTypeOf(x.einsum('ij,jk->ik', dyn, dyn)).toEqualTypeOf<x.Tensor<x.ShapeT, 'f32'>>();
});

test('mismatches fail to compile', () => {
  // @ts-expect-error j is 4 in a and 5 in c
  x.einsum('bij,bjk->bik', a234, c255);
  // @ts-expect-error two terms, one operand
  x.einsum('bij,bjk->bik', a234);
  // @ts-expect-error one term, two operands
  x.einsum('bij->bi', a234, b245);
  // @ts-expect-error a has three axes, the term two indices
  x.einsum('ij->i', a234);
});
