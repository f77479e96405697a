/**
 * @file Optimizer hyperparameters: a number (checked against its domain, a constant of every trace) or a
 * scalar float tensor (a dynamic input under jit, so a schedule never retraces); their schemas, defaults
 * and per-step overrides.
 */
import { DTypeError, fail, ShapeError, ValueError } from '../errors.js';
import type { FloatDType } from '../ir/dtype.js';
import { cast, sub } from '../trace/ops/elementwise.js';
import { Tensor } from '../trace/tensor.js';
import { describeNode, isContainer } from '../tree/flatten.js';
import type { Schema } from '../validate/schema.js';
import * as s from '../validate/schemas.js';

/** A hyperparameter: a number, or a scalar f32 or f64 tensor (whose value is not checked: it may be traced). */
export type Hyper = number | Tensor;

/** The domain of a numeric hyperparameter, as text for messages, as a predicate and as a number schema. */
export interface Domain {
  readonly text: string;
  readonly ok: (v: number) => boolean;
  /** The same numbers as a schema (what the bad-input suite draws out-of-range values from). */
  readonly numbers: Schema<number>;
}

export const domains = {
  nonNegative: {
    text: 'a finite number ≥ 0',
    ok: (v: number) => v >= 0 && Number.isFinite(v),
    numbers: s.finite({ min: 0 }),
  },
  positive: {
    text: 'a finite number > 0',
    ok: (v: number) => v > 0 && Number.isFinite(v),
    numbers: s.finite({ min: 0, minOpen: true }),
  },
  unit: {
    text: 'a number in [0, 1)',
    ok: (v: number) => v >= 0 && v < 1,
    numbers: s.number({ min: 0, max: 1, maxOpen: true }),
  },
} as const satisfies Record<string, Domain>;

/** Each hyperparameter of an optimizer: its domain, and its default (none: required). */
export type HyperSpec<H extends string> = {
  readonly [K in H]: { readonly domain: Domain; readonly fallback?: number };
};

/** A hyperparameter argument in `domain`: a number in it, or a scalar float tensor. */
export function hyperSchema(domain: Domain): Schema<Hyper> {
  return {
    spec: { kind: 'oneOf', options: [domain.numbers, s.tensor({ dtype: 'float', rank: 0 })] },
    expected: `${domain.text} or a scalar float tensor`,
    optional: false,
    nullable: false,
    check: (v, fn, arg) => hyperArg(fn, arg, v, domain),
  };
}

/**
 * The options fields of the hyperparameters of `spec`, optional where they have a default. Required ones come
 * last: fields are checked in order, so a wrong value given is reported before a required one left out.
 */
export function hyperFields<H extends string>(spec: HyperSpec<H>): Record<H, Schema<Hyper | undefined>> {
  const keys = Object.keys(spec) as H[];
  const required = (k: H): boolean => spec[k].fallback === undefined;
  return Object.fromEntries(
    [...keys.filter((k) => !required(k)), ...keys.filter(required)].map((k) => {
      const schema = hyperSchema(spec[k].domain);
      return [k, required(k) ? schema : s.optional(schema)];
    }),
  ) as Record<H, Schema<Hyper | undefined>>;
}

/** The hyperparameters of checked options, defaults filled in. */
export function withDefaults<H extends string>(
  spec: HyperSpec<H>,
  options: Readonly<Partial<Record<H, Hyper>>>,
): Record<H, Hyper> {
  return Object.fromEntries((Object.keys(spec) as H[]).map((k) => [k, options[k] ?? spec[k].fallback])) as Record<
    H,
    Hyper
  >;
}

/** `v` as a hyperparameter in `domain`: a number in it, or a scalar float tensor. */
export function hyperArg(fn: string, arg: string, v: unknown, domain: Domain): Hyper {
  if (v instanceof Tensor) {
    if (v.dtype !== 'f32' && v.dtype !== 'f64')
      fail(DTypeError, fn, arg, 'a scalar f32 or f64 tensor', describeNode(v));
    if (v.rank !== 0) fail(ShapeError, fn, arg, 'a scalar tensor (shape [])', describeNode(v));
    return v as Tensor;
  }
  if (typeof v !== 'number' || !domain.ok(v))
    fail(
      ValueError,
      fn,
      arg,
      `${domain.text} or a scalar float tensor`,
      v === undefined ? 'undefined' : describeNode(v),
    );
  return v;
}

/** `a`, `a and b`, `a, b and c`. */
const listed = (keys: readonly string[]): string =>
  keys.length < 2 ? keys.join('') : `${keys.slice(0, -1).join(', ')} and ${keys[keys.length - 1] as string}`;

/** The keys of a plain options object (named `arg`), each one of `allowed`. */
function optionKeys(fn: string, arg: string, v: unknown, allowed: readonly string[]): readonly string[] {
  if (!isContainer(v) || Array.isArray(v))
    fail(ValueError, fn, arg, `an object with keys ${listed(allowed)}`, describeNode(v));
  const keys = Object.keys(v);
  const unknown = keys.find((k) => !allowed.includes(k));
  if (unknown !== undefined) fail(ValueError, fn, arg, `only the keys ${listed(allowed)}`, `key '${unknown}'`);
  return keys;
}

/** The hyperparameters of one step: `base` with those in `overrides` (when given) replaced. */
export function withOverrides<H extends string>(
  fn: string,
  overrides: unknown,
  spec: HyperSpec<H>,
  base: Readonly<Record<H, Hyper>>,
): Readonly<Record<H, Hyper>> {
  if (overrides === undefined) return base;
  const keys = optionKeys(fn, 'hyper', overrides, Object.keys(spec));
  const given = overrides as Readonly<Record<H, unknown>>;
  const out: Record<H, Hyper> = { ...base };
  for (const k of keys as H[]) out[k] = hyperArg(fn, `hyper.${k}`, given[k], spec[k].domain);
  return out;
}

/** `h` to combine with tensors of `dtype`: a number as it is (literals take the tensor's dtype), a tensor cast. */
export const scalarAs = (h: Hyper, dtype: FloatDType): Hyper => (typeof h === 'number' ? h : cast(h, dtype));

/** 1 − h */
export const oneMinus = (h: Hyper): Hyper => (typeof h === 'number' ? 1 - h : sub(1, h));
