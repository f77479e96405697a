/**
 * @file Every primitive placed where each backend path computes it. Elementwise primitives run in
 * the inner (vectorised) loop, at an outer loop depth (the SIMD kernel's scalar code) and after a
 * reduction (the epilogue); index and reduction primitives in the inner loop and at an outer depth;
 * every primitive also through its spec cases (own-kernel primitives: matmul, scan, routines).
 * Driven by the prim table: a new primitive of an existing kind is placed without further work,
 * and a new kind asks `tsc` for its harness here.
 */
import fc from 'fast-check';
import { either as E } from 'fp-ts';
import { ir, primitive, prims } from '@xent/core/internal';
import * as x from 'xent';
import { applyPrim, floatsOf } from './cases.js';
import { primSpecs, type PrimTestSpec } from './primSpecs.js';

/** Where a case puts its primitive. */
export type Position = 'inner' | 'outer' | 'epilogue' | 'spec';

export interface PathCase {
  /** e.g. "exp f32 outer" */
  readonly name: string;
  readonly prim: ir.Prim;
  readonly position: Position;
  /** The dtypes the case computes in (WebGPU has no f64). */
  readonly dtypes: readonly x.DType[];
  readonly f: (...args: x.Tensor[]) => x.Tensor;
  readonly args: readonly x.Tensor[];
}

/** What an operand of an elementwise primitive holds: values of the case's dtype, a bool mask, or i32 indices. */
type Role = 'value' | 'mask' | 'index';

/** Indices are drawn from [0, INDEX_BOUND). */
const INDEX_BOUND = 5;
const dtypes: readonly x.DType[] = ['f32', 'f64', 'i32', 'bool'];

/**
 * A leaf of the shape: floats are multiples of 1/8 in [−4, 4) (exact in f32, so sums are too, and
 * some pairs are equal), integers in [−9, 9], every third bool true, indices below `bound`.
 */
function leaf(shape: readonly number[], role: Role, dtype: x.DType, seed: number, bound = INDEX_BOUND): x.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const k = (i: number): number => i * 37 + seed * 11;
  if (role === 'mask' || (role === 'value' && dtype === 'bool'))
    return x.tensor(
      Uint8Array.from({ length: n }, (_, i) => (k(i) % 3 === 0 ? 1 : 0)),
      { shape, dtype: 'bool' },
    );
  if (role === 'index')
    return x.tensor(
      Int32Array.from({ length: n }, (_, i) => k(i) % bound),
      { shape, dtype: 'i32' },
    );
  if (dtype === 'i32')
    return x.tensor(
      Int32Array.from({ length: n }, (_, i) => (k(i) % 19) - 9),
      { shape, dtype },
    );
  return x.tensor(
    Float64Array.from({ length: n }, (_, i) => ((k(i) % 64) - 32) / 8),
    { shape, dtype },
  );
}

interface ElementwiseHarness<K extends ir.ElementwiseKind> {
  readonly roles: readonly Role[];
  /** The params of each variant tested with values of dtype `d`. */
  readonly variants: (d: x.DType) => readonly ir.PrimParamMap[ir.PrimOfKind<K>][];
}

const plain = (): readonly ir.NoParams[] => [{}];

/** The operands and params of each elementwise kind: exhaustive over the kinds. */
const elementwiseHarness: { readonly [K in ir.ElementwiseKind]: ElementwiseHarness<K> } = {
  unary: { roles: ['value'], variants: plain },
  ordered: { roles: ['value'], variants: () => [{ order: 0 }, { order: 3 }] },
  binary: { roles: ['value', 'value'], variants: plain },
  compare: { roles: ['value', 'value'], variants: plain },
  select: { roles: ['mask', 'value', 'value'], variants: plain },
  cast: { roles: ['value'], variants: (d) => dtypes.filter((t) => t !== d).map((dtype) => ({ dtype })) },
  identity: { roles: ['value'], variants: plain },
  check: { roles: ['index'], variants: () => [{ bound: INDEX_BOUND }] },
};

/** Bools as ±1 (a bool output keeps a kernel off the SIMD path). */
const lanes = (t: x.Tensor): x.Tensor => (t.dtype === 'bool' ? x.where(t, 1, -1) : t);

