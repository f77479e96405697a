/** @file Every runnable ```ts block in the README and docs/ is executed, so the examples cannot rot. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { gpuBackend } from './support/gpu.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = fileURLToPath(new URL('./.docs-blocks/', import.meta.url));
const sources = [
  'README.md',
  ...readdirSync(`${root}docs`)
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/**
 * Code blocks fenced as ```ts, and as ```ts webgpu (these need an adapter: skipped without one,
 * failed without one in CI). Blocks fenced ```ts no-run are shown, not run.
 */
function blocks(markdown: string): { code: string; gpu: boolean }[] {
  return [...markdown.matchAll(/```ts( webgpu)?\n([\s\S]*?)```/g)].map((m) => ({
    code: m[2] as string,
    gpu: m[1] !== undefined,
  }));
}

const cases = sources.flatMap((file) =>
  blocks(readFileSync(`${root}${file}`, 'utf8')).map(({ code, gpu }, i) => [file, i, code, gpu] as const),
);

const adapter = cases.some((c) => c[3]) ? await gpuBackend() : undefined;
adapter?.dispose();

test('the docs contain runnable examples', () => {
  expect(cases.length).toBeGreaterThan(0);
});

test.for(cases)('%s block %i runs', async ([file, i, code, gpu], { skip }) => {
  if (gpu && adapter === undefined) skip('no WebGPU adapter');
  mkdirSync(outDir, { recursive: true });
  const path = `${outDir}${file.replace(/[/.]/g, '_')}_${i}.ts`;
  writeFileSync(path, `${code}\nexport {};\n`);
  await import(/* @vite-ignore */ path);
});

test('docs/laws.md shows the vitest example exactly as it is run (packages/laws/test/readme.test.ts)', () => {
  const doc = readFileSync(`${root}docs/laws.md`, 'utf8');
  const example = readFileSync(`${root}packages/laws/test/readme.test.ts`, 'utf8');
  expect(doc).toContain(example.trimEnd());
});
