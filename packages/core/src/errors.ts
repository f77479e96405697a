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
