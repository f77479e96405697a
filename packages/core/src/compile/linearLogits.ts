/**
 * @file Pass `linearLogits` (the trace stage, run on a traced function before autodiff): finds logits
 * M = h·Wᵀ (+ b) of at least the backend's `linearLogitsMinElements` that are only read row-wise
 * (logsumexp, max or Σ over the vocabulary, a gather of one entry per row, through per-row shifts
 * and scalar scales, as log-softmax and cross-entropy write them) and computes those reads with the
 * fused linear-logit prim instead, so neither M nor its gradient (the prim's VJP) is stored.
 */
import * as B from '../ir/build.js';
import { type Graph, makeGraph, substitute, toposort, usersOf } from '../ir/graph.js';
import { rebuilding } from '../ir/provenance.js';
import { type AnyOpNode, hostScalar, type Node } from '../ir/node.js';
import { LinearStat } from '../ir/prim.js';
import { shapeEq, sizeOf } from '../ir/shape.js';
import { statColumn } from '../autodiff/linearLogitRules.js';

/** A node of the region as α·M + β, with β a per-row value [..., N] (absent: 0). */
interface Affine {
  readonly alpha: number;
  readonly beta: Node | undefined;
}

/** A row-wise read of the logits, with the node it replaces. */
interface Terminal {
  readonly node: Node;
  readonly read: 'lse' | 'max' | 'sum' | 'pick';
  readonly at: Affine;
  /** The gathered indices [..., N, 1] of a pick. */
  readonly indices?: Node;
}

/** The scalar a broadcast host constant holds. */
function scalarOf(n: Node): number | undefined {
  const direct = hostScalar(n);
  if (direct !== undefined) return direct;
  return n.kind === 'op' && n.prim === 'broadcast' ? hostScalar(n.inputs[0] as Node) : undefined;
}

/** For a node constant along the last axis (a broadcast of [..., N, 1] or of a scalar), its rows [..., N]. */
function rowValue(n: Node): Node | undefined {
  const shape = n.type.shape;
  const rows = shape.slice(0, -1);
  const s = scalarOf(n);
  if (s !== undefined) return B.full(rows, s, n.type.dtype);
  if (n.kind !== 'op' || n.prim !== 'broadcast') return undefined;
  const x = n.inputs[0] as Node;
  return x.type.shape.length === shape.length &&
    x.type.shape[shape.length - 1] === 1 &&
    shapeEq(x.type.shape.slice(0, -1), rows)
    ? B.reshape(x, rows)
    : undefined;
}

const addRows = (a: Node | undefined, b: Node | undefined): Node | undefined =>
  a === undefined ? b : b === undefined ? a : B.add(a, b);
const scaleRows = (a: Node | undefined, s: number): Node | undefined => (a === undefined ? undefined : B.scale(a, s));

/** How `user` transforms its region operand `x` (at `at`), a terminal read, or undefined when it cannot be fused. */
function step(user: Node, x: Node, at: Affine, last: number): Affine | Terminal | undefined {
  if (user.kind !== 'op') return undefined;
  const op = user as AnyOpNode;
  const inputs = op.inputs;
  const other = inputs[0] === x ? inputs[1] : inputs[0];
  switch (op.prim) {
    case 'neg':
      return { alpha: -at.alpha, beta: scaleRows(at.beta, -1) };
    case 'add':
    case 'sub': {
      if (inputs[0] === inputs[1] || other === undefined) return undefined;
      const r = rowValue(other);
      if (r === undefined) return undefined;
      if (user.prim === 'add') return { alpha: at.alpha, beta: addRows(at.beta, r) };
      return inputs[0] === x
        ? { alpha: at.alpha, beta: addRows(at.beta, B.neg(r)) }
        : { alpha: -at.alpha, beta: addRows(r, scaleRows(at.beta, -1)) };
    }
    case 'mul':
    case 'div': {
      if (other === undefined) return undefined;
      const s = scalarOf(other);
      if (s === undefined || !Number.isFinite(s) || s === 0 || (user.prim === 'div' && inputs[1] !== other))
        return undefined;
      const k = user.prim === 'mul' ? s : 1 / s;
      return { alpha: at.alpha * k, beta: scaleRows(at.beta, k) };
    }
    case 'logsumexp':
    case 'max':
    case 'sum': {
      const axes = op.params.axes;
      if (axes.length !== 1 || axes[0] !== last) return undefined;
      if (op.prim === 'max' && at.alpha < 0) return undefined;
      return { node: user, read: op.prim === 'logsumexp' ? 'lse' : op.prim, at };
    }
    case 'gather': {
      const idx = inputs[1] as Node;
      if (op.params.axis !== last || inputs[0] !== x || idx === x || idx.type.shape[last] !== 1) return undefined;
      return { node: user, read: 'pick', at, indices: idx };
    }
    default:
      return undefined;
  }
}

