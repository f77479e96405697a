/** @file Every runnable ```ts block in the README and docs/ is executed, so the examples cannot rot. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = fileURLToPath(new URL('./.docs-blocks/', import.meta.url));
const sources = [
  'README.md',
  ...readdirSync(`${root}docs`)
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Code blocks fenced as ```ts (blocks fenced ```ts no-run are shown, not run). */
function blocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

const cases = sources.flatMap((file) =>
  blocks(readFileSync(`${root}${file}`, 'utf8')).map((code, i) => [file, i, code] as const),
);

test('the docs contain runnable examples', () => {
  expect(cases.length).toBeGreaterThan(0);
});

test.each(cases)('%s block %i runs', async (file, i, code) => {
  mkdirSync(outDir, { recursive: true });
  const path = `${outDir}${file.replace(/[/.]/g, '_')}_${i}.ts`;
  writeFileSync(path, `${code}\nexport {};\n`);
  await import(/* @vite-ignore */ path);
});
