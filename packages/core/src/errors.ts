/** @file XentError and its subclasses: what every public function throws on bad input. */
import { formatIrError, type IrError, type IrErrorTag } from './ir/irError.js';

/** Base class of every error xent raises on purpose. `fn` names the public function. */
export class XentError extends Error {
  constructor(
    readonly fn: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit: mismatched operands, wrong rank, bad reshape. */
export class ShapeError extends XentError {}
/** A dtype the operation does not accept, or an implicit f32/f64 mix. */
export class DTypeError extends XentError {}
/** An axis outside [-rank, rank) or repeated. */
export class AxisError extends XentError {}
/** An option or value out of its domain (non-integer class index, bad reduction name...). */
export class ValueError extends XentError {}
/** An index outside its dimension (gather, class labels). */
export class IndexError extends XentError {}
/** A differentiation request that cannot be honoured (non-scalar output without cotangent...). */
export class GradError extends XentError {}
/** Reading the values of a traced tensor, or another misuse of tracing. */
export class TraceError extends XentError {}
/** A backend failure or a missing backend. */
export class BackendError extends XentError {}

/**
 * A request larger than a limit (elements, bytes, keys), refused before anything is allocated or
 * looped over. `requested` is what was asked, `limit` the most allowed and `limitName` which limit.
 */
export class ResourceError extends XentError {
  constructor(
    fn: string,
    message: string,
    readonly requested: number,
    readonly limit: number,
    readonly limitName: string,
  ) {
    super(fn, message);
  }

  /** The same refusal, blamed on the public function `caller` whose eager work ran the program. */
  calledBy(caller: string): ResourceError {
    const message = this.message.replace(`xent.${this.fn}:`, `xent.${caller}:`);
    return new ResourceError(caller, message, this.requested, this.limit, this.limitName);
  }
}

/** A broken invariant inside xent, never caused by the user's input: always a bug in xent, to be reported. */
export class InternalError extends Error {
  constructor(what: string | IrError) {
    super(`xent internal error (please report): ${typeof what === 'string' ? what : formatIrError(what)}`);
    this.name = 'InternalError';
  }
}

/** Who an index check blames: the public function the user called and its argument holding the indices. */
export interface IndexBlame {
  readonly fn: string;
  readonly arg: string;
}

/** The blame of a gather's own check (and of checks that name no one else). */
export const gatherBlame: IndexBlame = { fn: 'gather', arg: 'indices' };

/**
 * The IndexError every backend raises for an index read outside [0, bound): a gather's, or a check
 * made for a public function reading indices (class labels: `xent.crossEntropy: argument 'labels'`).
 */
export const gatherIndexError = (bound: number, got: number, blame: IndexBlame = gatherBlame): IndexError =>
  new IndexError(blame.fn, `xent.${blame.fn}: argument '${blame.arg}' expected values in [0, ${bound}), got ${got}`);

const classByTag: Record<IrErrorTag, new (fn: string, message: string) => XentError> = {
  ShapeMismatch: ShapeError,
  DTypeMismatch: DTypeError,
  AxisOutOfRange: AxisError,
  InvalidParam: ValueError,
  IndexOutOfRange: IndexError,
  NotDifferentiable: GradError,
  InvalidGraph: ValueError,
};

/** The public error for an IR error raised inside the public function `fn`. */
export function fromIrError(e: IrError, fn: string = e.op): XentError {
  const Cls = classByTag[e._tag];
  return new Cls(fn, `xent.${formatIrError({ ...e, op: fn })}`);
}

/** Throws the public error for an argument check that failed inside `fn`. */
export function fail(
  Kind: new (fn: string, message: string) => XentError,
  fn: string,
  arg: string,
  expected: string,
  actual: string,
): never {
  throw new Kind(fn, `xent.${fn}: argument '${arg}' expected ${expected}, got ${actual}`);
}

/** A primitive that made NaN or ±Inf from finite operands (found by NaN debugging). */
export interface NonFiniteStep {
  /** The primitive that ran (`div`). */
  readonly prim: string;
  /** The public op that built it (`sqrt`); for a backward node, the forward op whose derivative it computes. */
  readonly op: string;
  /** Where the user's code traced that op (`file:line:column`), when it was traced with NaN debugging on. */
  readonly callSite: string | undefined;
  /** In a backward graph, the op whose derivative this is (`sqrt`, or `derivative of sqrt` in second order). */
  readonly derivativeOf: string | undefined;
  readonly dtype: string;
  readonly inputShapes: readonly (readonly number[])[];
  readonly outputShape: readonly number[];
  /** The first output position holding the non-finite value, and that value. */
  readonly index: readonly number[];
  readonly value: number;
  /**
   * The operands at `index` for elementwise primitives; for the others (reductions, matmul...), the
   * operand of largest magnitude of each input.
   */
  readonly operands: readonly number[];
}

/**
 * NaN debugging found a non-finite output made inside the program: `step` (spread on the error) is the
 * first primitive, in program order, that made NaN or ±Inf from finite operands; when the output is NaN
 * but that primitive made ±Inf, `nanStep` is the one that then made NaN (0·∞, ∞ − ∞...).
 */
export class NumericsError extends XentError implements NonFiniteStep {
  readonly prim: string;
  readonly op: string;
  readonly callSite: string | undefined;
  readonly derivativeOf: string | undefined;
  readonly dtype: string;
  readonly inputShapes: readonly (readonly number[])[];
  readonly outputShape: readonly number[];
  readonly index: readonly number[];
  readonly value: number;
  readonly operands: readonly number[];

  constructor(
    message: string,
    step: NonFiniteStep,
    readonly nanStep: NonFiniteStep | undefined,
  ) {
    super(step.op, message);
    ({
      prim: this.prim,
      op: this.op,
      callSite: this.callSite,
      derivativeOf: this.derivativeOf,
      dtype: this.dtype,
      inputShapes: this.inputShapes,
      outputShape: this.outputShape,
      index: this.index,
      value: this.value,
      operands: this.operands,
    } = step);
  }
}
