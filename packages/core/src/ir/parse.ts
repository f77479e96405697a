/** @file Reads the text form written by printer.ts back into a graph (ops, constants, params). */
import { either as E } from 'fp-ts';
import { allocHost, isDType } from './dtype.js';
import { constant, tryOp } from './build.js';
import { type Graph, makeGraph } from './graph.js';
import { type IrError, irError } from './irError.js';
import { makeParamNode, type Node, type ParamNode, type TensorType } from './node.js';
import { type Prim, type PrimParamMap, prims } from './prim.js';

const fail = (line: string, expected: string): E.Either<IrError, never> =>
  E.left(irError('InvalidParam', 'parseGraph', 'text', expected, JSON.stringify(line.trim())));

function parseType(text: string): TensorType | undefined {
  const m = /^(\w+)\[([\d,\s]*)\]$/.exec(text.trim());
  if (m === null || !isDType(m[1])) return undefined;
  const dims = (m[2] ?? '').trim();
  return { dtype: m[1], shape: dims === '' ? [] : dims.split(',').map((d) => Number(d.trim())) };
}

const parseNumber = (s: string): number => (s === '-0' ? -0 : Number(s));

/** Splits on commas that are not nested in brackets. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') parts.push(cur.trim());
  return parts;
}

function parseValue(text: string): unknown {
  const t = text.trim();
  if (t.startsWith('[')) return splitTop(t.slice(1, -1)).map(parseValue);
  if (t === 'true' || t === 'false') return t === 'true';
  const n = parseNumber(t);
  return Number.isNaN(n) && t !== 'NaN' ? t : n;
}

function parseParams(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of splitTop(text)) {
    const eq = entry.indexOf('=');
    out[entry.slice(0, eq).trim()] = parseValue(entry.slice(eq + 1));
  }
  return out;
}

/** Splits `[k=v, ...] rest` into the bracket's inside and the rest (no bracket: empty). */
function splitBracket(tail: string): { bracket: string; rest: string } {
  if (!tail.startsWith('[')) return { bracket: '', rest: tail.trim() };
  let depth = 0;
  for (let i = 0; i < tail.length; i++) {
    if (tail[i] === '[') depth++;
    if (tail[i] === ']' && --depth === 0) return { bracket: tail.slice(1, i), rest: tail.slice(i + 1).trim() };
  }
  return { bracket: tail.slice(1), rest: '' };
}

/** Parses a graph printed by `printGraph` (custom calls cannot be read back). */
export function parseGraph(text: string): E.Either<IrError, Graph> {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const head = /^graph\((.*)\)\s*\{$/.exec(lines[0] ?? '');
  if (head === null) return fail(lines[0] ?? '', 'a header `graph(%0: f64[2], ...) {`');
  const env = new Map<string, Node>();
  const params: ParamNode[] = [];
  for (const decl of splitTop(head[1] ?? '')) {
    const [nm, ty] = decl.split(':').map((s) => s.trim());
    const type = parseType(ty ?? '');
    if (nm === undefined || type === undefined) return fail(decl, 'a parameter `%name: dtype[dims]`');
    const p = makeParamNode(type, nm);
    params.push(p);
    env.set(nm, p);
  }
  for (const line of lines.slice(1, -1)) {
    const ret = /^return\s+(.*)$/.exec(line);
    if (ret !== null) {
      const outs = splitTop(ret[1] ?? '').map((n) => env.get(n));
      if (outs.some((o) => o === undefined)) return fail(line, 'outputs that name defined values');
      return E.right(makeGraph(params, outs as Node[]));
    }
    const m = /^(%\w+):\s*(\w+\[[\d,\s]*\])\s*=\s*(\w+)(.*)$/.exec(line);
    const type = parseType(m?.[2] ?? '');
    if (m === null || type === undefined) return fail(line, 'a node `%name: dtype[dims] = prim[params] %args`');
    const [, nm, , head2, tail] = m as unknown as [string, string, string, string, string];
    const { bracket, rest } = splitBracket(tail);
    if (head2 === 'const') {
      const raw = parseValue(rest);
      const values = Array.isArray(raw) ? (raw as number[]) : [raw as number];
      const data = allocHost(type.dtype, values.length);
      values.forEach((v, i) => (data[i] = v));
      env.set(nm, constant(data, type.shape, type.dtype));
      continue;
    }
    if (!(prims as readonly string[]).includes(head2)) return fail(line, `a primitive (${prims.join(', ')})`);
    const args = splitTop(rest).map((a) => env.get(a));
    if (args.some((a) => a === undefined)) return fail(line, 'arguments that name defined values');
    const params2 = parseParams(bracket) as unknown as PrimParamMap[Prim];
    const node = tryOp(head2 as Prim, params2, args as Node[]);
    if (E.isLeft(node)) return node;
    const ruleType = node.right.type;
    if (ruleType.dtype !== type.dtype || ruleType.shape.join() !== type.shape.join()) {
      return fail(line, `a node annotated with its rule's type ${ruleType.dtype}[${ruleType.shape.join(', ')}]`);
    }
    env.set(nm, node.right);
  }
  return fail(lines[lines.length - 1] ?? '', 'a `return` line before `}`');
}
