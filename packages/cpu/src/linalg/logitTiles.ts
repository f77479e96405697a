/**
 * @file The kernels the tiled CPU linear-logit runners launch on a logit tile: core's epilogue bound
 * to the tile's buffers as SIMD map kernels (the row reductions of the stats, dZ in place), and the
 * three matmuls of a tile (the logits, ∂H and [∂Wᵀ; ∂bᵀ]).
 */
import {
  bindLeaves,
  LINEAR_STATS,
  type LinearLogitsKernel,
  lit,
  load,
  LogitLeaf,
  type LogitLeafSlot,
  loopVar,
  type MapKernel,
  type MatmulKernel,
  type ReduceOp,
  scalar,
  type ScalarExpr,
  scalarToposort,
} from '@xent/core/internal';

/** Input slots of the tile map kernels: the tile [rows, width] of h·Wᵀ, its bias, the rows' targets, the tile's row max, the rows' stats and their cotangent. */
export const TileSlot = { Tile: 0, Bias: 1, Targets: 2, RowMax: 3, Stats: 4, Cotangent: 5 } as const;

const f32 = (v: number): ScalarExpr => lit(v, 'f32');
const i32 = (v: number): ScalarExpr => lit(v, 'i32');
const where = (c: ScalarExpr, a: ScalarExpr, b: ScalarExpr): ScalarExpr => scalar('where', a.dtype, [c, a, b]);

/**
 * `roots` with tanh written with exp, which the SIMD map kernels vectorise:
 * tanh a = sign(a)·(1 − e)/(1 + e), e = e^{−2|a|} ≤ 1 (no overflow).
 */
function vectorTanh(roots: readonly ScalarExpr[]): ScalarExpr[] {
  const memo = new Map<ScalarExpr, ScalarExpr>();
  for (const e of scalarToposort(roots)) {
    const args = e.args.map((a) => memo.get(a) as ScalarExpr);
    if (e.op !== 'tanh') {
      memo.set(e, args.every((a, i) => a === e.args[i]) ? e : scalar(e.op, e.dtype, args, e.imm));
      continue;
    }
    const a = args[0] as ScalarExpr;
    const t = e.dtype;
    const ex = scalar('exp', t, [scalar('mul', t, [lit(-2, t), scalar('abs', t, [a])])]);
    const ratio = scalar('div', t, [scalar('sub', t, [lit(1, t), ex]), scalar('add', t, [lit(1, t), ex])]);
    memo.set(e, scalar('mul', t, [scalar('sign', t, [a]), ratio]));
  }
  return roots.map((r) => memo.get(r) as ScalarExpr);
}

/** Column `c` of a row-statistics input [rows, 5] at row i0. */
const rowStat = (slot: number, c: number): ScalarExpr =>
  load(slot, 'f32', scalar('add', 'i32', [scalar('mul', 'i32', [loopVar(0), i32(LINEAR_STATS)]), i32(c)]));

/** The epilogue of `k` on a tile `width` wide (row i0, column i1): z, the pick term and dZ. */
function tileEpilogue(k: LinearLogitsKernel, width: number): [z: ScalarExpr, pick: ScalarExpr, dz: ScalarExpr] {
  const at = scalar('add', 'i32', [scalar('mul', 'i32', [loopVar(0), i32(width)]), loopVar(1)]);
  const leaves: { readonly [S in LogitLeafSlot]: (address: number) => ScalarExpr } = {
    [LogitLeaf.Logit]: () =>
      scalar('add', 'f32', [load(TileSlot.Tile, 'f32', at), load(TileSlot.Bias, 'f32', loopVar(1))]),
    [LogitLeaf.Column]: () => loopVar(1),
    [LogitLeaf.Target]: () => load(TileSlot.Targets, 'i32', loopVar(0)),
    [LogitLeaf.Stats]: (c) => rowStat(TileSlot.Stats, c),
    [LogitLeaf.Cotangent]: (c) => rowStat(TileSlot.Cotangent, c),
  };
  const { logit, pick, cotangent } = k.epilogue;
  const bound = bindLeaves([logit, pick, cotangent], (slot, address) => leaves[slot](address));
  return vectorTanh(bound) as [ScalarExpr, ScalarExpr, ScalarExpr];
}

/**
 * The map kernels of a tile `width` wide: the stats pass's row reductions (max, logsumexp, Σz, ties
 * at the tile's max, then Σ pick with targets) and the grad pass's dZ (written over the tile).
 */
export function tileKernels(k: LinearLogitsKernel, width: number): { stats: MapKernel[]; grad: MapKernel } {
  const [z, pick, dz] = tileEpilogue(k, width);
  const inputs = [
    { dtype: 'f32' as const, size: k.n * width },
    { dtype: 'f32' as const, size: width },
    { dtype: 'i32' as const, size: k.n },
    { dtype: 'f32' as const, size: k.n },
    { dtype: 'f32' as const, size: k.n * LINEAR_STATS },
    { dtype: 'f32' as const, size: k.n * LINEAR_STATS },
  ];
  const row = (reduce: ReduceOp, body: ScalarExpr): MapKernel => ({
    kind: 'map',
    shape: [k.n],
    reduce: { shape: [width], op: reduce, body },
    inputs,
    outputs: [scalar('acc', 'f32')],
  });
  const atMax = scalar('eq', 'bool', [z, load(TileSlot.RowMax, 'f32', loopVar(0))]);
  return {
    stats: [
      row('max', z),
      row('logsumexp', z),
      row('sum', z),
      row('sum', where(atMax, f32(1), f32(0))),
      ...(k.targets ? [row('sum', pick)] : []),
    ],
    grad: { kind: 'map', shape: [k.n, width], inputs, outputs: [dz] },
  };
}

/** The three matmuls of a tile `width` wide (operand slots 0 and 1). */
export function tileMatmuls(k: LinearLogitsKernel, width: number) {
  const { n, d } = k;
  const mm = (m: number, kk: number, nn: number, a: number[], b: number[], sizes: [number, number]): MatmulKernel => ({
    kind: 'matmul',
    batch: [],
    m,
    k: kk,
    n: nn,
    dtype: 'f32',
    a: { slot: 0, offset: 0, strides: a },
    b: { slot: 1, offset: 0, strides: b },
    inputs: sizes.map((size) => ({ dtype: 'f32' as const, size })),
  });
  return {
    /** Z_c [N, width] = H [N, D] · W_cᵀ (W_c read as [D, width]) */
    logits: mm(n, d, width, [d, 1], [1, d], [n * d, width * d]),
    /** ∂H_c [N, D] = dZ_c · W_c [width, D] */
    hidden: mm(n, width, d, [width, 1], [d, 1], [n * width, width * d]),
    /** [∂W_cᵀ; ∂b_cᵀ] [D + 1, width] = [Hᵀ; 1ᵀ] [D + 1, N] · dZ_c */
    weights: mm(d + 1, n, width, [n, 1], [width, 1], [(d + 1) * n, n * width]),
  };
}
