/**
 * @file The bad-input battery: for each kind of argument schema, values a public function must reject,
 * and one value it must accept (so that the arguments before the one under test get past their checks).
 */
import * as x from 'xent';
import type { DType } from 'xent';
import type { Schema, SchemaSpec } from '@xent/core/internal';

/** A value the suite passes, with how it is shown in a failure. */
export interface BadValue {
  readonly label: string;
  readonly value: () => unknown;
}

const bad = (label: string, value: () => unknown): BadValue => ({ label, value });

const dtypesOf = (rule: 'float' | 'numeric' | 'any' | readonly DType[]): readonly DType[] =>
  rule === 'any'
    ? ['f32', 'f64', 'i32', 'bool']
    : rule === 'float'
      ? ['f32', 'f64']
      : rule === 'numeric'
        ? ['f32', 'f64', 'i32']
        : rule;

const tensorOf = (dtype: DType, rank: number): x.Tensor =>
  x.ones(
    Array.from({ length: rank }, () => 2),
    { dtype },
  );

/** Values that are not tensors of ours (objects that look like one included). */
const notTensors: readonly BadValue[] = [
  bad("'a'", () => 'a'),
  bad('{}', () => ({})),
  bad('Object.create(null)', () => Object.create(null) as unknown),
  bad('a duck-typed tensor', () => ({ node: {}, shape: [2], dtype: 'f32', rank: 1, size: 2 })),
  bad('[1, 2]', () => [1, 2]),
  bad('a function', () => () => 0),
  bad('a symbol', () => Symbol('s')),
  bad('10n', () => 10n),
];

const always: readonly BadValue[] = [bad('null', () => null)];

