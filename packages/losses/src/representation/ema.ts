/** @file An exponential-moving-average teacher (mean teacher), updated outside any traced graph. */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';
import { checkArgs, declareSignature, fail, type Params, s } from '@xent/core/internal';
import { formatShape } from '../validate.js';

const parameters = s.array(s.tensor({ dtype: 'float' }));
const constructorParams: Params = { initial: parameters, decay: s.number({ min: 0, max: 1, maxOpen: true }) };
const updateParams: Params = { student: parameters };

/** Concrete tensors only: the teacher lives outside any traced graph. */
function concrete(fn: string, arg: string, list: readonly Tensor[]): readonly Tensor[] {
  list.forEach((t, i) => {
    if (t.isTraced) fail(x.TraceError, fn, `${arg}[${i}]`, 'a concrete tensor', 'a traced tensor');
  });
  return list;
}

/**
 * θ_T ← d·θ_T + (1 − d)·θ_S after each student step (Tarvainen & Valpola 2017; catalog C04). The
 * teacher's parameters are concrete float tensors; use them with stopGradient (or as constants) in a loss.
 */
export class EmaTeacher {
  #params: readonly Tensor[];
  #updates = 0;
  readonly decay: number;

  /** Starts from copies of the student's parameters; `decay` d ∈ [0, 1). */
  constructor(initial: readonly Tensor[], decay: number) {
    // eslint-disable-next-line prefer-rest-params -- every argument, extra ones included, is checked
    checkArgs('EmaTeacher', constructorParams, arguments);
    this.#params = [...concrete('EmaTeacher', 'initial', initial)];
    this.decay = decay;
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
    // eslint-disable-next-line prefer-rest-params -- every argument, extra ones included, is checked
    checkArgs(fn, updateParams, arguments);
    if (student.length !== this.#params.length)
      fail(x.ValueError, fn, 'student', `${this.#params.length} parameters`, `${student.length}`);
    concrete(fn, 'student', student);
    this.#params = this.#params.map((t, i) => {
      const next = student[i] as Tensor;
      if (next.rank !== t.rank || next.shape.some((d, j) => d !== t.shape[j]) || next.dtype !== t.dtype)
        fail(
          x.ShapeError,
          fn,
          `student[${i}]`,
          `${t.dtype} ${formatShape(t.shape)}`,
          `${next.dtype} ${formatShape(next.shape)}`,
        );
      return x.add(x.mul(t, this.decay), x.mul(next, 1 - this.decay));
    });
    this.#updates++;
  }
}

declareSignature(EmaTeacher, 'EmaTeacher', constructorParams);
