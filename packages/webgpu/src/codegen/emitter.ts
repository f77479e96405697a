/**
 * @file Names scalar expressions as WGSL `let`s, each in the first section where its inputs are
 * known: per element or row ("outer"), per reduction step ("body"), or after the reduction
 * ("epilogue", where `acc` is known). Shared subexpressions are computed once.
 */
import { type Placement, placement, type ScalarExpr, siteOf } from '@xent/core/internal';
import { checkedIndex } from './buffers.js';
import type { Helper } from './prelude.js';
import { wgslOps } from './wgslOps.js';

export type Section = 'outer' | 'body' | 'epilogue';

export class WgslEmitter {
  readonly lines: Record<Section, string[]> = { outer: [], body: [], epilogue: [] };
  readonly used = new Set<Helper>();
  /** Whether a checkIndex was emitted (the kernel then binds the status array). */
  checks = false;
  private readonly names = new Map<ScalarExpr, string>();
  /** Depth 1 is the reduction loop; the outer section, depth 0, is per element or row. */
  private readonly place: (e: ScalarExpr) => Placement;
  private counter = 0;

  /**
   * @param bodyVars loop vars that exist only inside the reduction loop
   * @param load renders a load from input slot `slot` at index expression `at`
   */
  constructor(
    bodyVars: ReadonlySet<number>,
    private readonly load: (slot: number, at: string) => string,
  ) {
    this.place = placement((v) => (bodyVars.has(v) ? 1 : 0), 0);
  }

  private sectionOf(e: ScalarExpr): Section {
    const p = this.place(e);
    return p.afterReduction ? 'epilogue' : p.depth > 0 ? 'body' : 'outer';
  }

  /** The WGSL expression naming `e`'s value (emitting the `let`s it needs). */
  ref(e: ScalarExpr): string {
    const named = this.names.get(e);
    if (named !== undefined) return named;
    if (e.op === 'var' || e.op === 'acc' || e.op === 'const') {
      return wgslOps[e.op]([], e.dtype, [], e.imm, this.used);
    }
    const args = e.args.map((a) => this.ref(a));
    let text: string;
    if (e.op === 'load') text = this.load(e.imm, args[0] ?? '0');
    else if (e.op === 'checkIndex') {
      this.checks = true;
      text = checkedIndex(args[0] ?? '', siteOf(e.imm).bound, e.imm);
    } else {
      text = wgslOps[e.op](
        args,
        e.dtype,
        e.args.map((a) => a.dtype),
        e.imm,
        this.used,
      );
    }
    const name = `t${this.counter++}`;
    this.lines[this.sectionOf(e)].push(`let ${name} = ${text};`);
    this.names.set(e, name);
    return name;
  }
}
