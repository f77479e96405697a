/**
 * @file Emits a loop nest around scalar expressions, placing each subexpression at the outermost
 * loop where all its inputs are known (loop-invariant code motion) and naming shared ones once.
 */
import { type Placement, placement, type ScalarExpr } from '@xent/core/internal';
import { jsExpr } from './jsExpr.js';

/** One loop: its variable (by loop number), extent and direction. */
export interface Loop {
  readonly v: number;
  readonly extent: number;
  readonly reverse?: boolean;
}

/**
 * Accumulates statements per depth. Depth 0 is before all loops; depth d is inside the d-th loop.
 * Expressions that use `acc` go to the epilogue of depth `accDepth` (after the reduction loops).
 */
export class LoopNest {
  private readonly names = new Map<ScalarExpr, string>();
  private readonly place: (e: ScalarExpr) => Placement;
  readonly prologue: string[][];
  readonly epilogue: string[] = [];
  private counter = 0;

  constructor(
    readonly loops: readonly Loop[],
    accDepth = -1,
  ) {
    const depthOfVar = new Map(loops.map((l, i) => [l.v, i + 1]));
    this.place = placement((v) => depthOfVar.get(v) ?? 0, accDepth);
    this.prologue = Array.from({ length: loops.length + 1 }, () => []);
  }

  /** The JS expression naming `e`'s value, emitting the statements that compute it. */
  ref(e: ScalarExpr): string {
    const named = this.names.get(e);
    if (named !== undefined) return named;
    if (e.op === 'const' || e.op === 'var' || e.op === 'acc') return jsExpr(e, []);
    const text = jsExpr(
      e,
      e.args.map((a) => this.ref(a)),
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
