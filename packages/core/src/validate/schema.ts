/**
 * @file Argument schemas: what a public function accepts for each argument and option, checked with
 * one error grammar (`xent.<fn>: argument '<arg>' expected …, got …`) and described for the bad-input suite.
 */
import { BackendError, DTypeError, fail, ShapeError, ValueError, type XentError } from '../errors.js';
import { type DType, dtypes, isFloat, isNumeric } from '../ir/dtype.js';
import type { Tensor } from '../trace/tensor.js';
import { isTensor } from '../trace/tensorBrand.js';
import { overLimit } from '../limits.js';
import { describe } from './describe.js';

/** An XentError subclass a failed check throws. */
export type ErrorClass = new (fn: string, message: string) => XentError;

/** The dtypes a tensor argument accepts: a class or a list. */
export type DTypeRule = 'float' | 'numeric' | 'any' | readonly DType[];

/** What a schema checks, as data (the bad-input suite draws its wrong values from it). */
export type SchemaSpec =
  | { readonly kind: 'tensor'; readonly dtype: DTypeRule; readonly rank: readonly [number, number] }
  | { readonly kind: 'tensorLike'; readonly dtype: DTypeRule }
  | {
      readonly kind: 'number';
      readonly min: number;
      readonly max: number;
      readonly minOpen: boolean;
      readonly maxOpen: boolean;
      readonly integer: boolean;
    }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'string' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'numberEnum'; readonly values: readonly number[] }
  | { readonly kind: 'function' }
  | { readonly kind: 'shape' }
  | { readonly kind: 'axis' }
  | { readonly kind: 'axes' }
  | { readonly kind: 'array'; readonly of: Schema<unknown>; readonly minLength: number }
  | { readonly kind: 'options'; readonly fields: Readonly<Record<string, Schema<unknown>>> }
  | { readonly kind: 'oneOf'; readonly options: readonly Schema<unknown>[] }
  | { readonly kind: 'custom'; readonly example: () => unknown }
  | { readonly kind: 'any' };

/** One argument's rule: its check and, as data, what it checks. */
export interface Schema<T> {
  readonly spec: SchemaSpec;
  /** What a valid value is, for messages ("a finite number > 0"). */
  readonly expected: string;
  /** Whether `undefined` is accepted (the argument or option may be left out). */
  readonly optional: boolean;
  /** Whether `null` is accepted (never, unless a schema says so). */
  readonly nullable: boolean;
  /** Checks `v` for argument `arg` of public function `fn`; throws the XentError or returns `v` typed. */
  readonly check: (v: unknown, fn: string, arg: string) => T;
}

/** How a value is named in an error: tensors by dtype and shape, anything else by `describe`. */
export const describeArg = (v: unknown): string =>
  isTensor(v) ? `a ${v.dtype} tensor of shape [${v.shape.join(', ')}]` : describe(v);

const make = <T>(
  spec: SchemaSpec,
  expected: string,
  test: (v: unknown, fn: string, arg: string) => T,
  errorClass: ErrorClass = ValueError,
): Schema<T> => ({
  spec,
  expected,
  optional: false,
  nullable: false,
  check: (v, fn, arg) => {
    if (v === undefined || v === null) fail(errorClass, fn, arg, expected, describe(v));
    return test(v, fn, arg);
  },
});

/** The same schema, also accepting `undefined` (an argument or option left out). */
export function optional<T>(s: Schema<T>): Schema<T | undefined> {
  return { ...s, optional: true, check: (v, fn, arg) => (v === undefined ? undefined : s.check(v, fn, arg)) };
}

/** The same schema, also accepting `null` (only where the API gives null a meaning). */
export function nullable<T>(s: Schema<T>): Schema<T | null> {
  return {
    ...s,
    nullable: true,
    expected: `${s.expected} or null`,
    check: (v, fn, arg) => (v === null ? null : s.check(v, fn, arg)),
  };
}

