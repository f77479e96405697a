/** @file The loop a scan runs: a closed body graph applied `length` times over a carried state and a leading axis. */
import type { Graph } from './graph.js';

/**
 * A scan with a static length. The body's parameters are the loop-invariant values (`consts`), then the
 * carried state (`carries`), then one slice of each scanned input (`xs`); its outputs are the next state
 * (one per carry, same types), then one slice of each stacked result. The scan's inputs are the same
 * three groups (xs with the leading axis of size `length`), its outputs the final state, then the results
 * stacked along a new leading axis (slice t at index t, whichever the direction).
 */
export interface ScanLoop {
  readonly body: Graph;
  readonly consts: number;
  readonly carries: number;
  readonly xs: number;
  readonly length: number;
  /** Steps run from the last index to the first. */
  readonly reverse: boolean;
}
