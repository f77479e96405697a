/**
 * @file The checklist for adding a primitive (docs/architecture.md) is the list of exhaustive
 * tables in the sources: every `const` table keyed by the primitives (or a kind-derived subset of
 * them), their kinds, the scalar ops or the scalar helpers, and nothing else.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The TypeScript files under a folder of the repository (no build output). */
function sources(dir: string): string[] {
  return readdirSync(`${root}${dir}`, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => `${e.parentPath.slice(root.length)}/${e.name}`.replace(/\/+/g, '/'));
}

/** Key types whose tables the checklist lists. */
const listedKey = /Prim$|^(?:Prim|Elementwise)Kind$|^ScalarOp$|^ScalarHelperName$/;

/** The key type of a table's type: PrimTable, a mapped type, or a Record. */
function keyOf(type: string): string | undefined {
  if (/\bPrimTable</.test(type)) return 'Prim';
  return (/\[\w+ in (?:\w+\.)?(\w+)\]/.exec(type) ?? /\bRecord<(?:\w+\.)?(\w+),/.exec(type))?.[1];
}

/** `name key file` of every exhaustive table declared in the file. */
function tablesIn(file: string): string[] {
  const text = readFileSync(`${root}${file}`, 'utf8');
  const found: string[] = [];
  const add = (name: string, type: string): void => {
    const key = keyOf(type);
    if (key !== undefined && listedKey.test(key)) found.push(`${name} ${key} ${file}`);
  };
  // const name: Type = …
  for (const m of text.matchAll(/^(?:export )?const (\w+)\s*:([\s\S]*?)\s=\s/gm)) add(m[1] as string, m[2] as string);
  // const name = { … } satisfies Type;
  for (const m of text.matchAll(/^\}\s*(?:as const\s+)?satisfies\s+([^;]+);/gm)) {
    const before = text.slice(0, m.index);
    const decl = [...before.matchAll(/^(?:export )?const (\w+)\s*=\s*\{/gm)].at(-1);
    if (decl !== undefined) add(decl[1] as string, m[1] as string);
  }
  return found;
}

/** `name key file` of every row of the checklist table in docs/architecture.md. */
function checklist(): string[] {
  const doc = readFileSync(`${root}docs/architecture.md`, 'utf8');
  const section = doc.slice(doc.indexOf('## Adding a primitive'));
  return [...section.matchAll(/^\| `(\w+)`\s*\| `(\w+)`\s*\| `([^`]+)`/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
}

test('the checklist for adding a primitive lists exactly the exhaustive tables', () => {
  const tables = ['packages/core/src', 'packages/cpu/src', 'packages/webgpu/src', 'test/support']
    .flatMap(sources)
    .flatMap(tablesIn);
  expect(tables.length).toBeGreaterThan(10);
  expect(checklist().sort()).toEqual(tables.sort());
});
