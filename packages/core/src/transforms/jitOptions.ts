/** @file jit's options as schemas (all but `backend`, which the umbrella package also accepts by name). */
import { fail, ValueError } from '../errors.js';
import { describe } from '../validate/describe.js';
import type { Schema } from '../validate/schema.js';
import * as s from '../validate/schemas.js';

/** A cache bound: an integer ≥ 1, or Infinity for none. */
const cacheLimit: Schema<number> = {
  ...s.number({ min: 1 }),
  expected: 'an integer ≥ 1 or Infinity',
  check: (v, fn, arg) =>
    typeof v === 'number' && (v === Infinity || (Number.isInteger(v) && v >= 1))
      ? v
      : fail(ValueError, fn, arg, 'an integer ≥ 1 or Infinity', describe(v)),
};

/** jit's options but `backend`, as schemas (core's jit adds a Backend object, the umbrella's a name too). */
export const jitOptionFields = {
  cacheLimit: s.optional(cacheLimit),
  warnRetrace: s.optional(s.boolean),
  checkNumerics: s.optional(s.boolean),
  dump: s.optional(s.fn),
  dumpKernels: s.optional(s.fn),
  kernelLimits: s.optional(
    s.options({
      maxBindings: s.number({ min: 1, integer: true }),
      maxBindingBytes: s.number({ min: 1, integer: true }),
    }),
  ),
};
