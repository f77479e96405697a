/**
 * @file Type-level einsum: explicit subscripts ('bij,bjk->bik') parsed with template literals and bound
 * to literal operand shapes, so the result shape is typed and a size mismatch, a rank mismatch or a wrong
 * operand count fails `tsc`. Implicit outputs, ellipses and non-literal shapes give the wide shape.
 */
import type { DType } from '../ir/dtype.js';
import type { Dim, ShapeErrorT, ShapeT } from '../trace/shapeTypes.js';
import type { Tensor } from '../trace/tensor.js';

type NoSpaces<S extends string> = S extends `${infer A} ${infer B}` ? NoSpaces<`${A}${B}`> : S;
type SplitTerms<S extends string> = S extends `${infer H},${infer T}` ? [H, ...SplitTerms<T>] : [S];
type Chars<S extends string> = S extends `${infer C}${infer R}` ? [C, ...Chars<R>] : [];

/** The input terms and the output term (null when implicit). */
type Parse<Sub extends string> =
  NoSpaces<Sub> extends `${infer L}->${infer R}` ? [SplitTerms<L>, R] : [SplitTerms<NoSpaces<Sub>>, null];

type ShapeOfT<T> = T extends Tensor<infer S> ? S : ShapeT;
type DTypeOfT<T> = T extends Tensor<ShapeT, infer D> ? D : DType;

/** Marks a binding that cannot be typed (an ellipsis, a shape that is not a tuple): the result is wide. */
interface Wide {
  readonly __wide: true;
}

type Pairs = [string, Dim][];

/** The (label, dim) pairs of one term and its operand's shape, or a rank error. */
type ZipTerm<C extends string[], S extends ShapeT, Acc extends Pairs = []> = number extends S['length']
  ? Wide
  : C extends [infer L extends string, ...infer CR extends string[]]
    ? L extends '.'
      ? Wide
      : S extends readonly [infer D extends Dim, ...infer SR extends Dim[]]
        ? ZipTerm<CR, SR, [...Acc, [L, D]]>
        : ShapeErrorT<'einsum: an operand has fewer axes than its term has indices'>
    : S extends readonly []
      ? Acc
      : ShapeErrorT<'einsum: an operand has more axes than its term has indices'>;

/** All terms bound to all operands, or an error (count, rank) or Wide. */
type Bind<Terms extends string[], Ops extends readonly unknown[], Acc extends Pairs = []> = Terms extends [
  infer T extends string,
  ...infer TR extends string[],
]
  ? Ops extends readonly [infer O, ...infer OR]
    ? ZipTerm<Chars<T>, ShapeOfT<O>> extends infer Z
      ? Z extends Pairs
        ? Bind<TR, OR, [...Acc, ...Z]>
        : Z
      : never
    : ShapeErrorT<'einsum: fewer operands than terms'>
  : Ops extends readonly []
    ? Acc
    : number extends Ops['length']
      ? Wide
      : ShapeErrorT<'einsum: more operands than terms'>;

/** The size of label L: its first dim other than 1, else 1. */
type Lookup<L extends string, P extends Pairs, Found extends Dim = 1> = P extends [
  [infer K, infer D extends Dim],
  ...infer R extends Pairs,
]
  ? K extends L
    ? Found extends 1
      ? Lookup<L, R, D>
      : Lookup<L, R, Found>
    : Lookup<L, R, Found>
  : Found;

/** An error when two literal sizes of one label differ (neither 1), else unknown. */
type Conflicts<P extends Pairs, All extends Pairs = P> = P extends [
  [infer K extends string, infer D extends Dim],
  ...infer R extends Pairs,
]
  ? [number] extends [D]
    ? Conflicts<R, All>
    : D extends 1
      ? Conflicts<R, All>
      : Lookup<K, All> extends infer F
        ? [number] extends [F]
          ? Conflicts<R, All>
          : [F] extends [D]
            ? Conflicts<R, All>
            : ShapeErrorT<`einsum: index ${K} has sizes ${D & (number | string)} and ${F & (number | string)}`>
        : never
  : unknown;

type Bound<Sub extends string, Ops extends readonly unknown[]> = Bind<Parse<Sub>[0], Ops>;

/** `unknown` when the operands fit the subscripts, else the error marker (the call then fails `tsc`). */
export type EinsumCheck<Sub extends string, Ops extends readonly unknown[]> = string extends Sub
  ? unknown
  : Bound<Sub, Ops> extends infer B
    ? B extends ShapeErrorT<string>
      ? B
      : B extends Pairs
        ? Conflicts<B>
        : unknown
    : unknown;

type OutShape<Out extends string[], P extends Pairs> = { [K in keyof Out]: Lookup<Out[K] & string, P> };

/** The typed result of an einsum call: a literal shape for explicit subscripts over literal shapes, else wide. */
export type EinsumResult<Sub extends string, Ops extends readonly unknown[]> = Tensor<
  string extends Sub
    ? ShapeT
    : Parse<Sub>[1] extends infer Out extends string
      ? Bound<Sub, Ops> extends infer B extends Pairs
        ? Out extends `${string}.${string}`
          ? ShapeT
          : OutShape<Chars<Out>, B>
        : ShapeT
      : ShapeT,
  Ops extends readonly [infer First, ...unknown[]] ? DTypeOfT<First> : DType
>;
