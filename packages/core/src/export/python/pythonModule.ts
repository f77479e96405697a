/**
 * @file A traced function as a Python module in a dialect: the public function unpacks its pytree arguments
 * (static leaves baked in), checks each leaf's dtype and shape, runs the graph one op per line and rebuilds
 * the result; with `keepVjp` the graph runs inside the dialect's wrapper whose backward is xent's own VJP.
 */
import { fail, ValueError } from '../../errors.js';
import { makeGraph } from '../../ir/graph.js';
import type { TensorType } from '../../ir/node.js';
import * as s from '../../validate/schemas.js';
import { formatStatic, type TreeDef, type TreeNode } from '../../tree/treeDef.js';
import { type ExportTrace, traceForExport } from '../exportTrace.js';
import { type EmitContext, type HelperName, type PythonDialect, pyTuple } from './dialect.js';
import { emitGraph, pyNumber, typeComment } from './emitGraph.js';

/** Options every Python exporter takes. */
export interface PythonExportOptions {
  /** The exported function's name (a Python identifier; default `loss`). */
  readonly name?: string;
  /** Make xent's own VJP the backward (torch.autograd.Function, jax.custom_vjp) instead of the library's autodiff. */
  readonly keepVjp?: boolean;
}

const keywords = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);

/** Whether `v` can name the exported Python function. */
export const isPythonIdentifier = (v: unknown): v is string =>
  typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) && !keywords.has(v);

/** The options' schemas: the function's name and whether to keep xent's VJP. */
export const pythonExportFields = {
  name: s.optional(s.string),
  keepVjp: s.optional(s.boolean),
};

/** The names of `f`'s plain parameters as its source declares them (`(logits, labels) => …`); none for patterns. */
function parameterNames(f: (...args: never[]) => unknown): (string | undefined)[] {
  const list = /^(?:async\s*)?(?:function\b[^(]*)?\(([^)]*)\)|^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(
    Function.prototype.toString.call(f),
  );
  if (list === null) return [];
  const text = list[1] ?? list[2] ?? '';
  return text.split(',').map((p) => (/^\s*[A-Za-z_$][\w$]*\s*$/.test(p) ? p.trim() : undefined));
}

/** A tensor leaf of a pytree: its xent path, its Python accessor and the keys leading to it. */
interface Leaf {
  readonly path: string;
  readonly access: string;
  readonly keys: readonly (string | number)[];
}

/** The tensor leaves under `node`, in flattening order. */
function leavesOf(node: TreeNode, path: string, access: string, keys: readonly (string | number)[]): Leaf[] {
  switch (node.kind) {
    case 'tensor':
      return [{ path, access, keys }];
    case 'static':
      return [];
    case 'array':
      return node.children.flatMap((c, i) => leavesOf(c, `${path}[${i}]`, `${access}[${i}]`, [...keys, i]));
    case 'object':
      return node.children.flatMap((c, i) => {
        const k = node.keys[i] as string;
        return leavesOf(c, `${path}.${k}`, `${access}[${JSON.stringify(k)}]`, [...keys, k]);
      });
  }
}

/** A Python name from pytree keys (`{logits}` → `logits`, `[0][1]` → `arg0_0_1`), unique among `taken`. */
function nameFor(keys: readonly (string | number)[], fallback: string, taken: Set<string>): string {
  const joined = keys.map((k) => String(k).replace(/\W/g, '_')).join('_');
  let base = joined === '' || /^\d/.test(joined) ? `${fallback}${joined === '' ? '' : `_${joined}`}` : joined;
  if (keywords.has(base) || /^[tc]\d+$/.test(base)) base = `${base}_`;
  let name = base;
  for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
  taken.add(name);
  return name;
}

/** A static leaf as a Python literal (numbers, strings, booleans, null); anything else cannot be written. */
function pyStatic(fn: string, v: unknown): string {
  if (typeof v === 'number') return pyNumber(v, 'f64');
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  return fail(ValueError, fn, 'f', 'a result whose static leaves are numbers, strings or booleans', formatStatic(v));
}

/** The result pytree as a Python expression over its leaves' expressions (in flattening order). */
function rebuild(fn: string, def: TreeDef, leaves: readonly string[]): string {
  let k = 0;
  const walk = (n: TreeNode): string => {
    switch (n.kind) {
      case 'tensor':
        return leaves[k++] as string;
      case 'static':
        return pyStatic(fn, n.value);
      case 'array':
        return `[${n.children.map(walk).join(', ')}]`;
      case 'object':
        return `{${n.keys.map((key, i) => `${JSON.stringify(key)}: ${walk(n.children[i] as TreeNode)}`).join(', ')}}`;
    }
  };
  return walk(def.root);
}

const indent = (lines: readonly string[], by = '    '): string[] => lines.map((l) => (l === '' ? l : by + l));

