/** @file What a Python dialect (PyTorch, JAX) gives the shared emitter: one expression per primitive, dtypes, helpers and the VJP wrapper. */
import type { DType } from '../../ir/dtype.js';
import type { OpNode, TensorType } from '../../ir/node.js';
import type { Prim, PrimParamMap, PrimTable } from '../../ir/prim.js';

/** What an op's expression may ask of the module being written. */
export interface EmitContext {
  /** The library's name of a dtype (`torch.float64`, `jnp.float64`). */
  readonly dtype: (d: DType) => string;
  /** Marks a module-level helper as used and returns its name. */
  readonly helper: (name: HelperName) => string;
}

/** The Python expression of one primitive applied to the named arguments (one line). */
export type PythonOp<P extends Prim> = (
  args: readonly string[],
  params: PrimParamMap[P],
  node: OpNode<P>,
  ctx: EmitContext,
) => string;

/** The module-level helpers a dialect defines (each written only when an op uses it). */
export type HelperName = 'checkIndex' | 'toI32' | 'eighVectors' | 'linearLogitStats' | 'linearLogitGrad' | 'expect';

/** A flat function over tensor leaves: its name, parameters, and the body lines that end in `return`. */
export interface FlatFunction {
  readonly name: string;
  readonly params: readonly string[];
  readonly body: readonly string[];
}

/** What the VJP wrapper is given: the forward and VJP flat functions, and which leaves carry gradients. */
export interface VjpWrap {
  /** The wrapper's name (the public function calls it on the flat leaves). */
  readonly name: string;
  readonly leaves: readonly string[];
  readonly forward: string;
  readonly vjp: string;
  readonly outputs: number;
  /** Output indices with a cotangent (the floating ones), in the VJP's parameter order. */
  readonly cotangentOf: readonly number[];
  /** Leaf indices with a gradient (the floating ones), in the VJP's result order. */
  readonly gradientOf: readonly number[];
}

/** A Python target: a library whose tensor ops the emitter writes the graph in. */
export interface PythonDialect {
  /** The library, as the module's docstring names it. */
  readonly library: string;
  /** The module's imports (and settings) when its graph computes in f64 or not. */
  readonly imports: (f64: boolean) => readonly string[];
  readonly dtypes: Readonly<Record<DType, string>>;
  readonly ops: PrimTable<{ [P in Prim]: PythonOp<P> }>;
  readonly helpers: Readonly<Record<HelperName, string>>;
  /** A constant's expression from its Python literal (a number or a flat list) and its type. */
  readonly constant: (literal: string, type: TensorType, ctx: EmitContext) => string;
  /** Lines run first in a function body, given its first tensor leaf (torch: the device constants go to). */
  readonly prologue: (firstLeaf: string | undefined) => readonly string[];
  /** The wrapper (a torch.autograd.Function, a jax.custom_vjp) applying xent's own VJP. */
  readonly wrapVjp: (w: VjpWrap) => readonly string[];
  /** How the public function calls the wrapper named `name` on the flat leaves (`name.apply`). */
  readonly callWrapper: (name: string) => string;
}

/** A Python tuple literal: `()`, `(3,)`, `(2, 3)`. */
export const pyTuple = (xs: readonly (number | string)[]): string =>
  xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(', ')})`;
