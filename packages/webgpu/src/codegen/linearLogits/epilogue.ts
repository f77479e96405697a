/**
 * @file Core's linear-logit epilogue as WGSL functions of one logit, rendered by the scalar-expression
 * emitter: `logit_terms(u, col, tgt)` gives (z, pick term) and `logit_dz(u, col, tgt, at)` gives dZ,
 * reading the row's stats and their cotangent from its coefficient row `coef` at `at`.
 */
import {
  LINEAR_STATS,
  type LinearLogitsKernel,
  LogitLeaf,
  type LogitLeafSlot,
  type ScalarExpr,
} from '@xent/core/internal';
import { WgslEmitter } from '../emitter.js';
import { type Helper, prelude } from '../prelude.js';

/** A row's coefficients in the `coef` scratch: its stats, their cotangent, then its target (−1 without). */
export const Coef = {
  Stats: 0,
  Cotangent: LINEAR_STATS,
  Target: 2 * LINEAR_STATS,
  Size: 2 * LINEAR_STATS + 1,
} as const;

/** How each leaf reads inside the functions. */
const leafSource: { readonly [S in LogitLeafSlot]: (at: string) => string } = {
  [LogitLeaf.Logit]: () => 'u',
  [LogitLeaf.Column]: () => 'col',
  [LogitLeaf.Target]: () => 'tgt',
  [LogitLeaf.Stats]: (c) => `ld_coef(at + ${Coef.Stats} + ${c})`,
  [LogitLeaf.Cotangent]: (c) => `ld_coef(at + ${Coef.Cotangent} + ${c})`,
};

/** A WGSL function of `params` returning `roots` (one f32, or a vec2 of two), their subexpressions shared. */
function renderFunction(name: string, params: string, roots: readonly ScalarExpr[], used: Set<Helper>): string {
  const emitter = new WgslEmitter(new Set(), (slot, at) => leafSource[slot as LogitLeafSlot](at));
  const values = roots.map((r) => emitter.ref(r));
  for (const h of emitter.used) used.add(h);
  const type = roots.length === 1 ? 'f32' : `vec${roots.length}<f32>`;
  const result = roots.length === 1 ? (values[0] as string) : `${type}(${values.join(', ')})`;
  return `fn ${name}(${params}) -> ${type} {
  ${emitter.lines.outer.join('\n  ')}
  return ${result};
}`;
}

/**
 * The epilogue's functions a shader calls (`logit_terms`, and `logit_dz` where `cotangent`, which
 * reads `ld_coef`), with the helpers they use.
 */
export function epilogueFunctions(k: LinearLogitsKernel, cotangent: boolean): string {
  const used = new Set<Helper>();
  const params = 'u: f32, col: i32, tgt: i32';
  const terms = renderFunction('logit_terms', params, [k.epilogue.logit, k.epilogue.pick], used);
  const dz = cotangent ? renderFunction('logit_dz', `${params}, at: i32`, [k.epilogue.cotangent], used) : '';
  return [prelude(used), terms, dz].filter((s) => s !== '').join('\n');
}
