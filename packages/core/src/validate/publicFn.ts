/**
 * @file Public functions with declared signatures: every argument checked by its schema before the
 * body runs, too many arguments rejected, and the signature kept so the bad-input suite can find it.
 */
import { fail, ValueError } from '../errors.js';
import type { Schema } from './schema.js';

/**
 * Argument schemas in positional order (object key order); a last key written `...name` takes the
 * remaining arguments, each checked as `name[i]`.
 */
export type Params = Readonly<Record<string, Schema<unknown>>>;

/** A public function's name and argument schemas. */
export interface Signature {
  readonly fn: string;
  readonly params: Params;
}

const signatures = new WeakMap<object, Signature>();

/** The declared signature of a public function, if it has one. */
export const signatureOf = (f: unknown): Signature | undefined =>
  typeof f === 'function' ? signatures.get(f) : undefined;

/** Checks `args` against `params` on behalf of `fn` (what `publicFn` runs before the body). */
export function checkArgs(fn: string, params: Params, args: ArrayLike<unknown>): void {
  const names = Object.keys(params);
  const last = names[names.length - 1];
  const rest = last?.startsWith('...') === true ? last : undefined;
  const fixed = rest === undefined ? names.length : names.length - 1;
  for (let i = 0; i < fixed; i++) {
    const name = names[i] as string;
    (params[name] as Schema<unknown>).check(args[i], fn, name);
  }
  if (rest !== undefined) {
    const schema = params[rest] as Schema<unknown>;
    for (let i = fixed; i < args.length; i++) schema.check(args[i], fn, `${rest.slice(3)}[${i - fixed}]`);
  } else if (args.length > fixed) {
    const extra = Array.from({ length: args.length - fixed }, (_, i) => args[fixed + i]);
    // Trailing `undefined`s are what leaving an argument out looks like through a wrapper.
    if (extra.some((a) => a !== undefined))
      fail(
        ValueError,
        fn,
        `arguments[${fixed}]`,
        `at most ${fixed} argument(s) (${names.join(', ')})`,
        `${args.length} arguments`,
      );
  }
}

/**
 * Declares a public function: `impl` runs after every argument passed its schema. The returned
 * function has `impl`'s type and the public name.
 */
export function publicFn<F extends (...args: never[]) => unknown>(fn: string, params: Params, impl: F): F {
  const checked = function (this: unknown, ...args: unknown[]): unknown {
    checkArgs(fn, params, args);
    return (impl as unknown as (...a: unknown[]) => unknown).apply(this, args);
  };
  Object.defineProperty(checked, 'name', { value: fn });
  signatures.set(checked, { fn, params });
  return checked as unknown as F;
}

/** Registers the signature of a function that checks its own arguments with `checkArgs` (classes, overloads). */
export function declareSignature(f: object, fn: string, params: Params): void {
  signatures.set(f, { fn, params });
}
