/**
 * @file Pass: partitions a graph into kernel groups. A group computes one or more materialised
 * nodes ("roots") in one loop nest: elementwise and movement ops are inlined, at most one
 * reduction is evaluated inside (reached from the roots through elementwise ops only), and roots
 * that share that reduction's loop become extra outputs of the same kernel. matmul and cumsum get
 * kernels of their own. Cheap intermediates are recomputed where used; an expensive one (with a
 * transcendental or many ops) used by several kernels is materialised once, and so is a node one
 * kernel would recompute at too many coordinates (see `DUPLICATION_LIMIT`).
 */
import type { Graph } from '../ir/graph.js';
import { hostScalar, type Node } from '../ir/node.js';
import {
  checksIndices,
  isElementwisePrim,
  isOpOf,
  isOwnKernelPrim,
  isReducePrim,
  type OpNodeOf,
  type OwnKernelPrim,
  primInfo,
  type ReducePrim,
} from '../ir/primInfo.js';
import { shapeEq } from '../ir/shape.js';
import { stridedView } from './lower.js';
import { isViewNode } from './movement.js';

/** The reduction primitives a map kernel can evaluate. */
export type ReductionNode = OpNodeOf<ReducePrim>;

export interface Group {
  readonly kind: 'map' | 'matmul' | 'scan' | 'eigh' | 'sort' | 'linearLogits';
  /** The nodes this kernel writes (all of one shape for map kernels). */
  readonly roots: readonly Node[];
  /** The reduction evaluated inside a map kernel, if any (it may also be a root). */
  readonly reduction?: ReductionNode;
}

/** A graph with its kernel groups in execution order. */
export interface Partition {
  readonly graph: Graph;
  readonly groups: readonly Group[];
}

export const isReduction = (n: Node): n is ReductionNode => isOpOf(n, isReducePrim);

/** The kernel kind of each primitive that gets a kernel of its own. */
const ownKernels: { readonly [P in OwnKernelPrim]: Exclude<Group['kind'], 'map'> } = {
  matmul: 'matmul',
  cumsum: 'scan',
  logcumsumexp: 'scan',
  eigh: 'eigh',
  argsort: 'sort',
  linearLogitStats: 'linearLogits',
  linearLogitGrad: 'linearLogits',
};

const ownKernel = (n: Node): boolean => n.kind === 'op' && isOwnKernelPrim(n.prim);

/** Nodes that are read from memory rather than computed inline. */
const isLeaf = (n: Node, materialized: ReadonlySet<Node>): boolean =>
  n.kind === 'param' || n.kind === 'const' || materialized.has(n);

interface Region {
  /** Inlined nodes. */
  readonly nodes: ReadonlySet<Node>;
  /** Materialised nodes and params/constants read by the kernel. */
  readonly leaves: ReadonlySet<Node>;
  readonly reduction: ReductionNode | undefined;
  /** Nodes that cannot be inlined here and must be materialised. */
  readonly conflicts: readonly Node[];
}

/**
 * The nodes a map/scan kernel with these roots inlines. `allowReduction` lets one reduction in
 * when it is reached from a root through elementwise ops only (so it runs in the roots' loop).
 */
function regionOf(roots: readonly Node[], materialized: ReadonlySet<Node>, allowReduction: boolean): Region {
  const nodes = new Set<Node>();
  const leaves = new Set<Node>();
  const conflicts: Node[] = [];
  let reduction: ReductionNode | undefined;
  const shape = roots[0]?.type.shape ?? [];
  const seen = new Set<string>();
  const stack: { n: Node; aligned: boolean; inBody: boolean }[] = [];
  const push = (n: Node, aligned: boolean, inBody: boolean): void => {
    const key = `${n.id}|${aligned}|${inBody}`;
    if (seen.has(key)) return;
    seen.add(key);
    stack.push({ n, aligned, inBody });
  };
  const expand = (n: Node, aligned: boolean, inBody: boolean): void => {
    const keepsAlignment = aligned && n.kind === 'op' && isElementwisePrim(n.prim);
    for (const i of n.inputs) push(i, keepsAlignment, inBody);
  };
  for (const r of roots) {
    if (isReduction(r) && allowReduction && (reduction === undefined || reduction === r)) {
      reduction = r;
      nodes.add(r);
      for (const i of r.inputs) push(i, false, true);
    } else {
      expand(r, true, false);
    }
  }
  while (stack.length > 0) {
    const { n, aligned, inBody } = stack.pop() as { n: Node; aligned: boolean; inBody: boolean };
    if (isLeaf(n, materialized)) {
      leaves.add(n);
      continue;
    }
    if (isReduction(n)) {
      const fits = allowReduction && aligned && !inBody && shapeEq(n.type.shape, shape);
      if (fits && (reduction === undefined || reduction === n)) {
        reduction = n;
        nodes.add(n);
        for (const i of n.inputs) push(i, false, true);
      } else if (!conflicts.includes(n)) {
        conflicts.push(n);
      }
      continue;
    }
    if (ownKernel(n) || n.kind === 'custom') {
      if (!conflicts.includes(n)) conflicts.push(n);
      continue;
    }
    nodes.add(n);
    expand(n, aligned, inBody);
  }
  return { nodes, leaves, reduction, conflicts };
}

