/**
 * @file Pass: a logsumexp whose graph also takes e^(x − lse) (its own VJP's softmax, or the exp of a
 * log-softmax) is recomputed from its parts, m = max x, e = e^(x − m), s = Σ e, lse = m + log s, and
 * each such softmax becomes e / s: one exponential per element where there were two or three (the
 * native way; a row group keeps e in cache between its passes). Every ±Inf and NaN case gives what
 * the original nodes give.
 */
import * as B from '../ir/build.js';
import { type Graph, rewriteGraph } from '../ir/graph.js';
import type { Node, OpNode } from '../ir/node.js';

/** e^(x − lse) with the expansion of lse back to x's shape: log-softmax's exp (an all −Inf row gives NaN). */
export const plainSoftmax = (x: Node, lse: Node, axes: readonly number[]): Node =>
  B.exp(B.sub(x, B.expandReduced(lse, axes, x.type.shape)));

/** e^(x − lse), rows that are all −Inf giving 0: the VJP of logsumexp (its gradient is this times the cotangent). */
export function guardedSoftmax(x: Node, lse: Node, axes: readonly number[]): Node {
  const shift = B.where(B.equal(lse, B.fullLike(lse, -Infinity)), B.zerosLike(lse), lse);
  return B.exp(B.sub(x, B.expandReduced(shift, axes, x.type.shape)));
}

/** The nodes replacing a logsumexp and the softmaxes of it the graph takes. */
function fromParts(
  lse: OpNode<'logsumexp'>,
  x: Node,
  guarded: boolean,
  plain: boolean,
): Map<'lse' | 'guarded' | 'plain', Node> {
  const { axes } = lse.params;
  const shape = x.type.shape;
  const m = B.op('max', { axes }, [x]);
  const isInf = (v: number): Node => B.equal(m, B.fullLike(m, v));
  // an all −Inf row is shifted by 0 (e = 0, s = 0); a +Inf max keeps e = e^(x − ∞): NaN at the +Inf entries, 0 elsewhere
  const shift = B.where(isInf(-Infinity), B.zerosLike(m), m);
  const e = B.exp(B.sub(x, B.expandReduced(shift, axes, shape)));
  const s = B.sum(e, axes);
  const one = B.fullLike(s, 1);
  const out = new Map<'lse' | 'guarded' | 'plain', Node>();
  // lse = m + log s, and +Inf where the max is (s is then NaN)
  out.set('lse', B.where(isInf(Infinity), B.fullLike(m, Infinity), B.add(shift, B.log(s))));
  // e / s; the VJP's rows of a ±Inf max divide by 1 (0 for an all −Inf row; 0 or NaN as e^(x − ∞) gives)
  const over = (divisor: Node): Node => B.mul(e, B.expandReduced(B.recip(divisor), axes, shape));
  if (guarded) out.set('guarded', over(B.where(B.equal(B.op('abs', {}, [m]), B.fullLike(m, Infinity)), one, s)));
  // log-softmax's exp: an all −Inf row is 0/0 = NaN, a +Inf max gives e^(x − ∞)
  if (plain) out.set('plain', over(B.where(isInf(Infinity), one, s)));
  return out;
}

/** A logsumexp to recompute from its parts, and the softmaxes of it the graph takes. */
interface Site {
  readonly lse: OpNode<'logsumexp'>;
  readonly guarded: Node | undefined;
  readonly plain: Node | undefined;
}

export function shareSoftmax(graph: Graph): Graph {
  const present = new Set<Node>(graph.nodes);
  const sites = new Map<Node, Site>();
  const softmaxOf = new Map<Node, readonly [Site, 'guarded' | 'plain']>();
  for (const n of graph.nodes) {
    if (n.kind !== 'op' || n.prim !== 'logsumexp') continue;
    const lse = n as OpNode<'logsumexp'>;
    const x = lse.inputs[0] as Node;
    if (x.type.dtype !== 'f32' && x.type.dtype !== 'f64') continue;
    // nodes are hash-consed: building the softmax again finds the graph's own node when it has one
    const guarded = guardedSoftmax(x, lse, lse.params.axes);
    const plain = plainSoftmax(x, lse, lse.params.axes);
    const site: Site = {
      lse,
      guarded: present.has(guarded) ? guarded : undefined,
      plain: present.has(plain) ? plain : undefined,
    };
    if (site.guarded === undefined && site.plain === undefined) continue;
    sites.set(lse, site);
    if (site.guarded !== undefined) softmaxOf.set(site.guarded, [site, 'guarded']);
    if (site.plain !== undefined) softmaxOf.set(site.plain, [site, 'plain']);
  }
  if (sites.size === 0) return graph;
  const parts = new Map<Site, Map<'lse' | 'guarded' | 'plain', Node>>();
  return rewriteGraph(graph, (n, mapped) => {
    const site = sites.get(n);
    if (site !== undefined) {
      const made = fromParts(
        site.lse,
        mapped(site.lse.inputs[0] as Node),
        site.guarded !== undefined,
        site.plain !== undefined,
      );
      parts.set(site, made);
      return made.get('lse') as Node;
    }
    const softmax = softmaxOf.get(n);
    if (softmax !== undefined) return parts.get(softmax[0])?.get(softmax[1]) as Node;
    return B.withInputs(n, n.inputs.map(mapped));
  });
}
