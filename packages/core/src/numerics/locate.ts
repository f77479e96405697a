/**
 * @file Finding the primitive behind a non-finite output: walk back from the output through the nodes
 * holding NaN or ±Inf to those whose operands are all finite, take the first in program order, and
 * describe it (op, call site, derivative, shapes, operands) as a NumericsError.
 */
import { type NonFiniteStep, NumericsError } from '../errors.js';
import { type HostArray, isFloat } from '../ir/dtype.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { formatType } from '../ir/printer.js';
import { isElementwisePrim } from '../ir/primInfo.js';
import { provenanceOf } from '../ir/provenance.js';
import { stridesOf } from '../ir/shape.js';
import { formatCallSite } from '../util/callSite.js';

/** The value of every node of a graph, from a run that kept every intermediate (parameters and constants included). */
export type Values = ReadonlyMap<Node, HostArray>;

const nonFinite = (v: number): boolean => !Number.isFinite(v);

/** The first position of `data` holding a value `bad` accepts, or −1. */
function find(data: HostArray, bad: (v: number) => boolean): number {
  for (let i = 0; i < data.length; i++) if (bad(data[i] as number)) return i;
  return -1;
}

/** Whether a node's value holds an element `bad` accepts (integers and booleans are always finite). */
function holds(n: Node, values: Values, bad: (v: number) => boolean): boolean {
  const data = values.get(n);
  return isFloat(n.type.dtype) && data !== undefined && find(data, bad) >= 0;
}

/**
 * The first node in `order` whose value `bad` flags while no operand's does, among those a flagged
 * output reaches through flagged values; undefined when every flagged value comes from a flagged
 * parameter or constant (non-finite inputs are not an error).
 */
function firstMaker(
  order: readonly Node[],
  outputs: readonly Node[],
  values: Values,
  bad: (v: number) => boolean,
): Node | undefined {
  const flagged = (n: Node): boolean => holds(n, values, bad);
  const makers = new Set<Node>();
  const seen = new Set<Node>();
  const stack = outputs.filter(flagged);
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    if (seen.has(n) || n.kind !== 'op') continue;
    seen.add(n);
    const sources = n.inputs.filter(flagged);
    if (sources.length === 0) makers.add(n);
    else stack.push(...sources);
  }
  return order.find((n) => makers.has(n));
}

/** A node's name in messages: its public op where recorded, for backward nodes `derivative of …`. */
function label(n: Node): string {
  const p = provenanceOf(n);
  if (p?.kind === 'derivative') return `derivative of ${label(p.of)}`;
  return p?.op ?? (n.kind === 'custom' ? n.rule.name : n.kind === 'op' ? n.prim : n.kind);
}

/** The traced node a (possibly backward) node comes from, following derivatives to their forward op. */
function tracedRoot(n: Node): Node {
  const p = provenanceOf(n);
  return p?.kind === 'derivative' ? tracedRoot(p.of) : n;
}

const formatValue = (v: number, dtype: string): string =>
  dtype === 'f32' && Number.isFinite(v) ? String(Number(v.toPrecision(8))) : String(v);

function multiIndex(flat: number, shape: readonly number[]): number[] {
  return stridesOf(shape).map((s, i) => Math.floor(flat / s) % (shape[i] as number));
}

/** The largest magnitude of an array (signed), for operands of non-elementwise primitives. */
function largest(data: HostArray): number {
  let best = 0;
  for (const v of data) if (Math.abs(v) > Math.abs(best)) best = v;
  return best;
}

const elementwise = (n: Node): boolean => n.kind === 'op' && isElementwisePrim(n.prim);

/** What a maker did: where its output first went `bad`, with what operands. */
function describeStep(n: Node, values: Values, bad: (v: number) => boolean): NonFiniteStep {
  const out = values.get(n) as HostArray;
  const at = find(out, bad);
  const operands = n.inputs.map((i) => {
    const data = values.get(i) as HostArray;
    return elementwise(n) ? (data[at] as number) : largest(data);
  });
  const root = tracedRoot(n);
  const p = provenanceOf(root);
  const site = p?.kind === 'traced' && p.site !== undefined ? formatCallSite(p.site) : undefined;
  const of = provenanceOf(n);
  return {
    prim: n.kind === 'op' ? n.prim : label(n),
    op: label(root),
    callSite: site,
    derivativeOf: of?.kind === 'derivative' ? label(of.of) : undefined,
    dtype: n.type.dtype,
    inputShapes: n.inputs.map((i) => i.type.shape),
    outputShape: n.type.shape,
    index: multiIndex(at, n.type.shape),
    value: out[at] as number,
    operands,
  };
}

/** The lines saying what a step (made by node `n`) did and where it was traced. */
function stepLines(s: NonFiniteStep, n: Node): [string, string, string] {
  const fmt = (v: number): string => formatValue(v, s.dtype);
  const types = n.inputs.map((i) => formatType(i.type)).join(', ');
  const inDerivative = s.derivativeOf === undefined ? '' : `  (in the derivative of ${s.derivativeOf})`;
  const computed = n.inputs.length === 0 ? '' : `${s.prim}(${s.operands.map(fmt).join(', ')}) = `;
  const values =
    s.operands.length === 0 || elementwise(n)
      ? `${computed}${fmt(s.value)}`
      : `${fmt(s.value)}; largest operand${s.operands.length > 1 ? 's' : ''} ${s.operands.map(fmt).join(', ')}`;
  return [
    `${s.prim}  ${types} → ${s.dtype}[${s.outputShape.join(', ')}]${inDerivative}`,
    `xent.${s.op} at ${s.callSite ?? 'a call site not recorded (trace with NaN debugging on)'}`,
    `[${s.index.join(', ')}] ${values}`,
  ];
}

const kind = (v: number): string => (Number.isNaN(v) ? 'NaN' : String(v));

/**
 * The NumericsError for a run of `graph` whose outputs hold NaN or ±Inf (`values`: every node's), or
 * undefined when those come only from non-finite inputs.
 */
export function locate(graph: Graph, values: Values): NumericsError | undefined {
  const order = graph.nodes;
  const maker = firstMaker(order, graph.outputs, values, nonFinite);
  if (maker === undefined) return undefined;
  const step = describeStep(maker, values, nonFinite);
  const outputNaN = graph.outputs.some((o) => holds(o, values, Number.isNaN));
  const nanMaker =
    outputNaN && !holds(maker, values, Number.isNaN)
      ? firstMaker(order, graph.outputs, values, Number.isNaN)
      : undefined;
  const nanStep = nanMaker === undefined ? undefined : describeStep(nanMaker, values, Number.isNaN);
  const [primitive, traced, first] = stepLines(step, maker);
  const lines = [
    `xent.${step.op}: ${step.derivativeOf === undefined ? '' : 'its derivative '}made ${kind(step.value)} from finite operands (NaN debugging)`,
    `  primitive: ${primitive}`,
    `  traced:    ${traced}`,
    `  first at:  ${first}`,
  ];
  if (nanStep !== undefined && nanMaker !== undefined) {
    const [p, t, f] = stepLines(nanStep, nanMaker);
    lines.push(`  then NaN:  ${p}`, `  traced:    ${t}`, `  first at:  ${f}`);
  }
  return new NumericsError(lines.join('\n'), step, nanStep);
}
