/** @file Helpers for the loss suites: f64 tensors, random logits and labels, JS reference maths, and gradient checks. */
import fc from 'fast-check';
import * as x from 'xent';
import { directionalFd, dot, expectAllClose, toNumbers } from '../../../test/support/numeric.js';

export const f64 = (values: readonly number[], shape: readonly number[]): x.Tensor =>
  x.tensor(Float64Array.from(values), { shape, dtype: 'f64' });
export const i32 = (values: readonly number[], shape: readonly number[] = [values.length]): x.Tensor =>
  x.tensor(Int32Array.from(values), { shape, dtype: 'i32' });
export const num = (t: x.Tensor): number => x.item(t);

/** A batch of logits [n, k] with labels, drawn fresh per run. */
export interface Batch {
  readonly n: number;
  readonly k: number;
  readonly z: number[];
  readonly y: number[];
}

/** A finite double in [min, max]. */
export const double = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

export const batchArb = (
  opts: { minK?: number; maxK?: number; scale?: number; minN?: number; maxN?: number } = {},
): fc.Arbitrary<Batch> =>
  fc
    .record({
      n: fc.integer({ min: opts.minN ?? 1, max: opts.maxN ?? 4 }),
      k: fc.integer({ min: opts.minK ?? 2, max: opts.maxK ?? 6 }),
    })
    .chain(({ n, k }) =>
      fc.record({
        n: fc.constant(n),
        k: fc.constant(k),
        z: fc.array(double(-(opts.scale ?? 5), opts.scale ?? 5), { minLength: n * k, maxLength: n * k }),
        y: fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n }),
      }),
    );

/** A batch with a second array of logits of the same shape (teachers, targets, second views). */
export const batchPairArb = (opts: Parameters<typeof batchArb>[0] = {}): fc.Arbitrary<readonly [Batch, number[]]> =>
  batchArb(opts).chain((b) =>
    fc.tuple(
      fc.constant(b),
      fc.array(double(-(opts.scale ?? 5), opts.scale ?? 5), { minLength: b.n * b.k, maxLength: b.n * b.k }),
    ),
  );

export const logitsOf = (b: Batch): x.Tensor => f64(b.z, [b.n, b.k]);
export const labelsOf = (b: Batch): x.Tensor => i32(b.y);

/** Rows of a flat [n, k] array. */
export const rows = (v: readonly number[], k: number): number[][] =>
  Array.from({ length: v.length / k }, (_, i) => v.slice(i * k, (i + 1) * k));

/** The per-sample reduction option. */
export const none = { reduction: 'none' } as const;

/** a[i] of a host array, typed as a number. */
export const at = (a: readonly number[], i: number): number => a[i] as number;

/** log Σ eᵛ in plain JS (−Inf where every entry is −Inf). */
export const lse = (v: readonly number[]): number => {
  const m = Math.max(...v);
  return m === -Infinity ? -Infinity : m + Math.log(v.reduce((s, a) => s + Math.exp(a - m), 0));
};

/** softmax of one row, computed in plain JS (the law kit's, independent of xent's graph ops). */
export const softmaxRow = x.laws.arbitraries.softmaxRow;

/** Checks ⟨∇f, d⟩ against central differences in f64 (extrapolated) along fresh random directions d for the float arguments. */
export function expectGradientMatchesFd(
  f: (...xs: x.Tensor[]) => x.Tensor,
  args: readonly x.Tensor[],
  argnums: readonly number[],
  directions: readonly (readonly number[])[],
  tol = { rtol: 1e-6, atol: 1e-8 },
  label = 'gradient',
  h = 1e-5,
): void {
  const grads = x.grad(f, { argnums: [...argnums] })(...args);
  const list = Array.isArray(grads) ? grads : [grads];
  let analytic = 0;
  list.forEach((g, i) => {
    analytic += dot(toNumbers(g), directions[i] as number[]);
  });
  const ds = args.map((a, i) => {
    const j = argnums.indexOf(i);
    return j >= 0 ? (directions[j] as number[]) : new Array<number>(a.size).fill(0);
  });
  // Richardson's extrapolation of two central differences: truncation error O(h⁴), not O(h²), so a
  // strongly curved loss (Barlow Twins standardising near-constant features) is judged by its slope
  const value = (...xs: x.Tensor[]): number => x.item(f(...xs));
  const fd = (4 * directionalFd(value, args, ds, h / 2) - directionalFd(value, args, ds, h)) / 3;
  expectAllClose([analytic], [fd], tol, label);
}

/** Random unit-scale directions for tensors of these sizes. */
export const directionsArb = (sizes: readonly number[]): fc.Arbitrary<number[][]> =>
  fc.tuple(...sizes.map((n) => fc.array(double(-1, 1), { minLength: n, maxLength: n })));

export { expectAllClose, toNumbers };
