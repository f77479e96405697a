/** @file Laws for any function of tensors: limits of a parametric family, finite values, and agreement of a backend with f64 on the CPU. */
import * as x from '@xent/core';
import type { Backend, Tensor } from '@xent/core';
import { publicFn, s } from '@xent/core/internal';
import fc from 'fast-check';
import {
  brief,
  ensureBackend,
  isClose,
  numbers,
  requireTolerance,
  type Tolerance,
  toleranceSchema,
} from '../numeric.js';
import { arbitrary, backend as backendSchema } from '../schemas.js';
import type { TensorFunction } from './gradient.js';
import { floatPositions, type Operand, operandTensor } from './operands.js';

/**
 * A parametric family approaches its limit: f_{θ₀ ± ε}(inputs) → f_lim(inputs) (e.g. Tsallis q → 1 is
 * Shannon, GCE q → 0 is CE), checked at θ₀ + ε and θ₀ − ε (`side`) within `tol`.
 */
export const familyLimit = publicFn(
  'familyLimit',
  {
    family: s.fn,
    theta0: s.finite(),
    limit: s.fn,
    operands: arbitrary,
    options: s.options({
      eps: s.optional(s.finite({ min: 0, minOpen: true })),
      side: s.optional(s.oneOf(['both', 'above', 'below'])),
      tol: s.optional(toleranceSchema),
    }),
  },
  (
    family: (theta: number) => TensorFunction,
    theta0: number,
    limit: TensorFunction,
    operands: fc.Arbitrary<Operand[]>,
    options: { readonly eps?: number; readonly side?: 'both' | 'above' | 'below'; readonly tol?: Tolerance } = {},
  ): fc.IPropertyWithHooks<[Operand[]]> => {
    requireTolerance('familyLimit', options.tol);
    ensureBackend();
    const eps = options.eps ?? 1e-6;
    const side = options.side ?? 'both';
    const thetas = [...(side !== 'below' ? [theta0 + eps] : []), ...(side !== 'above' ? [theta0 - eps] : [])];
    const tol = options.tol ?? { rtol: 1e-4, atol: 1e-6 };
    return fc.property(operands, (ops) => {
      const want = numbers(limit(...ops.map(operandTensor)));
      for (const theta of thetas) {
        const got = numbers(family(theta)(...ops.map(operandTensor)));
        const bad = got.findIndex((g, i) => !isClose(g, want[i] as number, tol));
        if (bad >= 0) throw new Error(`f_${theta} = ${got[bad]} but the limit is ${want[bad]} (entry ${bad})`);
      }
    });
  },
);

/** A float dtype a law evaluates in. */
export type FloatDType = 'f64' | 'f32';

/** The first non-finite entry of `v` and where it is, in words ("NaN at entry 1 of [0, NaN]"), or undefined. */
function nonFinite(v: readonly number[]): string | undefined {
  const i = v.findIndex((t) => !Number.isFinite(t));
  return i < 0 ? undefined : `${v[i]} at entry ${i} of ${brief(v)}`;
}

/**
 * Every entry of f, and of the gradient of Σf w.r.t. the float operands, is finite, in each of `dtypes`
 * (the float operands cast to it; f32 by default too, since training runs in f32; a later dtype the
 * function refuses with a DTypeError is passed over). A failure names the dtype, whether the value or
 * the gradient (of which argument) is not finite, the numbers and the inputs.
 */
export const finiteWithGradient = publicFn(
  'finiteWithGradient',
  { f: s.fn, operands: arbitrary, dtypes: s.optional(s.array(s.oneOf(['f64', 'f32']), { minLength: 1 })) },
  (
    f: TensorFunction,
    operands: fc.Arbitrary<Operand[]>,
    dtypes: readonly FloatDType[] = ['f64', 'f32'],
  ): fc.IPropertyWithHooks<[Operand[]]> => {
    ensureBackend();
    return fc.property(operands, (ops) => {
      const pos = floatPositions(ops);
      const inputs = `for inputs ${ops.map((o) => brief(o.values)).join(', ')}`;
      // The value and each gradient in the dtypes already checked, to set beside a failure in the next one.
      const finiteIn: { dtype: FloatDType; results: number[][] }[] = [];
      for (const dtype of dtypes) {
        const tensors = ops.map((o) =>
          o.int === true || dtype === 'f64' ? operandTensor(o) : x.cast(operandTensor(o), dtype),
        );
        const fail = (what: string, k: number, bad: string, extra = ''): Error => {
          const before = finiteIn.map((d) => `${brief(d.results[k] ?? [])} in ${d.dtype}`).join(', ');
          return new Error(
            `${what} not finite in ${dtype}: ${bad}${before === '' ? '' : ` (${before})`}${extra} ${inputs}`,
          );
        };
        let v: number[];
        try {
          v = numbers(f(...tensors));
        } catch (e) {
          // A function that mixes in f64 tensors cannot take f32 inputs: it is checked in the dtypes it takes.
          if (finiteIn.length > 0 && e instanceof x.DTypeError) continue;
          throw e;
        }
        const badValue = nonFinite(v);
        if (badValue !== undefined) throw fail('value', 0, badValue);
        const grads = x.grad((...args: Tensor[]) => x.sum(f(...args)), { argnums: pos })(...tensors);
        const g = (Array.isArray(grads) ? grads : [grads]).map(numbers);
        g.forEach((gk, k) => {
          const badGradient = nonFinite(gk);
          if (badGradient !== undefined)
            throw fail(`gradient w.r.t. argument ${pos[k]}`, k + 1, badGradient, `; the value ${brief(v)} is finite`);
        });
        finiteIn.push({ dtype, results: [v, ...g] });
      }
    });
  },
);

