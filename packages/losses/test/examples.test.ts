/** @file Every `@example` line in the losses' JSDoc runs, and where it states a value, produces it. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import * as x from 'xent';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => (statSync(`${dir}${f}`).isDirectory() ? files(`${dir}${f}/`) : [`${dir}${f}`]));

const examples = files(src).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/@example\n \* (.*)\n/g)].map(
    (m) => [file.slice(src.length), m[1] as string] as const,
  ),
);

test('there is an example per documented item', () => {
  expect(examples.length).toBeGreaterThan(45);
});

test.each(examples)('%s: %s', (_file, line) => {
  const [code, comment] = line.split(' // ') as [string, string | undefined];
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the examples are source text to run
  const run = new Function('x', 'losses', 'entropy', 'divergence', `"use strict";return ${code};`) as (
    ...a: unknown[]
  ) => unknown;
  const out: unknown = run(x, x.losses, x.entropy, x.divergence);
  const value: unknown = out instanceof x.Tensor ? (out.data() as ArrayLike<number>)[0] : out;
  expect(typeof value).toBe('number');
  const stated = comment?.match(/^\[?(-?\d+\.\d+)\]?$/);
  if (stated !== null && stated !== undefined)
    expect(Math.abs((value as number) - Number(stated[1]))).toBeLessThan(1e-6);
});
