/**
 * @file WGSL for the fused linear-logit kernels. Logits z = s(h_n·W_v + b_v) are recomputed where
 * needed and never stored. Stats: a workgroup per row n strides over the vocabulary keeping an
 * online (max, Σexp, Σz, ties, pick) state and merges its 64 states in workgroup memory. Grad: a
 * pass with a workgroup per row writes dH (each step stages 64 logit cotangents, then every
 * invocation adds them into its share of the row's D accumulators), and a pass with a workgroup
 * per vocabulary entry writes dW and db the same way over the rows. Only O(N·D + V·D) is stored.
 */
import { LINEAR_STATS, LinearStat, type LinearLogitsKernel } from '@xent/core';
import { inputSpecs, outputSpec, renderBuffers } from './buffers.js';
import { prelude } from './prelude.js';
import { entryParams, flatWorkgroup, type KernelPass, type RenderedKernel } from './rendered.js';
import { literal } from './wgslOps.js';

const THREADS = 64;

/** An f32 literal. */
const f = (v: number): string => literal(v, 'f32', new Set());

/** Shared functions: the logit before and after the softcap, its slope, and the checked target. */
function logitFunctions(k: LinearLogitsKernel): string {
  const used = new Set<'tanh'>();
  const cap =
    k.softcap === null
      ? 'fn capped(u: f32) -> f32 { return u; }\nfn slope(u: f32) -> f32 { return 1.0; }'
      : `fn capped(u: f32) -> f32 { return ${f(k.softcap)} * xent_tanh(u / ${f(k.softcap)}); }
// 1 − tanh²(x) = 4e^{−2|x|}/(1 + e^{−2|x|})², without the cancellation of 1 − t² near |t| = 1
fn slope(u: f32) -> f32 { let e = exp(-2.0 * abs(u / ${f(k.softcap)})); return 4.0 * e / ((1.0 + e) * (1.0 + e)); }`;
  if (k.softcap !== null) used.add('tanh');
  return `${prelude(used)}
${cap}
fn pre_logit(n: i32, v: i32) -> f32 {
  var s = ld_in2(v);
  let ho = n * ${k.d};
  let wo = v * ${k.d};
  for (var q = 0; q < ${k.d}; q++) { s = s + ld_in0(ho + q) * ld_in1(wo + q); }
  return s;
}
fn target_of(n: i32) -> i32 { ${k.targets ? `return xent_check(ld_in3(n), ${k.v});` : 'return -1;'} }`;
}

/** dZ for one (n, v): (ct_lse·p + ct_pick·[v = y] + ct_sum + ct_max·[z = max]/ties)·s′(u). */
function cotangentFunction(k: LinearLogitsKernel, statsSlot: number, ctSlot: number): string {
  const stat = (slot: number, n: string, c: number): string => `ld_in${slot}(${n} * ${LINEAR_STATS} + ${c})`;
  return `fn logit_cotangent(n: i32, v: i32, tgt: i32) -> f32 {
  let u = pre_logit(n, v);
  let z = capped(u);
  let p = exp(z - ${stat(statsSlot, 'n', LinearStat.Lse)});
  var dz = ${stat(ctSlot, 'n', LinearStat.Sum)};
  ${k.filter ? `if (p >= ${f(2 ** -24)}) { dz = dz + ${stat(ctSlot, 'n', LinearStat.Lse)} * p; }` : `dz = dz + ${stat(ctSlot, 'n', LinearStat.Lse)} * p;`}
  if (v == tgt) { dz = dz + ${stat(ctSlot, 'n', LinearStat.Pick)}; }
  let ct_max = ${stat(ctSlot, 'n', LinearStat.Max)};
  if (ct_max != 0.0 && z == ${stat(statsSlot, 'n', LinearStat.Max)}) { dz = dz + ct_max / ${stat(statsSlot, 'n', LinearStat.Ties)}; }
  return dz * slope(u);
}`;
}