/** Writes `f` traced on `exampleArgs` as a Python module of `dialect` (`fn`: the public function, for errors). */
export function pythonModule(
  fn: string,
  dialect: PythonDialect,
  f: (...args: never[]) => unknown,
  exampleArgs: readonly unknown[],
  options: PythonExportOptions,
): string {
  const name = options.name ?? 'loss';
  if (!isPythonIdentifier(name))
    fail(ValueError, fn, 'name', 'a Python identifier (not a keyword)', JSON.stringify(name));
  const keepVjp = options.keepVjp ?? false;
  const trace = traceForExport(fn, f, exampleArgs, { withGradient: false, keepScans: false });
  const used = new Set<HelperName>();
  const ctx: EmitContext = {
    dtype: (d) => dialect.dtypes[d],
    helper: (h) => {
      used.add(h);
      return `_${h.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
    },
  };
  const reserved = ['math', 'torch', 'jax', 'jnp', 'lax', 'jsp', 'dev', 'ctx', 'outs', 'grads', name];
  const taken = new Set(reserved);
  const declared = parameterNames(f);
  const argNames = exampleArgs.map((_, i) => {
    const own = declared[i];
    const a = own !== undefined && isPythonIdentifier(own) && !taken.has(own) ? own : `arg${i}`;
    taken.add(a);
    return a;
  });
  const leaves = trace.argDefs.flatMap((def, i) =>
    leavesOf(def.root, `args[${i}]`, argNames[i] as string, []).map((l) => ({ ...l, arg: i })),
  );
  const leafNames = leaves.map((l) =>
    l.keys.length === 0 ? (argNames[l.arg] as string) : nameFor(l.keys, argNames[l.arg] as string, taken),
  );
  const outLeaves = leavesOf(trace.out.root, 'out', 'out', []);
  const outNames = outLeaves.map((l) => nameFor(l.keys, 'out', taken));
  const unpack = leaves.map((l, i) => {
    const t = (trace.inputs[i] as { type: TensorType }).type;
    return `${leafNames[i]} = ${ctx.helper('expect')}(${l.access}, ${dialect.dtypes[t.dtype]}, ${pyTuple(t.shape)}, ${JSON.stringify(l.path)})`;
  });
  const prologue = dialect.prologue(leafNames[0]);
  const signature = (fname: string, params: readonly string[]): string => `def ${fname}(${params.join(', ')}):`;
  const describePorts = (t: ExportTrace): string[] => [
    ...t.inputs.map((p) => `    ${p.path}: ${typeComment(p.type)}`),
    ...t.outputs.map((p) => `    ${p.path} -> ${typeComment(p.type)}`),
  ];
  const doc = [
    `"""${name}: exported by xent to ${dialect.library}${keepVjp ? ", its backward xent's own VJP" : ''}.`,
    '',
    ...describePorts(trace),
    '"""',
  ];
  const defs: string[][] = [];
  if (!keepVjp) {
    const body = emitGraph(fn, dialect, trace.graph, leafNames, outNames, ctx, taken);
    defs.push([
      signature(name, argNames),
      ...indent([...doc, ...unpack, ...prologue, ...body.lines, `return ${rebuild(fn, trace.out, body.outputs)}`]),
    ]);
  } else {
    const withGrad = traceForExport(fn, f, exampleArgs, { withGradient: true, keepScans: false });
    const gradient = withGrad.gradient as NonNullable<ExportTrace['gradient']>;
    const forward = emitGraph(fn, dialect, trace.graph, leafNames, outNames, ctx, new Set(taken));
    const cotangents = gradient.cotangentOf.map((k) => `d_${outNames[k] as string}`);
    const vjpTaken = new Set([...taken, ...cotangents]);
    const gradNames = gradient.gradientOf.map((k) => nameFor([`d_${leafNames[k] as string}`], 'd', vjpTaken));
    const vjpGraph = makeGraph(withGrad.graph.params, withGrad.graph.outputs.slice(trace.outputs.length));
    const vjp = emitGraph(fn, dialect, vjpGraph, [...leafNames, ...cotangents], gradNames, ctx, vjpTaken);
    const tuple = (xs: readonly string[]): string => (xs.length === 1 ? `${xs[0]},` : xs.join(', '));
    const forwardName = `_${name}_forward`;
    const vjpName = `_${name}_vjp`;
    const wrapperName = `_${name}_with_vjp`;
    defs.push([
      signature(forwardName, leafNames),
      ...indent([...prologue, ...forward.lines, `return ${tuple(forward.outputs)}`]),
    ]);
    defs.push([
      signature(vjpName, [...leafNames, ...cotangents]),
      ...indent([...prologue, ...vjp.lines, `return ${tuple(vjp.outputs)}`]),
    ]);
    defs.push([
      ...dialect.wrapVjp({
        name: wrapperName,
        leaves: leafNames,
        forward: forwardName,
        vjp: vjpName,
        outputs: trace.outputs.length,
        cotangentOf: gradient.cotangentOf,
        gradientOf: gradient.gradientOf,
      }),
    ]);
    const outs = trace.outputs.map((_, k) => `outs[${k}]`);
    defs.push([
      signature(name, argNames),
      ...indent([
        ...doc,
        ...unpack,
        `outs = ${dialect.callWrapper(wrapperName)}(${leafNames.join(', ')})`,
        `return ${rebuild(fn, trace.out, outs)}`,
      ]),
    ]);
  }
  const helperDefs = [...used].sort().map((h) => [dialect.helpers[h]]);
  const f64 = [...trace.inputs, ...trace.outputs, ...trace.graph.nodes].some((p) => p.type.dtype === 'f64');
  return [
    `"""Written by xent (x.export): \`${name}\` for ${dialect.library}."""`,
    ...dialect.imports(f64),
    '',
    ...[...helperDefs, ...defs].flatMap((d) => ['', ...d, '']),
  ]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n\n')
    .replace(/\n*$/, '\n');
}
