/** @file Argument schemas the law kit shares: fast-check arbitraries, backends, and counts bounded before anything is drawn. */
import type { Backend } from '@xent/core';
import { overLimit, s, type Schema } from '@xent/core/internal';
import { cpuBackend } from '@xent/cpu';
import fc from 'fast-check';

/** Any number, NaN included (closeness and ulp counts compare NaN too). */
export const anyNumber = s.either(
  s.number(),
  s.custom(
    'NaN',
    (v): v is number => Number.isNaN(v),
    () => NaN,
  ),
);

/** The most entries one drawn array may have (a batch of logits, a tensor, a vector): larger requests are refused up front. */
export const MAX_DRAWN = 2 ** 20;

/** The highest rank of a drawn shape. */
export const MAX_RANK = 32;

const DRAWN_LIMIT = `the law kit's limit of ${MAX_DRAWN} drawn entries`;

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
  limitName = DRAWN_LIMIT,
): never {
  throw overLimit({ fn, arg, requested: got, limit: max, unit: what, limitName });
}

/** An integer in [min, max] where `max` is a size limit (a ResourceError above it; `what`, plural, is counted). */
export const count = (min: number, max = MAX_DRAWN, what = 'entries', limitName = DRAWN_LIMIT): Schema<number> =>
  s.count(min, max, what, limitName);

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
