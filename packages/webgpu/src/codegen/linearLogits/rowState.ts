/**
 * @file WGSL for the row statistics' reduction: a row's running state folds in each logit z and its
 * pick term (the online max, Σexp rescaled to it, Σz, ties at the max and Σ pick), merges with
 * another partial state, and is finished into the stats' five columns.
 */
import { LINEAR_STATS, LinearStat } from '@xent/core/internal';

/** The state as a struct, with `fold` (one logit in), `merge` (two partial states) and `stat_columns` (the finished row). */
export const rowStateFunctions = `struct RowState { count: f32, mx: f32, scaled: f32, total: f32, ties: f32, pick: f32 }
fn fold(s: RowState, z: f32, pick: f32) -> RowState {
  var r = s;
  r.total = s.total + z;
  r.pick = s.pick + pick;
  if (s.count == 0.0 || z > s.mx) {
    r.scaled = select(s.scaled * exp(s.mx - z), 0.0, s.count == 0.0) + 1.0;
    r.mx = z;
    r.ties = 1.0;
  } else if (z == s.mx) {
    r.scaled = s.scaled + 1.0;
    r.ties = s.ties + 1.0;
  } else {
    r.scaled = s.scaled + exp(z - s.mx);
  }
  r.count = s.count + 1.0;
  return r;
}
fn merge(a: RowState, b: RowState) -> RowState {
  if (b.count == 0.0) { return a; }
  if (a.count == 0.0) { return b; }
  let top = max(a.mx, b.mx);
  return RowState(a.count + b.count, top, a.scaled * exp(a.mx - top) + b.scaled * exp(b.mx - top),
    a.total + b.total, select(0.0, a.ties, a.mx == top) + select(0.0, b.ties, b.mx == top), a.pick + b.pick);
}
fn stat_columns(s: RowState) -> array<f32, ${LINEAR_STATS}> {
  var c: array<f32, ${LINEAR_STATS}>;
  c[${LinearStat.Lse}] = s.mx + log(s.scaled);
  c[${LinearStat.Pick}] = s.pick;
  c[${LinearStat.Sum}] = s.total;
  c[${LinearStat.Max}] = s.mx;
  c[${LinearStat.Ties}] = s.ties;
  return c;
}`;

/** `store_stats`: a finished row state as the row's five columns of the stats output out0. */
export const storeStatsFunction = `fn store_stats(row: i32, s: RowState) {
  let c = stat_columns(s);
  for (var j = 0; j < ${LINEAR_STATS}; j++) { st_out0(row * ${LINEAR_STATS} + j, c[j]); }
}`;
