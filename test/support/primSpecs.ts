/**
 * @file The test-spec table: for every primitive, random well-typed cases (inputs in a safe domain),
 * an independent naive definition (the output at a multi-index), its gradient class and f32
 * tolerance. Exhaustive over Prim: a new primitive fails `tsc` until it has a spec.
 */
import fc from 'fast-check';
import type { ir } from '@xent/core/internal';
import type { DType } from 'xent';
import { axesArb, type Domain, permutationArb, shapeArb, sizeOf, valueIn, valuesArb } from './arbitraries.js';
import { naiveErf, naiveErfc, naiveErfinv, naiveLgamma, naivePolygamma } from './specialNaive.js';
import { eigenvalues3, eigenvector3 } from './symmetric3.js';

type Prim = ir.Prim;
type Params<P extends Prim> = ir.PrimParamMap[P];

export interface InputSpec {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly values: readonly number[];
}

/** A random instance: input values and the primitive's parameters (of type `Pr`). */
export interface PrimCase<Pr = unknown> {
  readonly inputs: readonly InputSpec[];
  readonly params: Pr;
}

/** Read access to an input by multi-index. */
export interface NaiveArray {
  readonly shape: readonly number[];
  at(index: readonly number[]): number;
}

/**
 * smooth: first and second order checked against finite differences; piecewise: first order only
 * (cases avoid the kinks); none: not differentiable, the gradient must be zero.
 */
export type GradClass = 'smooth' | 'piecewise' | 'none';

export interface PrimTestSpec<Pr> {
  readonly cases: fc.Arbitrary<PrimCase<Pr>>;
  readonly naive: (
    inputs: readonly NaiveArray[],
    params: Pr,
    out: readonly number[],
    outShape: readonly number[],
  ) => number;
  readonly grad: (c: PrimCase<Pr>) => GradClass;
  /** Tolerance of the f32 result against the f64 result. */
  readonly f32: { readonly rtol: number; readonly atol: number };
}

const f64 = (shape: readonly number[], values: readonly number[]): InputSpec => ({ shape, dtype: 'f64', values });
const tight = { rtol: 1e-6, atol: 1e-6 };
const at = (inputs: readonly NaiveArray[], i: number, index: readonly number[]): number =>
  (inputs[i] as NaiveArray).at(index);

/** The softcap used by half of the linear-logit cases. */
const SOFTCAP = 2.5;

/** A linear-logit case: h [n, d], W [v, d], b [v], and targets y [n] in half of them. */
const linearCase = fc
  .tuple(
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 4 }),
    fc.boolean(),
    fc.boolean(),
  )
  .chain(([n, d, v, targets, capped]) =>
    fc
      .tuple(
        valuesArb([n, d], 'any'),
        valuesArb([v, d], 'any'),
        valuesArb([v], 'any'),
        fc.array(fc.integer({ min: 0, max: v - 1 }), { minLength: n, maxLength: n }),
      )
      .map(([h, w, b, y]) => ({
        n,
        d,
        v,
        params: { softcap: capped ? SOFTCAP : null, targets, filter: false },
        inputs: [
          f64([n, d], h),
          f64([v, d], w),
          f64([v], b),
          ...(targets ? [{ shape: [n], dtype: 'i32' as const, values: y }] : []),
        ],
      })),
  );

/** Pre-softcap logits u[n][v] of a linear-logit case. */
function naiveLogits(inputs: readonly NaiveArray[]): number[][] {
  const [h, w] = inputs as [NaiveArray, NaiveArray];
  const [n, d] = h.shape as [number, number];
  const v = w.shape[0] as number;
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: v }, (_, j) => {
      let s = at(inputs, 2, [j]);
      for (let k = 0; k < d; k++) s += h.at([i, k]) * w.at([j, k]);
      return s;
    }),
  );
}

const cap = (u: number, c: number | null): number => (c === null ? u : c * Math.tanh(u / c));

/** Multi-index access to an input spec's values (row-major). */
function naiveOf(input: InputSpec): NaiveArray {
  const strides = input.shape.map((_, d) => sizeOf(input.shape.slice(d + 1)));
  return {
    shape: input.shape,
    at: (index) => input.values[index.reduce((s, q, d) => s + q * (strides[d] as number), 0)] as number,
  };
}

// ---- elementwise ----