const dtypeOk = (d: DType, rule: DTypeRule): boolean =>
  rule === 'any' ? true : rule === 'float' ? isFloat(d) : rule === 'numeric' ? isNumeric(d) : rule.includes(d);

const dtypeText = (rule: DTypeRule): string =>
  rule === 'any'
    ? ''
    : rule === 'float'
      ? 'a floating-point (f32 or f64) '
      : rule === 'numeric'
        ? 'a numeric (f32, f64 or i32) '
        : `${rule[0] === 'bool' ? 'a' : 'an'} ${rule.join(' or ')} `;

const rankText = ([lo, hi]: readonly [number, number]): string =>
  lo === 0 && hi === Infinity
    ? ''
    : lo === hi
      ? ` of rank ${lo}`
      : hi === Infinity
        ? ` of rank ≥ ${lo}`
        : ` of rank ${lo} to ${hi}`;

/** What a tensor that was disposed is called in errors. */
const disposedText = (t: Tensor): string =>
  `a ${t.dtype}[${t.shape.join(', ')}] tensor that was disposed (its memory is freed)`;

const notATensor = (v: unknown): string => `${describe(v)}${Array.isArray(v) ? ' (wrap it with x.tensor)' : ''}`;

/** A Tensor of ours (not a duck-typed object), with a dtype rule and a rank range. */
export function tensor(options: { dtype?: DTypeRule; rank?: number | readonly [number, number] } = {}): Schema<Tensor> {
  const dtype = options.dtype ?? 'any';
  const rank: readonly [number, number] =
    options.rank === undefined
      ? [0, Infinity]
      : typeof options.rank === 'number'
        ? [options.rank, options.rank]
        : options.rank;
  const expected = `${dtypeText(dtype)}Tensor${rankText(rank)}`.replace(/^Tensor/, 'a Tensor');
  return make({ kind: 'tensor', dtype, rank }, expected, (v, fn, arg): Tensor => {
    if (!isTensor(v)) return fail(ValueError, fn, arg, expected, notATensor(v));
    const t = v;
    if (t.disposed) fail(BackendError, fn, arg, expected, disposedText(t));
    if (!dtypeOk(t.dtype, dtype)) fail(DTypeError, fn, arg, expected, `dtype ${t.dtype}`);
    if (t.rank < rank[0] || t.rank > rank[1]) fail(ShapeError, fn, arg, expected, `shape [${t.shape.join(', ')}]`);
    return t;
  });
}

/** A Tensor, or a JS number or boolean that takes the dtype of the tensor it meets. */
export function tensorLike(options: { dtype?: DTypeRule } = {}): Schema<Tensor | number | boolean> {
  const dtype = options.dtype ?? 'any';
  const expected = `${dtypeText(dtype)}Tensor, a number or a boolean`.replace(/^Tensor/, 'a Tensor');
  return make({ kind: 'tensorLike', dtype }, expected, (v, fn, arg) => {
    if (typeof v === 'number' || typeof v === 'boolean') return v;
    if (!isTensor(v)) return fail(ValueError, fn, arg, expected, notATensor(v));
    const t = v;
    if (t.disposed) fail(BackendError, fn, arg, expected, disposedText(t));
    if (!dtypeOk(t.dtype, dtype)) fail(DTypeError, fn, arg, expected, `dtype ${t.dtype}`);
    return t;
  });
}

