/** @file Pytree types: what is a static leaf, a tree with its tensor leaves replaced, and the union of its tensor leaves. */
import type { Tensor } from '../trace/tensor.js';

/**
 * Leaves that are not tensors and not containers, kept in a tree's structure as they are. At run time any
 * value other than a tensor, an array or a plain object is a static leaf (functions, class instances and
 * typed arrays too, compared by identity); these are the ones with a type of their own.
 */
export type StaticLeaf = number | string | boolean | bigint | symbol | null | undefined;

/** `T` with every tensor leaf replaced by `U`; arrays, tuples, objects and static leaves are kept. */
export type TreeMap<T, U> = 0 extends 1 & T // T is any
  ? unknown
  : T extends Tensor
    ? U
    : T extends StaticLeaf | ((...args: never[]) => unknown)
      ? T
      : T extends object
        ? { [K in keyof T]: TreeMap<T[K], U> }
        : T;

/** The union of the tensor leaf types of `T` (`Tensor` where `T` is not known). */
export type TreeLeaf<T> = 0 extends 1 & T // T is any
  ? Tensor
  : unknown extends T
    ? Tensor
    : T extends Tensor
      ? T
      : T extends StaticLeaf | ((...args: never[]) => unknown)
        ? never
        : T extends readonly (infer E)[]
          ? TreeLeaf<E>
          : T extends object
            ? { [K in keyof T]-?: TreeLeaf<T[K]> }[keyof T]
            : never;
