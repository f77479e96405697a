/**
 * @file Index checks that travel with device data: an array carries the pending index-check
 * statuses of the runs it was computed from (its own and, transitively, its device inputs'), so
 * reading anything derived from a buffer whose check failed raises that IndexError, blaming the
 * public function whose indices were out of range (the site its kernel's check recorded).
 */
import type { IndexError } from '@xent/core';
import { siteIndexError } from '@xent/core/internal';
import { StatusWord } from '../codegen/buffers.js';

/** The IndexError a run's status words report (`StatusWord`), or undefined when every check passed. */
export function statusError(status: Int32Array): IndexError | undefined {
  if (status[StatusWord.Failed] === 0) return undefined;
  return siteIndexError(status[StatusWord.Site] as number, status[StatusWord.Index] as number);
}

/** Settles once every promise has, rejecting with the first failure in the given order. */
export function firstFailure(promises: readonly Promise<void>[]): Promise<void> {
  return Promise.allSettled(promises).then((results) => {
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  });
}

/** The index checks a device array depends on; once they pass, arrays derived later no longer wait on them. */
export class IndexChecks {
  private passed = false;

  private constructor(
    /** Settles when every check has been read, rejecting with the first failure (in run order). */
    readonly settled: Promise<void>,
  ) {
    settled.then(
      () => {
        this.passed = true;
      },
      () => undefined,
    );
  }

  /**
   * The checks of a run's outputs: the still pending checks of its inputs (each once, in order), then
   * its own (`own`: the run and its status read, when its program checks indices); undefined when there
   * are none, so a run without index checks on data without pending ones costs nothing.
   */
  static of(inputs: Iterable<IndexChecks | undefined>, own: Promise<void> | undefined): IndexChecks | undefined {
    let pending: Set<IndexChecks> | undefined;
    for (const c of inputs) if (c !== undefined && !c.passed) (pending ??= new Set()).add(c);
    if (pending === undefined) return own === undefined ? undefined : new IndexChecks(own);
    const [only] = pending;
    if (own === undefined && pending.size === 1) return only;
    const all = [...pending].map((c) => c.settled);
    return new IndexChecks(firstFailure(own === undefined ? all : [...all, own]));
  }
}