const unary = (
  domain: Domain,
  f: (v: number) => number,
  grad: GradClass = 'smooth',
  f32: PrimTestSpec<ir.NoParams>['f32'] = tight,
): PrimTestSpec<ir.NoParams> => ({
  cases: shapeArb().chain((shape) => valuesArb(shape, domain).map((v) => ({ inputs: [f64(shape, v)], params: {} }))),
  naive: (inputs, _p, out) => f(at(inputs, 0, out)),
  grad: () => grad,
  f32,
});

/**
 * Values in (−3, 3) at least 0.3 from an integer: the derivatives of polygamma up to order 5 stay
 * below 2·10⁵, so a finite difference along a direction component of 10⁻¹² is still resolved.
 */
const awayFromPoles = (shape: readonly number[]): fc.Arbitrary<number[]> =>
  fc.array(
    fc.tuple(fc.integer({ min: -3, max: 2 }), fc.double({ min: 0.3, max: 0.7, noNaN: true })).map(([k, f]) => k + f),
    { minLength: sizeOf(shape), maxLength: sizeOf(shape) },
  );

/** The f32 tolerance of lgamma and polygamma: absolute near their zeros, a few f32 roundings of the shifted sums elsewhere. */
const gammaF32 = { rtol: 1e-5, atol: 1e-5 };

type PairMaker = (a: number) => fc.Arbitrary<number>;

const binary = (
  domainA: Domain,
  second: PairMaker,
  f: (a: number, b: number) => number,
  grad: GradClass,
): PrimTestSpec<ir.NoParams> => ({
  cases: shapeArb().chain((shape) =>
    valuesArb(shape, domainA).chain((a) =>
      fc.tuple(...a.map(second)).map((b) => ({
        inputs: [f64(shape, a), f64(shape, b)],
        params: {},
      })),
    ),
  ),
  naive: (inputs, _p, out) => f(at(inputs, 0, out), at(inputs, 1, out)),
  grad: () => grad,
  f32: tight,
});

const independent =
  (domain: Domain): PairMaker =>
  () =>
    valueIn(domain);
/** A second operand at least 0.1 away from the first (no ties for max/min). */
const apart: PairMaker = (a) =>
  fc.tuple(fc.boolean(), fc.double({ min: 0.1, max: 1, noNaN: true })).map(([s, d]) => (s ? a + d : a - d));
/** A second operand that often ties with the first (comparisons). */
const maybeTied: PairMaker = (a) => fc.oneof(fc.constant(a), valueIn('any'));

// ---- reductions ----

/** Input values with distinct entries (≥ 1e-3 apart), so max has a unique argmax. */
const distinct = (shape: readonly number[]): fc.Arbitrary<number[]> =>
  valuesArb(shape, 'any').chain((v) =>
    permutationArb(v.length).map((perm) => v.map((x, i) => x + (perm[i] as number) * 1e-2)),
  );

const reduction = (
  fold: (acc: number, v: number) => number,
  init: number,
  finish: (acc: number) => number,
  grad: GradClass,
  values: (shape: readonly number[]) => fc.Arbitrary<number[]>,
): PrimTestSpec<ir.AxesParams> => ({
  cases: shapeArb(1).chain((shape) =>
    fc.tuple(values(shape), axesArb(shape.length)).map(([v, axes]) => ({ inputs: [f64(shape, v)], params: { axes } })),
  ),
  naive: (inputs, { axes }, out) => {
    const x = inputs[0] as NaiveArray;
    let acc = init;
    forEachIndex(x.shape, (index) => {
      const kept = index.filter((_, i) => !axes.includes(i));
      if (kept.every((v, i) => v === out[i])) acc = fold(acc, x.at(index));
    });
    return finish(acc);
  },
  grad: () => grad,
  f32: { rtol: 1e-6, atol: 1e-6 },
});

export function forEachIndex(shape: readonly number[], visit: (index: number[]) => void): void {
  const total = sizeOf(shape);
  for (let k = 0; k < total; k++) {
    const index = new Array<number>(shape.length);
    let rest = k;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = rest % (shape[d] as number);
      rest = Math.floor(rest / (shape[d] as number));
    }
    visit(index);
  }
}

// ---- movement ----

const oneInput = <Pr>(
  shapes: fc.Arbitrary<number[]>,
  params: (shape: number[]) => fc.Arbitrary<Pr>,
): fc.Arbitrary<PrimCase<Pr>> =>
  shapes.chain((shape) =>
    fc.tuple(valuesArb(shape, 'any'), params(shape)).map(([v, p]) => ({ inputs: [f64(shape, v)], params: p })),
  );

