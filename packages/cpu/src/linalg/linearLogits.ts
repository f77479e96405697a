/**
 * @file The fused linear-logit kernels in plain loops (f64 arithmetic): row statistics of
 * z = s(h·Wᵀ + b) by an online (max, Σexp) merge, and their VJP, recomputing each logit instead of
 * storing the [N, V] matrix; what each logit contributes is core's epilogue. The reference backend
 * runs these; the fast backend tiles the same epilogue.
 */
import type { DType, HostArray } from '@xent/core';
import {
  gatherIndexError,
  LINEAR_STATS,
  type LinearLogitParams,
  type LinearLogitsKernel,
  linearLogitSlots,
  LinearStat,
  packedGradient,
} from '@xent/core/internal';
import { jsEpilogue } from './logitEpilogue.js';

/** Sizes, parameters and stats dtype of one linear-logit launch. */
export interface LinearLogitShape extends LinearLogitParams {
  readonly n: number;
  readonly d: number;
  readonly v: number;
  /** f32 stats are stored rounded: the epilogue compares logits rounded the same way. */
  readonly dtype: DType;
}

/** y_n, checked against the vocabulary like a gather index. */
export function targetAt(y: HostArray, n: number, v: number): number {
  const j = y[n] as number;
  if (j < 0 || j >= v) throw gatherIndexError(v, j);
  return j;
}

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
class RowStats {
  max = -Infinity;
  /** Σ exp(z − max) */
  scaled = 0;
  sum = 0;
  ties = 0;
  pick = 0;

  /** Folds in logit z and its pick term. */
  add(z: number, pick: number): void {
    this.sum += z;
    this.pick += pick;
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
  const { terms } = jsEpilogue(s, s.dtype);
  const us = new Float64Array(s.v);
  const [zs, picks] = [new Float64Array(s.v), new Float64Array(s.v)];
  const outs = [zs, picks];
  for (let n = lo; n < hi; n++) {
    const row = new RowStats();
    const target = y === undefined ? -1 : targetAt(y, n, s.v);
    for (let v = 0; v < s.v; v++) us[v] = preLogit(h, w, b, s.d, n, v);
    terms(us, outs, s.v, 0, target, out, out, 0);
    for (let v = 0; v < s.v; v++) row.add(zs[v] as number, picks[v] as number);
    row.store(out, n * LINEAR_STATS);
  }
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
  out: HostArray,
): void {
  const { n: rows, d, v: vocab } = s;
  const { cotangent } = jsEpilogue(s, s.dtype);
  const parts = packedGradient(rows, d, vocab);
  const acc = new Float64Array(out.length);
  // a row's logits u, then its dZ in their place
  const dzs = new Float64Array(vocab);
  const outs = [dzs];
  for (let n = 0; n < rows; n++) {
    const target = y === undefined ? -1 : targetAt(y, n, vocab);
    for (let v = 0; v < vocab; v++) dzs[v] = preLogit(h, w, b, d, n, v);
    cotangent(dzs, outs, vocab, 0, target, stats, ct, n * LINEAR_STATS);
    const dh = parts.h.offset + n * d;
    for (let v = 0; v < vocab; v++) {
      const dz = dzs[v] as number;
      if (dz === 0) continue;
      const dw = parts.w.offset + v * d;
      for (let k = 0; k < d; k++) {
        acc[dh + k] = (acc[dh + k] as number) + dz * (w[v * d + k] as number);
        acc[dw + k] = (acc[dw + k] as number) + dz * (h[n * d + k] as number);
      }
      acc[parts.b.offset + v] = (acc[parts.b.offset + v] as number) + dz;
    }
  }
  out.set(acc);
}

/** Runs a linear-logit kernel on its input arrays into its outputs (at the slots `linearLogitSlots` names). */
export function runLinearLogits(
  k: LinearLogitsKernel,
  inputs: readonly HostArray[],
  outputs: readonly HostArray[],
): void {
  const slots = linearLogitSlots(k.targets, k.pass);
  const at = (slot: number | undefined, from: readonly HostArray[]): HostArray => from[slot as number] as HostArray;
  const [h, w, b] = [at(slots.h, inputs), at(slots.w, inputs), at(slots.b, inputs)];
  const y = slots.y === undefined ? undefined : at(slots.y, inputs);
  const stats = slots.stats === undefined ? at(slots.statsOut, outputs) : at(slots.stats, inputs);
  if (slots.statsOut !== undefined) linearLogitStatsRows(k, h, w, b, y, stats);
  if (slots.gradOut !== undefined)
    linearLogitGradAll(k, h, w, b, y, stats, at(slots.cotangent, inputs), at(slots.gradOut, outputs));
}
