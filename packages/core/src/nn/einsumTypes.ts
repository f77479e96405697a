/**
 * @file Type-level einsum: explicit subscripts ('bij,bjk->bik', '...ij,...jk->...ik') parsed with template
 * literals and bound to literal operand shapes, the ellipsis dims broadcast, so the result shape is typed and a
 * size mismatch, a rank mismatch or a wrong operand count fails `tsc`. Implicit outputs and non-literal shapes
 * give the wide shape.
 */
import type { DType } from '../ir/dtype.js';
import type { Broadcast, Dim, ShapeErrorT, ShapeT } from '../trace/shapeTypes.js';
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

/** Marks a binding that cannot be typed (a stray '.', a shape that is not a tuple): the result is wide. */
export interface EinsumWide {
  readonly __wide: true;
}

export type EinsumPairs = [string, Dim][];

/** A term's indices before and after its ellipsis, or null for a term without one. */
export type EinsumEllipsis<T extends string> = T extends `${infer P}...${infer Q}`
  ? [EinsumChars<P>, EinsumChars<Q>]
  : null;

/** The leading indices C bound to the first dims of S: [(label, dim) pairs, the dims left], or a rank error. */
export type EinsumZipFront<C extends string[], S extends ShapeT, Acc extends EinsumPairs = []> = C extends [
  infer L extends string,
  ...infer CR extends string[],
]
  ? L extends '.'
    ? EinsumWide
    : S extends readonly [infer D extends Dim, ...infer SR extends Dim[]]
      ? EinsumZipFront<CR, SR, [...Acc, [L, D]]>
      : ShapeErrorT<'einsum: an operand has fewer axes than its term has indices'>
  : [Acc, S];

/** The trailing indices C bound to the last dims of S: [(label, dim) pairs, the dims left], or a rank error. */
export type EinsumZipBack<C extends string[], S extends ShapeT, Acc extends EinsumPairs = []> = C extends [
  ...infer CR extends string[],
  infer L extends string,
]
  ? L extends '.'
    ? EinsumWide
    : S extends readonly [...infer SR extends Dim[], infer D extends Dim]
      ? EinsumZipBack<CR, SR, [[L, D], ...Acc]>
      : ShapeErrorT<'einsum: an operand has fewer axes than its term has indices'>
  : [Acc, S];

/** The (label, dim) pairs of a term without an ellipsis and its operand's shape, or a rank error. */
export type EinsumZipTerm<C extends string[], S extends ShapeT> =
  EinsumZipFront<C, S> extends infer F
    ? F extends [infer P extends EinsumPairs, infer Rest extends ShapeT]
      ? Rest extends readonly []
        ? P
        : ShapeErrorT<'einsum: an operand has more axes than its term has indices'>
      : F
    : never;

/** One term bound to its operand's shape: [(label, dim) pairs, the ellipsis dims], an error, or EinsumWide. */
export type EinsumBindTerm<T extends string, S extends ShapeT> = number extends S['length']
  ? EinsumWide
  : EinsumEllipsis<T> extends [infer P extends string[], infer Q extends string[]]
    ? EinsumZipBack<Q, S> extends infer Back
      ? Back extends [infer QP extends EinsumPairs, infer Rest extends ShapeT]
        ? EinsumZipFront<P, Rest> extends infer Front
          ? Front extends [infer PP extends EinsumPairs, infer Mid extends ShapeT]
            ? [[...PP, ...QP], Mid]
            : Front
          : never
        : Back
      : never
    : EinsumZipTerm<EinsumChars<T>, S> extends infer Z
      ? Z extends EinsumPairs
        ? [Z, []]
        : Z
      : never;

/** All terms bound to all operands: [(label, dim) pairs, the broadcast ellipsis dims], an error, or EinsumWide. */
export type EinsumBind<
  Terms extends string[],
  Ops extends readonly unknown[],
  Acc extends EinsumPairs = [],
  Ell extends ShapeT = [],
> = Terms extends [infer T extends string, ...infer TR extends string[]]
  ? Ops extends readonly [infer O, ...infer OR]
    ? EinsumBindTerm<T, EinsumShapeOfT<O>> extends infer Z
      ? Z extends [infer P extends EinsumPairs, infer Mid extends ShapeT]
        ? Broadcast<Ell, Mid> extends infer E
          ? E extends ShapeT
            ? EinsumBind<TR, OR, [...Acc, ...P], E>
            : ShapeErrorT<'einsum: the ellipsis dims of the operands do not broadcast'>
          : never
        : Z
      : never
    : ShapeErrorT<'einsum: fewer operands than terms'>
  : Ops extends readonly []
    ? [Acc, Ell]
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
      : B extends [infer P extends EinsumPairs, ShapeT]
        ? EinsumConflicts<P>
        : unknown
    : unknown;

export type EinsumOutShape<Out extends string[], P extends EinsumPairs> = {
  [K in keyof Out]: EinsumLookup<Out[K] & string, P>;
};

/** The output shape of an explicit output term: its indices' sizes, the ellipsis dims where it has `...`. */
export type EinsumOutTerm<Out extends string, P extends EinsumPairs, Ell extends ShapeT> =
  EinsumEllipsis<Out> extends [infer OP extends string[], infer OQ extends string[]]
    ? '.' extends OP[number] | OQ[number]
      ? ShapeT
      : [...EinsumOutShape<OP, P>, ...Ell, ...EinsumOutShape<OQ, P>]
    : Out extends `${string}.${string}`
      ? ShapeT
      : EinsumOutShape<EinsumChars<Out>, P>;

/** The typed result of an einsum call: a literal shape for explicit subscripts over literal shapes, else wide. */
export type EinsumResult<Sub extends string, Ops extends readonly unknown[]> = Tensor<
  string extends Sub
    ? ShapeT
    : EinsumParse<Sub>[1] extends infer Out extends string
      ? EinsumBound<Sub, Ops> extends [infer P extends EinsumPairs, infer Ell extends ShapeT]
        ? EinsumOutTerm<Out, P, Ell>
        : ShapeT
      : ShapeT,
  Ops extends readonly [infer First, ...unknown[]] ? EinsumDTypeOfT<First> : DType
>;