/** Inline cost of recomputing a node in another kernel: the sum of its inlined nodes' `primInfo` costs. */
function inlineCost(n: Node, materialized: ReadonlySet<Node>): number {
  let cost = 0;
  const seen = new Set<Node>();
  const stack = [n];
  while (stack.length > 0) {
    const m = stack.pop() as Node;
    if (seen.has(m) || isLeaf(m, materialized)) continue;
    seen.add(m);
    if (m.kind === 'op') cost += primInfo[m.prim].cost;
    stack.push(...m.inputs);
  }
  return cost;
}

const RECOMPUTE_LIMIT = 8;

/** Elements of a node's value. */
const elementsOf = (n: Node): number => n.type.shape.reduce((a, b) => a * b, 1);

/** A movement op costs nothing to recompute itself: what makes it expensive is its input, which is the one to materialise. */
const isMovement = (n: Node): boolean => n.kind === 'op' && primInfo[n.prim].kind === 'movement';

/**
 * The most coordinate paths (distinct chains of movement ops and reductions from a root) at which
 * one kernel may recompute an inlined node: beyond it the node is materialised, so a loop-carried
 * recurrence read through shifts gives kernels whose expressions grow with the steps, not as 3ᵗ.
 */
const DUPLICATION_LIMIT = 16;

/**
 * Each inlined node's number of coordinate paths in a kernel (capped just above the limit): an
 * elementwise op reads its inputs at its own coordinates, a movement op or reduction at new ones.
 */
function duplication(g: Group, region: Region, order: ReadonlyMap<Node, number>): Map<Node, number> {
  const paths = new Map<Node, Set<string>>(g.roots.map((r) => [r, new Set([''])]));
  const byDepth = [...new Set([...g.roots, ...region.nodes])].sort((a, b) => (order.get(b) ?? 0) - (order.get(a) ?? 0));
  for (const n of byDepth) {
    const mine = paths.get(n);
    if (mine === undefined) continue;
    const moves = n.kind === 'op' && !isElementwisePrim(n.prim);
    for (const i of n.inputs) {
      if (!region.nodes.has(i)) continue;
      const theirs = paths.get(i) ?? new Set<string>();
      paths.set(i, theirs);
      for (const p of mine) {
        if (theirs.size > DUPLICATION_LIMIT) break;
        theirs.add(moves ? `${p}/${n.id}` : p);
      }
    }
  }
  return new Map([...paths].map(([n, p]) => [n, p.size]));
}

function groupOf(root: Node, materialized: ReadonlySet<Node>): Group {
  if (root.kind === 'op' && isOwnKernelPrim(root.prim)) return { kind: ownKernels[root.prim], roots: [root] };
  const { reduction } = regionOf([root], materialized, true);
  return reduction === undefined ? { kind: 'map', roots: [root] } : { kind: 'map', roots: [root], reduction };
}

/** The inputs a kernel for this group must read from memory (for matmul/scan: through their regions). */
function groupRegion(g: Group, materialized: ReadonlySet<Node>): Region {
  if (g.kind === 'map') return regionOf(g.roots, materialized, true);
  const root = g.roots[0] as Node;
  if (g.kind === 'scan' || g.kind === 'eigh' || g.kind === 'sort') return regionOf([root], materialized, false);
  if (g.kind === 'linearLogits') {
    // The fused kernels read contiguous buffers: every operand that is not one is materialised.
    const buffer = (n: Node): boolean => isLeaf(n, materialized) && hostScalar(n) === undefined;
    return {
      nodes: new Set(),
      leaves: new Set(root.inputs.filter(buffer)),
      reduction: undefined,
      conflicts: root.inputs.filter((n) => !buffer(n)),
    };
  }
  // A matmul reads an operand in place when lowering can address it as a strided view of a buffer
  // (the one rule both passes share). Any other operand is computed by a kernel of its own first:
  // the expression under its views when they would read all of it in place (a transposed product
  // is one kernel, not two; a slice keeps its own kernel, computing no more than it reads), else
  // the operand itself.
  const leaves = new Set<Node>();
  const conflicts: Node[] = [];
  for (const operand of root.inputs) {
    const view = stridedView(operand, (n) => isLeaf(n, materialized));
    if (view !== undefined) {
      leaves.add(view.leaf);
      continue;
    }
    const under = stridedView(operand, (n) => isLeaf(n, materialized) || !isViewNode(n))?.leaf;
    conflicts.push(under !== undefined && elementsOf(under) <= elementsOf(operand) ? under : operand);
  }
  return { nodes: new Set(), leaves, reduction: undefined, conflicts };
}

