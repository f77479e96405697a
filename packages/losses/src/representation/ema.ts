/** @file An exponential-moving-average teacher (mean teacher), updated outside any traced graph. */
import * as x from '@xent/core';
import { fail } from '@xent/core/internal';
import type { Tensor } from '@xent/core';
import { describe, formatShape, tensorArg } from '../validate.js';

/**
 * θ_T ← d·θ_T + (1 − d)·θ_S after each student step (Tarvainen & Valpola 2017; catalog C04). The
 * teacher's parameters are concrete tensors; use them with stopGradient (or as constants) in a loss.
 */
export class EmaTeacher {
  #params: Tensor[];
  #updates = 0;

  /** Starts from copies of the student's parameters; `decay` d ∈ [0, 1). */
  constructor(
    initial: readonly Tensor[],
    readonly decay: number,
  ) {
    if (!(decay >= 0 && decay < 1)) fail(x.ValueError, 'EmaTeacher', 'decay', 'a number in [0, 1)', describe(decay));
    this.#params = initial.map((p, i) => {
      const t = tensorArg('EmaTeacher', `initial[${i}]`, p);
      if (t.isTraced) fail(x.TraceError, 'EmaTeacher', `initial[${i}]`, 'a concrete tensor', 'a traced tensor');
      return t;
    });
  }

  /** The teacher's current parameters. */
  get params(): readonly Tensor[] {
    return this.#params;
  }

  /** How many updates have been applied. */
  get updates(): number {
    return this.#updates;
  }

  /** Moves every teacher parameter towards the student's (same count, shapes and dtypes). */
  update(student: readonly Tensor[]): void {
    const fn = 'EmaTeacher.update';
    if (student.length !== this.#params.length)
      fail(x.ValueError, fn, 'student', `${this.#params.length} parameters`, `${student.length}`);
    this.#params = this.#params.map((t, i) => {
      const s = tensorArg(fn, `student[${i}]`, student[i]);
      if (s.rank !== t.rank || s.shape.some((d, j) => d !== t.shape[j]) || s.dtype !== t.dtype)
        fail(
          x.ShapeError,
          fn,
          `student[${i}]`,
          `${t.dtype} ${formatShape(t.shape)}`,
          `${s.dtype} ${formatShape(s.shape)}`,
        );
      if (s.isTraced) fail(x.TraceError, fn, `student[${i}]`, 'a concrete tensor', 'a traced tensor');
      return x.add(x.mul(t, this.decay), x.mul(s, 1 - this.decay));
    });
    this.#updates++;
  }
}
