/**
 * @file Type-level einsum: explicit subscripts ('bij,bjk->bik') parsed with template literals and bound
 * to literal operand shapes, so the result shape is typed and a size mismatch, a rank mismatch or a wrong
 * operand count fails `tsc`. Implicit outputs, ellipses and non-literal shapes give the wide shape.
 */
import type { DType } from '../ir/dtype.js';
import type { Dim, ShapeErrorT, ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';

export type EinsumNoSpaces<S extends string> = S extends `${infer A} ${infer B}` ? EinsumNoSpaces<`${A}${B}`> : S;
export type EinsumSplitTerms<S extends string> = S extends `${infer H},${infer T}` ? [H, ...EinsumSplitTerms<T>] : [S];
export type EinsumChars<S extends string> = S extends `${infer C}${infer R}` ? [C, ...EinsumChars<R>] : [];

/** The input terms and the output term (null when implicit). */
export type EinsumParse<Sub extends string> =
  EinsumNoSpaces<Sub> extends `${infer L}->${infer R}`
    ? [EinsumSplitTerms<L>, R]
    : [EinsumSplitTerms<EinsumNoSpaces<Sub>>, null];

export type EinsumShapeOfT<T> = T extends Tensor<infer S> ? S : ShapeT;
export type EinsumDTypeOfT<T> = T extends Tensor<ShapeT, infer D> ? D : DType;

/** Marks a binding that cannot be typed (an ellipsis, a shape that is not a tuple): the result is wide. */
export interface EinsumWide {
  readonly __wide: true;
}

export type EinsumPairs = [string, Dim][];

/** The (label, dim) pairs of one term and its operand's shape, or a rank error. */
export type EinsumZipTerm<
  C extends string[],
  S extends ShapeT,
  Acc extends EinsumPairs = [],
> = number extends S['length']
  ? EinsumWide
  : C extends [infer L extends string, ...infer CR extends string[]]
    ? L extends '.'
      ? EinsumWide
      : S extends readonly [infer D extends Dim, ...infer SR extends Dim[]]
        ? EinsumZipTerm<CR, SR, [...Acc, [L, D]]>
        : ShapeErrorT<'einsum: an operand has fewer axes than its term has indices'>
    : S extends readonly []
      ? Acc
      : ShapeErrorT<'einsum: an operand has more axes than its term has indices'>;

/** All terms bound to all operands, or an error (count, rank) or EinsumWide. */
export type EinsumBind<
  Terms extends string[],
  Ops extends readonly unknown[],
  Acc extends EinsumPairs = [],
> = Terms extends [infer T extends string, ...infer TR extends string[]]
  ? Ops extends readonly [infer O, ...infer OR]
    ? EinsumZipTerm<EinsumChars<T>, EinsumShapeOfT<O>> extends infer Z
      ? Z extends EinsumPairs
        ? EinsumBind<TR, OR, [...Acc, ...Z]>
        : Z
      : never
    : ShapeErrorT<'einsum: fewer operands than terms'>
  : Ops extends readonly []
    ? Acc
    : number extends Ops['length']
      ? EinsumWide
      : ShapeErrorT<'einsum: more operands than terms'>;

/** The size of label L: its first dim other than 1, else 1. */
export type EinsumLookup<L extends string, P extends EinsumPairs, Found extends Dim = 1> = P extends [
  [infer K, infer D extends Dim],
  ...infer R extends EinsumPairs,
]
  ? K extends L
    ? Found extends 1
      ? EinsumLookup<L, R, D>
      : EinsumLookup<L, R, Found>
    : EinsumLookup<L, R, Found>
  : Found;

/** An error when two literal sizes of one label differ (neither 1), else unknown. */
export type EinsumConflicts<P extends EinsumPairs, All extends EinsumPairs = P> = P extends [
  [infer K extends string, infer D extends Dim],
  ...infer R extends EinsumPairs,
]
  ? [number] extends [D]
    ? EinsumConflicts<R, All>
    : D extends 1
      ? EinsumConflicts<R, All>
      : EinsumLookup<K, All> extends infer F
        ? [number] extends [F]
          ? EinsumConflicts<R, All>
          : [F] extends [D]
            ? EinsumConflicts<R, All>
            : ShapeErrorT<`einsum: index ${K} has sizes ${D & (number | string)} and ${F & (number | string)}`>
        : never
  : unknown;

export type EinsumBound<Sub extends string, Ops extends readonly unknown[]> = EinsumBind<EinsumParse<Sub>[0], Ops>;

/** `unknown` when the operands fit the subscripts, else the error marker (the call then fails `tsc`). */
export type EinsumCheck<Sub extends string, Ops extends readonly unknown[]> = string extends Sub
  ? unknown
  : EinsumBound<Sub, Ops> extends infer B
    ? B extends ShapeErrorT<string>
      ? B
      : B extends EinsumPairs
        ? EinsumConflicts<B>
        : unknown
    : unknown;

export type EinsumOutShape<Out extends string[], P extends EinsumPairs> = {
  [K in keyof Out]: EinsumLookup<Out[K] & string, P>;
};

/** The typed result of an einsum call: a literal shape for explicit subscripts over literal shapes, else wide. */
export type EinsumResult<Sub extends string, Ops extends readonly unknown[]> = Tensor<
  string extends Sub
    ? ShapeT
    : EinsumParse<Sub>[1] extends infer Out extends string
      ? EinsumBound<Sub, Ops> extends infer B extends EinsumPairs
        ? Out extends `${string}.${string}`
          ? ShapeT
          : EinsumOutShape<EinsumChars<Out>, B>
        : ShapeT
      : ShapeT,
  Ops extends readonly [infer First, ...unknown[]] ? EinsumDTypeOfT<First> : DType
>;
