/** @file Argument schemas the law kit shares: fast-check arbitraries, backends, and counts bounded before anything is drawn. */
import { ResourceError } from '@xent/core';
import type { Backend } from '@xent/core';
import { s, type Schema } from '@xent/core/internal';
import { cpuBackend } from '@xent/cpu';
import fc from 'fast-check';

/** The most entries one drawn array may have (a batch of logits, a tensor, a vector): larger requests are refused up front. */
export const MAX_DRAWN = 2 ** 20;

/** The highest rank of a drawn shape. */
export const MAX_RANK = 32;

/**
 * Refuses a request for `got` > `max` of something (`what`, plural) with a ResourceError, before any
 * of it is drawn; `limitName` says which limit, in words.
 */
export function refuseSize(
  fn: string,
  arg: string,
  what: string,
  max: number,
  got: number,
  limitName = `the law kit's limit of ${MAX_DRAWN} drawn entries`,
): never {
  throw new ResourceError(
    fn,
    `xent.${fn}: argument '${arg}' expected at most ${max} ${what} (${limitName}), got ${got} ${what}`,
    got,
    max,
    limitName,
  );
}

/**
 * An integer in [min, max] where the upper bound is a size limit: the range is declared as a number's,
 * and a count over `max` is a ResourceError (`what`, plural, says what is counted).
 */
export function count(min: number, max = MAX_DRAWN, what = 'entries', limitName?: string): Schema<number> {
  const base = s.number({ min, max, integer: true });
  return {
    ...base,
    check: (v, fn, arg) => {
      if (typeof v === 'number' && Number.isInteger(v) && v > max) refuseSize(fn, arg, what, max, v, limitName);
      return base.check(v, fn, arg);
    },
  };
}

const isArbitrary = (v: unknown): v is fc.Arbitrary<unknown> =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { generate?: unknown }).generate === 'function' &&
  typeof (v as { shrink?: unknown }).shrink === 'function' &&
  typeof (v as { canShrinkWithoutContext?: unknown }).canShrinkWithoutContext === 'function';

/** A fast-check arbitrary (of any fast-check copy: recognised by its methods, not its class). */
export const arbitrary = s.custom('a fast-check Arbitrary', isArbitrary, () => fc.constant([]));

const isBackend = (v: unknown): v is Backend =>
  typeof v === 'object' &&
  v !== null &&
  ((v as { kind?: unknown }).kind === 'graph' || (v as { kind?: unknown }).kind === 'kernel') &&
  typeof (v as { name?: unknown }).name === 'string' &&
  typeof (v as { compile?: unknown }).compile === 'function';

/** A backend (`x.backends.cpu`, `await x.webgpu()`). */
export const backend = s.custom('a Backend (x.backends.cpu, await x.webgpu())', isBackend, () => cpuBackend);
