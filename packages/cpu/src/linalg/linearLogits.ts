/**
 * @file The fused linear-logit kernels in plain loops (f64 arithmetic): row statistics of
 * z = s(h·Wᵀ + b) by an online (max, Σexp) merge, and their VJP, recomputing each logit instead of
 * storing the [N, V] matrix. The reference backend runs these; the fast backend tiles the same maths.
 */
import { type DType, type HostArray, IndexError, LINEAR_STATS, type LinearLogitsKernel, LinearStat } from '@xent/core';

/** Sizes and options of one linear-logit launch. */
export interface LinearLogitShape {
  readonly n: number;
  readonly d: number;
  readonly v: number;
  readonly softcap: number | null;
  /** f32 stats are stored rounded: the max is compared with logits rounded the same way. */
  readonly dtype: DType;
}

/** The softmax weights below this are dropped by gradient filtering (the f32 resolution). */
export const FILTER_THRESHOLD = 2 ** -24;

/** y_n, checked against the vocabulary like a gather index. */
export function targetAt(y: HostArray, n: number, v: number): number {
  const j = y[n] as number;
  if (j < 0 || j >= v)
    throw new IndexError('gather', `xent.gather: argument 'indices' expected values in [0, ${v}), got ${j}`);
  return j;
}

/** s(u) = c·tanh(u/c), or u. */
export const softcapped = (u: number, c: number | null): number => (c === null ? u : c * Math.tanh(u / c));

/** s′(u) = 1 − tanh²(u/c), or 1. */
export const softcapSlope = (u: number, c: number | null): number => {
  if (c === null) return 1;
  const t = Math.tanh(u / c);
  return 1 - t * t;
};

/** One row's statistics. */
export interface RowStatValues {
  readonly lse: number;
  readonly pick: number;
  readonly sum: number;
  readonly max: number;
  readonly ties: number;
}

/** Writes a row's statistics as its five columns of a stats array, from `at`. */
export function storeStats(out: HostArray, at: number, row: RowStatValues): void {
  out[at + LinearStat.Lse] = row.lse;
  out[at + LinearStat.Pick] = row.pick;
  out[at + LinearStat.Sum] = row.sum;
  out[at + LinearStat.Max] = row.max;
  out[at + LinearStat.Ties] = row.ties;
}

/** Running statistics of one row: merged one logit at a time. */
export class RowStats {
  max = -Infinity;
  /** Σ exp(z − max) */
  scaled = 0;
  sum = 0;
  ties = 0;
  pick = 0;

  add(z: number): void {
    this.sum += z;
    if (z > this.max) {
      this.scaled = this.max === -Infinity ? 1 : this.scaled * Math.exp(this.max - z) + 1;
      this.max = z;
      this.ties = 1;
    } else if (z === this.max) {
      this.scaled += 1;
      this.ties += 1;
    } else {
      this.scaled += Math.exp(z - this.max);
    }
  }

  /** Writes the row's five columns at `at`. */
  store(out: HostArray, at: number): void {
    storeStats(out, at, {
      lse: this.max + Math.log(this.scaled),
      pick: this.pick,
      sum: this.sum,
      max: this.max,
      ties: this.ties,
    });
  }
}

/** u_nv = h_n·W_v + b_v. */
function preLogit(h: HostArray, w: HostArray, b: HostArray, d: number, n: number, v: number): number {
  let s = b[v] as number;
  const ho = n * d;
  const wo = v * d;
  for (let k = 0; k < d; k++) s += (h[ho + k] as number) * (w[wo + k] as number);
  return s;
}

/** Rows [lo, hi) of the stats [N, 5]. */
export function linearLogitStatsRows(
  s: LinearLogitShape,
  h: HostArray,
  w: HostArray,
  b: HostArray,
  y: HostArray | undefined,
  out: HostArray,
  lo = 0,
  hi = s.n,
): void {
  for (let n = lo; n < hi; n++) {
    const row = new RowStats();
    const target = y === undefined ? -1 : targetAt(y, n, s.v);
    for (let v = 0; v < s.v; v++) {
      const z = softcapped(preLogit(h, w, b, s.d, n, v), s.softcap);
      row.add(z);
      if (v === target) row.pick = z;
    }
    row.store(out, n * LINEAR_STATS);
  }
}

