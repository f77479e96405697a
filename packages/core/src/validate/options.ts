/** @file Options objects: known keys only (with a "did you mean" for a near miss), each key checked by its schema. */
import { fail, ValueError } from '../errors.js';
import { describe } from './describe.js';
import type { Schema } from './schema.js';

/** The values an options schema returns: each key typed by its schema. */
export type OptionsOf<F extends Record<string, Schema<unknown>>> = {
  readonly [K in keyof F]: ReturnType<F[K]['check']>;
};

/** Levenshtein distance, for suggesting the key the user probably meant. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/** The known key closest to `key` when it is a plausible typo (snake_case and case slips included). */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = Math.min(distance(key, k), distance(camel, k));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * An options object (optional as a whole: `undefined` is `{}`): a plain object whose keys are all
 * known, each checked by its schema and named as the argument in errors.
 */
export function options<F extends Record<string, Schema<unknown>>>(fields: F): Schema<OptionsOf<F>> {
  const known = Object.keys(fields);
  const expected = known.length === 0 ? 'no options' : `an options object with keys among ${known.join(', ')}`;
  return {
    spec: { kind: 'options', fields },
    expected,
    optional: true,
    nullable: false,
    check: (v, fn, arg) => {
      if (v === undefined) return checkFields({}, fields, fn);
      const proto: unknown = typeof v === 'object' && v !== null ? Object.getPrototypeOf(v) : undefined;
      if (typeof v !== 'object' || v === null || Array.isArray(v) || (proto !== Object.prototype && proto !== null))
        fail(ValueError, fn, arg, expected, describe(v));
      for (const key of Object.keys(v)) {
        if (!Object.hasOwn(fields, key)) {
          const near = didYouMean(key, known);
          fail(
            ValueError,
            fn,
            arg,
            expected,
            `unknown key '${key}'${near === undefined ? '' : ` (did you mean '${near}'?)`}`,
          );
        }
      }
      return checkFields(v as Record<string, unknown>, fields, fn);
    },
  };
}

function checkFields<F extends Record<string, Schema<unknown>>>(
  v: Record<string, unknown>,
  fields: F,
  fn: string,
): OptionsOf<F> {
  for (const [key, schema] of Object.entries(fields)) schema.check(v[key], fn, key);
  return v as OptionsOf<F>;
}