/** The row-wise reads of logits `m` (through its users), or undefined when some use needs M itself. */
function terminalsOf(m: Node, users: ReadonlyMap<Node, Node[]>, outputs: ReadonlySet<Node>): Terminal[] | undefined {
  const last = m.type.shape.length - 1;
  const region = new Map<Node, Affine>([[m, { alpha: 1, beta: undefined }]]);
  const terminals: Terminal[] = [];
  const work = [m];
  while (work.length > 0) {
    const x = work.pop() as Node;
    if (outputs.has(x)) return undefined;
    for (const user of users.get(x) ?? []) {
      if (region.has(user) || terminals.some((t) => t.node === user)) return undefined;
      const next = step(user, x, region.get(x) as Affine, last);
      if (next === undefined) return undefined;
      if ('read' in next) terminals.push(next);
      else {
        region.set(user, next);
        work.push(user);
      }
    }
  }
  return terminals;
}

/** h [..., N, D] and W [V, D] of a matmul h·Wᵀ, where the right operand is (a broadcast of) a matrix [D, V]. */
function linearOperands(m: Node): { h: Node; w: Node } | undefined {
  if (m.kind !== 'op' || m.prim !== 'matmul') return undefined;
  const [h, right] = m.inputs as [Node, Node];
  const dt = m.type.dtype;
  if (dt !== 'f32' && dt !== 'f64') return undefined;
  let wt = right;
  if (wt.type.shape.length > 2) {
    if (wt.kind !== 'op' || wt.prim !== 'broadcast') return undefined;
    const src = wt.inputs[0] as Node;
    if (src.type.shape.length !== 2) return undefined;
    wt = src;
  }
  const w =
    wt.kind === 'op' && wt.prim === 'transpose' && (wt.inputs[0] as Node).type.shape.length === 2
      ? (wt.inputs[0] as Node)
      : B.transposeLast2(wt);
  return { h, w };
}

/** A bias [V] added to every row of `m` when `m`'s only user adds one; the logits are then that sum. */
function biasOf(m: Node, users: ReadonlyMap<Node, Node[]>): { logits: Node; bias: Node } | undefined {
  const only = users.get(m);
  if (only?.length !== 1) return undefined;
  const add = only[0] as Node;
  if (add.kind !== 'op' || add.prim !== 'add' || add.inputs[0] === add.inputs[1]) return undefined;
  const other = (add.inputs[0] === m ? add.inputs[1] : add.inputs[0]) as Node;
  if (other.kind !== 'op' || other.prim !== 'broadcast') return undefined;
  const src = other.inputs[0] as Node;
  const v = m.type.shape[m.type.shape.length - 1] as number;
  if (src.type.shape[src.type.shape.length - 1] !== v || sizeOf(src.type.shape) !== v) return undefined;
  return { logits: add, bias: B.reshape(src, [v]) };
}

