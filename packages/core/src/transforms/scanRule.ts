/**
 * @file Scan as nodes: one custom call per output of a `ScanLoop` (they share the loop), expanded by
 * unrolling where a compiler does not keep the loop, with a VJP that is again a scan (run the other
 * way over the stacked carries), so derivatives of any order stay loops.
 */
import { either as E } from 'fp-ts';
import { vjpNodes } from '../autodiff/vjp.js';
import * as B from '../ir/build.js';
import { isFloat } from '../ir/dtype.js';
import { makeGraph, substitute } from '../ir/graph.js';
import { type CustomRule, makeParamNode, type Node, type ParamNode, type TensorType } from '../ir/node.js';
import type { ScanLoop } from '../ir/scanLoop.js';
import { newCustomRuleId } from './customRuleId.js';

/** The type of output `k` of a scan: a carry's, or a result slice's with the length in front. */
export function scanOutputType(loop: ScanLoop, k: number): TensorType {
  const t = (loop.body.outputs[k] as Node).type;
  return k < loop.carries ? t : { shape: [loop.length, ...t.shape], dtype: t.dtype };
}

const rules = new WeakMap<ScanLoop, CustomRule[]>();

/** One rule per output of `loop` (made once, so equal calls intern to one node). */
function rulesOf(loop: ScanLoop): CustomRule[] {
  const known = rules.get(loop);
  if (known !== undefined) return known;
  const made = loop.body.outputs.map((_, output): CustomRule => ({
    id: newCustomRuleId(),
    name: 'scan',
    type: () => E.right(scanOutputType(loop, output)),
    expand: (inputs) => unrollScan(loop, inputs)[output] as Node,
    vjp: (inputs, ct) =>
      scanVjp(
        loop,
        inputs,
        loop.body.outputs.map((__, k) => (k === output ? ct : null)),
      ),
    scan: { loop, output },
  }));
  rules.set(loop, made);
  return made;
}

/** The outputs of `loop` over `inputs` (consts, initial carries, scanned inputs): final carries, then stacked results. */
export function scanNodes(loop: ScanLoop, inputs: readonly Node[]): Node[] {
  return rulesOf(loop).map((rule) => B.customCall(rule, inputs));
}

/** Slice `t` of `x` along its leading axis, without that axis. */
function sliceAt(x: Node, t: number): Node {
  const shape = x.type.shape;
  const s = B.op(
    'slice',
    { start: shape.map((_, i) => (i === 0 ? t : 0)), end: shape.map((d, i) => (i === 0 ? t + 1 : d)) },
    [x],
  );
  return B.reshape(s, shape.slice(1));
}

/** Slices of one type stacked along a new leading axis (an empty [0, ...] for none). */
function stackNodes(parts: readonly Node[], type: TensorType): Node {
  if (parts.length === 0) return B.full([0, ...type.shape], 0, type.dtype);
  const rows = parts.map((p) => B.reshape(p, [1, ...type.shape]));
  return rows.length === 1 ? (rows[0] as Node) : B.op('concat', { axis: 0 }, rows);
}

/** The body applied to (consts, carries, slices): its outputs as nodes over them. */
function applyBody(loop: ScanLoop, args: readonly Node[]): Node[] {
  return substitute(loop.body.outputs, new Map(loop.body.params.map((p, i) => [p as Node, args[i] as Node])));
}

/** The scan written out step by step (what runs where the loop is not kept). */
export function unrollScan(loop: ScanLoop, inputs: readonly Node[]): Node[] {
  const consts = inputs.slice(0, loop.consts);
  let carry = inputs.slice(loop.consts, loop.consts + loop.carries);
  const xs = inputs.slice(loop.consts + loop.carries);
  const results = loop.body.outputs.length - loop.carries;
  const ys: Node[][] = Array.from({ length: results }, () => new Array<Node>(loop.length));
  for (let s = 0; s < loop.length; s++) {
    const t = loop.reverse ? loop.length - 1 - s : s;
    const out = applyBody(loop, [...consts, ...carry, ...xs.map((x) => sliceAt(x, t))]);
    carry = out.slice(0, loop.carries);
    out.slice(loop.carries).forEach((y, j) => ((ys[j] as Node[])[t] = y));
  }
  return [...carry, ...ys.map((parts, j) => stackNodes(parts, (loop.body.outputs[loop.carries + j] as Node).type))];
}

const residualLoops = new WeakMap<ScanLoop, ScanLoop>();