/** Values that must be rejected for an argument of this schema. */
export function badValues(schema: Schema<unknown>): readonly BadValue[] {
  const spec: SchemaSpec = schema.spec;
  const missing = schema.optional ? [] : [bad('undefined', () => undefined)];
  const nulls = schema.nullable ? [] : always;
  const common = [...missing, ...nulls];
  switch (spec.kind) {
    case 'tensor': {
      const allowed = dtypesOf(spec.dtype);
      const wrongDType = (['f32', 'f64', 'i32', 'bool'] as const).filter((d) => !allowed.includes(d));
      const [lo, hi] = spec.rank;
      const okDType = allowed[0] ?? 'f32';
      const wrongRanks = [lo - 1, hi + 1].filter((r) => r >= 0 && r <= 4);
      return [
        ...common,
        ...notTensors,
        ...wrongDType.map((d) => bad(`a ${d} tensor`, () => tensorOf(d, Math.min(Math.max(lo, 1), hi)))),
        ...wrongRanks.map((r) => bad(`a rank-${r} tensor`, () => tensorOf(okDType, r))),
      ];
    }
    case 'tensorLike': {
      const allowed = dtypesOf(spec.dtype);
      const wrongDType = (['f32', 'f64', 'i32', 'bool'] as const).filter((d) => !allowed.includes(d));
      return [...common, ...notTensors, ...wrongDType.map((d) => bad(`a ${d} tensor`, () => tensorOf(d, 1)))];
    }
    case 'number': {
      const out = [
        ...common,
        bad("'1'", () => '1'),
        bad('{}', () => ({})),
        bad('true', () => true),
        bad('NaN', () => NaN),
      ];
      // ±Number.MAX_VALUE ∓ 1 is ±Number.MAX_VALUE itself: a `finite` bound is probed with ±Infinity below.
      if (spec.min > -Number.MAX_VALUE)
        out.push(bad(`below ${spec.min}`, () => (spec.minOpen ? spec.min : spec.min - 1)));
      if (spec.max < Number.MAX_VALUE)
        out.push(bad(`above ${spec.max}`, () => (spec.maxOpen ? spec.max : spec.max + 1)));
      if (spec.min === -Number.MAX_VALUE) out.push(bad('-Infinity', () => -Infinity));
      if (spec.max === Number.MAX_VALUE) out.push(bad('Infinity', () => Infinity));
      if (spec.integer) out.push(bad('0.5 past the lower bound', () => Math.max(spec.min, 0) + 0.5));
      return out;
    }
    case 'boolean':
      return [...common, bad("'no'", () => 'no'), bad('1', () => 1), bad('0', () => 0), bad('{}', () => ({}))];
    case 'string':
      return [...common, bad('1', () => 1), bad('{}', () => ({}))];
    case 'enum':
      return [...common, bad("'bogus'", () => 'bogus'), bad('1', () => 1), bad('{}', () => ({}))];
    case 'numberEnum': {
      const outside = [0.5, 3, -1, 7].find((v) => !spec.values.includes(v)) as number;
      return [
        ...common,
        bad(`'${String(spec.values[0])}'`, () => String(spec.values[0])),
        bad('{}', () => ({})),
        bad('NaN', () => NaN),
        bad(String(outside), () => outside),
      ];
    }
    case 'function':
      return [...common, bad('1', () => 1), bad("'f'", () => 'f'), bad('{}', () => ({}))];
    case 'shape':
      return [
        ...common,
        bad("'abc'", () => 'abc'),
        // eslint-disable-next-line no-sparse-arrays -- a hole is the point
        bad('[1, , 3]', () => [1, , 3]),
        bad('[-1]', () => [-1]),
        bad('[1.5]', () => [1.5]),
        bad('[NaN]', () => [NaN]),
        bad('{}', () => ({})),
      ];
    case 'axis':
      return [
        ...common,
        bad("'a'", () => 'a'),
        bad('0.5', () => 0.5),
        bad('[0, 1]', () => [0, 1]),
        bad('NaN', () => NaN),
      ];
    case 'axes':
      return [
        ...common,
        bad("'a'", () => 'a'),
        bad('0.5', () => 0.5),
        bad('[0.5]', () => [0.5]),
        bad('{}', () => ({})),
      ];
    case 'array':
      return [...common, bad("'a'", () => 'a'), bad('{}', () => ({})), bad('7', () => 7)];
    case 'options':
      return [
        ...common,
        bad("'a'", () => 'a'),
        bad('5', () => 5),
        bad('[]', () => []),
        bad('{ bogusKey: 1 }', () => ({ bogusKey: 1 })),
      ];
    case 'oneOf':
      return [...common, bad('a symbol', () => Symbol('s')), bad('{}', () => ({}))];
    case 'custom':
      return [...common, bad("'a'", () => 'a'), bad('1', () => 1), bad('{}', () => ({})), bad('[]', () => [])];
    case 'any':
      return [];
  }
}

/** A value the schema accepts (tensors of the first allowed dtype and smallest allowed rank, sizes of 2). */
export function goodValue(schema: Schema<unknown>): unknown {
  const spec = schema.spec;
  switch (spec.kind) {
    case 'tensor':
      return tensorOf(dtypesOf(spec.dtype)[0] ?? 'f32', Math.max(spec.rank[0], Math.min(1, spec.rank[1])));
    case 'tensorLike':
      return tensorOf(dtypesOf(spec.dtype)[0] ?? 'f32', 1);
    case 'number': {
      const { min, max } = spec;
      const v =
        min > -Infinity && max < Infinity ? (min + max) / 2 : min > -Infinity ? min + 1 : max < Infinity ? max - 1 : 1;
      return spec.integer ? Math.ceil(v) : v;
    }
    case 'boolean':
      return true;
    case 'string':
      return 'a';
    case 'enum':
    case 'numberEnum':
      return spec.values[0];
    case 'function':
      return (t: unknown) => t;
    case 'shape':
      return [2];
    case 'axis':
    case 'axes':
      return 0;
    case 'array':
      return Array.from({ length: spec.minLength }, () => goodValue(spec.of));
    case 'options':
      return {};
    case 'oneOf':
      return goodValue(spec.options[0] as Schema<unknown>);
    case 'custom':
      return spec.example();
    case 'any':
      return undefined;
  }
}