/** The replacements for the reads of one logit matrix. */
function fusedReads(
  m: Node,
  users: ReadonlyMap<Node, Node[]>,
  outputs: ReadonlySet<Node>,
  minElements: number,
): Map<Node, Node> | undefined {
  const ops = linearOperands(m);
  if (ops === undefined) return undefined;
  const shape = m.type.shape;
  const v = shape[shape.length - 1] as number;
  const rows = shape.slice(0, -1);
  const p = sizeOf(rows);
  if (p * v < minElements) return undefined;
  const biased = biasOf(m, users);
  const logits = biased?.logits ?? m;
  const terminals = terminalsOf(logits, users, outputs);
  if (terminals === undefined || terminals.length === 0) return undefined;
  const dtype = m.type.dtype;
  const d = ops.h.type.shape[ops.h.type.shape.length - 1] as number;
  const h = B.reshape(ops.h, [p, d]);
  const bias = biased?.bias ?? B.full([v], 0, dtype);
  // nodes are hash-consed: reads at one scale and with one set of indices share one stats node
  const statsFor = (alpha: number, indices: Node | undefined): Node =>
    B.op('linearLogitStats', { softcap: null, targets: indices !== undefined, filter: false }, [
      alpha === 1 ? h : B.scale(h, alpha),
      ops.w,
      alpha === 1 ? bias : B.scale(bias, alpha),
      ...(indices === undefined ? [] : [B.reshape(indices, [p])]),
    ]);
  const column = { lse: LinearStat.Lse, max: LinearStat.Max, sum: LinearStat.Sum, pick: LinearStat.Pick } as const;
  const out = new Map<Node, Node>();
  for (const t of terminals) {
    // Reads other than picks share the stats of a pick at the same scale when there is one.
    const indices = t.indices ?? terminals.find((o) => o.indices !== undefined && o.at.alpha === t.at.alpha)?.indices;
    // the fused read keeps where the read it replaces was traced (NaN debugging)
    const fused = rebuilding(t.node, () => {
      const value = B.reshape(statColumn(statsFor(t.at.alpha, indices), column[t.read]), rows);
      const shift = t.read === 'sum' ? scaleRows(t.at.beta, v) : t.at.beta;
      const result = shift === undefined ? value : B.add(value, shift);
      return B.reshape(result, t.node.type.shape);
    });
    out.set(t.node, fused);
  }
  return out;
}

/** The rewrite for logit matrices of at least `minElements` elements (`Infinity`: none). */
export const fuseLinearLogits =
  (minElements: number) =>
  (graph: Graph): Graph => {
    const outputs = rewriteOutputs(graph.outputs, minElements);
    return outputs.every((o, i) => o === graph.outputs[i]) ? graph : makeGraph(graph.params, outputs);
  };

/** Rewrites every fusable logit matrix read by `outputs`; returns the new outputs (the same nodes when none is). */
function rewriteOutputs(outputs: readonly Node[], minElements: number): readonly Node[] {
  if (minElements === Infinity) return outputs;
  const nodes = toposort(outputs);
  if (!nodes.some((n) => n.kind === 'op' && n.prim === 'matmul')) return outputs;
  const users = usersOf(nodes);
  const outs = new Set(outputs);
  const replace = new Map<Node, Node>();
  for (const n of nodes) {
    const reads = n.kind === 'op' && n.prim === 'matmul' ? fusedReads(n, users, outs, minElements) : undefined;
    if (reads !== undefined) for (const [from, to] of reads) replace.set(from, to);
  }
  if (replace.size === 0) return outputs;
  // A replacement may read another replaced node (a pick shifted by the log-softmax's lse): resolve
  // them against each other until none is left.
  let resolved = replace;
  for (;;) {
    const values = [...resolved.values()];
    const next = substitute(values, resolved);
    if (next.every((n, i) => n === values[i])) break;
    resolved = new Map([...resolved.keys()].map((k, i) => [k, next[i] as Node]));
  }
  return substitute(outputs, resolved);
}