/** A number in a range (`[min, max]`, either end open), finite unless a bound is infinite, integer on request. */
export function number(
  options: { min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean; integer?: boolean } = {},
): Schema<number> {
  const { min = -Infinity, max = Infinity, minOpen = false, maxOpen = false, integer = false } = options;
  // ±Number.MAX_VALUE bounds (what `finite` sets) read as "finite", not as a range.
  const finiteOnly = !integer && (min === -Number.MAX_VALUE || max === Number.MAX_VALUE);
  const kind = integer ? 'an integer' : finiteOnly ? 'a finite number' : 'a number';
  const lo = min === -Infinity || min === -Number.MAX_VALUE ? '' : `${minOpen ? '>' : '≥'} ${min}`;
  const hi = max === Infinity || max === Number.MAX_VALUE ? '' : `${maxOpen ? '<' : '≤'} ${max}`;
  const range =
    lo !== '' && hi !== ''
      ? ` in ${minOpen ? '(' : '['}${min}, ${max}${maxOpen ? ')' : ']'}`
      : lo !== ''
        ? ` ${lo}`
        : hi !== ''
          ? ` ${hi}`
          : '';
  const expected = `${kind}${range}`;
  return make({ kind: 'number', min, max, minOpen, maxOpen, integer }, expected, (v, fn, arg) => {
    if (typeof v !== 'number') return fail(ValueError, fn, arg, expected, describe(v));
    const ok =
      !Number.isNaN(v) &&
      (minOpen ? v > min : v >= min) &&
      (maxOpen ? v < max : v <= max) &&
      (!integer || Number.isInteger(v));
    if (!ok) fail(ValueError, fn, arg, expected, String(v));
    return v;
  });
}

/**
 * An integer in [min, max] where `max` is a size limit: the range is declared as a number's, and a count
 * over `max` is a ResourceError (`what`, plural, says what is counted; `limitName` which limit, in words).
 */
export function count(min: number, max: number, what: string, limitName: string): Schema<number> {
  const base = number({ min, max, integer: true });
  return {
    ...base,
    check: (v, fn, arg) => {
      if (typeof v === 'number' && Number.isInteger(v) && v > max)
        throw overLimit({ fn, arg, requested: v, limit: max, unit: what, limitName });
      return base.check(v, fn, arg);
    },
  };
}

/** A finite number (no NaN, no ±Infinity), optionally in a range. */
export const finite = (options: Parameters<typeof number>[0] = {}): Schema<number> =>
  number({ min: -Number.MAX_VALUE, max: Number.MAX_VALUE, ...options });

export const boolean: Schema<boolean> = make({ kind: 'boolean' }, 'a boolean (true or false)', (v, fn, arg) =>
  typeof v === 'boolean' ? v : fail(ValueError, fn, arg, 'a boolean (true or false)', describe(v)),
);

export const string: Schema<string> = make({ kind: 'string' }, 'a string', (v, fn, arg) =>
  typeof v === 'string' ? v : fail(ValueError, fn, arg, 'a string', describe(v)),
);

/** One of a fixed set of strings. */
export function oneOf<const V extends string>(values: readonly V[]): Schema<V> {
  const expected = `one of ${values.map((v) => `'${v}'`).join(', ')}`;
  return make({ kind: 'enum', values }, expected, (v, fn, arg) =>
    (values as readonly unknown[]).includes(v) ? (v as V) : fail(ValueError, fn, arg, expected, describe(v)),
  );
}

/** One of a fixed set of numbers (a norm order: 1, 2 or Infinity). */
export function oneOfNumbers<const V extends number>(values: readonly V[]): Schema<V> {
  const expected = `one of ${values.map(String).join(', ')}`;
  return make({ kind: 'numberEnum', values }, expected, (v, fn, arg) =>
    (values as readonly unknown[]).includes(v) ? (v as V) : fail(ValueError, fn, arg, expected, describe(v)),
  );
}

/** A dtype name. */
export const dtype: Schema<DType> = oneOf(dtypes);

/** A function (a callback the public function calls). */
export const fn: Schema<(...args: never[]) => unknown> = make({ kind: 'function' }, 'a function', (v, f, arg) =>
  typeof v === 'function' ? (v as (...args: never[]) => unknown) : fail(ValueError, f, arg, 'a function', describe(v)),
);

