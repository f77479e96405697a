/**
 * @file The arena small programs run in: one block, taken when the backend loads, that every run
 * whose arena fits borrows and gives back (runs are synchronous, so one borrower at a time), so such
 * a run allocates nothing and finds its temporaries where the last run left their views.
 */
import { allocateBlock } from './resident.js';

/** Arenas up to this many bytes are the shared one. */
export const SHARED_ARENA_BYTES = 1 << 18;

const sharedArena = allocateBlock(SHARED_ARENA_BYTES);
let borrowed = false;

/** The shared arena's offset when an arena of `bytes` fits it and no run holds it, else undefined. */
export function borrowSharedArena(bytes: number): number | undefined {
  if (bytes > SHARED_ARENA_BYTES || borrowed) return undefined;
  borrowed = true;
  return sharedArena;
}

/** Gives the shared arena back (the run that borrowed it ended). */
export function returnSharedArena(): void {
  borrowed = false;
}
