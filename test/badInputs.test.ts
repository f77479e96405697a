/**
 * @file The bad-input suite: every function `xent` exports (namespaces included) declares a signature, and
 * every wrong value for every argument and option is rejected with an XentError naming the function and the argument.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as xent from 'xent';
import { type Schema, signatureOf, type Signature } from '@xent/core/internal';
import { type BadValue, badValues, goodValue } from './support/badValues.js';

interface Exported {
  /** How the user reaches it: `sum`, `losses.crossEntropy`. */
  readonly path: string;
  readonly key: string;
  readonly value: (...args: unknown[]) => unknown;
  readonly isClass: boolean;
}

const isNamespace = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.prototype.toString.call(v) === '[object Module]';

const isClass = (f: (...args: unknown[]) => unknown): boolean =>
  /^class[\s{]/.test(Function.prototype.toString.call(f));

function exportsOf(mod: Record<string, unknown>, prefix = ''): Exported[] {
  return Object.entries(mod).flatMap(([key, value]): Exported[] => {
    if (isNamespace(value)) return exportsOf(value, `${prefix}${key}.`);
    if (typeof value !== 'function') return [];
    const f = value as (...args: unknown[]) => unknown;
    return [{ path: `${prefix}${key}`, key, value: f, isClass: isClass(f) }];
  });
}

/** Exports that take no user arguments to check, each with the reason. */
const exempt: Readonly<Record<string, string>> = {
  Tensor: 'users make tensors with x.tensor; the constructor takes an IR node (internal)',
};
const isErrorClass = (e: Exported): boolean => e.isClass && e.value.prototype instanceof Error;

const all = exportsOf(xent);
/** XENT_BAD_INPUTS=losses.,entropy. narrows the suite to paths starting with one of the prefixes (while working on them). */
const only = process.env['XENT_BAD_INPUTS']?.split(',');
const checked = all.filter(
  (e) =>
    !isErrorClass(e) && exempt[e.path] === undefined && (only === undefined || only.some((p) => e.path.startsWith(p))),
);

/** What went wrong with one bad call, or undefined when it was rejected as it should be. */
type Outcome =
  { kind: 'ok' } | { kind: 'silent' } | { kind: 'raw'; error: unknown } | { kind: 'misnamed'; message: string };

async function outcome(e: Exported, args: unknown[], fn: string, arg: string): Promise<Outcome> {
  const judge = (error: unknown): Outcome =>
    error instanceof xent.XentError
      ? error.message.startsWith(`xent.${fn}: argument '${arg}`)
        ? { kind: 'ok' }
        : { kind: 'misnamed', message: error.message }
      : { kind: 'raw', error };
  try {
    const result: unknown = e.isClass
      ? new (e.value as unknown as new (...a: unknown[]) => unknown)(...args)
      : e.value(...args);
    if (result instanceof Promise) {
      try {
        await result;
      } catch (error) {
        return judge(error);
      }
    }
    return { kind: 'silent' };
  } catch (error) {
    return judge(error);
  }
}

interface Case {
  readonly e: Exported;
  readonly sig: Signature;
  /** The argument (or option key) the bad value is given for, as errors should name it. */
  readonly arg: string;
  readonly bad: BadValue;
  readonly args: () => unknown[];
}

/** Every (function, argument or option, bad value) case the battery gives. */
function casesOf(e: Exported, sig: Signature): Case[] {
  const names = Object.keys(sig.params);
  const out: Case[] = [];
  names.forEach((name, i) => {
    const schema = sig.params[name] as Schema<unknown>;
    const before = (): unknown[] => names.slice(0, i).map((n) => goodValue(sig.params[n] as Schema<unknown>));
    const isRest = name.startsWith('...');
    const argName = isRest ? `${name.slice(3)}[0]` : name;
    for (const bad of badValues(schema)) {
      if (isRest && bad.label === 'undefined') continue;
      out.push({ e, sig, arg: argName, bad, args: () => [...before(), bad.value()] });
    }
    if (schema.spec.kind === 'options') {
      for (const [key, field] of Object.entries(schema.spec.fields)) {
        for (const bad of badValues(field)) {
          if (bad.label === 'undefined') continue;
          out.push({
            e,
            sig,
            arg: key,
            bad: { label: `{ ${key}: ${bad.label} }`, value: () => ({ [key]: bad.value() }) },
            args: () => [...before(), { [key]: bad.value() }],
          });
        }
      }
    }
  });
  return out;
}

const describeOutcome = (c: Case, o: Outcome): string =>
  `${c.e.path}(${c.arg} = ${c.bad.label}): ${
    o.kind === 'silent'
      ? 'accepted silently'
      : o.kind === 'raw'
        ? `raw ${o.error instanceof Error ? `${o.error.name}: ${o.error.message}` : String(o.error)}`
        : o.kind === 'misnamed'
          ? `misnamed: ${o.message}`
          : 'ok'
  }`;

describe('every exported function declares its signature', () => {
  test.skipIf(only !== undefined)('the suite sees the whole public surface (namespaces included)', () => {
    expect(all.length).toBeGreaterThan(200);
    expect(all.map((e) => e.path)).toEqual(expect.arrayContaining(['sum', 'losses.crossEntropy', 'random.uniform']));
  });

  test('no exported function lacks a signature', () => {
    const undeclared = checked.filter((e) => signatureOf(e.value) === undefined).map((e) => e.path);
    expect(undeclared).toEqual([]);
  });

  test('each signature names the function the user calls', () => {
    const wrong = checked
      .map((e) => [e, signatureOf(e.value)] as const)
      .filter(([e, sig]) => sig !== undefined && sig.fn !== e.key)
      .map(([e, sig]) => `${e.path} declares '${sig?.fn ?? ''}'`);
    expect(wrong).toEqual([]);
  });
});

const cases = checked.flatMap((e) => {
  const sig = signatureOf(e.value);
  return sig === undefined ? [] : casesOf(e, sig);
});

test(`every bad value for every argument and option is an XentError naming the function and the argument (${cases.length} cases)`, async () => {
  const failures: string[] = [];
  for (const c of cases) {
    const o = await outcome(c.e, c.args(), c.sig.fn, c.arg);
    if (o.kind !== 'ok') failures.push(describeOutcome(c, o));
  }
  expect(failures).toEqual([]);
});

describe('drawn bad values (fast-check)', () => {
  const withOptions = checked.flatMap((e) => {
    const sig = signatureOf(e.value);
    if (sig === undefined) return [];
    const names = Object.keys(sig.params);
    return names.flatMap((name, i) => {
      const schema = sig.params[name] as Schema<unknown>;
      if (schema.spec.kind !== 'options') return [];
      const before = (): unknown[] => names.slice(0, i).map((n) => goodValue(sig.params[n] as Schema<unknown>));
      return [{ e, sig, name, known: Object.keys(schema.spec.fields), before }];
    });
  });

  test('an unknown option key, whatever its name, is rejected naming the options argument', async () => {
    if (only === undefined) expect(withOptions.length).toBeGreaterThan(50);
    if (withOptions.length === 0) return;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...withOptions),
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.anything(),
        async (o, key, value) => {
          fc.pre(!o.known.includes(key) && key !== '__proto__');
          const result = await outcome(o.e, [...o.before(), { [key]: value }], o.sig.fn, o.name);
          expect(result, `${o.e.path}({ ${JSON.stringify(key)}: … })`).toEqual({ kind: 'ok' });
        },
      ),
      { numRuns: 300 },
    );
  });

  const numberFields = withOptions.flatMap((o) => {
    const schema = o.sig.params[o.name] as Schema<unknown>;
    if (schema.spec.kind !== 'options') return [];
    return Object.entries(schema.spec.fields)
      .filter(([, f]) => f.spec.kind === 'number')
      .map(([key, f]) => ({ ...o, key, spec: f.spec as Extract<Schema<unknown>['spec'], { kind: 'number' }> }));
  });

  test('a number option outside its declared range is rejected naming the option', async () => {
    if (only === undefined) expect(numberFields.length).toBeGreaterThan(20);
    if (numberFields.length === 0) return;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...numberFields), fc.double(), async (o, v) => {
        const { min, max, minOpen, maxOpen, integer } = o.spec;
        const inRange =
          (minOpen ? v > min : v >= min) && (maxOpen ? v < max : v <= max) && (!integer || Number.isInteger(v));
        fc.pre(!inRange);
        const result = await outcome(o.e, [...o.before(), { [o.key]: v }], o.sig.fn, o.key);
        expect(result, `${o.e.path}({ ${o.key}: ${v} })`).toEqual({ kind: 'ok' });
      }),
      { numRuns: 300 },
    );
  });
});