/** `t` ([r, 1]) combined with a leaf of the kernel's shape [r, c], keeping a vectorisable dtype where it has one. */
function combine(t: x.Tensor, r: number, c: number, seed: number): x.Tensor {
  if (t.dtype === 'bool') {
    const base = leaf([r, c], 'value', 'f32', seed);
    return x.where(t, base, x.neg(base));
  }
  return x.add(t, leaf([r, c], 'value', t.dtype, seed));
}

/** The reduction of the rows of `t` standing for an operand of this role (indices stay in range). */
const reduced = (role: Role, t: x.Tensor): x.Tensor =>
  role === 'index' ? x.max(t, { axis: 1 }) : x.sum(t, { axis: 1 });

/** The inner, outer and epilogue cases of an elementwise primitive, for every dtype its type rule accepts. */
function elementwiseCases(prim: ir.ElementwisePrim, rows: number, cols: number): PathCase[] {
  const harness = elementwiseHarness[ir.primInfo[prim].kind] as ElementwiseHarness<ir.ElementwiseKind>;
  if (harness.roles.length !== ir.primInfo[prim].arity)
    throw new Error(
      `${prim}: its kind's harness has ${harness.roles.length} operands, primInfo says ${ir.primInfo[prim].arity}`,
    );
  const valueTypes = harness.roles.includes('value') ? dtypes : (['i32'] as const);
  return valueTypes.flatMap((d) =>
    harness.variants(d).flatMap((params) => {
      const types = harness.roles.map((role) => ({
        shape: [1],
        dtype: role === 'mask' ? 'bool' : role === 'index' ? 'i32' : d,
      }));
      const typed = ir.typeOf(prim, types, params);
      if (E.isLeft(typed)) return [];
      const out = typed.right.dtype;
      const apply = (operands: readonly x.Tensor[]): x.Tensor => primitive(prim, params as never, ...operands);
      const operands = (shape: readonly number[]): x.Tensor[] =>
        harness.roles.map((role, i) => leaf(shape, role, d, i + 1));
      const label = `${prim}${'dtype' in params ? `→${params.dtype}` : ''} ${d}`;
      const first = harness.roles.findIndex((role) => role !== 'mask');
      const firstRole = harness.roles[first] as Role;
      const at = (position: Position, f: PathCase['f'], args: readonly x.Tensor[]): PathCase => ({
        name: `${label} ${position}`,
        prim,
        position,
        dtypes: [d, out],
        f,
        args,
      });
      const cases = [
        at('inner', (...ops) => lanes(apply(ops)), operands([rows, cols])),
        at('outer', (...ops) => combine(apply(ops), rows, cols, 7), operands([rows, 1])),
      ];
      if (d === 'bool' && firstRole === 'value') return cases;
      // the first non-mask operand is a row's reduction ([rows]), computed in the same kernel
      const rowsIn = operands([rows]).map((o, i) => (i === first ? leaf([rows, cols], firstRole, d, 9) : o));
      const epilogue = at(
        'epilogue',
        (...ops) => lanes(apply(ops.map((o, i) => (i === first ? reduced(firstRole, o) : o)))),
        rowsIn,
      );
      return [...cases, epilogue];
    }),
  );
}

/** The primitives computed inside a kernel other than elementwise ones: index arithmetic and reductions. */
type IndexPrim = ir.PrimOfKind<'view' | 'movement' | 'gather' | 'source' | 'reduce'>;
type Leaf = (shape: readonly number[], role?: Role, bound?: number) => x.Tensor;