const movement = <P extends Prim>(
  _prim: P,
  cases: fc.Arbitrary<PrimCase<Params<P>>>,
  naive: PrimTestSpec<Params<P>>['naive'],
): PrimTestSpec<Params<P>> => ({ cases, naive, grad: () => 'smooth', f32: { rtol: 0, atol: 0 } });

/** Factor a shape's size into a new random shape. */
const reshapeTarget = (shape: number[]): fc.Arbitrary<{ shape: number[] }> => {
  const factors = shape.flatMap((d) => (d === 1 ? [] : [d]));
  return fc.tuple(permutationArb(factors.length), fc.integer({ min: 0, max: 2 })).map(([perm, ones]) => ({
    shape: [...perm.map((i) => factors[i] as number), ...Array<number>(ones).fill(1)],
  }));
};

export const primSpecs: ir.PrimTable<{ [P in Prim]: PrimTestSpec<Params<P>> }> = {
  // ---- elementwise unary ----
  neg: unary('any', (v) => -v),
  exp: unary('any', Math.exp),
  log: unary('positive', Math.log),
  log1p: unary('aboveMinusOne', Math.log1p),
  expm1: unary('any', Math.expm1),
  sqrt: unary('positive', Math.sqrt),
  recip: unary('nonzero', (v) => 1 / v),
  sin: unary('any', Math.sin),
  cos: unary('any', Math.cos),
  tanh: unary('any', Math.tanh),
  abs: unary('nonzero', Math.abs, 'piecewise'),
  sign: unary('any', Math.sign, 'none'),
  floor: unary('nonInteger', Math.floor, 'none'),
  ceil: unary('nonInteger', Math.ceil, 'none'),
  erf: unary('any', naiveErf),
  erfc: unary('any', naiveErfc),
  erfinv: unary('innerUnit', naiveErfinv, 'smooth', { rtol: 1e-5, atol: 1e-6 }),
  lgamma: unary('nonInteger', naiveLgamma, 'smooth', gammaF32),
  // ---- elementwise unary of an order ----
  polygamma: {
    cases: shapeArb().chain((shape) =>
      fc
        .tuple(awayFromPoles(shape), fc.integer({ min: 0, max: 3 }))
        .map(([v, order]) => ({ inputs: [f64(shape, v)], params: { order } })),
    ),
    naive: (inputs, { order }, out) => naivePolygamma(order, at(inputs, 0, out)),
    grad: () => 'smooth',
    f32: gammaF32,
  },
  // ---- elementwise binary ----
  add: binary('any', independent('any'), (a, b) => a + b, 'smooth'),
  sub: binary('any', independent('any'), (a, b) => a - b, 'smooth'),
  mul: binary('any', independent('any'), (a, b) => a * b, 'smooth'),
  div: binary('any', independent('nonzero'), (a, b) => a / b, 'smooth'),
  pow: binary('positive', () => fc.double({ min: -2, max: 2, noNaN: true }), Math.pow, 'smooth'),
  maximum: binary('any', apart, Math.max, 'piecewise'),
  minimum: binary('any', apart, Math.min, 'piecewise'),
  less: binary('any', maybeTied, (a, b) => Number(a < b), 'none'),
  lessEqual: binary('any', maybeTied, (a, b) => Number(a <= b), 'none'),
  equal: binary('any', maybeTied, (a, b) => Number(a === b), 'none'),
  notEqual: binary('any', maybeTied, (a, b) => Number(a !== b), 'none'),
  // ---- select and convert ----
  where: {
    cases: shapeArb().chain((shape) =>
      fc
        .tuple(
          fc.array(fc.boolean(), { minLength: sizeOf(shape), maxLength: sizeOf(shape) }),
          valuesArb(shape, 'any'),
          valuesArb(shape, 'any'),
        )
        .map(([c, a, b]) => ({
          inputs: [{ shape, dtype: 'bool', values: c.map(Number) }, f64(shape, a), f64(shape, b)],
          params: {},
        })),
    ),
    naive: (inputs, _p, out) => (at(inputs, 0, out) === 1 ? at(inputs, 1, out) : at(inputs, 2, out)),
    grad: () => 'smooth',
    f32: tight,
  },
  cast: {
    cases: shapeArb().chain((shape) =>
      fc
        .tuple(valuesArb(shape, 'nonInteger'), fc.constantFrom<DType>('f64', 'i32', 'bool'))
        .map(([v, dtype]) => ({ inputs: [f64(shape, v)], params: { dtype } })),
    ),
    naive: (inputs, { dtype }, out) => {
      const v = at(inputs, 0, out);
      return dtype === 'i32' ? Math.trunc(v) : dtype === 'bool' ? Number(v !== 0) : v;
    },
    grad: (c) => (c.params.dtype === 'f64' ? 'smooth' : 'none'),
    f32: tight,
  },
  // ---- reductions ----
  sum: reduction(
    (a, v) => a + v,
    0,
    (a) => a,
    'smooth',
    (s) => valuesArb(s, 'any'),
  ),
  max: reduction(Math.max, -Infinity, (a) => a, 'piecewise', distinct),
  logsumexp: reduction(
    (a, v) => a + Math.exp(v),
    0,
    Math.log,
    'smooth',
    (s) => valuesArb(s, 'any'),
  ),
  // ---- movement ----
  reshape: movement('reshape', oneInput(shapeArb(), reshapeTarget), (inputs, _p, out, outShape) => {
    const x = inputs[0] as NaiveArray;
    return x.at(unflatten(flatIndex(out, outShape), x.shape));
  }),
  broadcast: movement(
    'broadcast',
    shapeArb().chain((target) =>
      fc
        .tuple(
          fc.integer({ min: 0, max: target.length }),
          fc.array(fc.boolean(), { minLength: target.length, maxLength: target.length }),
        )
        .chain(([drop, ones]) => {
          const shape = target.slice(drop).map((d, i) => (ones[i + drop] === true ? 1 : d));
          return valuesArb(shape, 'any').map((v) => ({ inputs: [f64(shape, v)], params: { shape: target } }));
        }),
    ),
    (inputs, _p, out) => {
      const x = inputs[0] as NaiveArray;
      const lead = out.length - x.shape.length;
      return x.at(x.shape.map((d, i) => (d === 1 ? 0 : (out[i + lead] as number))));
    },
  ),
  transpose: movement(
    'transpose',
    oneInput(shapeArb(), (shape) => permutationArb(shape.length).map((perm) => ({ perm }))),
    (inputs, { perm }, out) => {
      const index = new Array<number>(perm.length);
      perm.forEach((p, d) => (index[p] = out[d] as number));
      return at(inputs, 0, index);
    },
  ),
  slice: movement(
    'slice',
    oneInput(shapeArb(1), (shape) =>
      fc
        .tuple(...shape.map((d) => fc.tuple(fc.integer({ min: 0, max: d }), fc.integer({ min: 0, max: d }))))
        .map((bounds) => ({
          start: bounds.map(([a, b]) => Math.min(a, b)),
          end: bounds.map(([a, b]) => Math.max(a, b)),
        })),
    ),
    (inputs, { start }, out) =>
      at(
        inputs,
        0,
        out.map((v, i) => v + (start[i] as number)),
      ),
  ),
  pad: movement(
    'pad',
    oneInput(shapeArb(1), (shape) =>
      fc
        .tuple(
          fc.array(fc.integer({ min: 0, max: 2 }), { minLength: shape.length, maxLength: shape.length }),
          fc.array(fc.integer({ min: 0, max: 2 }), { minLength: shape.length, maxLength: shape.length }),
        )
        .map(([lo, hi]) => ({ lo, hi })),
    ),
    (inputs, { lo }, out) => {
      const x = inputs[0] as NaiveArray;
      const index = out.map((v, i) => v - (lo[i] as number));
      return index.every((v, i) => v >= 0 && v < (x.shape[i] as number)) ? x.at(index) : 0;
    },
  ),
  flip: movement(
    'flip',
    oneInput(shapeArb(), (shape) => axesArb(shape.length).map((axes) => ({ axes }))),
    (inputs, { axes }, out) => {
      const x = inputs[0] as NaiveArray;
      return x.at(out.map((v, i) => (axes.includes(i) ? (x.shape[i] as number) - 1 - v : v)));
    },
  ),
  concat: movement(
    'concat',
    shapeArb(1).chain((shape) =>
      fc
        .tuple(
          fc.integer({ min: 0, max: shape.length - 1 }),
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
        )
        .chain(([axis, sizes]) =>
          fc
            .tuple(
              ...sizes.map((n) =>
                valuesArb(
                  shape.map((d, i) => (i === axis ? n : d)),
                  'any',
                ),
              ),
            )
            .map((vs) => ({
              inputs: vs.map((v, k) =>
                f64(
                  shape.map((d, i) => (i === axis ? (sizes[k] as number) : d)),
                  v,
                ),
              ),
              params: { axis },
            })),
        ),
    ),
    (inputs, { axis }, out) => {
      let pos = out[axis] as number;
      for (const x of inputs) {
        const n = x.shape[axis] as number;
        if (pos < n) return x.at(out.map((v, i) => (i === axis ? pos : v)));
        pos -= n;
      }
      throw new Error('concat index out of range');
    },
  ),
  gather: {
    cases: shapeArb(1).chain((shape) =>
      fc.tuple(fc.integer({ min: 0, max: shape.length - 1 }), fc.integer({ min: 1, max: 3 })).chain(([axis, m]) => {
        const idxShape = shape.map((d, i) => (i === axis ? m : d));
        const n = shape[axis] as number;
        return fc
          .tuple(
            valuesArb(shape, 'any'),
            fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: sizeOf(idxShape), maxLength: sizeOf(idxShape) }),
          )
          .map(([v, idx]) => ({
            inputs: [f64(shape, v), { shape: idxShape, dtype: 'i32', values: idx }],
            params: { axis },
          }));
      }),
    ),
    naive: (inputs, { axis }, out) =>
      at(
        inputs,
        0,
        out.map((v, i) => (i === axis ? at(inputs, 1, out) : v)),
      ),
    grad: () => 'smooth',
    f32: { rtol: 0, atol: 0 },
  },
  // ---- contraction and scan ----
  matmul: {
    cases: fc
      .tuple(
        fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 2 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
      )
      .chain(([batch, m, k, n]) =>
        fc.tuple(valuesArb([...batch, m, k], 'any'), valuesArb([...batch, k, n], 'any')).map(([a, b]) => ({
          inputs: [f64([...batch, m, k], a), f64([...batch, k, n], b)],
          params: {},
        })),
      ),
    naive: (inputs, _p, out) => {
      const a = inputs[0] as NaiveArray;
      const r = out.length;
      const k = a.shape[r - 1] as number;
      let s = 0;
      for (let q = 0; q < k; q++) {
        s += a.at([...out.slice(0, r - 1), q]) * at(inputs, 1, [...out.slice(0, r - 2), q, out[r - 1] as number]);
      }
      return s;
    },
    grad: () => 'smooth',
    f32: { rtol: 1e-6, atol: 1e-6 },
  },
  cumsum: {
    cases: oneInput(shapeArb(1), (shape) =>
      fc
        .tuple(fc.integer({ min: 0, max: shape.length - 1 }), fc.boolean())
        .map(([axis, reverse]) => ({ axis, reverse })),
    ),
    naive: (inputs, { axis, reverse }, out) => {
      const x = inputs[0] as NaiveArray;
      const i = out[axis] as number;
      let s = 0;
      for (let t = 0; t < (x.shape[axis] as number); t++) {
        if (reverse ? t >= i : t <= i) s += x.at(out.map((v, d) => (d === axis ? t : v)));
      }
      return s;
    },
    grad: () => 'smooth',
    f32: { rtol: 1e-6, atol: 1e-6 },
  },
  logcumsumexp: {
    cases: oneInput(shapeArb(1), (shape) =>
      fc
        .tuple(fc.integer({ min: 0, max: shape.length - 1 }), fc.boolean())
        .map(([axis, reverse]) => ({ axis, reverse })),
    ),
    // log Σ exp over the prefix (suffix), shifted by its own max
    naive: (inputs, { axis, reverse }, out) => {
      const x = inputs[0] as NaiveArray;
      const i = out[axis] as number;
      const terms: number[] = [];
      for (let t = 0; t < (x.shape[axis] as number); t++) {
        if (reverse ? t >= i : t <= i) terms.push(x.at(out.map((v, d) => (d === axis ? t : v))));
      }
      const m = Math.max(...terms);
      return m + Math.log(terms.reduce((s, v) => s + Math.exp(v - m), 0));
    },
    grad: () => 'smooth',
    f32: { rtol: 1e-6, atol: 1e-6 },
  },
  eigh: {
    // Matrices (not symmetric: the prim decomposes ½(A + Aᵀ)) whose eigenvalues are ≥ 0.15 apart and
    // whose eigenvectors have a clear largest entry.
    cases: fc
      .tuple(
        fc.array(fc.integer({ min: 2, max: 2 }), { maxLength: 1 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom<'values' | 'vectors'>('values', 'vectors'),
      )
      .chain(([batch, n, output]) =>
        valuesArb([...batch, n, n], 'unit')
          .filter((v) => {
            for (let t = 0; t * n * n < v.length; t++) {
              const rows = symmetricPart(v.slice(t * n * n, (t + 1) * n * n), n);
              const lambda = eigenvalues3(rows);
              if (lambda.some((l, i) => i > 0 && l - (lambda[i - 1] as number) < 0.15)) return false;
              // The sign convention (largest entry positive) must not flip under small perturbations.
              for (const l of lambda) {
                const mags = eigenvector3(rows, l)
                  .map(Math.abs)
                  .sort((p, q) => q - p);
                if (n > 1 && (mags[0] as number) - (mags[1] as number) < 0.05) return false;
              }
            }
            return true;
          })
          .map((v) => ({ inputs: [f64([...batch, n, n], v)], params: { output } })),
      ),
    naive: (inputs, { output }, out) => {
      const a = inputs[0] as NaiveArray;
      const r = a.shape.length;
      const n = a.shape[r - 1] as number;
      const batch = out.slice(0, r - 2);
      const rows = Array.from({ length: n }, (_, i) =>
        Array.from({ length: n }, (_, j) => (a.at([...batch, i, j]) + a.at([...batch, j, i])) / 2),
      );
      const lambda = eigenvalues3(rows);
      if (output === 'values') return lambda[out[r - 2] as number] as number;
      return eigenvector3(rows, lambda[out[r - 1] as number] as number)[out[r - 2] as number] as number;
    },
    grad: () => 'smooth',
    f32: { rtol: 1e-5, atol: 1e-5 },
  },
  argsort: {
    // small integers: ties (kept in index order), exact in f32, so f32 and f64 sort alike
    cases: shapeArb(1).chain((shape) =>
      fc
        .tuple(
          fc.array(fc.integer({ min: -3, max: 3 }), { minLength: sizeOf(shape), maxLength: sizeOf(shape) }),
          fc.integer({ min: 0, max: shape.length - 1 }),
          fc.boolean(),
        )
        .map(([v, axis, descending]) => ({ inputs: [f64(shape, v)], params: { axis, descending } })),
    ),
    // the element of the line whose count of elements sorting strictly before it is out[axis]
    naive: (inputs, { axis, descending }, out) => {
      const x = inputs[0] as NaiveArray;
      const n = x.shape[axis] as number;
      const key = (t: number): number => x.at(out.map((v, d) => (d === axis ? t : v)));
      const before = (t: number, e: number): boolean =>
        (descending ? key(t) > key(e) : key(t) < key(e)) || (key(t) === key(e) && t < e);
      const rank = (e: number): number => Array.from({ length: n }, (_, t) => t).filter((t) => before(t, e)).length;
      return Array.from({ length: n }, (_, e) => e).find((e) => rank(e) === out[axis]) ?? -1;
    },
    grad: () => 'none',
    f32: { rtol: 0, atol: 0 },
  },
  linearLogitStats: {
    // logits at least 0.05 apart in every row, away from the kinks of max and ties
    cases: linearCase
      .map((c) => ({ inputs: c.inputs, params: c.params }))
      .filter((c) => {
        const rows = naiveLogits(c.inputs.map((i) => naiveOf(i)));
        return rows.every((row) =>
          row
            .map((u) => cap(u, c.params.softcap))
            .sort((p, q) => p - q)
            .every((z, j, zs) => j === 0 || z - (zs[j - 1] as number) > 0.05),
        );
      }),
    naive: (inputs, { softcap, targets }, out) => {
      const [row, col] = out as [number, number];
      const z = (naiveLogits(inputs)[row] as number[]).map((u) => cap(u, softcap));
      const max = Math.max(...z);
      const lse = max + Math.log(z.reduce((s, q) => s + Math.exp(q - max), 0));
      const pick = targets ? (z[at(inputs, 3, [row])] as number) : 0;
      return [lse, pick, z.reduce((s, q) => s + q, 0), max, z.filter((q) => q === max).length][col] as number;
    },
    // the max column is piecewise (random cases have no ties); ties is piecewise constant
    grad: () => 'piecewise',
    f32: { rtol: 1e-5, atol: 1e-5 },
  },
  linearLogitGrad: {
    cases: linearCase.chain((c) =>
      fc
        .tuple(valuesArb([c.n, 5], 'any'), valuesArb([c.n, 5], 'any'), fc.constantFrom(1, 2), fc.boolean())
        .map(([stats, ct, ties, filter]) => ({
          inputs: [
            ...c.inputs,
            // ties ≥ 1 (it divides); a max that no logit attains (the [z = max] indicator is then 0)
            f64(
              [c.n, 5],
              stats.map((q, i) => (i % 5 === 4 ? ties : i % 5 === 3 ? 100 + q : q)),
            ),
            f64([c.n, 5], ct),
          ],
          params: { ...c.params, filter },
        })),
    ),
    naive: (inputs, { softcap, targets, filter }, out) => {
      const u = naiveLogits(inputs);
      const [h, w] = inputs as [NaiveArray, NaiveArray];
      const [n, d] = h.shape as [number, number];
      const v = w.shape[0] as number;
      const k = targets ? 4 : 3;
      const dz = u.map((row, i) =>
        row.map((uij, j) => {
          const z = cap(uij, softcap);
          const p = Math.exp(z - at(inputs, k, [i, 0]));
          const ct = (c: number): number => at(inputs, k + 1, [i, c]);
          let g = ct(2) + (filter && p < 2 ** -24 ? 0 : ct(0) * p);
          if (targets && at(inputs, 3, [i]) === j) g += ct(1);
          if (z === at(inputs, k, [i, 3])) g += ct(3) / at(inputs, k, [i, 4]);
          const t = softcap === null ? 0 : Math.tanh(uij / softcap);
          return g * (1 - t * t);
        }),
      );
      const flat = out[0] as number;
      if (flat < n * d) {
        const [i, q] = [Math.floor(flat / d), flat % d];
        return dz[i]?.reduce((s, g, j) => s + g * w.at([j, q]), 0) as number;
      }
      if (flat < n * d + v * d) {
        const [j, q] = [Math.floor((flat - n * d) / d), (flat - n * d) % d];
        return dz.reduce((s, row, i) => s + (row[j] as number) * h.at([i, q]), 0);
      }
      const j = flat - n * d - v * d;
      return dz.reduce((s, row) => s + (row[j] as number), 0);
    },
    grad: () => 'smooth',
    f32: { rtol: 1e-5, atol: 1e-5 },
  },
  // ---- sources and markers ----
  iota: {
    cases: shapeArb(1).chain((shape) =>
      fc
        .tuple(fc.integer({ min: 0, max: shape.length - 1 }), fc.constantFrom<DType>('i32', 'f64'))
        .map(([axis, dtype]) => ({ inputs: [], params: { shape, axis, dtype } })),
    ),
    naive: (_inputs, { axis }, out) => out[axis] as number,
    grad: () => 'none',
    f32: { rtol: 0, atol: 0 },
  },
  stopGradient: { ...unary('any', (v) => v), grad: () => 'none' },
  checkIndex: {
    cases: fc
      .tuple(shapeArb(), fc.integer({ min: 1, max: 5 }))
      .chain(([shape, bound]) =>
        fc
          .array(fc.integer({ min: 0, max: bound - 1 }), { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
          .map((idx) => ({ inputs: [{ shape, dtype: 'i32' as const, values: idx }], params: { bound } })),
      ),
    naive: (inputs, _p, out) => at(inputs, 0, out),
    grad: () => 'none',
    f32: { rtol: 0, atol: 0 },
  },
};

/** The symmetric part of a flat row-major n×n matrix, as rows. */
const symmetricPart = (v: readonly number[], n: number): number[][] =>
  Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => ((v[i * n + j] as number) + (v[j * n + i] as number)) / 2),
  );

const flatIndex = (index: readonly number[], shape: readonly number[]): number =>
  index.reduce((acc, v, i) => acc * (shape[i] as number) + v, 0);
const unflatten = (k: number, shape: readonly number[]): number[] => {
  const index = new Array<number>(shape.length);
  let rest = k;
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = rest % (shape[d] as number);
    rest = Math.floor(rest / (shape[d] as number));
  }
  return index;
};
