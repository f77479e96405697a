/** @file A scan's loop in kernel form: a body program a kernel backend runs `length` times on its device. */
import type { Program } from './program.js';

/**
 * The body is a program whose parameters are the loop-invariant values (`consts`), the carried state
 * (`carries`), then one slice of each scanned input (`xs`); its outputs are the next state, then one
 * slice of each result. The executable compiled from a loop takes the consts, the initial carries and
 * the whole scanned inputs (`length` slices each, slice t at elements [t·n, (t+1)·n)), and returns the
 * final carries, then the results stacked the same way (slice t at index t, whichever the direction).
 */
export interface KernelLoop {
  readonly body: Program;
  readonly consts: number;
  readonly carries: number;
  readonly xs: number;
  readonly length: number;
  /** Steps run from the last index to the first. */
  readonly reverse: boolean;
}