/** Each builds an f32 tensor of shape [r, c] (r even, at least 4) through its primitive, from fresh leaves. */
const indexBuilders: { readonly [P in IndexPrim]: (r: number, c: number, leafOf: Leaf) => x.Tensor } = {
  sum: (r, c, l) => primitive('sum', { axes: [2] }, l([r, c, 9])),
  max: (r, c, l) => primitive('max', { axes: [2] }, l([r, c, 9])),
  logsumexp: (r, c, l) => primitive('logsumexp', { axes: [2] }, l([r, c, 9])),
  /** rows of the transpose of [rc/2, 2]: the addresses need ⌊·⌋ and mod */
  reshape: (r, c, l) => primitive('reshape', { shape: [r, c] }, x.transpose(l([(r * c) / 2, 2]))),
  broadcast: (r, c, l) => primitive('broadcast', { shape: [r, c] }, l([1, c])),
  transpose: (r, c, l) => primitive('transpose', { perm: [1, 0] }, l([c, r])),
  slice: (r, c, l) => primitive('slice', { start: [1, 2], end: [r + 1, c + 2] }, l([r + 3, c + 3])),
  flip: (r, c, l) => primitive('flip', { axes: [0, 1] }, l([r, c])),
  pad: (r, c, l) =>
    c > 2
      ? primitive('pad', { lo: [1, 1], hi: [0, 1] }, l([r - 1, c - 2]))
      : primitive('pad', { lo: [1, 0], hi: [0, 0] }, l([r - 1, c])),
  concat: (r, c, l) =>
    c > 3
      ? primitive('concat', { axis: 1 }, l([r, 3]), l([r, c - 3]))
      : primitive('concat', { axis: 0 }, l([3, c]), l([r - 3, c])),
  gather: (r, c, l) => primitive('gather', { axis: 1 }, l([r, c + 3]), l([r, c], 'index', c + 3)),
  /** one-hot rows: indices compared with an iota along the columns (tracing computes a bare iota at once) */
  iota: (r, c, l) => x.oneHot(l([r], 'index', c), c),
};

const isIndexPrim = (p: ir.Prim): p is IndexPrim => p in indexBuilders;

/** A case built by `build` from leaves it asks for: built once to make them, then rebuilt from the arguments. */
function recorded(build: (leafOf: Leaf) => x.Tensor): Pick<PathCase, 'f' | 'args'> {
  const args: x.Tensor[] = [];
  build((shape, role = 'value', bound = INDEX_BOUND) => {
    const t = leaf(shape, role, 'f32', args.length + 1, bound);
    args.push(t);
    return t;
  });
  return {
    args,
    f: (...values) => {
      let next = 0;
      return build(() => values[next++] as x.Tensor);
    },
  };
}

/** The inner and outer cases of an index or reduction primitive (f32 values). */
function indexCases(prim: IndexPrim, rows: number, cols: number): PathCase[] {
  const build = indexBuilders[prim];
  return [
    { name: `${prim} f32 inner`, position: 'inner' as const, ...recorded((l) => build(rows, cols, l)) },
    {
      name: `${prim} f32 outer`,
      position: 'outer' as const,
      ...recorded((l) => x.add(build(rows, 1, l), l([rows, cols]))),
    },
  ].map((c) => ({ ...c, prim, dtypes: ['f32'] }));
}

/** A few of the primitive's spec cases (fixed seed), in f32 and f64. */
function specCases(prim: ir.Prim, runs: number): PathCase[] {
  const spec = primSpecs[prim] as PrimTestSpec<unknown>;
  return fc.sample(spec.cases, { seed: 17, numRuns: runs }).flatMap((c, i) =>
    (['f32', 'f64'] as const).map((d) => ({
      name: `${prim} ${d} spec ${i}`,
      prim,
      position: 'spec' as const,
      dtypes: [d, ...c.inputs.map((s) => (s.dtype === 'f64' ? d : s.dtype))],
      f: (...floats: x.Tensor[]) => applyPrim(prim, c, floats, d),
      args: floatsOf(c, d),
    })),
  );
}

/**
 * Every primitive's cases over kernels of [rows, cols] (rows even, at least 4): elementwise ones in
 * every position, index and reduction ones inner and outer, and all through `specRuns` spec cases.
 */
export function pathCases(rows: number, cols: number, specRuns: number): PathCase[] {
  return prims.flatMap((p) => [
    ...(ir.isElementwisePrim(p) ? elementwiseCases(p, rows, cols) : []),
    ...(isIndexPrim(p) ? indexCases(p, rows, cols) : []),
    ...(specRuns > 0 ? specCases(p, specRuns) : []),
  ]);
}
