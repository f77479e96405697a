/**
 * @file How `xent check` imports the user's module: `.ts` files load through Node's own type stripping
 * (no TypeScript compiler), a resolve hook lets `./x.js` in a `.ts` module find `./x.ts` as tsc
 * does, and a failure is told in one line naming the file, the place and the unsupported construct.
 */
import * as nodeModule from 'node:module';
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface ResolveContext {
  readonly parentURL?: string | undefined;
}
interface Resolved {
  readonly url: string;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Resolved;
/** `module.registerHooks` (Node ≥ 22.15), which the pinned @types/node predates. */
type RegisterHooks = (hooks: {
  resolve: (specifier: string, context: ResolveContext, next: NextResolve) => Resolved;
}) => unknown;

const typeScript = /\.[cm]?ts$/;

/** Whether a path names a TypeScript module. */
export const isTypeScript = (path: string): boolean => typeScript.test(path);

/** Whether this Node strips types from `.ts` modules (`process.features.typescript`: 'strip', 'transform' or false). */
export const stripsTypes = (): boolean => Boolean((process.features as { typescript?: unknown }).typescript);

/** `./x.js` (or `.mjs`, `.cjs`) imported by a `.ts` module resolves to `./x.ts` when no such `.js` exists. */
function resolve(specifier: string, context: ResolveContext, next: NextResolve): Resolved {
  try {
    return next(specifier, context);
  } catch (e) {
    if (
      (e as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND' ||
      !/^\.\.?\/.*\.[cm]?js$/.test(specifier) ||
      !typeScript.test(context.parentURL ?? '')
    )
      throw e;
    try {
      return next(specifier.replace(/js$/, 'ts'), context);
    } catch {
      throw e;
    }
  }
}

let hooked = false;

/** Imports the module at an absolute path, with the `.js` → `.ts` resolution hook in place. */
export async function importModule(path: string): Promise<Record<string, unknown>> {
  if (!hooked) {
    (nodeModule as unknown as { registerHooks?: RegisterHooks }).registerHooks?.({ resolve });
    hooked = true;
  }
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
}

/**
 * `file:line:column` of a syntax or link error, from the `<file>:<line>` line and the code frame Node
 * puts before its stack (the column from its `^^^` line; a span over several lines has none).
 */
function place(e: Error): string | undefined {
  const lines = (e.stack ?? '').split('\n');
  const head = /^(file:\/\/.+|\/.+|[A-Za-z]:\\.+):(\d+)$/.exec(lines[0] ?? '');
  if (head === null) return undefined;
  const [, file = '', line = ''] = head;
  const absolute = file.startsWith('file:') ? fileURLToPath(file) : file;
  const rel = relative(process.cwd(), absolute);
  const shown = rel.startsWith('..') || isAbsolute(rel) ? absolute : rel;
  const end = lines.findIndex((l) => l.startsWith(e.name));
  const caret = lines.slice(1, end < 0 ? undefined : end).find((l) => /^\s*\^+\s*$/.test(l));
  return `${shown}:${line}${caret === undefined ? '' : `:${caret.indexOf('^') + 1}`}`;
}

/** What to write instead of a construct type stripping rejects. */
const rewrites: readonly (readonly [RegExp, string])[] = [
  [/enum/, "use a union of literals or an object with 'as const'"],
  [/namespace/, "use the module's own exports"],
  [/parameter propert/, 'declare the field and assign it in the constructor'],
];

/** The construct named in Node's ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX message ("TypeScript enum is not supported …"). */
function construct(message: string): string | undefined {
  if (/`module` keyword/.test(message)) return 'namespace declaration';
  return /TypeScript (.+?) is not supported/.exec(message)?.[1];
}

/** One line saying why a module failed to load: the construct type stripping rejects, or the error with its place. */
export function describeLoadError(e: unknown): string {
  if (!(e instanceof Error)) return String(e).split('\n')[0] ?? '';
  const message = e.message.split('\n')[0] ?? '';
  const where = place(e);
  const at = where === undefined ? '' : ` at ${where}`;
  if ((e as { code?: unknown }).code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX') {
    const what = construct(message);
    if (what === undefined)
      return `TypeScript syntax${at} is not supported by Node's type stripping: ${message} (or compile the module to .js)`;
    const rewrite = rewrites.find(([re]) => re.test(what))?.[1];
    return `TypeScript ${what}${at} is not supported by Node's type stripping (${rewrite === undefined ? '' : `${rewrite}, or `}compile the module to .js)`;
  }
  return `${e.name}${at}: ${message}`;
}
