/** @file Derivative laws: gradient vs f64 finite differences, the VJP dot-product test, JVP/VJP consistency, a symmetric Hessian, convexity. */
import * as x from '@xent/core';
import type { Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import fc from 'fast-check';
import { direction } from '../arbitraries/values.js';
import {
  brief,
  directional,
  dot,
  ensureBackend,
  isClose,
  numbers,
  requireTolerance,
  type Tolerance,
  toleranceSchema,
  total,
} from '../numeric.js';
import { arbitrary } from '../schemas.js';
import {
  EXACT_HESSIAN_ENTRIES,
  exactUpToSchema,
  type HessianPaths,
  hessianPaths,
  hessianSpectrum,
} from './exactHessian.js';
import { floatPositions, type Operand, operandTensor, withFloats } from './operands.js';

/** A function under test: tensors in, a tensor out (its entries are summed where a scalar is needed). */
export type TensorFunction = (...args: Tensor[]) => Tensor;

/** The arguments of every derivative law: the function, its operands, and a tolerance. */
const lawParams = { f: s.fn, operands: arbitrary, tol: toleranceSchema };

/** The operands with random directions for the float ones. */
const withDirections = (operands: fc.Arbitrary<Operand[]>): fc.Arbitrary<[Operand[], number[][]]> =>
  operands.chain((ops) =>
    fc.tuple(
      fc.constant(ops),
      fc.tuple(...floatPositions(ops).map((i) => direction((ops[i] as Operand).values.length))),
    ),
  );

const evalSum = (f: TensorFunction, ops: readonly Operand[]): number => total(f(...ops.map(operandTensor)));

/** ⟨∇Σf, d⟩ by autodiff for every float operand at once. */
function analyticDirectional(f: TensorFunction, ops: readonly Operand[], dirs: readonly number[][]): number {
  const pos = floatPositions(ops);
  const grads = x.grad((...args: Tensor[]) => x.sum(f(...args)), { argnums: pos })(...ops.map(operandTensor));
  const list = Array.isArray(grads) ? grads : [grads];
  return list.reduce((s, g, k) => s + dot(numbers(g), dirs[k] as number[]), 0);
}

/** The finite-difference directional derivative of Σf along `dirs`, all float operands moved together. */
function numericDirectional(f: TensorFunction, ops: readonly Operand[], dirs: readonly number[][]): number {
  const pos = floatPositions(ops);
  const flat = pos.flatMap((i) => (ops[i] as Operand).values);
  const flatDir = dirs.flat();
  const unflatten = (v: number[]): number[][] => {
    let at = 0;
    return pos.map((i) => v.slice(at, (at += (ops[i] as Operand).values.length)));
  };
  return directional((v) => evalSum(f, withFloats(ops, unflatten(v))), flat, flatDir);
}

/** ⟨∇f, d⟩ equals the central difference of f along d, in f64, for random inputs and directions. */
export const gradientMatchesFiniteDifferences = publicFn(
  'gradientMatchesFiniteDifferences',
  lawParams,
  (
    f: TensorFunction,
    operands: fc.Arbitrary<Operand[]>,
    tol: Tolerance = { rtol: 1e-5, atol: 1e-7 },
  ): fc.IPropertyWithHooks<[[Operand[], number[][]]]> => {
    requireTolerance('gradientMatchesFiniteDifferences', tol);
    ensureBackend();
    return fc.property(withDirections(operands), ([ops, dirs]) => {
      const analytic = analyticDirectional(f, ops, dirs);
      const numeric = numericDirectional(f, ops, dirs);
      if (!isClose(analytic, numeric, tol))
        throw new Error(`⟨∇f, d⟩ = ${analytic} by autodiff but ${numeric} by finite differences`);
    });
  },
);

/** The dot-product test ⟨J t, c⟩ = ⟨t, Jᵀ c⟩ with J t from finite differences and Jᵀ c from the VJP. */
export const vjpDotProduct = publicFn(
  'vjpDotProduct',
  lawParams,
  (
    f: TensorFunction,
    operands: fc.Arbitrary<Operand[]>,
    tol: Tolerance = { rtol: 1e-5, atol: 1e-7 },
  ): fc.IPropertyWithHooks<[[[Operand[], number[][]], number]]> => {
    requireTolerance('vjpDotProduct', tol);
    ensureBackend();
    return fc.property(
      fc.tuple(withDirections(operands), fc.integer({ min: 0, max: 2 ** 30 })),
      ([[ops, dirs], seed]) => {
        const out = f(...ops.map(operandTensor));
        // A fixed-pattern cotangent c of the output's shape (drawn from the seed).
        const c = numbers(out).map((_, i) => Math.sin(seed + 7.3 * i));
        const cot = x.tensor(Float64Array.from(c), { shape: out.shape, dtype: 'f64' });
        const weighted: TensorFunction = (...args) => x.mul(f(...args), cot);
        const jtc = analyticDirectional(weighted, ops, dirs);
        const jt = numericDirectional(weighted, ops, dirs);
        if (!isClose(jtc, jt, tol)) throw new Error(`⟨t, Jᵀc⟩ = ${jtc} but ⟨J t, c⟩ = ${jt} by finite differences`);
      },
    );
  },
);

/** Forward mode against reverse mode: ⟨jvp(t), c⟩ = ⟨t, vjp(c)⟩ up to rounding. */
export const jvpMatchesVjp = publicFn(
  'jvpMatchesVjp',
  lawParams,
  (
    f: TensorFunction,
    operands: fc.Arbitrary<Operand[]>,
    tol: Tolerance = { rtol: 1e-9, atol: 1e-11 },
  ): fc.IPropertyWithHooks<[[Operand[], number[][]]]> => {
    requireTolerance('jvpMatchesVjp', tol);
    ensureBackend();
    return fc.property(withDirections(operands), ([ops, dirs]) => {
      const pos = floatPositions(ops);
      const tensors = ops.map(operandTensor);
      // Close over the integer operands; jvp and vjp see the float ones only.
      const g = (...floats: Tensor[]): Tensor => {
        let k = 0;
        return f(...tensors.map((t, i) => (pos.includes(i) ? (floats[k++] as Tensor) : t)));
      };
      const floats = pos.map((i) => tensors[i] as Tensor);
      const tangents = pos.map((i, k) =>
        x.tensor(Float64Array.from(dirs[k] as number[]), { shape: (ops[i] as Operand).shape, dtype: 'f64' }),
      );
      const [out, jt] = x.jvp(g, floats, tangents);
      const c = numbers(out).map((_, i) => Math.cos(1.7 * i + 0.3));
      const [, pullback] = x.vjp(g, ...floats);
      const ct = pullback(x.tensor(Float64Array.from(c), { shape: out.shape, dtype: 'f64' }));
      const lhs = dot(numbers(jt), c);
      const rhs = ct.reduce((s, gk, k) => s + dot(numbers(gk), dirs[k] as number[]), 0);
      if (!isClose(lhs, rhs, tol)) throw new Error(`⟨jvp(t), c⟩ = ${lhs} but ⟨t, vjp(c)⟩ = ${rhs}`);
    });
  },
);

/** Hessian-vector products along two directions u, v: the first float operand; returns ⟨u, H v⟩. */
function hvpDot(f: TensorFunction, ops: readonly Operand[], u: readonly number[], v: readonly number[]): number {
  const pos = floatPositions(ops);
  const first = pos[0] as number;
  const tensors = ops.map(operandTensor);
  const g = (t: Tensor): Tensor => x.sum(f(...tensors.map((s, i) => (i === first ? t : s))));
  const hv = x.hvp(g)(
    tensors[first] as Tensor,
    x.tensor(Float64Array.from(v), { shape: (ops[first] as Operand).shape, dtype: 'f64' }),
  );
  return dot(numbers(hv), u);
}

const twoDirections = (operands: fc.Arbitrary<Operand[]>): fc.Arbitrary<[Operand[], number[], number[]]> =>
  operands.chain((ops) => {
    const n = (ops[floatPositions(ops)[0] as number] as Operand).values.length;
    return fc.tuple(fc.constant(ops), direction(n), direction(n));
  });

/** The Hessian (w.r.t. the first float argument) is symmetric: ⟨u, H v⟩ = ⟨v, H u⟩. */
export const hessianSymmetric = publicFn(
  'hessianSymmetric',
  lawParams,
  (
    f: TensorFunction,
    operands: fc.Arbitrary<Operand[]>,
    tol: Tolerance = { rtol: 1e-8, atol: 1e-10 },
  ): fc.IPropertyWithHooks<[[Operand[], number[], number[]]]> => {
    requireTolerance('hessianSymmetric', tol);
    ensureBackend();
    return fc.property(twoDirections(operands), ([ops, u, v]) => {
      const uhv = hvpDot(f, ops, u, v);
      const vhu = hvpDot(f, ops, v, u);
      if (!isClose(uhv, vhu, tol)) throw new Error(`⟨u, H v⟩ = ${uhv} but ⟨v, H u⟩ = ${vhu}`);
    });
  },
);

/** An operand's row `b` along its leading axis, as a tensor of the rest of its shape. */
function rowOf(o: Operand, b: number): Tensor {
  const shape = o.shape.slice(1);
  const size = shape.reduce((p, d) => p * d, 1);
  return operandTensor({ ...o, shape, values: o.values.slice(b * size, (b + 1) * size) });
}

/**
 * Per-example gradients by `vmap(grad)` equal the loop: every operand whose leading axis has the
 * batch size (that of the first float operand) is mapped, the others shared, and the gradient of Σf
 * on one example (a batch of one) is taken for each example at once and, separately, one at a time.
 */
export const batchedGradient = publicFn(
  'batchedGradient',
  lawParams,
  (
    f: TensorFunction,
    operands: fc.Arbitrary<Operand[]>,
    tol: Tolerance = { rtol: 1e-10, atol: 1e-12 },
  ): fc.IPropertyWithHooks<[Operand[]]> => {
    requireTolerance('batchedGradient', tol);
    ensureBackend();
    return fc.property(operands, (ops) => {
      const argnums = floatPositions(ops);
      const size = (ops[argnums[0] as number] as Operand).shape[0];
      if (size === undefined) throw new Error('the first float operand has no leading axis to map');
      const mapped = ops.map((o) => o.shape[0] === size);
      const one = (...args: Tensor[]): Tensor =>
        x.sum(f(...args.map((t, i) => (mapped[i] === true ? x.expandDims(t, 0) : t))));
      const perExample = x.grad(one, { argnums });
      const batched = x.vmap(perExample, { inAxes: mapped.map((m) => (m ? 0 : null)) })(
        ...ops.map(operandTensor),
      ) as Tensor[];
      for (let b = 0; b < size; b++) {
        const alone = perExample(
          ...ops.map((o, i) => (mapped[i] === true ? rowOf(o, b) : operandTensor(o))),
        ) as Tensor[];
        alone.forEach((g, k) => {
          const want = numbers(g);
          const got = numbers(batched[k] as Tensor).slice(b * want.length, (b + 1) * want.length);
          const bad = got.findIndex((v, i) => !isClose(v, want[i] as number, tol));
          if (bad >= 0)
            throw new Error(
              `example ${b}, operand ${argnums[k]}: vmap(grad) gives ${got[bad]} at entry ${bad}, the loop ${want[bad]}`,
            );
        });
      }
    });
  },
);

/** Options of `convex`. */
export interface ConvexOptions {
  /** Up to this many entries in the first float argument, test the exact Hessian's eigenvalues (default 64; 0: always sample). */
  readonly exactUpTo?: number;
}

/** The convexity property, counting in `paths` which path decided each run. */
export function convexProperty(
  f: TensorFunction,
  operands: fc.Arbitrary<Operand[]>,
  tol: Tolerance,
  exactUpTo: number,
  paths: HessianPaths,
): fc.IPropertyWithHooks<[[Operand[], number[], number[]]]> {
  return fc.property(twoDirections(operands), ([ops, , raw]) => {
    const first = floatPositions(ops)[0] as number;
    if ((ops[first] as Operand).values.length <= exactUpTo) {
      paths.exact++;
      const tensors = ops.map(operandTensor);
      const g = (t: Tensor): Tensor => x.sum(f(...tensors.map((u, i) => (i === first ? t : u))));
      const { smallest, scale, direction } = hessianSpectrum(g, tensors[first] as Tensor);
      if (smallest < -(tol.atol + tol.rtol * scale))
        throw new Error(`the exact Hessian has eigenvalue ${smallest} < 0, along v = ${brief(direction)}`);
      return;
    }
    paths.sampled++;
    // A unit direction, so that shrinking cannot hide a violation by making v small.
    const length = Math.hypot(...raw);
    const v = length > 0 ? raw.map((t) => t / length) : raw;
    const curvature = hvpDot(f, ops, v, v);
    const scale = Math.abs(hvpDot(f, ops, v, v.map(Math.abs)));
    if (curvature < -(tol.atol + tol.rtol * scale))
      throw new Error(`⟨v, H v⟩ = ${curvature} < 0 along v = ${brief(v)}`);
  });
}

/**
 * Convexity in the first float argument: the Hessian is positive semi-definite. Where that argument
 * has at most `exactUpTo` entries, the whole Hessian is formed (x.hessian) and its smallest
 * eigenvalue must be ≥ 0 up to rounding, which settles the point; otherwise ⟨v, H v⟩ ≥ 0 along
 * random directions. A failure is a concrete direction of negative curvature.
 */
export const convex = publicFn(
  'convex',
  { ...lawParams, options: s.options({ exactUpTo: exactUpToSchema }) },
  (
    f: TensorFunction,
    operands: fc.Arbitrary<Operand[]>,
    tol: Tolerance = { rtol: 1e-7, atol: 1e-8 },
    options: ConvexOptions = {},
  ): fc.IPropertyWithHooks<[[Operand[], number[], number[]]]> => {
    requireTolerance('convex', tol);
    ensureBackend();
    return convexProperty(f, operands, tol, options.exactUpTo ?? EXACT_HESSIAN_ENTRIES, hessianPaths());
  },
);