/** A shape: an array of non-negative integers. */
export const shape: Schema<readonly number[]> = make(
  { kind: 'shape' },
  'a shape (an array of non-negative integers)',
  (v, f, arg) => {
    if (!Array.isArray(v)) return fail(ShapeError, f, arg, 'a shape (an array of non-negative integers)', describe(v));
    const dims = v as readonly unknown[];
    const valid =
      Object.keys(dims).length === dims.length &&
      dims.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0);
    if (!valid) fail(ShapeError, f, arg, 'a shape (an array of non-negative integers)', describe(v));
    return v as readonly number[];
  },
  ShapeError,
);

/** One axis: an integer (negative counts from the end; the range is checked against the tensor). */
export const axis: Schema<number> = make({ kind: 'axis' }, 'an integer axis', (v, f, arg) =>
  typeof v === 'number' && Number.isInteger(v) ? v : fail(ValueError, f, arg, 'an integer axis', describe(v)),
);

/** One axis or an array of axes. */
export const axes: Schema<number | readonly number[]> = make(
  { kind: 'axes' },
  'an integer axis or an array of them',
  (v, f, arg) => {
    const ok = (a: unknown): boolean => typeof a === 'number' && Number.isInteger(a);
    if (ok(v)) return v as number;
    if (Array.isArray(v) && v.every(ok) && Object.keys(v).length === v.length) return v as readonly number[];
    return fail(ValueError, f, arg, 'an integer axis or an array of them', describe(v));
  },
);

/**
 * An array whose every element satisfies `of` (elements are named `arg[i]`); `expected` words the
 * whole array where "an array of <element>s" reads badly.
 */
export function array<T>(of: Schema<T>, options: { minLength?: number; expected?: string } = {}): Schema<readonly T[]> {
  const minLength = options.minLength ?? 0;
  const expected =
    options.expected ??
    `an array${minLength > 0 ? ` of at least ${minLength}` : ''} of ${of.expected.replace(/^an? /, '')}s`;
  return make({ kind: 'array', of, minLength }, expected, (v, f, arg) => {
    if (!Array.isArray(v) || Object.keys(v).length !== v.length) return fail(ValueError, f, arg, expected, describe(v));
    if (v.length < minLength) fail(ValueError, f, arg, expected, `${v.length} element(s)`);
    return v.map((e, i) => of.check(e, f, `${arg}[${i}]`));
  });
}

/** The first of several schemas that accepts (`expected` lists them all). */
export function either<A, B>(a: Schema<A>, b: Schema<B>): Schema<A | B> {
  const expected = `${a.expected} or ${b.expected.replace(/^an? /, 'a ')}`;
  const accepts = (s: Schema<unknown>, v: unknown, f: string, arg: string): boolean => {
    try {
      s.check(v, f, arg);
      return true;
    } catch {
      return false;
    }
  };
  return make({ kind: 'oneOf', options: [a, b] }, expected, (v, f, arg) =>
    accepts(a, v, f, arg)
      ? a.check(v, f, arg)
      : accepts(b, v, f, arg)
        ? b.check(v, f, arg)
        : fail(ValueError, f, arg, expected, describeArg(v)),
  );
}

/**
 * A value of a library type (a random key, a backend...) recognised by `test`; `example` makes a valid one
 * (the bad-input suite passes it to reach the arguments after this one).
 */
export function custom<T>(
  expected: string,
  test: (v: unknown) => v is T,
  example: () => T,
  errorClass: ErrorClass = ValueError,
): Schema<T> {
  return make(
    { kind: 'custom', example },
    expected,
    (v, f, arg) => (test(v) ? v : fail(errorClass, f, arg, expected, describeArg(v))),
    errorClass,
  );
}

/** Anything (pytrees, keys and other arguments whose checks live in the function). */
export const anything: Schema<unknown> = {
  spec: { kind: 'any' },
  expected: 'any value',
  optional: true,
  nullable: true,
  check: (v) => v,
};