/** Every entry of f is finite. */
export const finite = publicFn(
  'finite',
  { f: s.fn, operands: arbitrary },
  (f: TensorFunction, operands: fc.Arbitrary<Operand[]>): fc.IPropertyWithHooks<[Operand[]]> => {
    ensureBackend();
    return fc.property(operands, (ops) => {
      const v = numbers(f(...ops.map(operandTensor)));
      const bad = v.find((t) => !Number.isFinite(t));
      if (bad !== undefined) throw new Error(`f = ${bad} for inputs ${ops.map((o) => brief(o.values)).join(', ')}`);
    });
  },
);

/**
 * f jitted on `backend` in f32 (a GPU backend: results read back asynchronously) agrees with f in f64
 * on the CPU, values and gradients of Σf within `tol`.
 */
export const backendAgreement = publicFn(
  'backendAgreement',
  { f: s.fn, operands: arbitrary, backend: backendSchema, tol: toleranceSchema },
  (
    f: TensorFunction,
    operands: fc.Arbitrary<Operand[]>,
    backend: Backend,
    tol: Tolerance = { rtol: 1e-3, atol: 1e-4 },
  ): fc.IAsyncPropertyWithHooks<[Operand[]]> => {
    requireTolerance('backendAgreement', tol);
    ensureBackend();
    const read = async (t: Tensor): Promise<number[]> => Array.from((await t.dataAsync()) as ArrayLike<number>, Number);
    return fc.asyncProperty(operands, async (ops) => {
      const floats = floatPositions(ops);
      const vg = x.valueAndGrad((...args: Tensor[]) => x.sum(f(...args)), { argnums: floats });
      const [v64, g64] = vg(...ops.map(operandTensor));
      const lowered = ops.map((o) => (o.int === true ? operandTensor(o) : x.cast(operandTensor(o), 'f32')));
      const [v32, g32] = x.jit(vg, { backend })(...lowered);
      const want = [numbers(v64), ...g64.map(numbers)];
      const got = [await read(v32), ...(await Promise.all(g32.map(read)))];
      got.forEach((g, k) => {
        const scale = Math.max(1, ...(want[k] as number[]).map(Math.abs));
        const bad = g.findIndex(
          (v, i) => !isClose(v, (want[k] as number[])[i] as number, { rtol: tol.rtol, atol: tol.atol * scale }),
        );
        if (bad >= 0)
          throw new Error(
            `${k === 0 ? 'value' : `gradient ${k - 1}`} entry ${bad}: ${g[bad]} on the backend, ${(want[k] as number[])[bad]} in f64`,
          );
      });
    });
  },
);

function invariantImpl<G>(
  f: TensorFunction,
  cases: fc.Arbitrary<[Operand[], G]>,
  act: (ops: readonly Operand[], g: G) => Operand[],
  describeG: (g: G) => string,
  tol: Tolerance = { rtol: 1e-9, atol: 1e-10 },
): fc.IPropertyWithHooks<[[Operand[], G]]> {
  requireTolerance('invariant', tol);
  ensureBackend();
  return fc.property(cases, ([ops, g]) => {
    const before = numbers(f(...ops.map(operandTensor)));
    const after = numbers(f(...act(ops, g).map(operandTensor)));
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    if (!isClose(sum(after), sum(before), tol))
      throw new Error(
        `f(g·x) = ${sum(after)} but f(x) = ${sum(before)} for g = ${describeG(g)}, x = ${brief(ops[0]?.values ?? [])}`,
      );
  });
}

/** f(g·inputs) = f(inputs) for group elements g drawn with the inputs: the shape of every invariance law. */
export const invariant = publicFn(
  'invariant',
  { f: s.fn, cases: arbitrary, act: s.fn, describeG: s.fn, tol: toleranceSchema },
  invariantImpl,
);
