/**
 * @file Core's linear-logit epilogue as JavaScript over one row of logits, computed in f64 (the
 * JavaScript convention): how the plain loops run the per-logit maths they do not write themselves.
 * What depends only on the row (its stats, their cotangent, its target) is computed once per row.
 */
import type { DType, HostArray } from '@xent/core';
import {
  type LinearLogitParams,
  linearLogitEpilogue,
  LogitLeaf,
  type LogitLeafSlot,
  type ScalarExpr,
  scalarToposort,
} from '@xent/core/internal';
import { jsExpr } from '../codegen/jsExpr.js';

/**
 * Runs expressions over `count` logits of a row: from u = us[i] at column v0 + i, writes
 * outs[k][i] = root k; the row's target is y, its stats and their cotangent start at `at`.
 */
export type RowEpilogue = (
  us: Float64Array,
  outs: readonly Float64Array[],
  count: number,
  v0: number,
  y: number,
  stats: HostArray,
  ct: HostArray,
  at: number,
) => void;

/** The epilogue's expressions over rows: z with the pick term, and dZ. */
export interface JsEpilogue {
  /** outs: z, then the pick term */
  readonly terms: RowEpilogue;
  /** outs: dZ */
  readonly cotangent: RowEpilogue;
}

/** How each leaf reads in the generated source. */
const leafSource: { readonly [S in LogitLeafSlot]: (address: number) => string } = {
  [LogitLeaf.Logit]: () => 'us[i]',
  [LogitLeaf.Column]: () => '(v0+i)',
  [LogitLeaf.Target]: () => 'y',
  [LogitLeaf.Stats]: (c) => `stats[at+${c}]`,
  [LogitLeaf.Cotangent]: (c) => `ct[at+${c}]`,
};

/** Whether a leaf changes along the row. */
const perLogit = (e: ScalarExpr): boolean =>
  e.op === 'load' && (e.imm === LogitLeaf.Logit || e.imm === LogitLeaf.Column);

const compiled = new Map<string, RowEpilogue>();

/** `roots` as a row function (one per distinct source): row-invariant values before the loop, the rest in it. */
function compile(roots: readonly ScalarExpr[]): RowEpilogue {
  const names = new Map<ScalarExpr, string>();
  const varies = new Set<ScalarExpr>();
  const [row, logit]: [string[], string[]] = [[], []];
  for (const e of scalarToposort(roots)) {
    if (perLogit(e) || e.args.some((a) => varies.has(a))) varies.add(e);
    const args = e.args.map((a) => names.get(a) ?? '');
    const text = e.op === 'load' ? leafSource[e.imm as LogitLeafSlot]((e.args[0] as ScalarExpr).imm) : jsExpr(e, args);
    if (e.op === 'const') names.set(e, text);
    else {
      const name = `t${names.size}`;
      names.set(e, name);
      (varies.has(e) ? logit : row).push(`const ${name}=${text};`);
    }
  }
  const stores = roots.map((r, k) => `outs${k}[i]=${names.get(r) ?? ''};`);
  const outs = roots.map((_, k) => `const outs${k}=outs[${k}];`);
  const source = `"use strict";return function(us,outs,count,v0,y,stats,ct,at){${[...outs, ...row].join('')}for(let i=0;i<count;i++){${[...logit, ...stores].join('')}}};`;
  let fn = compiled.get(source);
  if (fn === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated code is how the CPU backend runs kernel IR
    fn = (new Function(source) as () => RowEpilogue)();
    compiled.set(source, fn);
  }
  return fn;
}

/** The epilogue of a launch whose stats are stored in `dtype`, computed in f64. */
export function jsEpilogue(params: LinearLogitParams, dtype: DType): JsEpilogue {
  const e = linearLogitEpilogue(params, dtype, 'f64');
  return { terms: compile([e.logit, e.pick]), cotangent: compile([e.cotangent]) };
}