/** `loop` that also stacks the carry each step starts from (the residuals of its VJP). */
function withResiduals(loop: ScanLoop): ScanLoop {
  const known = residualLoops.get(loop);
  if (known !== undefined) return known;
  const carryParams = loop.body.params.slice(loop.consts, loop.consts + loop.carries);
  const made: ScanLoop = { ...loop, body: makeGraph(loop.body.params, [...loop.body.outputs, ...carryParams]) };
  residualLoops.set(loop, made);
  return made;
}

const indicesWhere = (nodes: readonly Node[]): number[] => nodes.flatMap((n, i) => (isFloat(n.type.dtype) ? [i] : []));

/**
 * Cotangents of a scan's inputs (null for zero) from those of its outputs: a scan in the other direction
 * whose carry is the carries' cotangent and the consts' accumulated cotangent, stepping over the stacked
 * carries (recomputed by a forward scan that keeps them), the scanned inputs and the results' cotangents.
 * ∂(consts) = Σ_t ∂body/∂consts, ∂(carry_t) = ∂body/∂carry at step t, ∂(x_t) = ∂body/∂x at step t.
 */
export function scanVjp(loop: ScanLoop, inputs: readonly Node[], cts: readonly (Node | null)[]): (Node | null)[] {
  if (cts.every((c) => c === null)) return inputs.map(() => null);
  const { body, consts: nk, carries: nc, length } = loop;
  const constsIn = inputs.slice(0, nk);
  const xsIn = inputs.slice(nk + nc);
  const stacked = scanNodes(withResiduals(loop), inputs).slice(body.outputs.length);
  const fresh = (nodes: readonly Node[], name: string): ParamNode[] =>
    nodes.map((n, i) => makeParamNode(n.type, `${name}${i}`));
  const kP = fresh(body.params.slice(0, nk), 'k');
  const cP = fresh(body.params.slice(nk, nk + nc), 'c');
  const xP = fresh(body.params.slice(nk + nc), 'x');
  const ys = body.outputs.slice(nc);
  const fk = indicesWhere(kP);
  const fc = indicesWhere(cP);
  const fx = indicesWhere(xP);
  const fy = indicesWhere(ys);
  const ctcP = fresh(
    fc.map((i) => cP[i] as Node),
    'dc',
  );
  const accP = fresh(
    fk.map((i) => kP[i] as Node),
    'dk',
  );
  const ctyP = fresh(
    fy.map((j) => ys[j] as Node),
    'dy',
  );
  const out = applyBody(loop, [...kP, ...cP, ...xP]);
  const g = vjpNodes(
    [...fc.map((i) => out[i] as Node), ...fy.map((j) => out[nc + j] as Node)],
    [...fk.map((i) => kP[i] as Node), ...fc.map((i) => cP[i] as Node), ...fx.map((i) => xP[i] as Node)],
    [...ctcP, ...ctyP],
  );
  const gk = g.slice(0, fk.length);
  const gc = g.slice(fk.length, fk.length + fc.length);
  const gx = g.slice(fk.length + fc.length);
  const nextCarry = [
    ...gc.map((c, i) => c ?? B.zerosLike(ctcP[i] as Node)),
    ...gk.map((c, i) => (c === null ? (accP[i] as Node) : B.add(accP[i] as Node, c))),
  ];
  const back: ScanLoop = {
    body: makeGraph(
      [...kP, ...ctcP, ...accP, ...cP, ...xP, ...ctyP],
      [...nextCarry, ...gx.map((c, i) => c ?? B.zerosLike(xP[fx[i] as number] as Node))],
    ),
    consts: nk,
    carries: fc.length + fk.length,
    xs: nc + xsIn.length + fy.length,
    length,
    reverse: !loop.reverse,
  };
  const zerosOf = (t: TensorType): Node => B.full(t.shape, 0, t.dtype);
  const res = scanNodes(back, [
    ...constsIn,
    ...fc.map((i) => cts[i] ?? zerosOf(scanOutputType(loop, i))),
    ...fk.map((i) => B.zerosLike(constsIn[i] as Node)),
    ...stacked,
    ...xsIn,
    ...fy.map((j) => cts[nc + j] ?? zerosOf(scanOutputType(loop, nc + j))),
  ]);
  const result: (Node | null)[] = inputs.map(() => null);
  fc.forEach((i, r) => (result[nk + i] = res[r] as Node));
  fk.forEach((i, r) => (result[i] = res[fc.length + r] as Node));
  fx.forEach((i, r) => (result[nk + nc + i] = res[fc.length + fk.length + r] as Node));
  return result;
}
