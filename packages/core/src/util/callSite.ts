/** @file The user's call site: the first stack frame outside xent's own packages (debug mode only). */

/** One parsed stack frame. */
export interface Frame {
  /** The function's name as the engine printed it (`norm`, `Module.norm`), or '' when anonymous. */
  readonly name: string;
  /** The script's path or URL, without `file://`. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A stack line's function and location: V8 (`at f (file:1:2)`, `at file:1:2`) or SpiderMonkey/JavaScriptCore (`f@file:1:2`). */
const V8_FRAME = /^\s*at (?:(?:async |new )?(.*?) \()?(.+?):(\d+):(\d+)\)?$/;
const GECKO_FRAME = /^(.*?)@(.+?):(\d+):(\d+)$/;

/** The frames of an `Error.stack`, innermost first (lines that are not frames are skipped). */
export function parseStack(stack: string): Frame[] {
  return stack.split('\n').flatMap((text) => {
    const m = V8_FRAME.exec(text) ?? GECKO_FRAME.exec(text);
    if (m === null) return [];
    const file = (m[2] as string).replace(/^file:\/\//, '').replace(/\?.*$/, '');
    return [{ name: m[1] ?? '', file, line: Number(m[3]), column: Number(m[4]) }];
  });
}

const PACKAGES = ['core', 'cpu', 'webgpu', 'losses', 'laws'];

/**
 * The folders of xent's packages, from the path of a file two levels inside @xent/core (`…/core/src/util/x.ts`
 * in the repository, `…/node_modules/@xent/core/dist/util/x.js` installed): its siblings, and the umbrella
 * package `xent` beside them (in the repository) or beside `@xent` (installed).
 */
export function packageRoots(ownFile: string): string[] {
  const parts = ownFile.split(/[\\/]/);
  const parent = parts.slice(0, -4).join('/');
  const scoped = parts.at(-5) === '@xent';
  const umbrella = scoped ? `${parts.slice(0, -5).join('/')}/xent/` : `${parent}/xent/`;
  return [...PACKAGES.map((p) => `${parent}/${p}/`), umbrella];
}

/** Whether a frame belongs to xent, its fp-ts dependency or the engine rather than to the user's code. */
export function isLibraryFrame(file: string, roots: readonly string[]): boolean {
  const path = file.replace(/\\/g, '/');
  return (
    roots.some((r) => path.startsWith(r)) ||
    path.includes('/node_modules/fp-ts/') ||
    path.startsWith('node:') ||
    !/[\\/]/.test(path)
  );
}

interface V8ErrorConstructor {
  stackTraceLimit?: number | undefined;
}

/** The current stack, deep enough to reach the user's code under several layers of xent. */
function currentStack(): string {
  const E = Error as V8ErrorConstructor;
  const limit = E.stackTraceLimit;
  if (limit === undefined) return new Error().stack ?? '';
  E.stackTraceLimit = 100;
  try {
    return new Error().stack ?? '';
  } finally {
    E.stackTraceLimit = limit;
  }
}

/** xent's package folders, found from this file's own frame on first use (nothing is captured before). */
let roots: readonly string[] | undefined;
function ownRoots(): readonly string[] {
  if (roots === undefined) {
    const own = parseStack(currentStack())[0];
    roots = own === undefined ? [] : packageRoots(own.file);
  }
  return roots;
}

/** The user's frame that called into xent and the name of the xent function it called ('' when anonymous). */
export interface CallSite {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly callee: string;
}

/** The innermost frame of `frames` outside xent, with the name of the xent function it called. */
export function userFrame(frames: readonly Frame[], libraryRoots: readonly string[]): CallSite | undefined {
  const at = frames.findIndex((f) => !isLibraryFrame(f.file, libraryRoots));
  if (at <= 0) return undefined;
  const user = frames[at] as Frame;
  const callee = (frames[at - 1] as Frame).name.split('.').at(-1) ?? '';
  return {
    file: user.file,
    line: user.line,
    column: user.column,
    callee: /^[A-Za-z_$][\w$]*$/.test(callee) ? callee : '',
  };
}

/** Where the user's code called into xent, now. */
export const captureCallSite = (): CallSite | undefined => userFrame(parseStack(currentStack()), ownRoots());

interface HostGlobals {
  readonly process?: { readonly cwd?: () => string };
}

/** `file:line:column`, relative to the working directory when under it. */
export function formatCallSite(site: CallSite): string {
  const cwd = (globalThis as HostGlobals).process?.cwd?.().replace(/\\/g, '/');
  const file = site.file.replace(/\\/g, '/');
  const shown = cwd !== undefined && file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
  return `${shown}:${site.line}:${site.column}`;
}
