/**
 * @file Type-level shapes: literal and named dims, broadcasting, matmul and reductions computed by
 * `tsc`, so that mismatched literal shapes fail to compile. Plain `number` dims defer to run time.
 */

/** A dim: a literal size (`32`), a plain `number` (checked at run time), or a name (`'batch'`). */
export type Dim = number | string;

/** A type-level shape. */
export type ShapeT = readonly Dim[];

/** The marker a failed shape computation produces; a parameter typed with it cannot be satisfied. */
export interface ShapeErrorT<M extends string> {
  readonly __shapeError: M;
}

/** A shape with `readonly` dropped from its tuple (literal inference yields readonly tuples). */
export type Writable<S extends ShapeT> = { -readonly [K in keyof S]: S[K] };

/** The runtime view of a type-level shape (named dims are numbers at run time). */
export type NumericShape<S extends ShapeT> = { readonly [K in keyof S]: S[K] extends number ? S[K] : number };

type IsTuple<S extends ShapeT> = number extends S['length'] ? false : true;

type DimErr<A, B> = ShapeErrorT<`dims ${A & Dim} and ${B & Dim} do not broadcast`>;

/** Broadcast of two dims: 1 yields to the other, a plain number yields to anything known. */
type BroadcastDim<A, B> = [A] extends [1]
  ? B
  : [B] extends [1]
    ? A
    : [number] extends [A]
      ? B
      : [number] extends [B]
        ? A
        : [A] extends [B]
          ? [B] extends [A]
            ? A
            : DimErr<A, B>
          : [A] extends [string]
            ? [B] extends [number]
              ? B
              : DimErr<A, B>
            : [B] extends [string]
              ? [A] extends [number]
                ? A
                : DimErr<A, B>
              : DimErr<A, B>;

type BroadcastTuples<A extends ShapeT, B extends ShapeT, Acc extends Dim[] = []> = A extends readonly []
  ? [...B, ...Acc]
  : B extends readonly []
    ? [...A, ...Acc]
    : A extends readonly [...infer RA extends Dim[], infer LA]
      ? B extends readonly [...infer RB extends Dim[], infer LB]
        ? BroadcastDim<LA, LB> extends infer D
          ? D extends ShapeErrorT<infer M>
            ? ShapeErrorT<M>
            : D extends Dim
              ? BroadcastTuples<RA, RB, [D, ...Acc]>
              : never
          : never
        : never
      : never;

/** The numpy broadcast of two shapes, or a `ShapeErrorT`. */
export type Broadcast<A extends ShapeT, B extends ShapeT> =
  IsTuple<A> extends true ? (IsTuple<B> extends true ? BroadcastTuples<A, B> : ShapeT) : ShapeT;

/** Resolves to `unknown` when fine, or to the error marker (making the argument ill-typed). */
export type Check<R> = R extends ShapeErrorT<infer M> ? ShapeErrorT<M> : unknown;

/** A shape that is known not to be an error (errors collapse to the wide shape). */
export type Ok<R> = R extends ShapeErrorT<string> ? ShapeT : R extends ShapeT ? R : ShapeT;

/** Two dims that must be equal (matmul inner dims): no broadcasting of 1. */
type SameDim<A, B> = [number] extends [A]
  ? B
  : [number] extends [B]
    ? A
    : [A] extends [B]
      ? [B] extends [A]
        ? A
        : ShapeErrorT<`matmul inner dims ${A & Dim} and ${B & Dim} differ`>
      : [A] extends [string]
        ? [B] extends [number]
          ? B
          : ShapeErrorT<`matmul inner dims ${A & Dim} and ${B & Dim} differ`>
        : [B] extends [string]
          ? [A] extends [number]
            ? A
            : ShapeErrorT<`matmul inner dims ${A & Dim} and ${B & Dim} differ`>
          : ShapeErrorT<`matmul inner dims ${A & Dim} and ${B & Dim} differ`>;

type MatmulTuples<A extends ShapeT, B extends ShapeT> = A extends readonly [infer K1]
  ? B extends readonly [...infer BB extends Dim[], infer K2, infer N]
    ? SameDim<K1, K2> extends ShapeErrorT<infer M>
      ? ShapeErrorT<M>
      : [...BB, N]
    : B extends readonly [infer K2]
      ? SameDim<K1, K2> extends ShapeErrorT<infer M>
        ? ShapeErrorT<M>
        : []
      : ShapeErrorT<'matmul needs rank >= 1 operands'>
  : A extends readonly [...infer BA extends Dim[], infer M0, infer K1]
    ? B extends readonly [infer K2]
      ? SameDim<K1, K2> extends ShapeErrorT<infer M>
        ? ShapeErrorT<M>
        : [...BA, M0]
      : B extends readonly [...infer BB extends Dim[], infer K2, infer N]
        ? SameDim<K1, K2> extends ShapeErrorT<infer M>
          ? ShapeErrorT<M>
          : BroadcastTuples<BA, BB> extends infer Batch
            ? Batch extends ShapeErrorT<infer M>
              ? ShapeErrorT<M>
              : Batch extends readonly Dim[]
                ? [...Batch, M0, N]
                : never
            : never
        : ShapeErrorT<'matmul needs rank >= 1 operands'>
    : ShapeErrorT<'matmul needs rank >= 1 operands'>;

/** The shape of `matmul(a, b)` (numpy rules, batch dims broadcast), or a `ShapeErrorT`. */
export type MatmulShape<A extends ShapeT, B extends ShapeT> =
  IsTuple<A> extends true ? (IsTuple<B> extends true ? MatmulTuples<A, B> : ShapeT) : ShapeT;

type BuildTuple<N extends number, Acc extends unknown[] = []> = Acc['length'] extends N
  ? Acc
  : BuildTuple<N, [...Acc, unknown]>;

/** A non-negative axis for a literal axis (negative counts from the end), else `number`. */
type NormAxis<Ax extends number, R extends number> = number extends Ax
  ? number
  : `${Ax}` extends `-${infer P extends number}`
    ? BuildTuple<R> extends [...infer Front, ...BuildTuple<P>]
      ? Front['length']
      : number
    : Ax;

type DropAt<S extends ShapeT, I extends number, Keep extends boolean, Acc extends Dim[] = []> = S extends readonly [
  infer H extends Dim,
  ...infer T extends Dim[],
]
  ? Acc['length'] extends I
    ? Keep extends true
      ? [...Acc, 1, ...T]
      : [...Acc, ...T]
    : DropAt<T, I, Keep, [...Acc, H]>
  : ShapeErrorT<'reduction axis out of range'>;

/** The shape after reducing over `Ax` (all axes when `Ax` is never). */
export type ReduceShape<S extends ShapeT, Ax, Keep extends boolean> = [Ax] extends [never]
  ? Keep extends true
    ? IsTuple<S> extends true
      ? { [K in keyof S]: 1 }
      : ShapeT
    : []
  : Ax extends number
    ? IsTuple<S> extends true
      ? number extends NormAxis<Ax, S['length']>
        ? ShapeT
        : DropAt<S, NormAxis<Ax, S['length']>, Keep>
      : ShapeT
    : ShapeT;
