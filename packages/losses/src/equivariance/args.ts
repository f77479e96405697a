/** @file Argument checks the equivariance module shares: random keys, and sizes bounded before anything is allocated or looped over. */
import * as x from '@xent/core';
import type { RandomKey } from '@xent/core';
import { describe, fail, overLimit, s, type Schema } from '@xent/core/internal';

/** The largest n of S(n) and Z(n) (an element of S(n) is n numbers). */
export const MAX_GROUP_SIZE = 2 ** 20;

/** The most elements one `group.sample` call may draw (each is drawn on the host, from its own key). */
export const MAX_SAMPLES = 2 ** 16;

/** The most numbers one `group.sample` call may return (count × the size of an element). */
export const MAX_SAMPLED = 2 ** 20;

/** The most group elements (or transform draws) a penalty or an average may take per call: each is a call of f. */
export const MAX_TERMS = 2 ** 16;

/**
 * Refuses a request for `got` > `max` of something (`what`, plural) with a ResourceError, before
 * anything is allocated; `limitName` says which limit, in words.
 */
export function refuseSize(fn: string, arg: string, what: string, max: number, got: number, limitName: string): never {
  throw overLimit({ fn, arg, requested: got, limit: max, unit: what, limitName });
}

/** An integer in [min, max] where `max` is a size limit (a ResourceError above it; `what`, plural, is counted). */
export const count = (min: number, max: number, what: string, limitName: string): Schema<number> =>
  s.count(min, max, what, limitName);

export const isRandomKey = (v: unknown): v is RandomKey =>
  typeof v === 'object' &&
  v !== null &&
  Number.isInteger((v as { key?: unknown }).key) &&
  Number.isInteger((v as { stream?: unknown }).stream);

/** A key from `x.random.key` or `x.random.split`. */
export const randomKey = s.custom('a key from random.key or random.split', isRandomKey, () => x.random.key(0));

/** Checks the arguments of `group.sample(key, n)` for group `name` whose elements hold `perElement` numbers each. */
export function checkSample(name: string, key: unknown, n: unknown, perElement = 1): number {
  const fn = `equivariance.${name}.sample`;
  if (!isRandomKey(key)) fail(x.ValueError, fn, 'key', 'a key from random.key or random.split', describe(key));
  if (!Number.isInteger(n) || (n as number) < 1)
    fail(x.ValueError, fn, 'n', 'a positive integer number of samples', describe(n));
  if ((n as number) > MAX_SAMPLES)
    refuseSize(fn, 'n', 'samples', MAX_SAMPLES, n as number, 'the most elements one sample call draws');
  const total = (n as number) * perElement;
  if (total > MAX_SAMPLED)
    refuseSize(
      fn,
      'n',
      'numbers',
      MAX_SAMPLED,
      total,
      'the most numbers one sample call returns: n × the size of an element',
    );
  return n as number;
}