/** The per-row coefficients of dZ read from the stats and their cotangent. */
export interface RowCotangent {
  readonly lse: number;
  readonly max: number;
  readonly ctLse: number;
  readonly ctPick: number;
  readonly ctSum: number;
  /** ct_max / ties */
  readonly ctMaxShare: number;
}

export function rowCotangent(stats: HostArray, ct: HostArray, n: number): RowCotangent {
  const at = n * LINEAR_STATS;
  return {
    lse: stats[at + LinearStat.Lse] as number,
    max: stats[at + LinearStat.Max] as number,
    ctLse: ct[at + LinearStat.Lse] as number,
    ctPick: ct[at + LinearStat.Pick] as number,
    ctSum: ct[at + LinearStat.Sum] as number,
    ctMaxShare: (ct[at + LinearStat.Max] as number) / (stats[at + LinearStat.Ties] as number),
  };
}

/** ∂⟨ct, stats⟩/∂u_nv for one logit: (ct_lse·p + ct_pick·[v = y] + ct_sum + ct_max·[z = max]/ties)·s′(u). */
export function logitCotangent(
  u: number,
  isTarget: boolean,
  r: RowCotangent,
  s: LinearLogitShape,
  filter: boolean,
): number {
  const softcap = s.softcap;
  const z = softcapped(u, softcap);
  const p = Math.exp(z - r.lse);
  let dz = r.ctSum;
  if (!filter || p >= FILTER_THRESHOLD) dz += r.ctLse * p;
  if (isTarget) dz += r.ctPick;
  if (r.ctMaxShare !== 0 && (s.dtype === 'f32' ? Math.fround(z) : z) === r.max) dz += r.ctMaxShare;
  return dz === 0 ? 0 : dz * softcapSlope(u, softcap);
}

/** The packed cotangents [dH (N·D) | dW (V·D) | db (V)] into `out` (accumulated in f64, rounded once). */
export function linearLogitGradAll(
  s: LinearLogitShape,
  h: HostArray,
  w: HostArray,
  b: HostArray,
  y: HostArray | undefined,
  stats: HostArray,
  ct: HostArray,
  filter: boolean,
  out: HostArray,
): void {
  const { n: rows, d, v: vocab } = s;
  const dw0 = rows * d;
  const db0 = dw0 + vocab * d;
  const acc = new Float64Array(out.length);
  for (let n = 0; n < rows; n++) {
    const r = rowCotangent(stats, ct, n);
    const target = y === undefined ? -1 : targetAt(y, n, vocab);
    for (let v = 0; v < vocab; v++) {
      const dz = logitCotangent(preLogit(h, w, b, d, n, v), v === target, r, s, filter);
      if (dz === 0) continue;
      for (let k = 0; k < d; k++) {
        acc[n * d + k] = (acc[n * d + k] as number) + dz * (w[v * d + k] as number);
        acc[dw0 + v * d + k] = (acc[dw0 + v * d + k] as number) + dz * (h[n * d + k] as number);
      }
      acc[db0 + v] = (acc[db0 + v] as number) + dz;
    }
  }
  out.set(acc);
}

/**
 * Runs a linear-logit kernel on its input arrays (h, W, b, [y], then the stats and their cotangent
 * for `grad`, the cotangent for `statsGrad`) into its outputs (the stats, the packed cotangents, or both).
 */
export function runLinearLogits(
  k: LinearLogitsKernel,
  inputs: readonly HostArray[],
  outputs: readonly HostArray[],
): void {
  const [h, w, b] = inputs as [HostArray, HostArray, HostArray];
  const y = k.targets ? inputs[3] : undefined;
  const rest = inputs.slice(k.targets ? 4 : 3);
  if (k.pass === 'grad') {
    const [stats, ct] = rest as [HostArray, HostArray];
    linearLogitGradAll(k, h, w, b, y, stats, ct, k.filter, outputs[0] as HostArray);
    return;
  }
  const stats = outputs[0] as HostArray;
  linearLogitStatsRows(k, h, w, b, y, stats);
  if (k.pass === 'statsGrad')
    linearLogitGradAll(k, h, w, b, y, stats, rest[0] as HostArray, k.filter, outputs[1] as HostArray);
}
