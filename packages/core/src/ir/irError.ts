/** @file Typed IR errors: a `_tag` union that names the op, the argument, what was expected and what came. */

/** The kinds of error a type rule or a validation can report. */
export type IrErrorTag =
  | 'ShapeMismatch'
  | 'DTypeMismatch'
  | 'AxisOutOfRange'
  | 'InvalidParam'
  | 'IndexOutOfRange'
  | 'NotDifferentiable'
  | 'InvalidGraph';

export interface IrError {
  readonly _tag: IrErrorTag;
  /** The operation (primitive or public function) that rejected its input. */
  readonly op: string;
  /** The argument or option at fault. */
  readonly arg: string;
  readonly expected: string;
  readonly actual: string;
}

export const irError = (tag: IrErrorTag, op: string, arg: string, expected: string, actual: string): IrError => ({
  _tag: tag,
  op,
  arg,
  expected,
  actual,
});

/** The one-line message every IR error renders to. */
export const formatIrError = (e: IrError): string =>
  `${e.op}: argument '${e.arg}' expected ${e.expected}, got ${e.actual}`;
