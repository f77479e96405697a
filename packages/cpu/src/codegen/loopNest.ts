/**
 * @file Emits a loop nest around scalar expressions, placing each subexpression at the outermost
 * loop where all its inputs are known (loop-invariant code motion) and naming shared ones once.
 */
import type { ScalarExpr } from '@xent/core';
import { jsOps } from './jsExpr.js';

/** One loop: its variable (by loop number), extent and direction. */
export interface Loop {
  readonly v: number;
  readonly extent: number;
  readonly reverse?: boolean;
}

/** Where an expression's value is first needed: at a loop depth, or after the reduction (depth k, epilogue). */
interface Placement {
  readonly depth: number;
  readonly afterReduction: boolean;
}

/**
 * Accumulates statements per depth. Depth 0 is before all loops; depth d is inside the d-th loop.
 * Expressions that use `acc` go to the epilogue of depth `accDepth` (after the reduction loops).
 */
export class LoopNest {
  private readonly names = new Map<ScalarExpr, string>();
  private readonly placement = new Map<ScalarExpr, Placement>();
  private readonly depthOfVar = new Map<number, number>();
  readonly prologue: string[][];
  readonly epilogue: string[] = [];
  private counter = 0;

  constructor(
    readonly loops: readonly Loop[],
    private readonly accDepth = -1,
  ) {
    loops.forEach((l, i) => this.depthOfVar.set(l.v, i + 1));
    this.prologue = Array.from({ length: loops.length + 1 }, () => []);
  }

  private place(e: ScalarExpr): Placement {
    const known = this.placement.get(e);
    if (known !== undefined) return known;
    let p: Placement;
    if (e.op === 'var') p = { depth: this.depthOfVar.get(e.imm) ?? 0, afterReduction: false };
    else if (e.op === 'acc') p = { depth: this.accDepth, afterReduction: true };
    else {
      p = { depth: 0, afterReduction: false };
      for (const a of e.args) {
        const q = this.place(a);
        p = { depth: Math.max(p.depth, q.depth), afterReduction: p.afterReduction || q.afterReduction };
      }
    }
    this.placement.set(e, p);
    return p;
  }

  /** The JS expression naming `e`'s value, emitting the statements that compute it. */
  ref(e: ScalarExpr): string {
    const named = this.names.get(e);
    if (named !== undefined) return named;
    if (e.op === 'const' || e.op === 'var' || e.op === 'acc')
      return (jsOps[e.op] as (a: readonly string[], d: string, ad: readonly string[], imm: number) => string)(
        [],
        e.dtype,
        [],
        e.imm,
      );
    const args = e.args.map((a) => this.ref(a));
    const text = jsOps[e.op](
      args,
      e.dtype,
      e.args.map((a) => a.dtype),
      e.imm,
    );
    const name = `t${this.counter++}`;
    const p = this.place(e);
    const line = `const ${name}=${text};`;
    if (p.afterReduction) this.epilogue.push(line);
    else (this.prologue[p.depth] as string[]).push(line);
    this.names.set(e, name);
    return name;
  }

  /**
   * Renders the nest with `inner` at the innermost depth. `open[d]` runs after the prologue of
   * depth d, before loop d + 1; `close[d]` runs after that loop.
   */
  render(
    inner: string,
    options: { readonly open?: readonly (readonly string[])[]; readonly close?: readonly (readonly string[])[] } = {},
  ): string {
    const emit = (depth: number): string => {
      const parts = [...(this.prologue[depth] ?? []), ...(options.open?.[depth] ?? [])];
      if (depth === this.loops.length) return [...parts, inner].join('\n');
      const loop = this.loops[depth] as Loop;
      const i = `i${loop.v}`;
      const head =
        loop.reverse === true
          ? `for(let ${i}=${loop.extent - 1};${i}>=0;${i}--){`
          : `for(let ${i}=0;${i}<${loop.extent};${i}++){`;
      return [...parts, head, emit(depth + 1), '}', ...(options.close?.[depth] ?? [])].join('\n');
    };
    return emit(0);
  }
}
