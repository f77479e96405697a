/**
 * @file Which map kernels vectorise, and how: the loop that runs four f32 lanes at a time (the
 * innermost reduction loop, or the innermost output loop) and the expressions that depend on it.
 * A kernel qualifies when every value in that loop is f32/i32/bool, uses ops with a vector form,
 * and reads memory contiguously along the loop (or not at all).
 */
import { type MapKernel, scalar, type ScalarExpr, scalarToposort } from '@xent/core/internal';
import { wasmOps } from './ops.js';

/** The loop structure shared by eligibility and codegen. */
export interface Plan {
  /** The loop var of the vectorised loop. */
  readonly inner: number;
  /** Its trip count. */
  readonly extent: number;
  /** Whether an expression reads the inner loop var (it then runs in lanes). */
  readonly dependsInner: (e: ScalarExpr) => boolean;
}

/** The loop the kernel vectorises (undefined: none), and which expressions depend on it. */
export function plan(k: MapKernel): Plan | undefined {
  const outDims = k.shape.length;
  const redDims = k.reduce?.shape.length ?? 0;
  if (outDims + redDims === 0) return undefined;
  const inner = k.reduce !== undefined && redDims > 0 ? outDims + redDims - 1 : outDims - 1;
  if (inner < 0) return undefined;
  const extent = (inner >= outDims ? k.reduce?.shape[inner - outDims] : k.shape[inner]) ?? 0;
  const memo = new Map<ScalarExpr, boolean>();
  const dependsInner = (e: ScalarExpr): boolean => {
    const known = memo.get(e);
    if (known !== undefined) return known;
    const v = e.op === 'var' ? e.imm === inner : e.args.some(dependsInner);
    memo.set(e, v);
    return v;
  };
  return { inner, extent, dependsInner };
}

/** d(address)/d(inner var) when the address is linear in it, else undefined. */
function innerCoefficient(e: ScalarExpr, p: Plan): number | undefined {
  if (!p.dependsInner(e)) return 0;
  switch (e.op) {
    case 'var':
      return 1;
    case 'add':
    case 'sub': {
      const a = innerCoefficient(e.args[0] as ScalarExpr, p);
      const b = innerCoefficient(e.args[1] as ScalarExpr, p);
      return a === undefined || b === undefined ? undefined : e.op === 'add' ? a + b : a - b;
    }
    case 'mul': {
      const [a, b] = e.args as [ScalarExpr, ScalarExpr];
      if (a.op === 'const') return mulOrUndefined(a.imm, innerCoefficient(b, p));
      if (b.op === 'const') return mulOrUndefined(b.imm, innerCoefficient(a, p));
      return undefined;
    }
    default:
      return undefined;
  }
}

const mulOrUndefined = (c: number, x: number | undefined): number | undefined => (x === undefined ? undefined : c * x);

/** Reductions over inner loops shorter than this stay on the JavaScript path (their blocked vector loops would not run once). */
const MIN_REDUCE_EXTENT = 8;

/** Why the kernel stays on the JavaScript path (undefined: it is vectorised). */
export function wasmIneligibility(k: MapKernel): string | undefined {
  const p = plan(k);
  if (p === undefined) return 'no loop to vectorise';
  if (k.reduce !== undefined && p.extent < MIN_REDUCE_EXTENT)
    return `a reduction over an inner loop of ${p.extent} elements`;
  if (k.reduce !== undefined && k.reduce.body.dtype !== 'f32') return `a ${k.reduce.body.dtype} reduction`;
  if (k.reduce === undefined && k.outputs.some((o) => o.dtype !== 'f32' && o.dtype !== 'i32'))
    return 'a bool or f64 output';
  const roots = k.reduce === undefined ? k.outputs : [k.reduce.body, ...k.outputs];
  for (const e of scalarToposort(roots)) {
    if (!p.dependsInner(e)) continue;
    if (wasmOps[e.op].vector === null) return `op ${e.op} in the inner loop`;
    if (e.dtype === 'f64') return 'f64 values in the inner loop';
    if (e.op === 'load') {
      if (e.dtype === 'bool') return 'a bool load in the inner loop';
      if (innerCoefficient(e.args[0] as ScalarExpr, p) !== 1) return 'a strided or indirect load in the inner loop';
    }
  }
  return undefined;
}

/** Replaces loop var `v` by `value` (to get a row's base address). */
export function substituteVar(e: ScalarExpr, v: number, value: ScalarExpr): ScalarExpr {
  const memo = new Map<ScalarExpr, ScalarExpr>();
  for (const x of scalarToposort([e])) {
    if (x.op === 'var' && x.imm === v) memo.set(x, value);
    else
      memo.set(
        x,
        x.args.length === 0
          ? x
          : scalar(
              x.op,
              x.dtype,
              x.args.map((a) => memo.get(a) as ScalarExpr),
              x.imm,
            ),
      );
  }
  return memo.get(e) as ScalarExpr;
}