function statsPass(k: LinearLogitsKernel, buffers: string, bindings: KernelPass['bindings']): KernelPass {
  const code = `${buffers}
${logitFunctions(k)}
struct Row { count: f32, max: f32, scaled: f32, sum: f32, ties: f32, pick: f32 }
var<workgroup> rows: array<Row, ${THREADS}>;
fn merge(a: Row, b: Row) -> Row {
  if (b.count == 0.0) { return a; }
  if (a.count == 0.0) { return b; }
  let m = max(a.max, b.max);
  let ties = select(0.0, a.ties, a.max == m) + select(0.0, b.ties, b.max == m);
  return Row(a.count + b.count, m, a.scaled * exp(a.max - m) + b.scaled * exp(b.max - m), a.sum + b.sum, ties, a.pick + b.pick);
}
@compute @workgroup_size(${THREADS})
fn main(${entryParams}) {
  ${flatWorkgroup}
  if (wg >= ${k.n}) { return; }
  let t = i32(lid.x);
  let tgt = target_of(wg);
  var r = Row(0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  for (var v = t; v < ${k.v}; v = v + ${THREADS}) {
    let z = capped(pre_logit(wg, v));
    r.sum = r.sum + z;
    if (r.count == 0.0 || z > r.max) {
      r.scaled = select(r.scaled * exp(r.max - z), 0.0, r.count == 0.0) + 1.0;
      r.max = z;
      r.ties = 1.0;
    } else if (z == r.max) {
      r.scaled = r.scaled + 1.0;
      r.ties = r.ties + 1.0;
    } else {
      r.scaled = r.scaled + exp(z - r.max);
    }
    r.count = r.count + 1.0;
    if (v == tgt) { r.pick = z; }
  }
  rows[t] = r;
  workgroupBarrier();
  for (var s = ${THREADS / 2}; s > 0; s = s >> 1u) {
    if (t < s) { rows[t] = merge(rows[t], rows[t + s]); }
    workgroupBarrier();
  }
  if (t == 0) {
    let done = rows[0];
    let at = wg * ${LINEAR_STATS};
    st_out0(at + ${LinearStat.Lse}, done.max + log(done.scaled));
    st_out0(at + ${LinearStat.Pick}, done.pick);
    st_out0(at + ${LinearStat.Sum}, done.sum);
    st_out0(at + ${LinearStat.Max}, done.max);
    st_out0(at + ${LinearStat.Ties}, done.ties);
  }
}`;
  return { code, bindings, workgroups: k.n };
}

/**
 * A grad pass over `owners` (rows for dH, vocabulary entries for dW and db): each workgroup owns
 * one and walks the other axis in steps of 64, staging the logit cotangents, then accumulating
 * Σ dz·(the other operand's row) into its D outputs (and Σ dz into db).
 */
function gradPass(
  k: LinearLogitsKernel,
  buffers: string,
  bindings: KernelPass['bindings'],
  byRow: boolean,
  statsSlot: number,
  ctSlot: number,
): KernelPass {
  const perThread = Math.max(1, Math.ceil(k.d / THREADS));
  const [owners, others] = byRow ? [k.n, k.v] : [k.v, k.n];
  const other = byRow ? 'ld_in1' : 'ld_in0';
  const base = byRow ? 0 : k.n * k.d;
  const code = `${buffers}
${logitFunctions(k)}
${cotangentFunction(k, statsSlot, ctSlot)}
var<workgroup> staged: array<f32, ${THREADS}>;
@compute @workgroup_size(${THREADS})
fn main(${entryParams}) {
  ${flatWorkgroup}
  if (wg >= ${owners}) { return; }
  let t = i32(lid.x);
  var acc: array<f32, ${perThread}>;
  var bias = 0.0;
  ${byRow ? 'let tgt = target_of(wg);' : ''}
  for (var o0 = 0; o0 < ${others}; o0 = o0 + ${THREADS}) {
    let o = o0 + t;
    var dz = 0.0;
    if (o < ${others}) { dz = ${byRow ? 'logit_cotangent(wg, o, tgt)' : 'logit_cotangent(o, wg, target_of(o))'}; }
    staged[t] = dz;
    workgroupBarrier();
    let count = min(${THREADS}, ${others} - o0);
    for (var j = 0; j < count; j++) {
      let g = staged[j];
      if (g != 0.0) {
        bias = bias + g;
        for (var q = 0; q < ${perThread}; q++) {
          let col = t + q * ${THREADS};
          if (col < ${k.d}) { acc[q] = acc[q] + g * ${other}((o0 + j) * ${k.d} + col); }
        }
      }
    }
    workgroupBarrier();
  }
  for (var q = 0; q < ${perThread}; q++) {
    let col = t + q * ${THREADS};
    if (col < ${k.d}) { st_out0(${base} + wg * ${k.d} + col, acc[q]); }
  }
  ${byRow ? '' : `if (t == 0) { st_out0(${k.n * k.d + k.v * k.d} + wg, bias); }`}
}`;
  return { code, bindings, workgroups: owners };
}

export function renderLinearLogitsKernel(k: LinearLogitsKernel, maxBindingBytes: number): RenderedKernel {
  const size = k.pass === 'stats' ? k.n * LINEAR_STATS : k.n * k.d + k.v * k.d + k.v;
  const specs = [...inputSpecs(k.inputs), outputSpec(0, k.dtype, size)];
  const { code, bindings } = renderBuffers(specs, maxBindingBytes, k.targets);
  if (k.pass === 'stats') return { passes: [statsPass(k, code, bindings)], buffers: specs };
  const first = k.targets ? 4 : 3;
  return {
    passes: [gradPass(k, code, bindings, true, first, first + 1), gradPass(k, code, bindings, false, first, first + 1)],
    buffers: specs,
  };
}
