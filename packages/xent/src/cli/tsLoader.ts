/**
 * @file A Node module hook that runs TypeScript files directly: `.ts` modules are transpiled with the
 * TypeScript compiler (types are not checked), and `./x.js` imports find `./x.ts` when only that exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Resolved {
  readonly url: string;
  readonly format?: string | null;
  readonly shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: unknown) => Promise<Resolved>;
type NextLoad = (url: string, context: unknown) => Promise<{ format?: string | null; source?: unknown }>;

const isTs = (url: string): boolean => /\.(m|c)?ts$/.test(url) && url.startsWith('file:');

export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  next: NextResolve,
): Promise<Resolved> {
  if (
    (specifier.startsWith('.') || specifier.startsWith('/')) &&
    specifier.endsWith('.js') &&
    context.parentURL !== undefined
  ) {
    const asTs = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    const asJs = new URL(specifier, context.parentURL);
    if (!existsSync(fileURLToPath(asJs)) && existsSync(fileURLToPath(asTs)))
      return { url: asTs.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(
  url: string,
  context: unknown,
  next: NextLoad,
): Promise<{ format: string; source: string; shortCircuit: boolean } | { format?: string | null; source?: unknown }> {
  if (!isTs(url)) return next(url, context);
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    throw new Error(
      'xent check: running a .ts file needs the `typescript` package (npm install -D typescript), or pass a compiled .js file',
    );
  }
  const source = readFileSync(fileURLToPath(url), 'utf8');
  const out = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      sourceMap: false,
      verbatimModuleSyntax: false,
    },
  });
  const syntax = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (syntax !== undefined) {
    const where =
      syntax.file !== undefined && syntax.start !== undefined
        ? syntax.file.getLineAndCharacterOfPosition(syntax.start)
        : undefined;
    const message = ts.flattenDiagnosticMessageText(syntax.messageText, ' ');
    throw new SyntaxError(
      `${fileURLToPath(url)}${where === undefined ? '' : `:${where.line + 1}:${where.character + 1}`}: ${message}`,
    );
  }
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