/** The leaves an inlined node reads, through the nodes inlined with it. */
function leavesUnder(n: Node, region: Region): Set<Node> {
  const found = new Set<Node>();
  const seen = new Set<Node>();
  const stack = [n];
  while (stack.length > 0) {
    const m = stack.pop() as Node;
    if (seen.has(m)) continue;
    seen.add(m);
    if (region.leaves.has(m)) found.add(m);
    else if (region.nodes.has(m) || m === n) stack.push(...m.inputs);
  }
  return found;
}

/** How many bindings a kernel needs per buffer: buffers over the binding size take one per chunk. */
export interface KernelLimits {
  /** Bindings one kernel may use (index checks take one for their status word). */
  readonly maxBindings: number;
  /** Bytes one binding may cover (elements count 4 bytes each). */
  readonly maxBindingBytes: number;
}

/** Bindings a kernel spends on reading or writing `n` (host scalars are inlined as literals: none). */
const bindingsOf = (n: Node, limits: KernelLimits): number =>
  hostScalar(n) !== undefined
    ? 0
    : Math.max(1, Math.ceil((n.type.shape.reduce((a, b) => a * b, 1) * 4) / limits.maxBindingBytes));

/** Bindings of a kernel: its leaves and roots, and the status word its index checks (gathers, checkIndex) write. */
function kernelBindings(g: Group, region: Region, limits: KernelLimits): number {
  const checks = [...region.nodes].some((n) => n.kind === 'op' && checksIndices(n.prim)) ? 1 : 0;
  return [...region.leaves, ...g.roots].reduce((sum, n) => sum + bindingsOf(n, limits), checks);
}

/**
 * For a kernel that needs more bindings than the limits allow, the inlined node to compute in a
 * kernel of its own instead: the one whose leaves take the most bindings beyond its own, among
 * those whose own kernel fits (counting a status word).
 */
function splitCandidate(g: Group, region: Region, limits: KernelLimits): Node | undefined {
  if (kernelBindings(g, region, limits) <= limits.maxBindings) return undefined;
  let best: Node | undefined;
  let saves = 0;
  for (const n of region.nodes) {
    if (g.roots.includes(n) || isReduction(n)) continue;
    const read = [...leavesUnder(n, region)].reduce((sum, l) => sum + bindingsOf(l, limits), 0);
    // only a split whose own kernel fits: splitting what cannot fit anyway only adds passes
    if (read + bindingsOf(n, limits) + 1 > limits.maxBindings) continue;
    if (read - bindingsOf(n, limits) > saves) {
      best = n;
      saves = read - bindingsOf(n, limits);
    }
  }
  return best;
}

/**
 * The splits, in order, after which a kernel over its limits fits (empty when it fits already), or
 * undefined when no sequence of splits gets it there: splitting what cannot fit only adds passes.
 */
function splitsToFit(g: Group, materialized: ReadonlySet<Node>, limits: KernelLimits): Node[] | undefined {
  const assumed = new Set(materialized);
  const splits: Node[] = [];
  for (;;) {
    const region = groupRegion(g, assumed);
    if (kernelBindings(g, region, limits) <= limits.maxBindings) return splits;
    const split = splitCandidate(g, region, limits);
    if (split === undefined) return undefined;
    assumed.add(split);
    splits.push(split);
  }
}

/**
 * Partitions the graph into kernel groups (the materialised set grows until every group is valid
 * and, given a device's limits, fits its bindings wherever splitting can achieve that).
 */
