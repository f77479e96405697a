/**
 * @file x.einsum's typed subscripts: with literal shapes and explicit subscripts (with or without `...`) the
 * result shape is inferred, the ellipsis dims broadcast; a size mismatch, an ellipsis that does not broadcast, a
 * rank mismatch or a wrong operand count fails `tsc`; implicit outputs and plain-number shapes give the wide shape.
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
declare const e2345: x.Tensor<[2, 3, 4, 5], 'f32'>;
declare const e2134: x.Tensor<[2, 1, 3, 4], 'f32'>;
declare const e546: x.Tensor<[5, 4, 6], 'f32'>;
declare const e356: x.Tensor<[3, 5, 6], 'f32'>;
declare const e45: x.Tensor<[4, 5], 'f32'>;
declare const e34: x.Tensor<[3, 4], 'f32'>;
declare const e33: x.Tensor<[3, 3], 'f32'>;
declare const e57: x.Tensor<[5, 7], 'f32'>;
declare const e366: x.Tensor<[3, 6, 6], 'f32'>;
declare const named: x.Tensor<['batch', 3, 4], 'f32'>;
declare const partly: x.Tensor<[number, 3, 4], 'f32'>;

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

test('ellipses: the ellipsis dims broadcast across operands and land where the output writes `...`', () => {
  expectTypeOf(x.einsum('...ij->...ji', a234)).toEqualTypeOf<x.Tensor<[2, 4, 3], 'f32'>>();
  expectTypeOf(x.einsum('...ij,...jk->...ik', a234, b245)).toEqualTypeOf<x.Tensor<[2, 3, 5], 'f32'>>();
  // [2, 1] and [5] broadcast to [2, 5]
  expectTypeOf(x.einsum('...ij,...jk->...ik', e2134, e546)).toEqualTypeOf<x.Tensor<[2, 5, 3, 6], 'f32'>>();
  // an operand without an ellipsis, a matrix whose ellipsis is empty
  expectTypeOf(x.einsum('...ij,jk->...ik', e2345, e57)).toEqualTypeOf<x.Tensor<[2, 3, 4, 7], 'f32'>>();
  expectTypeOf(x.einsum('...ij,...jk->...ik', e34, e546)).toEqualTypeOf<x.Tensor<[5, 3, 6], 'f32'>>();
  // the ellipsis in the middle of a term and of the output, or at its end
  expectTypeOf(x.einsum('b...i->b...', e2345)).toEqualTypeOf<x.Tensor<[2, 3, 4], 'f32'>>();
  expectTypeOf(x.einsum('b...i->i...b', e2345)).toEqualTypeOf<x.Tensor<[5, 3, 4, 2], 'f32'>>();
  expectTypeOf(x.einsum('i...->...', v3)).toEqualTypeOf<x.Tensor<[], 'f64'>>();
  // an output without `...` sums the ellipsis dims; `...` over operands without one is empty
  expectTypeOf(x.einsum('...ij->ij', e2345)).toEqualTypeOf<x.Tensor<[4, 5], 'f32'>>();
  expectTypeOf(x.einsum('ij->...ji', m33)).toEqualTypeOf<x.Tensor<[3, 3], 'f64'>>();
  // repeated indices, named and plain-number dims inside and outside the ellipsis
  expectTypeOf(x.einsum('...ii->...i', e366)).toEqualTypeOf<x.Tensor<[3, 6], 'f32'>>();
  expectTypeOf(x.einsum('...ij->...j', named)).toEqualTypeOf<x.Tensor<['batch', 4], 'f32'>>();
  expectTypeOf(x.einsum('...ij,...jk->...ik', partly, e45)).toEqualTypeOf<x.Tensor<[number, 3, 5], 'f32'>>();
});

test('implicit outputs and plain-number shapes are wide', () => {
  expectTypeOf(x.einsum('ij,jk', m33, m33)).toEqualTypeOf<x.Tensor<x.ShapeT, 'f64'>>();
  expectTypeOf(x.einsum('...ij', a234)).toEqualTypeOf<x.Tensor<x.ShapeT, 'f32'>>();
  expectTypeOf(x.einsum('...ij->...ji', dyn)).toEqualTypeOf<x.Tensor<x.ShapeT, 'f32'>>();
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

test('ellipsis mismatches fail to compile', () => {
  // @ts-expect-error the ellipsis dims [2] and [3] do not broadcast
  x.einsum('...ij,...jk->...ik', a234, e356);
  // @ts-expect-error j is 4 in a and 5 in e (the ellipsis dims agree)
  x.einsum('...ij,...jk->...ik', e2134, e356);
  // @ts-expect-error j is 4 in a and 3 in e, after the ellipsis
  x.einsum('...ij,...jk->...ik', a234, e33);
  // @ts-expect-error b...i needs two axes, v has one
  x.einsum('b...i->b...', v3);
  // @ts-expect-error b is 2 in one and 4 in the other, before the ellipsis (whose dims broadcast)
  x.einsum('b...,b...->b...', e2345, e45);
  // @ts-expect-error a repeated index of sizes 3 and 4 inside an ellipsis term
  x.einsum('...ii->...i', a234);
  // @ts-expect-error one term, two operands, with an ellipsis
  x.einsum('...ij->...i', a234, b245);
});
