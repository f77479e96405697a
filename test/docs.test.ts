/** @file Every runnable ```ts block in the README and docs/ is executed, so the examples cannot rot. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

/**
 * Relative imports in a block are written as seen from its markdown file (`../examples/…` in
 * docs/); the block runs from another folder, so they become absolute paths.
 */
function fromMarkdownFolder(code: string, file: string): string {
  const base = pathToFileURL(`${root}${file}`);
  return code.replace(
    /(from\s+|import\(\s*)'(\.\.?\/[^']+)'/g,
    (_, lead: string, specifier: string) => `${lead}'${fileURLToPath(new URL(specifier, base))}'`,
  );
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
  writeFileSync(path, `${fromMarkdownFolder(code, file)}\nexport {};\n`);
  await import(/* @vite-ignore */ path);
});

/** Files a page shows in full (as a ```ts no-run block), which must stay identical to the file that runs. */
const shownFiles = [
  ['docs/laws.md', 'packages/laws/test/readme.test.ts'],
  ['docs/guide-new-objective.md', 'examples/taylor-cross-entropy.ts'],
  ['docs/guide-verifying-gradients.md', 'test/support/setup.ts'],
] as const;

test.for(shownFiles)('%s shows %s exactly as it is run', ([doc, file]) => {
  expect(readFileSync(`${root}${doc}`, 'utf8')).toContain(readFileSync(`${root}${file}`, 'utf8').trimEnd());
});
