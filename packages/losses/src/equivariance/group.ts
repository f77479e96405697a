/** @file The group interface every equivariance group implements, and the host-side draws groups sample with. */
import * as x from '@xent/core';
import type { RandomKey } from '@xent/core';

/** A group: the laws ρ(gh) = ρ(g)ρ(h), ρ(e) = I hold for every representation built on it. */
export interface Group<E> {
  readonly name: string;
  identity(): E;
  /** g∘h: acting with h first, then g. */
  compose(g: E, h: E): E;
  inverse(g: E): E;
  /** `n` elements drawn with `key` (Haar or uniform where the group has one). */
  sample(key: RandomKey, n: number): E[];
  /** Every element, for finite groups. */
  elements?(): E[];
  /** Checks an element given from outside (shape, orthogonality, range) and returns it. */
  check(g: unknown): E;
  /**
   * A differentiable parametrisation, where one exists: parameters (a tensor) to the element's
   * matrix as a tensor, so that a learned augmentation distribution gets gradients (SO(2): an
   * angle [..]; SO(3): a quaternion [.., 4]).
   */
  readonly parametrize?: (theta: x.Tensor) => x.Tensor;
}

/** The name a group's own methods report in errors (`equivariance.SO(3)`). */
export const fn = (group: string): string => `equivariance.${group}`;

/** Whether `v` has a group's name and methods. */
export const isGroup = (v: unknown): v is Group<unknown> => {
  const g = v as Partial<Record<keyof Group<unknown>, unknown>> | null;
  return (
    typeof v === 'object' &&
    g !== null &&
    typeof g.name === 'string' &&
    (['identity', 'compose', 'inverse', 'sample', 'check'] as const).every((m) => typeof g[m] === 'function')
  );
};

/** Uniform numbers on (0, 1) from a key, as a JS array. */
export const uniforms = (key: RandomKey, n: number): number[] =>
  Array.from(x.random.uniform(key, [n], { dtype: 'f64' }).data());
/** Standard normal numbers from a key, as a JS array. */
export const normals = (key: RandomKey, n: number): number[] =>
  Array.from(x.random.normal(key, [n], { dtype: 'f64' }).data());