export function fuse(graph: Graph, limits?: KernelLimits): Partition {
  const order = new Map<Node, number>(graph.nodes.map((n, i) => [n, i]));
  const isComputed = (n: Node): boolean => n.kind === 'op' || n.kind === 'custom';
  const materialized = new Set<Node>(graph.outputs.filter(isComputed));
  for (const n of graph.nodes) if (ownKernel(n)) materialized.add(n);
  for (;;) {
    let changed = false;
    const byOrder = [...materialized].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    const groups = byOrder.map((root) => groupOf(root, materialized));
    const regions = groups.map((g) => groupRegion(g, materialized));
    for (const r of regions) {
      for (const c of r.conflicts) {
        if (!materialized.has(c)) {
          materialized.add(c);
          changed = true;
        }
      }
    }
    if (changed) continue;
    for (const i of limits === undefined ? [] : regions.keys()) {
      // the first of the splits that make the kernel fit (none when it fits, or when no splits can make it)
      const split = splitsToFit(groups[i] as Group, materialized, limits as KernelLimits)?.[0];
      if (split !== undefined) {
        materialized.add(split);
        changed = true;
        break;
      }
    }
    if (changed) continue;
    // A node recomputed at too many coordinates in a kernel is computed once: in each such kernel,
    // the one nearest its roots (the nodes under it then start a kernel of their own).
    for (const [i, g] of groups.entries()) {
      const duplicated = [...duplication(g, regions[i] as Region, order)]
        .filter(([n, count]) => count > DUPLICATION_LIMIT && !g.roots.includes(n) && !isReduction(n))
        .map(([n]) => n)
        .sort((a, b) => (order.get(b) ?? 0) - (order.get(a) ?? 0))[0];
      if (duplicated !== undefined && !materialized.has(duplicated)) {
        materialized.add(duplicated);
        changed = true;
      }
    }
    if (changed) continue;
    // An expensive node inlined into several kernels is computed once instead. One at a time: the
    // smallest first (a per-row value costs a row's worth of memory, and once it is a buffer the
    // larger nodes over it may be cheap to recompute), then the one nearest the outputs
    // (materialising it often makes its own inputs single-use).
    const kernelsUsing = new Map<Node, number>();
    for (const r of regions) for (const n of r.nodes) kernelsUsing.set(n, (kernelsUsing.get(n) ?? 0) + 1);
    const candidates = [...kernelsUsing]
      .filter(
        ([n, count]) =>
          count > 1 && !isReduction(n) && !isMovement(n) && inlineCost(n, materialized) >= RECOMPUTE_LIMIT,
      )
      .map(([n]) => n)
      .sort((a, b) => elementsOf(a) - elementsOf(b) || (order.get(b) ?? 0) - (order.get(a) ?? 0));
    const chosen = candidates[0];
    if (chosen !== undefined) {
      materialized.add(chosen);
      changed = true;
    }
    if (!changed) break;
  }
  return {
    graph,
    groups: mergeSiblings(
      [...materialized].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0)),
      materialized,
      order,
      limits,
    ),
  };
}

/**
 * Turns roots into groups, folding an elementwise root into the kernel of a materialised
 * reduction it reads in that reduction's own loop (a multi-output kernel), when everything else it
 * reads is ready before that kernel runs and, given a device's limits, the merged kernel still fits
 * its bindings (each kernel fits on its own already, wherever splitting could make it).
 */
function mergeSiblings(
  roots: readonly Node[],
  materialized: ReadonlySet<Node>,
  order: ReadonlyMap<Node, number>,
  limits: KernelLimits | undefined,
): Group[] {
  const groups: Group[] = roots.map((r) => groupOf(r, materialized));
  const byReduction = new Map<Node, number>();
  groups.forEach((g, i) => {
    const red = g.roots[0];
    if (g.kind === 'map' && red !== undefined && g.reduction === red) byReduction.set(red, i);
  });
  const merged = new Set<number>();
  groups.forEach((g, i) => {
    const root = g.roots[0] as Node;
    if (g.kind !== 'map' || g.reduction !== undefined) return;
    for (const [red, target] of byReduction) {
      if (!shapeEq(red.type.shape, root.type.shape)) continue;
      const others = new Set(materialized);
      others.delete(red);
      const region = regionOf([root], others, true);
      if (region.reduction !== red || region.conflicts.length > 0) continue;
      const ready = [...region.leaves].every(
        (l) => l.kind !== 'op' || (order.get(l) ?? Infinity) < (order.get(red) ?? 0),
      );
      if (!ready) continue;
      const t = groups[target] as Group;
      const mergedGroup: Group = { ...t, roots: [...t.roots, root] };
      // the reduction is computed in the merged kernel's loop, not read: it is no leaf there
      const fits =
        limits === undefined ||
        kernelBindings(mergedGroup, regionOf(mergedGroup.roots, others, true), limits) <= limits.maxBindings;
      if (!fits) continue;
      groups[target] = mergedGroup;
      merged.add(i);
      return;
    }
  });
  return groups.filter((_, i) => !merged.has(i));
}
